"""Time the BAA reader on a long text PDF and on a scanned (image-only) PDF, as the issue's
speed goals state them (under 3 s for 20 text pages, under 60 s for 10 scanned pages).

    DEBUG=true .venv/bin/python manage.py bench_baa_reader [--source FILE.txt] \
        [--text-pages 20] [--scan-pages 10] [--scan-dpi 150] [--repeat 1]

The agreement text (default: the first labelled text of tests/reader_corpus) is laid out by
WeasyPrint and repeated to the page count; the scan is that PDF rasterised (pdftoppm, grey),
with speckle noise and a slight blur, saved by Pillow as image-only pages (the builders of
``reader.samples``, shared with the tests). Each document is read
end to end (``extract`` + ``rules.read``), as the Celery task does. The machine's load average
is printed beside the figures: the machine is shared.
"""

import os
import resource
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reader import rules
from reader.extract import extract
from reader.samples import scanned_pdf, text_pdf_pages


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (pdftotext, pdftoppm, tesseract):
    the figure that does not depend on the machine's load."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Command(BaseCommand):
    help = "Time the BAA reader on a long text PDF and on a scanned PDF."

    def add_arguments(self, parser):
        parser.add_argument("--source", help="an agreement as plain text")
        parser.add_argument("--text-pages", type=int, default=20)
        parser.add_argument("--scan-pages", type=int, default=10)
        parser.add_argument("--scan-dpi", type=int, default=150)
        parser.add_argument("--repeat", type=int, default=1)

    def handle(self, *args, **options):
        source = options["source"]
        if not source:
            corpus = Path(settings.BASE_DIR) / "tests" / "reader_corpus"
            found = sorted(corpus.glob("[0-9][0-9]-*.txt"))
            if not found:
                raise CommandError("Give --source FILE.txt (an agreement as plain text).")
            source = found[0]
        text = Path(source).read_text(encoding="utf-8")
        if not (shutil.which("pdftoppm") and shutil.which("tesseract")):
            raise CommandError("pdftoppm and tesseract are needed for the scanned document.")
        self.stdout.write(f"source {source}; cpus {os.cpu_count()}; load {os.getloadavg()}")
        long_pdf = text_pdf_pages(text, options["text_pages"])
        scan = scanned_pdf(
            text_pdf_pages(text, options["scan_pages"]), dpi=options["scan_dpi"], noise=0.004
        )
        for name, data, goal in (
            (f"{options['text_pages']}-page text PDF", long_pdf, 3.0),
            (f"{options['scan_pages']}-page scanned PDF", scan, 60.0),
        ):
            for _ in range(options["repeat"]):
                started, cpu = time.monotonic(), cpu_seconds()
                got = extract(data, "bench.pdf")
                result = rules.read(got.text, paged=True)
                seconds, cpu = time.monotonic() - started, cpu_seconds() - cpu
                self.stdout.write(
                    f"{name}: {seconds:.2f} s (goal < {goal:g} s; CPU {cpu:.1f} s; "
                    f"{got.pages} pages, method {got.method}, "
                    f"BAA {'yes' if result.is_baa else 'no'}, "
                    f"{len(result.proposals())} proposals; load {os.getloadavg()[0]:.2f})"
                )

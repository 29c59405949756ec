"""Renders parts of the binder to PDF with WeasyPrint, in this process or in a child process
(``python -m binder.pdfworker JOBDIR BASE_URL``) so that a large binder is laid out on several
cores and no process holds the layout of the whole binder in memory.

No Django here. A child loads WeasyPrint once, then renders the parts it is given one at a
time: it reads a part's name on stdin (``NAME.html`` in the job directory, a complete HTML
document), writes ``NAME.pdf`` and ``NAME.json`` (page count, first page of each anchor) and
answers the name on stdout; it ends when stdin closes. The parent hands the next part to
whichever child answers first, so both cores stay busy to the end.
"""

import gc
import json
import logging
import os
import sys
from pathlib import Path


def render(html: str, base_url: str) -> tuple[bytes, int, dict[str, int]]:
    """(PDF bytes, number of pages, {anchor: 0-based page of its first appearance})."""
    from weasyprint import HTML

    # WeasyPrint logs every layout step at INFO; keep the worker log readable.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    # No cyclic garbage collection during the layout: WeasyPrint allocates millions of
    # objects, most of them alive until the PDF is written, and the collector kept walking
    # them (8-10% of the time). One collection after the part frees what it left.
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = HTML(string=html, base_url=base_url).render()
        anchors: dict[str, int] = {}
        for number, page in enumerate(document.pages):
            for anchor in page.anchors:
                anchors.setdefault(anchor, number)
        pdf = document.write_pdf()
        pages = len(document.pages)
        del document
    finally:
        if collecting:
            gc.enable()
    gc.collect()
    return pdf, pages, anchors


def main(argv: list[str]) -> int:
    jobdir, base_url = Path(argv[0]), argv[1]
    # The answers have stdout to themselves: anything a library prints goes to the log.
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # Loaded before the first part arrives: the parent renders the templates meanwhile.
    import weasyprint  # noqa: F401

    gc.freeze()  # the modules' objects: never collected, no need to walk them after each part
    for line in sys.stdin:
        name = line.strip()
        if not name:
            continue
        html = (jobdir / f"{name}.html").read_text("utf-8")
        pdf, pages, anchors = render(html, base_url)
        (jobdir / f"{name}.pdf").write_bytes(pdf)
        (jobdir / f"{name}.json").write_text(json.dumps({"pages": pages, "anchors": anchors}))
        # Answered last: the part is complete.
        answers.write(name + "\n")
        answers.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

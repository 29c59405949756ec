"""Renders parts of the binder to PDF with WeasyPrint, in this process or in a child process
(``python -m binder.pdfworker JOBDIR INDEX...``) so that a large binder is laid out on several
cores and no process holds the layout of the whole binder in memory.

No Django here: a part is a complete HTML document (``part-N.html`` in the job directory);
the result is ``part-N.pdf`` and ``part-N.json`` (page count, first page of each anchor).
"""

import gc
import json
import logging
import sys
from pathlib import Path


def render(html: str, base_url: str) -> tuple[bytes, int, dict[str, int]]:
    """(PDF bytes, number of pages, {anchor: 0-based page of its first appearance})."""
    from weasyprint import HTML

    # WeasyPrint logs every layout step at INFO; keep the worker log readable.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    document = HTML(string=html, base_url=base_url).render()
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            anchors.setdefault(anchor, number)
    pdf = document.write_pdf()
    pages = len(document.pages)
    del document
    gc.collect()
    return pdf, pages, anchors


def main(argv: list[str]) -> int:
    jobdir, base_url, indexes = Path(argv[0]), argv[1], argv[2:]
    for index in indexes:
        html = (jobdir / f"part-{index}.html").read_text("utf-8")
        pdf, pages, anchors = render(html, base_url)
        (jobdir / f"part-{index}.pdf").write_bytes(pdf)
        # Written last: its presence says the part is complete.
        (jobdir / f"part-{index}.json").write_text(json.dumps({"pages": pages, "anchors": anchors}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

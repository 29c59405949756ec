"""Lays out the binder's parts (in parallel child processes when there are several) and joins
them with pypdf: page numbers stamped on the body, bookmarks for every section and vendor.

Why parts: WeasyPrint's time and memory grow with the size of one document; a 200-vendor
binder as one document took 45-55 s and 856 MB. Each part (the inventory, a few vendor files,
the closing sections) starts on a new page anyway, so the parts are laid out independently,
two at a time on two cores, and the page numbers are added once the page count of every part
is known. The two worker processes live for the whole binder (WeasyPrint is loaded once in
each, while this process gathers the records and renders the templates) and each takes the
next part as soon as it is free, so neither waits for the other on a big part.
"""

import json
import selectors
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from django.conf import settings
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
)

from . import pdfworker

# Helvetica (a standard PDF font, nothing to embed) advance widths, per 1000 em.
_HELVETICA = {" ": 278, "P": 667, "a": 556, "g": 556, "e": 556} | {str(d): 556 for d in range(10)}
_FONT = NameObject("/FBinderPageNo")


@dataclass
class Rendered:
    pdf: bytes
    pages: int
    anchors: dict[str, int] = field(default_factory=dict)


class Renderer:
    """Lays out HTML documents to PDF: in ``workers`` child processes, or in this process when
    ``workers`` is 1. Use as a context manager; the children start on entry, so they load
    WeasyPrint while the caller renders its templates, and serve every ``render`` call (the
    body parts, then the front matter) until the exit."""

    def __init__(self, workers: int):
        self.workers = max(1, workers)
        self.base = str(settings.BASE_DIR)
        self._children: list[subprocess.Popen] = []
        self._count = 0

    def __enter__(self) -> "Renderer":
        if self.workers > 1:
            self._tmp = tempfile.TemporaryDirectory(prefix="binder-")
            self.jobdir = Path(self._tmp.name)
            for number in range(self.workers):
                with open(self.jobdir / f"worker-{number}.log", "wb") as log:
                    child = subprocess.Popen(
                        [sys.executable, "-m", "binder.pdfworker", str(self.jobdir), self.base],
                        cwd=self.base,
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=log,
                    )
                child.log = self.jobdir / f"worker-{number}.log"
                self._children.append(child)
        return self

    def __exit__(self, kind, error, traceback) -> None:
        for child in self._children:
            if error is None:
                child.stdin.close()
                child.wait()
            else:
                child.kill()
                child.wait()
            child.stdout.close()
        if self.workers > 1:
            self._tmp.cleanup()

    def render(self, parts: list[str]) -> list[Rendered]:
        """Every HTML part rendered to PDF, in order."""
        if self.workers == 1:
            return [Rendered(*pdfworker.render(html, self.base)) for html in parts]
        names = []
        for html in parts:
            name = f"part-{self._count}"
            self._count += 1
            (self.jobdir / f"{name}.html").write_text(html, "utf-8")
            names.append(name)
        # Largest first, each to the first child free: the children finish at about the
        # same time.
        pending = sorted(range(len(parts)), key=lambda i: -len(parts[i]))
        idle = list(self._children)
        busy: dict[int, str] = {}
        with selectors.DefaultSelector() as selector:
            for child in self._children:
                selector.register(child.stdout, selectors.EVENT_READ, child)
            while pending or busy:
                while idle and pending:
                    child = idle.pop()
                    name = names[pending.pop(0)]
                    child.stdin.write(f"{name}\n".encode())
                    child.stdin.flush()
                    busy[child.pid] = name
                for key, _ in selector.select():
                    child = key.data
                    answer = child.stdout.readline().decode().strip()
                    if answer != busy.get(child.pid):
                        log = child.log.read_text("utf-8", "replace")[-2000:]
                        raise RuntimeError(f"a binder part could not be rendered:\n{log}")
                    del busy[child.pid]
                    idle.append(child)
        results = []
        for name in names:
            meta = json.loads((self.jobdir / f"{name}.json").read_text())
            pdf = (self.jobdir / f"{name}.pdf").read_bytes()
            results.append(Rendered(pdf, meta["pages"], meta["anchors"]))
        return results


def _stamp(writer: PdfWriter, page, text: str, font_ref) -> None:
    """Write ``text`` at the bottom right of ``page``, in the footer's place and size."""
    size = 8
    width = sum(_HELVETICA.get(c, 556) for c in text) * size / 1000
    box = page.mediabox
    x = float(box.right) - 16 / 25.4 * 72 - width  # the 16 mm side margin of _style.html
    y = float(box.bottom) + 9 / 25.4 * 72
    resources = page.get("/Resources")
    if resources is None:
        resources = DictionaryObject()
        page[NameObject("/Resources")] = resources
    resources = resources.get_object()
    fonts = resources.get("/Font")
    if fonts is None:
        fonts = DictionaryObject()
        resources[NameObject("/Font")] = fonts
    fonts = fonts.get_object()
    fonts[_FONT] = font_ref
    before, after = DecodedStreamObject(), DecodedStreamObject()
    before.set_data(b"q\n")
    after.set_data(
        f"Q\nq BT /FBinderPageNo {size} Tf 0.333 g {x:.2f} {y:.2f} Td ({text}) Tj ET Q\n".encode()
    )
    contents = page.get("/Contents")
    existing = []
    if contents is not None:
        resolved = contents.get_object()
        existing = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject(
        [writer._add_object(before), *existing, writer._add_object(after)]
    )


def assemble(front: Rendered, body: list[Rendered], outline: list[tuple[str, int, int]]) -> bytes:
    """Front matter (unnumbered), then the body parts with "Page N" on each page.

    ``outline``: (title, body page number from 1, level 0 or 1) bookmarks."""
    writer = PdfWriter()
    writer.append(PdfReader(BytesIO(front.pdf)))
    front_pages = len(writer.pages)
    for part in body:
        writer.append(PdfReader(BytesIO(part.pdf)), import_outline=False)
    font_ref = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    for number, page in enumerate(writer.pages[front_pages:], start=1):
        _stamp(writer, page, f"Page {number}", font_ref)
    parent = None
    for title, page_number, level in outline:
        target = front_pages + page_number - 1 if page_number else 0
        if level == 0:
            parent = writer.add_outline_item(title=title, page_number=target)
        else:
            writer.add_outline_item(title=title, page_number=target, parent=parent)
    writer.page_mode = "/UseOutlines"
    out = BytesIO()
    writer.write(out)
    return out.getvalue()

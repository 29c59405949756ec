"""Text out of an uploaded agreement: PDF text layer (pypdf), DOCX (python-docx), plain text,
and scanned image-only PDFs through OCR (Debian ``poppler-utils`` ``pdftoppm`` and
``tesseract-ocr``, run as local programs: no network, no downloaded model).

Pages are joined with form feeds so that the reader can say on which page an excerpt is.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .text import _ABBREV


class ExtractionError(Exception):
    """The document cannot be read; ``code`` says why, ``message`` says it to the user."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


MESSAGES = {
    "encrypted": "The PDF is encrypted (password-protected), so its text cannot be read. "
    "Upload an unprotected copy.",
    "unreadable": "The file could not be opened as a PDF, Word (DOCX) or text document.",
    "empty": "The document has no text to read, and it has no scanned pages to recognise.",
    "ocr_unavailable": "The document is a scan (images without text) and text recognition (OCR) "
    "is not installed on this server.",
    "ocr_failed": "The document is a scan (images without text) and text recognition (OCR) "
    "could not read it. Upload a clearer scan or the original PDF.",
    "not_a_baa": "This document does not read like a business associate agreement (it does not "
    "name a business associate and state the required provisions), so nothing is proposed.",
}

# Below this many letters per page, a PDF page is taken for a scan.
MIN_LETTERS_PER_PAGE = 40
OCR_DPI = 200
OCR_TIMEOUT_PER_PAGE = 60


@dataclass
class Extracted:
    text: str
    pages: int
    method: str  # "text", "pdf", "docx", "ocr"


def extract(data: bytes, filename: str = "") -> Extracted:
    name = filename.lower()
    if data[:5] == b"%PDF-" or name.endswith(".pdf"):
        return _pdf(data)
    if data[:2] == b"PK" or name.endswith(".docx"):
        return _docx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as e:
            raise ExtractionError("unreadable", MESSAGES["unreadable"]) from e
    if not text.strip():
        raise ExtractionError("empty", MESSAGES["empty"])
    return Extracted(text, text.count("\f") + 1, "text")


def _pdf(data: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # An empty owner password opens many "protected" PDFs that only forbid printing.
            try:
                if not reader.decrypt(""):
                    raise ExtractionError("encrypted", MESSAGES["encrypted"])
            except ExtractionError:
                raise
            except Exception as e:
                raise ExtractionError("encrypted", MESSAGES["encrypted"]) from e
        pages = _pdftotext(data, encrypted=reader.is_encrypted)
        if pages is None:
            pages = [(page.extract_text() or "") for page in reader.pages]
    except ExtractionError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError) as e:
        raise ExtractionError("unreadable", MESSAGES["unreadable"]) from e
    letters = sum(sum(c.isalpha() for c in p) for p in pages)
    if pages and letters >= MIN_LETTERS_PER_PAGE * len(pages) / 2:
        return Extracted(join_pages([reflow(p) for p in pages]), len(pages), "pdf")
    if not pages or not _has_images(reader):
        raise ExtractionError("empty", MESSAGES["empty"])
    return _ocr(data, len(pages))


def _pdftotext(data: bytes, *, encrypted: bool) -> list[str] | None:
    """Poppler's pdftotext, ten times faster than pypdf on long PDFs; None to fall back."""
    if encrypted or not shutil.which("pdftotext"):
        return None
    try:
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-q", "-", "-"],
            input=data,
            capture_output=True,
            check=True,
            timeout=60,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return None
    pages = done.stdout.decode("utf-8", "replace").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # pdftotext ends every page with a form feed
    return pages


def _has_images(reader) -> bool:
    for page in reader.pages:
        try:
            resources = page.get("/Resources") or {}
            xobjects = resources.get("/XObject") or {}
            if any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.values()):
                return True
        except Exception:  # a damaged resource dictionary: let OCR try
            return True
    return False


_ITEM = re.compile(
    r"\s*(?:\(?[a-zA-Z0-9]{1,4}[).]\s|\d+(?:\.\d+)+\s|[-*\u2022]\s|(?:section|article)\s+\d)", re.I
)


def reflow(page: str) -> str:
    """Join the lines a PDF wrapped inside a paragraph; keep headings and list items apart.

    A line is a wrapped one when it is about as long as the page's full lines and does not end
    a sentence; the next line then continues it, unless it starts a numbered item.
    """
    lines = page.split("\n")
    lengths = sorted(len(x.strip()) for x in lines if x.strip())
    if not lengths:
        return page
    full = lengths[int(len(lengths) * 0.8)]
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        if out and out[-1] and stripped:
            prev = out[-1]
            ends = prev.endswith((".", ":", ";", "?", "!")) and not _ABBREV.search(prev)
            wrapped = len(prev) >= 0.6 * full and not ends
            # a line that starts in lower case (or with a section sign) continues the last one
            continues = stripped[0].islower() or stripped[0] == "\u00a7"
            if (wrapped or continues) and not _ITEM.match(stripped):
                hyphenated = prev.endswith("-") and prev[-2:-1].isalpha()
                out[-1] = prev[:-1] + stripped if hyphenated else f"{prev} {stripped}"
                continue
        out.append(stripped)
    return "\n".join(out)


def join_pages(pages: list[str]) -> str:
    """Pages joined by form feeds; a sentence cut by a page break is kept whole (the form feed
    stays inside it, so the page count is still right)."""
    out = ""
    for i, page in enumerate(pages):
        text = page.strip("\n ")
        if i == 0:
            out = text
            continue
        tail = out.rstrip()
        cut = tail and not tail.endswith((".", ":", ";", "?", "!")) and text[:1].islower()
        out = (tail + " \f" if cut else out + "\n\f") + text
    return out


def ocr_available() -> bool:
    return bool(shutil.which("pdftoppm") and shutil.which("tesseract"))


def _ocr(data: bytes, page_count: int) -> Extracted:
    if not ocr_available():
        raise ExtractionError("ocr_unavailable", MESSAGES["ocr_unavailable"])
    with tempfile.TemporaryDirectory(prefix="reader-ocr-") as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(data)
        try:
            subprocess.run(
                # uncompressed grey pages (PGM): PNG compression cost twenty times the render
                ["pdftoppm", "-r", str(OCR_DPI), "-gray", str(src), str(Path(tmp) / "p")],
                check=True,
                capture_output=True,
                timeout=OCR_TIMEOUT_PER_PAGE * max(page_count, 1),
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
            raise ExtractionError("ocr_failed", MESSAGES["ocr_failed"]) from e
        images = sorted(Path(tmp).glob("p-*.pgm"))
        workers = max(1, min(len(images), os.cpu_count() or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            texts = list(pool.map(_ocr_page, images))
    if sum(sum(c.isalpha() for c in t) for t in texts) < MIN_LETTERS_PER_PAGE:
        raise ExtractionError("ocr_failed", MESSAGES["ocr_failed"])
    return Extracted(join_pages([reflow(t) for t in texts]), len(texts), "ocr")


def _ocr_page(image: Path) -> str:
    """One page: speckle removed with a 3x3 median filter, then tesseract's automatic page
    segmentation (one thread each; pages run side by side)."""
    try:
        from PIL import Image, ImageFilter  # installed with WeasyPrint

        with Image.open(image) as im:
            im.filter(ImageFilter.MedianFilter(3)).save(image)
    except ImportError:  # pragma: no cover - OCR still runs on the unfiltered page
        pass
    try:
        done = subprocess.run(
            ["tesseract", str(image), "stdout", "-l", "eng", "--psm", "3"],
            check=True,
            capture_output=True,
            timeout=OCR_TIMEOUT_PER_PAGE,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        raise ExtractionError("ocr_failed", MESSAGES["ocr_failed"]) from e
    return done.stdout.decode("utf-8", "replace")


def _docx(data: bytes) -> Extracted:
    try:
        import docx
    except ImportError as e:  # pragma: no cover - pinned in requirements.txt
        raise ExtractionError("unreadable", MESSAGES["unreadable"]) from e
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises several kinds for a bad zip or XML
        raise ExtractionError("unreadable", MESSAGES["unreadable"]) from e
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    text = "\n".join(lines)
    if not text.strip():
        raise ExtractionError("empty", MESSAGES["empty"])
    return Extracted(text, 1, "docx")

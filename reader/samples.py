"""Sample agreement files built from plain text, for the reader's tests, its labelled corpus
(``tests/reader_corpus/make_corpus.py``) and ``bench_baa_reader``: a text PDF (WeasyPrint), a
DOCX (python-docx), an image-only "scanned" PDF (rendered, rasterised with pdftoppm, noise
added, saved by Pillow), a page of pure noise. Nothing here runs in a request; the heavy
libraries are imported when a builder is called."""

import html
import io
import random
import shutil
import subprocess
import tempfile
from pathlib import Path


def text_pdf(text: str, *, pages_of: int = 1) -> bytes:
    """The text laid out as a PDF, ``pages_of`` times over (each copy starts a page)."""
    from weasyprint import HTML

    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    body = "".join(
        f'<section style="page-break-after: always">{paragraphs}</section>' for _ in range(pages_of)
    )
    page = f"<html><body style='font: 11pt serif'>{body}</body></html>"
    return HTML(string=page).write_pdf()


def text_pdf_pages(text: str, pages: int) -> bytes:
    """``text_pdf`` of the text once, its pages repeated to exactly ``pages`` pages."""
    from pypdf import PdfReader, PdfWriter

    one = PdfReader(io.BytesIO(text_pdf(text)))
    writer = PdfWriter()
    while len(writer.pages) < pages:
        for page in one.pages:
            if len(writer.pages) < pages:
                writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        if line.strip():
            document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def scanned_pdf(pdf: bytes, *, dpi: int = 150, noise: float = 0.01, seed: int = 7) -> bytes:
    """Rasterise each page, add speckle noise and a slight blur, and keep only the images."""
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        subprocess.run(
            [shutil.which("pdftoppm"), "-r", str(dpi), "-gray", "-png", str(src), f"{tmp}/p"],
            check=True,
        )
        images = []
        for path in sorted(Path(tmp).glob("p-*.png")):
            im = Image.open(path).convert("L").filter(ImageFilter.GaussianBlur(0.4))
            px = im.load()
            w, h = im.size
            for _ in range(int(w * h * noise)):
                px[rng.randrange(w), rng.randrange(h)] = rng.choice((0, 255))
            images.append(im)
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def noise_pdf() -> bytes:
    """An image-only page of pure noise: OCR finds no words in it."""
    from PIL import Image

    rng = random.Random(3)
    im = Image.new("L", (800, 1000), 255)
    px = im.load()
    for x in range(800):
        for y in range(0, 1000, 2):
            px[x, y] = rng.choice((0, 255))
    out = io.BytesIO()
    im.save(out, "PDF", resolution=100)
    return out.getvalue()

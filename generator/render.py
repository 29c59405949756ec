"""The template's clause list (``template.py``) as DOCX (python-docx) and PDF (WeasyPrint)."""

import io
import logging

from django.template.loader import render_to_string

from .template import Document


def to_docx(doc: Document) -> bytes:
    from docx import Document as Docx
    from docx.shared import Pt

    out = Docx()
    out.add_heading(doc.title, level=0)
    out.add_paragraph(doc.parties)
    for number, clause in enumerate(doc.clauses, start=1):
        out.add_heading(f"{number}. {clause.heading}", level=2)
        out.add_paragraph(clause.text)
        note = out.add_paragraph()
        run = note.add_run(f"Drafting note: {clause.note}")
        run.italic = True
        run.font.size = Pt(8)
    out.add_heading("Signatures", level=2)
    for party in ("Covered Entity", "Business Associate"):
        out.add_paragraph(f"{party}: name, title, date, signature")
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def to_pdf(doc: Document) -> bytes:
    from weasyprint import HTML

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    html = render_to_string("generator/agreement_pdf.html", {"doc": doc})
    return HTML(string=html).write_pdf()


def memo_pdf(context: dict) -> bytes:
    """The one-page negotiation memo (``comparison.py``'s differences) as PDF."""
    from weasyprint import HTML

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    return HTML(string=render_to_string("generator/memo_pdf.html", context)).write_pdf()


def signed_pdf(original: bytes, signature, *, consent: str) -> bytes:
    """The agreement's PDF followed by a signature page with both signatures and the audit
    data (times, IPs, the SHA-256 of the document signed), joined with pypdf."""
    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    organization = signature.organization
    page = HTML(
        string=render_to_string(
            "generator/signature_page.html",
            {
                "s": signature,
                "practice": organization,
                "vendor": signature.generated.vendor,
                "consent": consent,
            },
        )
    ).write_pdf()
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(original)))
    writer.append(PdfReader(io.BytesIO(page)))
    writer.add_metadata({"/Title": f"Business Associate Agreement - {signature.generated.vendor}"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

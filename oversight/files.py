"""Private documents: signed BAAs, amendments, diligence evidence, disposition certificates.

- Uploads are validated by *content*, not by name: a PDF must start with ``%PDF-`` and parse
  with pypdf, unencrypted; images and office files must carry their format's signature.
- The size is limited (``settings.MAX_UPLOAD_BYTES``, default 20 MB).
- The original filename is kept for display only; the file is stored under a generated name in
  the private storage (never under a public URL) and served only by views that check the
  member's practice, as an attachment, with its real content type.
- A SHA-256 of every file is recorded.
"""

import hashlib
import io
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat

from .models import TenantModel

PDF = "pdf"
IMAGES = "images"
OFFICE = "office"


@dataclass(frozen=True)
class Sniffed:
    extension: str
    content_type: str


def _sniff_pdf(head: bytes, data: bytes) -> Sniffed | None:
    if not head.startswith(b"%PDF-"):
        return None
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                "This PDF is encrypted or password-protected. Upload an unprotected copy."
            )
        if len(reader.pages) < 1:
            raise ValidationError("This PDF has no pages.")
    except ValidationError:
        raise
    except (PdfReadError, Exception) as error:  # pypdf raises many kinds on corrupt input
        raise ValidationError("This PDF is damaged and cannot be read.") from error
    return Sniffed("pdf", "application/pdf")


def _sniff_image(head: bytes) -> Sniffed | None:
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("png", "image/png")
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("jpg", "image/jpeg")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return Sniffed("gif", "image/gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("webp", "image/webp")
    return None


OOXML = {
    "word/": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ppt/": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}


def _sniff_office(head: bytes, data: bytes, name: str) -> Sniffed | None:
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile as error:
            raise ValidationError("This office document is damaged.") from error
        if "[Content_Types].xml" in names:
            for prefix, (ext, ctype) in OOXML.items():
                if any(n.startswith(prefix) for n in names):
                    return Sniffed(ext, ctype)
        return None
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # legacy .doc/.xls (OLE2)
        if name.lower().endswith(".xls"):
            return Sniffed("xls", "application/vnd.ms-excel")
        return Sniffed("doc", "application/msword")
    return None


KIND_LABELS = {
    PDF: "a PDF",
    IMAGES: "an image (PNG, JPEG, GIF, WebP)",
    OFFICE: "a Word, Excel or PowerPoint file",
}


def validate_upload(upload, *, allowed=(PDF,)) -> Sniffed:
    """Check an uploaded file; return its real type or raise ``ValidationError`` with a
    message for the user. Reads the file fully (it is bounded by the size limit)."""
    name = upload.name or ""
    if any(part in name for part in ("/", "\\", "\x00")) or name in ("", ".", "..") or ".." in name:
        raise ValidationError("The file name must not contain folder names or path characters.")
    limit = settings.MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            f"The file is too large ({filesizeformat(upload.size or 0)}); "
            f"the limit is {filesizeformat(limit)}."
        )
    if upload.size == 0:
        raise ValidationError("The file is empty.")
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    head = data[:16]
    sniffed = None
    if PDF in allowed:
        sniffed = _sniff_pdf(head, data)
    if sniffed is None and IMAGES in allowed:
        sniffed = _sniff_image(head)
    if sniffed is None and OFFICE in allowed:
        sniffed = _sniff_office(head, data, name)
    if sniffed is None:
        expected = " or ".join(KIND_LABELS[k] for k in allowed)
        raise ValidationError(f"This file is not {expected} (its content does not match).")
    return sniffed


def display_name(name: str) -> str:
    """The original filename, kept only for display and the download name."""
    name = name.replace("\x00", "").strip()[:200]
    return name or "document"


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in (
        upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b"")
    ):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _generated_path(instance, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"documents/{instance.organization_id}/{uuid.uuid4().hex}.{ext}"


class StoredFile(TenantModel):
    """Abstract base of every private document. Subclasses add their owner FK."""

    file = models.FileField(upload_to=_generated_path, max_length=255)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    @classmethod
    def from_upload(cls, upload, *, organization, uploaded_by, allowed=(PDF,), **fields):
        """Validate and build (unsaved) from an uploaded file; raises ValidationError."""
        sniffed = validate_upload(upload, allowed=allowed)
        instance = cls(
            organization=organization,
            original_name=display_name(upload.name),
            content_type=sniffed.content_type,
            size=upload.size,
            sha256=sha256_of(upload),
            uploaded_by=uploaded_by,
            **fields,
        )
        instance.file.save(f"upload.{sniffed.extension}", upload, save=False)
        return instance


def serve_field(field_file, *, filename: str, content_type: str) -> FileResponse:
    """A stored file as an attachment. Call only after the practice check."""
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def serve(stored: StoredFile) -> FileResponse:
    """The document as an attachment with its real type. Call only after the practice check."""
    return serve_field(stored.file, filename=stored.original_name, content_type=stored.content_type)

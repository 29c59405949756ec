"""Private documents: signed BAAs, amendments, diligence evidence, disposition certificates.

- Uploads are validated by *content*, not by name: a PDF must start with ``%PDF-`` and parse
  with pypdf, unencrypted; images and office files must carry their format's signature; a
  Word document (``DOCX``, agreement documents the BAA reader reads) must also open with
  python-docx and not be macro-enabled (.docm).
- Active or disguised content is refused, whatever the file's type:
  a PDF with JavaScript, automatic actions (``/OpenAction`` with an action, ``/AA``),
  ``/Launch``, embedded files or rich media (found by pypdf *and* in the raw bytes, with
  ``#xx``-escaped names decoded), or a PDF polyglot (anything before ``%PDF-`` or after the
  last ``%%EOF`` other than whitespace, HTML or a ZIP inside it); an office file whose
  declared unpacked size or member count is above the caps (a zip bomb is refused from its
  directory, without unpacking), or with macros; an image that does not parse (Pillow) or
  whose bytes carry a script/HTML payload or data after its end (a GIF/JS polyglot).
- The size is limited (``settings.MAX_UPLOAD_BYTES``, default 20 MB); a request whose
  declared body is larger is refused before it is read (``oversight.middleware``).
- The original filename is kept for display only; the file is stored under a generated name in
  the private storage (never under a public URL) and served only by views that check the
  member's practice, as an attachment, with its real content type.
- A SHA-256 of every file is recorded.
"""

import hashlib
import io
import re
import struct
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
DOCX = "docx"  # a Word document only (.docx): what the BAA reader reads besides PDFs


@dataclass(frozen=True)
class Sniffed:
    extension: str
    content_type: str


PRINT_TO_PDF = (
    'Open it and print it to a new PDF ("Save as PDF" or "Microsoft Print to PDF"), '
    "then upload that copy."
)
# Names whose presence anywhere in a PDF means code, automatic behaviour or a file inside it.
ACTIVE_PDF_NAMES = {
    "JS": "JavaScript",
    "JavaScript": "JavaScript",
    "AA": "automatic actions",
    "Launch": "an action that launches a program",
    "EmbeddedFile": "an embedded file",
    "EmbeddedFiles": "embedded files",
    "RichMedia": "rich media (Flash or video)",
}
# Action types that run code, submit data or open something outside the document.
ACTIVE_PDF_ACTIONS = {
    "JavaScript": "JavaScript",
    "Launch": "an action that launches a program",
    "SubmitForm": "an action that sends data out",
    "ImportData": "an action that imports data",
    "GoToE": "an action that opens an embedded file",
    "RichMediaExecute": "rich media (Flash or video)",
}
_PDF_NAME = re.compile(rb"/([^\s/\[\]<>(){}%]{1,127})")
_PDF_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.S)
_PDF_TRAILING_OK = b" \t\r\n\x0c\x00"
# Markers of another file format hidden in a document or an image (polyglots).
_HTML_MARKERS = (
    b"<script",
    b"<html",
    b"<!doctype",
    b"<iframe",
    b"<svg ",
    b"<svg/",
    b"<body",
    b"<?php",
    b"javascript:",
    b"alert(",
    b"eval(",
    b"document.cookie",
    b"onerror=",
    b"onload=",
)


def _decode_name(raw: bytes) -> str:
    """A PDF name with its ``#xx`` escapes decoded (``/J#61vaScript`` is ``/JavaScript``)."""
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode(
        "latin-1"
    )


def _html_marker(data: bytes) -> bytes | None:
    lowered = data.lower()
    return next((marker for marker in _HTML_MARKERS if marker in lowered), None)


def _pdf_structure_problem(data: bytes) -> str | None:
    """What is wrong with the file's layout as a PDF (a polyglot), or None."""
    end = data.rfind(b"%%EOF")
    if end < 0:
        return "This PDF is damaged or incomplete (it has no end marker); it may be truncated."
    trailing = data[end + 5 :]
    if trailing.strip(_PDF_TRAILING_OK):
        return (
            "This PDF has data after its end marker (%%EOF): it may be two files in one "
            "(a disguised file). " + PRINT_TO_PDF
        )
    # Outside the streams (compressed page content, images), a PDF is text: HTML or a ZIP
    # there is another file hidden inside the PDF.
    skeleton = _PDF_STREAM.sub(b"stream endstream", data)
    if b"PK\x03\x04" in skeleton or b"PK\x05\x06" in skeleton:
        return "This PDF has a ZIP archive hidden inside it. " + PRINT_TO_PDF
    for raw in _PDF_NAME.findall(skeleton):
        what = ACTIVE_PDF_NAMES.get(_decode_name(raw))
        if what:
            return f"This PDF contains {what}, which is not accepted. " + PRINT_TO_PDF
    if _html_marker(skeleton) is not None:
        return "This PDF has web-page content (HTML or script) hidden inside it. " + PRINT_TO_PDF
    return None


def _pdf_active_content(reader) -> str | None:
    """Walk every object reachable from the trailer (object streams included, which the raw
    scan cannot see) and name the first active content found, or None."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    budget = 500_000  # objects visited; a real document has far fewer
    while stack and budget > 0:
        budget -= 1
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            try:
                node = node.get_object()
            except Exception:
                continue
        if isinstance(node, DictionaryObject):
            for raw_key, value in node.items():
                name = str(raw_key).lstrip("/")
                what = ACTIVE_PDF_NAMES.get(name)
                if what:
                    return what
                if name == "OpenAction":
                    target = value.get_object() if isinstance(value, IndirectObject) else value
                    if isinstance(target, DictionaryObject) and target.get("/S") != "/GoTo":
                        return "an action that runs when the file is opened"
                if name == "S" and isinstance(value, NameObject):
                    what = ACTIVE_PDF_ACTIONS.get(str(value).lstrip("/"))
                    if what:
                        return what
                if name == "Parent":
                    continue  # reached from the page tree already
                stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return None


def _sniff_pdf(head: bytes, data: bytes) -> Sniffed | None:
    if not head.startswith(b"%PDF-"):
        if b"%PDF-" in data[:1024]:
            raise ValidationError(
                "This file has other content before its PDF header: it may be a disguised "
                "file. " + PRINT_TO_PDF
            )
        return None
    problem = _pdf_structure_problem(data)
    if problem:
        raise ValidationError(problem)
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
        active = _pdf_active_content(reader)
    except ValidationError:
        raise
    except (PdfReadError, Exception) as error:  # pypdf raises many kinds on corrupt input
        raise ValidationError("This PDF is damaged and cannot be read.") from error
    if active:
        raise ValidationError(f"This PDF contains {active}, which is not accepted. " + PRINT_TO_PDF)
    return Sniffed("pdf", "application/pdf")


IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}
MAX_IMAGE_PIXELS = 100_000_000  # 100 megapixels: more than any scan or photo of a page


def _image_end(data: bytes, fmt: str) -> int | None:
    """Where the image's own data ends (PNG: after IEND; GIF: its trailer), or None."""
    if fmt == "PNG":
        at = 8
        while at + 8 <= len(data):
            (length,) = struct.unpack(">I", data[at : at + 4])
            chunk = data[at + 4 : at + 8]
            at += 12 + length
            if chunk == b"IEND":
                return at
        return None
    if fmt == "GIF":
        at = 13
        flags = data[10]
        if flags & 0x80:
            at += 3 * (2 ** ((flags & 7) + 1))
        while at < len(data):
            block = data[at]
            if block == 0x3B:  # trailer
                return at + 1
            if block == 0x21:  # extension: label, then sub-blocks
                at += 2
            elif block == 0x2C:  # image descriptor, local colour table, LZW code size
                flags = data[at + 9] if at + 9 < len(data) else 0
                at += 10
                if flags & 0x80:
                    at += 3 * (2 ** ((flags & 7) + 1))
                at += 1
            else:
                return None
            while at < len(data) and data[at] != 0:  # sub-blocks up to the terminator
                at += data[at] + 1
            at += 1
        return None
    if fmt == "JPEG":
        end = data.rfind(b"\xff\xd9")
        return end + 2 if end >= 0 else None
    return len(data)  # WebP: RIFF gives the length, checked by the parser


def _sniff_image(head: bytes, data: bytes) -> Sniffed | None:
    if not (
        head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a"))
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    ):
        return None
    from PIL import Image

    refused = "This image cannot be accepted: "
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(refused + f"it is too large ({width} x {height} pixels).")
            image.verify()
    except ValidationError:
        raise
    except Exception as error:  # Pillow raises many kinds on corrupt or hostile input
        raise ValidationError("This image is damaged and cannot be read.") from error
    if fmt not in IMAGE_FORMATS:
        return None
    if fmt == "GIF" and data[6:8] == b"/*":
        # The width bytes open a JavaScript comment: the classic GIF/JS polyglot.
        raise ValidationError(refused + "it is also a script (a disguised file).")
    if _html_marker(data) is not None:
        raise ValidationError(refused + "it carries web-page content (HTML or script).")
    if b"PK\x03\x04" in data or b"PK\x05\x06" in data:
        raise ValidationError(refused + "it has a ZIP archive hidden inside it.")
    end = _image_end(data, fmt)
    if end is None or data[end:].strip(_PDF_TRAILING_OK):
        raise ValidationError(
            refused + "it has data after the end of the picture. Save it again as a plain "
            "PNG or JPEG (or take a screenshot) and upload that copy."
        )
    ext = IMAGE_FORMATS[fmt]
    return Sniffed(ext, "image/jpeg" if ext == "jpg" else f"image/{ext}")


OOXML = {
    "word/": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ppt/": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}


# Caps on what an office file (DOCX/XLSX/PPTX: a ZIP) may unpack to, read from the archive's
# directory without unpacking anything. A 1 MB file of 1 GiB unpacked (a zip bomb) is refused.
MAX_OFFICE_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_OFFICE_MEMBERS = 2000
MAX_OFFICE_RATIO = 200  # unpacked/packed, for the whole archive once above 10 MB unpacked


def check_office_archive(data: bytes) -> list[str]:
    """Open an office file's ZIP directory and check it against the caps; return its member
    names or raise ``ValidationError``. Only the directory is read, nothing is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, struct.error) as error:
        raise ValidationError("This office document is damaged.") from error
    if len(members) > MAX_OFFICE_MEMBERS:
        raise ValidationError(
            f"This office document has too many parts ({len(members)}; at most "
            f"{MAX_OFFICE_MEMBERS}). It may be a zip bomb."
        )
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if unpacked > MAX_OFFICE_UNPACKED_BYTES or (
        unpacked > 10 * 1024 * 1024 and unpacked / packed > MAX_OFFICE_RATIO
    ):
        raise ValidationError(
            f"This office document would unpack to {filesizeformat(unpacked)} (the limit is "
            f"{filesizeformat(MAX_OFFICE_UNPACKED_BYTES)}). It may be a zip bomb."
        )
    names = [m.filename for m in members]
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ValidationError(
            "This office document contains macros, which are not accepted. Save it without "
            "macros (.docx, .xlsx, .pptx) and upload that copy."
        )
    return names


def _sniff_office(head: bytes, data: bytes, name: str) -> Sniffed | None:
    if head.startswith(b"PK\x03\x04"):
        names = check_office_archive(data)
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


DOCX_TYPE = OOXML["word/"][1]
# The main part's content type of a macro-enabled Word document (.docm) or template.
_MACRO_TYPES = (b"macroenabled", b"ms-word.document.macro", b"ms-word.template.macro")
MAX_DOCX_CONTENT_TYPES_BYTES = 1024 * 1024


def _sniff_docx(head: bytes, data: bytes) -> Sniffed | None:
    """A Word document (.docx): a ZIP within the office caps, without macros (nor declared
    macro-enabled, .docm), with a Word main part that python-docx opens. ``None`` when the file
    is not a ZIP or not a Word document at all (another office file, a plain ZIP)."""
    if not head.startswith(b"PK\x03\x04"):
        return None
    names = check_office_archive(data)  # damaged, zip bomb, macros (vbaProject.bin)
    if "[Content_Types].xml" not in names or not any(n.startswith("word/") for n in names):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > MAX_DOCX_CONTENT_TYPES_BYTES:
                raise ValidationError("This Word document is damaged.")
            types = archive.read(info).lower()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as error:
        raise ValidationError("This Word document is damaged.") from error
    if any(marker in types for marker in _MACRO_TYPES):
        raise ValidationError(
            "This Word document is macro-enabled (.docm), which is not accepted. Save it as a "
            "plain Word document (.docx) or a PDF and upload that copy."
        )
    try:
        import docx

        docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many kinds on a bad part or XML
        raise ValidationError(
            "This Word document is damaged and cannot be opened. Save it again from Word (or "
            "as a PDF) and upload that copy."
        ) from error
    return Sniffed("docx", DOCX_TYPE)


KIND_LABELS = {
    PDF: "a PDF",
    DOCX: "a Word document (.docx)",
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
        sniffed = _sniff_image(head, data)
    if sniffed is None and DOCX in allowed:
        sniffed = _sniff_docx(head, data)
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

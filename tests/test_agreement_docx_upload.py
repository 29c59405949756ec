"""Agreement documents may be Word files (.docx), which the BAA reader reads, validated by
content (``oversight.files``): a ZIP within the caps that python-docx opens, without macros.
A refused file gets a message the user understands and nothing is stored; PDF checks stay."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from baas import services
from baas.models import AgreementDocument
from reader.choices import ReadingStatus
from reader.models import DocumentReading
from reader.samples import docx_bytes

from .baas_factories import make_agreement
from .test_reader_rules import baa

pytestmark = pytest.mark.django_db

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NOTICE = (
    "Business Associate shall report any Breach of Unsecured PHI to Covered Entity within "
    "seventy-two (72) hours of discovery."
)


@pytest.fixture
def storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    return tmp_path


@pytest.fixture
def agreement(cast, vendor):
    return make_agreement(vendor, actor=cast.bob.user)


def _rezip(data: bytes, *, replace=None, add=None, drop=()) -> bytes:
    """The DOCX with some parts replaced, added or left out."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            if item.filename in drop:
                continue
            body = src.read(item)
            if item.filename in replace:
                body = replace[item.filename](body)
            dst.writestr(item.filename, body)
        for name, body in add.items():
            dst.writestr(name, body)
    return out.getvalue()


def refuse(agreement, data: bytes, name="baa.docx") -> str:
    with pytest.raises(ValidationError) as error:
        services.document_add(
            agreement=agreement,
            actor=None,
            upload=SimpleUploadedFile(name, data, DOCX_TYPE),
        )
    return " ".join(error.value.messages)


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_valid_docx_is_stored_as_a_word_document(agreement, storage):
    document = services.document_add(
        agreement=agreement,
        actor=None,
        upload=SimpleUploadedFile("vendor-baa.docx", docx_bytes(baa(notice=NOTICE)), DOCX_TYPE),
    )
    assert document.content_type == DOCX_TYPE
    assert document.file.name.endswith(".docx")
    assert stored_files(storage) == [storage / document.file.name]


def test_a_macro_enabled_document_is_refused(agreement, storage):
    docm = _rezip(
        docx_bytes(baa()),
        replace={
            "[Content_Types].xml": lambda b: b.replace(
                b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                b"application/vnd.ms-word.document.macroEnabled.main+xml",
            )
        },
    )
    assert "macro-enabled (.docm)" in refuse(agreement, docm, "baa.docm")
    with_macros = _rezip(docx_bytes(baa()), add={"word/vbaProject.bin": b"\x00" * 64})
    assert "macros" in refuse(agreement, with_macros)
    assert not AgreementDocument.objects.exists() and stored_files(storage) == []


def test_a_damaged_docx_is_refused(agreement, storage):
    broken = _rezip(docx_bytes(baa()), replace={"word/document.xml": lambda b: b[: len(b) // 2]})
    assert "damaged" in refuse(agreement, broken)
    assert "damaged" in refuse(agreement, docx_bytes(baa())[:500])  # truncated ZIP
    assert not AgreementDocument.objects.exists() and stored_files(storage) == []


def test_other_zip_and_office_files_are_not_agreement_documents(agreement, storage):
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("readme.txt", "hello")
    message = refuse(agreement, plain.getvalue(), "baa.zip")
    assert "not a PDF or a Word document (.docx)" in message
    no_word = _rezip(
        docx_bytes(baa()),
        drop={n for n in zipfile.ZipFile(io.BytesIO(docx_bytes(baa()))).namelist() if "word/" in n},
    )
    assert "not a PDF or a Word document" in refuse(agreement, no_word)
    assert "not a PDF or a Word document" in refuse(agreement, b"just text", "baa.docx")
    assert not AgreementDocument.objects.exists() and stored_files(storage) == []


def test_an_oversized_docx_is_refused(agreement, storage, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    assert "too large" in refuse(agreement, docx_bytes(baa()))
    assert stored_files(storage) == []


def test_an_uploaded_docx_is_read_and_its_hours_proposed(
    cast, login, agreement, storage, django_capture_on_commit_callbacks
):
    client = login(cast.bob)
    page = client.get(reverse("agreement_document_upload", args=[agreement.pk])).content.decode()
    assert "Word document (.docx" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("agreement_document_upload", args=[agreement.pk]),
            {
                "kind": "signed",
                "file": SimpleUploadedFile(
                    "vendor-baa.docx", docx_bytes(baa(notice=NOTICE)), DOCX_TYPE
                ),
            },
        )
    assert response.status_code == 302
    reading = DocumentReading.objects.get(agreement=agreement)
    assert reading.status == ReadingStatus.DONE and reading.method == "docx"
    shown = client.get(agreement.get_absolute_url()).content.decode()
    assert "72 hours, from discovery" in shown


def test_a_refused_docx_shows_why_on_the_upload_page(cast, login, agreement, storage):
    with_macros = _rezip(docx_bytes(baa()), add={"word/vbaProject.bin": b"\x00" * 64})
    response = login(cast.bob).post(
        reverse("agreement_document_upload", args=[agreement.pk]),
        {"kind": "signed", "file": SimpleUploadedFile("baa.docx", with_macros, DOCX_TYPE)},
    )
    assert response.status_code == 200
    assert "contains macros" in response.content.decode()
    assert stored_files(storage) == []

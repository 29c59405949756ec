"""oversight/files.py upload validation through the BAA document service: refused uploads get
a message the user understands, and nothing is stored (neither a file nor a row)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from baas import services
from baas.models import AgreementDocument

from .baas_factories import encrypted_pdf_bytes, make_agreement, pdf_upload

pytestmark = pytest.mark.django_db


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
def agreement(vendor):
    return make_agreement(vendor)


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()]


def refuse(agreement, upload) -> str:
    with pytest.raises(ValidationError) as error:
        services.document_add(agreement=agreement, actor=None, upload=upload)
    return " ".join(error.value.messages)


def test_a_valid_pdf_is_stored_with_its_hash(agreement, storage):
    document = services.document_add(agreement=agreement, actor=None, upload=pdf_upload())
    assert document.content_type == "application/pdf"
    assert stored_files(storage) == [storage / document.file.name]
    import hashlib

    assert (
        document.sha256 == hashlib.sha256((storage / document.file.name).read_bytes()).hexdigest()
    )


def test_text_file_renamed_pdf_is_refused(agreement, storage):
    upload = SimpleUploadedFile("baa.pdf", b"This is not a PDF at all.", "application/pdf")
    assert "not a PDF" in refuse(agreement, upload)
    assert not AgreementDocument.objects.exists() and stored_files(storage) == []


def test_encrypted_pdf_is_refused(agreement, storage):
    upload = SimpleUploadedFile("locked.pdf", encrypted_pdf_bytes(), "application/pdf")
    assert "encrypted" in refuse(agreement, upload)
    assert not AgreementDocument.objects.exists() and stored_files(storage) == []


def test_oversized_file_is_refused(agreement, storage, settings):
    settings.MAX_UPLOAD_BYTES = 200
    assert "too large" in refuse(agreement, pdf_upload())
    assert not AgreementDocument.objects.exists() and stored_files(storage) == []


@pytest.mark.parametrize("name", ["../../etc/baa.pdf", "folder/baa.pdf", "..\\baa.pdf"])
def test_filename_with_path_parts_is_refused(agreement, storage, name):
    from django.core.files.base import ContentFile

    from baas.demo import minimal_pdf

    # Django's UploadedFile strips folders itself; a direct caller (an import, a task) might
    # not, so the validator refuses them too.
    upload = ContentFile(minimal_pdf("x"), name=name)
    assert "path characters" in refuse(agreement, upload)
    assert not AgreementDocument.objects.exists() and stored_files(storage) == []


def test_corrupt_pdf_is_refused(agreement, storage):
    upload = SimpleUploadedFile(
        "broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catal", "application/pdf"
    )
    assert "damaged" in refuse(agreement, upload)
    assert not AgreementDocument.objects.exists() and stored_files(storage) == []


def test_refusal_shows_on_the_upload_page(cast, login, agreement, storage, settings):
    from django.urls import reverse

    settings.MAX_UPLOAD_BYTES = 200
    response = login(cast.bob).post(
        reverse("agreement_document_upload", args=[agreement.pk]),
        {"kind": "signed", "file": pdf_upload()},
    )
    assert response.status_code == 200
    assert "too large" in response.content.decode()
    assert stored_files(storage) == []

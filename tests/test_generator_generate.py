"""'Generate our BAA' from the vendor page: a draft agreement with every term from the
practice's positions and every provision present, its PDF stored, no findings; regenerating
after a change of position makes a new version and keeps the old one; tenancy and roles."""

import io

import pytest
from docx import Document as Docx
from pypdf import PdfReader

from baas import services as baa_services
from baas.choices import (
    AgreementStatus,
    CapKind,
    DocumentKind,
    ProvisionState,
    TemplateSource,
    Term,
)
from baas.models import BusinessAssociateAgreement
from baas.provisions import PROVISIONS
from generator import positions
from generator.models import GeneratedAgreement, StandardPositions
from generator.services import positions_for, positions_save

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    return tmp_path


def url(vendor):
    return f"/vendors/{vendor.pk}/our-baa/"


def test_anonymous_is_sent_to_sign_in(client, vendor):
    response = client.post(url(vendor))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not BusinessAssociateAgreement.objects.exists()


def test_other_practice_gets_404_and_viewer_403(cast, login, vendor):
    assert login(cast.olivia).post(url(vendor)).status_code == 404
    client = login(cast.charlie)
    assert client.post(url(vendor)).status_code == 403
    page = client.get(f"/vendors/{vendor.pk}/").content.decode()
    assert "Our BAA" in page and 'id="generate-baa"' not in page
    assert not BusinessAssociateAgreement.objects.exists()


def test_generate_records_a_complete_draft_with_its_pdf(cast, login, vendor, private_storage):
    client = login(cast.bob)
    assert 'id="generate-baa"' in client.get(f"/vendors/{vendor.pk}/").content.decode()
    response = client.post(url(vendor))
    agreement = BusinessAssociateAgreement.objects.get(vendor=vendor)
    assert response.status_code == 302 and response["Location"] == agreement.get_absolute_url()

    assert agreement.status == AgreementStatus.DRAFT
    assert agreement.template_source == TemplateSource.PRACTICE
    expected = positions.agreement_terms(positions_for(cast.practice).as_positions())
    for name, value in expected.items():
        assert getattr(agreement, name) == value, name
    assert agreement.indemnification == "mutual" and agreement.cap_kind == CapKind.NONE
    assert agreement.audit_rights == Term.YES and agreement.offshore_restricted == Term.YES
    states = {i.provision: i.state for i in agreement.checklist.all()}
    assert states == {p.key: ProvisionState.PRESENT for p in PROVISIONS}

    # Findings: none on the agreement, as the agreement page and the refresh both say.
    assert baa_services.vendor_baa_refresh(vendor=vendor) == []
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert 'id="no-findings"' in page

    document = agreement.documents.get()
    assert document.kind == DocumentKind.OTHER
    text = " ".join(p.extract_text() for p in PdfReader(document.file.open("rb")).pages)
    assert vendor.name in " ".join(text.split()) and cast.practice.name in text

    generated = GeneratedAgreement.objects.get(agreement=agreement)
    docx = client.get(f"/our-baa/{generated.pk}/docx/")
    assert docx.status_code == 200
    paragraphs = [p.text for p in Docx(io.BytesIO(docx.content)).paragraphs]
    assert any("Required provision" in p and "164.504(e)(2)(iii)" in p for p in paragraphs)
    # A viewer downloads it too; the other practice does not.
    assert login(cast.charlie).get(f"/our-baa/{generated.pk}/docx/").status_code == 200
    assert login(cast.olivia).get(f"/our-baa/{generated.pk}/docx/").status_code == 404


def test_regenerating_after_a_change_makes_a_new_version(cast, login, vendor, private_storage):
    client = login(cast.alice)
    client.post(url(vendor))
    stored = positions_for(cast.practice)
    stored.cap_kind = CapKind.FEES_MONTHS
    stored.cap_months = 24
    stored.audit_rights = False
    positions_save(stored=stored, actor=cast.alice.user)
    client.post(url(vendor))

    first, second = GeneratedAgreement.objects.filter(vendor=vendor).order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert second.agreement.supersedes == first.agreement
    # The old version is kept as it was written.
    first.agreement.refresh_from_db()
    assert first.agreement.cap_kind == CapKind.NONE and first.agreement.audit_rights == Term.YES
    assert first.agreement.status == AgreementStatus.DRAFT
    assert second.agreement.cap_kind == CapKind.FEES_MONTHS
    assert second.agreement.cap_months == 24 and second.agreement.audit_rights == Term.NO
    assert second.positions["cap_kind"] == "fees_months" and first.positions["cap_kind"] == "none"
    # Each version's document says its own terms.
    old = " ".join(
        " ".join(
            p.extract_text() for p in PdfReader(first.agreement.documents.get().file).pages
        ).split()
    )
    new = " ".join(
        " ".join(
            p.extract_text() for p in PdfReader(second.agreement.documents.get().file).pages
        ).split()
    )
    assert "Audit rights" in old and "Audit rights" not in new
    assert "24 months" in new
    page = client.get(f"/vendors/{vendor.pk}/").content.decode()
    assert "Generate our BAA (new version)" in page and page.count("Download DOCX") == 2


def test_positions_are_per_practice(cast):
    StandardPositions.objects.create(organization=cast.other_practice, audit_rights=False)
    assert positions_for(cast.practice).audit_rights is True
    assert positions_for(cast.other_practice).audit_rights is False

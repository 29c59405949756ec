"""Agreements for tests, created through the services as the app does."""

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from baas import services
from baas.choices import AgreementStatus, ProvisionState
from baas.demo import minimal_pdf
from baas.models import BusinessAssociateAgreement
from baas.provisions import PROVISIONS

ALL_PRESENT = {p.key: ProvisionState.PRESENT for p in PROVISIONS}


def make_agreement(vendor, *, actor=None, status=AgreementStatus.DRAFT, **terms):
    return services.agreement_create(
        agreement=BusinessAssociateAgreement(
            organization=vendor.organization, vendor=vendor, status=status, **terms
        ),
        actor=actor,
    )


def make_signed(vendor, *, actor=None, signed_on=date(2024, 1, 15), checklist=None, **terms):
    agreement = make_agreement(vendor, actor=actor, **terms)
    if checklist:
        services.checklist_update(agreement=agreement, actor=actor, states=checklist)
    return services.baa_sign(agreement=agreement, actor=actor, signed_on=signed_on)


def pdf_upload(name="signed-baa.pdf", title="Business Associate Agreement"):
    return SimpleUploadedFile(name, minimal_pdf(title), content_type="application/pdf")


def encrypted_pdf_bytes() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(minimal_pdf("secret"))))
    writer.encrypt(user_password="pw", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

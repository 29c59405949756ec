"""Writes of the generator: the practice's standard positions, and generating the practice's
BAA for a vendor (a draft agreement recorded through ``baas.services`` with its PDF)."""

from dataclasses import asdict

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.text import slugify

from baas import findings
from baas import services as baa_services
from baas.choices import AgreementStatus, DocumentKind, ProvisionState
from baas.models import BusinessAssociateAgreement
from baas.provisions import PROVISIONS
from vendors.models import BusinessAssociate

from . import positions, render, template
from .models import GeneratedAgreement, StandardPositions


def positions_for(organization) -> StandardPositions:
    """The practice's positions; the defaults (unsaved) until someone saves them."""
    found = StandardPositions.objects.filter(organization=organization).first()
    return found or StandardPositions(organization=organization, **positions.defaults())


def _check_notice(stored: StandardPositions) -> None:
    """A window longer than the law allows a business associate is refused (164.410(b)),
    counted like the findings count it (business days on the worst case)."""
    facts = findings.AgreementFacts(
        breach_notice_days=stored.breach_notice_days,
        breach_notice_day_kind=stored.breach_notice_day_kind,
    )
    days = findings.notice_in_calendar_days(facts, stored.organization.today())
    if days is not None and days > findings.MAX_NOTICE_DAYS:
        raise ValidationError(
            {
                "breach_notice_days": f"That is up to {days} calendar days, longer than the "
                f"{findings.MAX_NOTICE_DAYS} calendar days the law allows (45 CFR 164.410(b))."
            }
        )


@transaction.atomic
def positions_save(*, stored: StandardPositions, actor) -> StandardPositions:
    """Save the practice's positions (history records who and when)."""
    _check_notice(stored)
    stored.full_clean(exclude=["organization"])
    stored.updated_by = actor
    stored._history_user = actor
    stored.save()
    return stored


@transaction.atomic
def baa_generate(*, vendor, actor) -> GeneratedAgreement:
    """Generate the practice's BAA for ``vendor`` from its current positions: a new draft
    agreement with every term set from the positions and every required provision recorded
    present (the template has a clause for each), its PDF stored as the agreement's document.
    Each call is a new version; earlier versions stay as they were."""
    organization = vendor.organization
    stored = positions_for(organization)
    p = stored.as_positions()
    # Lock the vendor row: two clicks at once get versions n and n+1, not a clash.
    BusinessAssociate.objects.select_for_update().filter(pk=vendor.pk).first()
    previous = (
        GeneratedAgreement.objects.filter(organization=organization, vendor=vendor)
        .order_by("-version")
        .first()
    )
    doc = template.clauses(organization.name, vendor.name, p)
    covered = {c.provision for c in doc.clauses if c.provision}
    missing = [pr.key for pr in PROVISIONS if pr.key not in covered]
    if missing:  # the template guarantees this; never record a provision the text lacks
        raise ValidationError(f"The template lacks the clause(s) for {', '.join(missing)}.")
    agreement = BusinessAssociateAgreement(
        organization=organization,
        vendor=vendor,
        status=AgreementStatus.DRAFT,
        service_agreement=f"Our BAA, version {previous.version + 1 if previous else 1}",
        supersedes=previous.agreement if previous else None,
        **positions.agreement_terms(p),
    )
    baa_services.agreement_create(agreement=agreement, actor=actor)
    baa_services.checklist_update(
        agreement=agreement,
        actor=actor,
        states={pr.key: ProvisionState.PRESENT for pr in PROVISIONS},
        notes={pr.key: "Clause of our template" for pr in PROVISIONS},
    )
    version = previous.version + 1 if previous else 1
    pdf = render.to_pdf(doc)
    name = f"baa-{slugify(vendor.name)[:40] or 'vendor'}-v{version}.pdf"
    baa_services.document_add(
        agreement=agreement,
        actor=actor,
        upload=SimpleUploadedFile(name, pdf, content_type="application/pdf"),
        kind=DocumentKind.OTHER,
    )
    snapshot = asdict(p)
    snapshot.pop("extra")
    return GeneratedAgreement.objects.create(
        organization=organization,
        agreement=agreement,
        vendor=vendor,
        version=version,
        positions=_jsonable(snapshot),
        created_by=actor,
    )


def _jsonable(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if isinstance(value, tuple):
            value = list(value)
        elif value is not None and not isinstance(value, (str, int, bool, list)):
            value = str(value)
        out[key] = value
    return out

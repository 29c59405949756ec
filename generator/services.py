"""Writes of the generator: the practice's standard positions, generating the practice's
BAA for a vendor (a draft agreement recorded through ``baas.services`` with its PDF), and its
electronic signature (sent through the portal's private link, signed or declined by the
vendor's signatory, countersigned by the practice: the signed PDF and the signed agreement go
through ``baas.services``)."""

from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from baas import findings
from baas import services as baa_services
from baas.choices import AgreementStatus, DocumentKind, ProvisionState
from baas.models import BusinessAssociateAgreement
from baas.provisions import PROVISIONS
from oversight.files import sha256_of
from vendors.models import BusinessAssociate

from . import positions, render, template
from .choices import OPEN_SIGNATURE, SignatureStatus
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


# --- signature (a simple electronic signature under E-SIGN and UETA) -------------------------

SIGN_LINK_VALID = timedelta(days=30)
SIGNED_COPY_LINK_VALID = timedelta(days=90)

# What the signatory consents to (shown on the page and recorded on the signature page).
CONSENT = (
    "I agree to sign this agreement electronically. I understand that typing my name and "
    "ticking this box is my signature, with the same effect as a handwritten one (E-SIGN Act, "
    "15 U.S.C. 7001, and the Uniform Electronic Transactions Act), that I may download the "
    "agreement before signing, and that a signed copy will be sent to me by email. I am "
    "authorised to sign for the Business Associate."
)


def _link_url(path: str) -> str:
    """Links in emails start with the configured ``SITE_URL``, never the request's Host
    header (which a client chooses), as every other email of the product."""
    return f"{settings.SITE_URL}{path}"


def _send(subject: str, template_name: str, context: dict, to: list[str]) -> None:
    """An email after the transaction commits. Names and dates only: never PHI."""
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # no line break from a name in the header
        body=render_to_string(f"emails/{template_name}.txt", context),
        to=to,
    )
    message.attach_alternative(
        render_to_string(f"emails/{template_name}.html", context), "text/html"
    )
    transaction.on_commit(message.send)


def signable_document(agreement: BusinessAssociateAgreement):
    """The generated PDF of the agreement (the document sent for signature)."""
    return agreement.documents.filter(kind=DocumentKind.OTHER).order_by("uploaded_at", "id").first()


@transaction.atomic
def signature_send(*, generated: GeneratedAgreement, contact, actor):
    """Send the generated version to the vendor's signatory: a private link (``portal``)
    by email. An earlier request of the same agreement still waiting is cancelled, its link
    revoked. Returns ``(signature_request, url)``."""
    from portal.choices import LinkPurpose
    from portal.links import link_issue, link_revoke

    from .models import SignatureRequest

    agreement = BusinessAssociateAgreement.objects.select_for_update().get(
        pk=generated.agreement_id
    )
    if not agreement.is_open:
        raise ValidationError("Only a draft can be sent for signature.")
    if contact.vendor_id != generated.vendor_id or contact.ended_on or not contact.email:
        raise ValidationError({"contact": "Pick a current contact of this vendor with an email."})
    document = signable_document(agreement)
    if document is None:
        raise ValidationError("This version has no PDF to sign; generate it again.")
    for earlier in SignatureRequest.objects.select_for_update().filter(
        agreement=agreement, status__in=OPEN_SIGNATURE
    ):
        if earlier.status == SignatureStatus.SIGNED:
            raise ValidationError("The vendor has signed: countersign it on the agreement page.")
        earlier.status = SignatureStatus.CANCELLED
        earlier._history_user = actor
        earlier.save(update_fields=["status"])
        link_revoke(link=earlier.link, by=actor)
    link, token = link_issue(
        organization=agreement.organization,
        vendor=generated.vendor,
        purpose=LinkPurpose.SIGNATURE,
        email=contact.email,
        expires_at=timezone.now() + SIGN_LINK_VALID,
        created_by=actor,
    )
    signature = SignatureRequest(
        organization=agreement.organization,
        generated=generated,
        agreement=agreement,
        link=link,
        contact=contact,
        document=document,
        document_sha256=document.sha256,
        created_by=actor,
    )
    signature._history_user = actor
    signature.save()
    url = _link_url(reverse("sign_page", args=[token]))
    _send(
        f"{agreement.organization.name} asks you to sign a Business Associate Agreement",
        "signature_request",
        {
            "signature": signature,
            "url": url,
            "practice": agreement.organization,
            "vendor": generated.vendor,
            "expires": link.expires_at,
        },
        [contact.email],
    )
    return signature, url


def _claim(signature, *, to: str, **fields) -> None:
    """Move a request out of SENT with one conditional UPDATE: of a signature and a decline
    (or two signatures) racing, exactly one wins; the other is refused."""
    from .models import SignatureRequest

    won = SignatureRequest.objects.filter(pk=signature.pk, status=SignatureStatus.SENT).update(
        status=to, **fields
    )
    if not won:
        raise ValidationError("This agreement was already signed or declined.")
    signature.refresh_from_db()
    # The conditional UPDATE bypasses the model's save: record the change in the history.
    signature._history_user = None
    signature.save(update_fields=["status"])


@transaction.atomic
def signature_vendor_sign(
    *, signature, name: str, title: str, agree: bool, ip: str | None, user_agent: str = ""
):
    """The vendor's signatory signs: typed name, title and "I agree" (intent and consent),
    with the time, IP and the SHA-256 of the document, checked against the stored file
    (association with the record)."""
    errors = {}
    if not (name or "").strip():
        errors["name"] = "Type your full name: it is your signature."
    if not (title or "").strip():
        errors["title"] = "Give your title."
    if not agree:
        errors["agree"] = "Tick the box to agree to sign electronically."
    if errors:
        raise ValidationError(errors)
    if not signature.agreement.is_open:
        raise ValidationError("This agreement can no longer be signed.")
    with signature.document.file.open("rb") as fh:
        if sha256_of(fh) != signature.document_sha256:
            raise ValidationError("The document has changed since it was sent; ask for a new link.")
    _claim(
        signature,
        to=SignatureStatus.SIGNED,
        vendor_signer_name=name.strip()[:200],
        vendor_signer_title=title.strip()[:200],
        vendor_signed_at=timezone.now(),
        vendor_ip=ip,
        vendor_user_agent=(user_agent or "")[:300],
    )
    return signature


@transaction.atomic
def signature_decline(*, signature, comments: str, ip: str | None):
    """The vendor's signatory declines, with comments. Refused once signed."""
    comments = (comments or "").strip()
    if not comments:
        raise ValidationError({"comments": "Tell the practice why, or what you would change."})
    _claim(
        signature,
        to=SignatureStatus.DECLINED,
        declined_at=timezone.now(),
        decline_comments=comments[:5000],
        vendor_ip=ip,
    )
    return signature


@transaction.atomic
def signature_countersign(*, signature, actor, name: str, title: str, ip: str | None):
    """The practice's signatory countersigns: the signed PDF (the agreement's PDF and a
    signature page with both signatures and the audit data) is stored as the agreement's
    signed document with its hash, and the agreement is signed, effective today (the
    practice's date). Both parties get an email with a link to the signed copy."""
    from portal.choices import LinkPurpose
    from portal.links import link_issue

    from .models import SignatureRequest

    locked = SignatureRequest.objects.select_for_update().get(pk=signature.pk)
    if locked.status != SignatureStatus.SIGNED:
        raise ValidationError("Only an agreement the vendor has signed can be countersigned.")
    errors = {}
    if not (name or "").strip():
        errors["name"] = "Type your full name: it is your signature."
    if not (title or "").strip():
        errors["title"] = "Give your title."
    if errors:
        raise ValidationError(errors)
    agreement = locked.agreement
    organization = agreement.organization
    locked.practice_signer = actor
    locked.practice_signer_name = name.strip()[:200]
    locked.practice_signer_title = title.strip()[:200]
    locked.countersigned_at = timezone.now()
    locked.practice_ip = ip
    with locked.document.file.open("rb") as fh:
        original = fh.read()
    pdf = render.signed_pdf(original, locked, consent=CONSENT)
    vendor = agreement.vendor
    upload = SimpleUploadedFile(
        f"baa-{slugify(vendor.name)[:40] or 'vendor'}-v{locked.generated.version}-signed.pdf",
        pdf,
        content_type="application/pdf",
    )
    document = baa_services.document_add(
        agreement=agreement, actor=actor, upload=upload, kind=DocumentKind.SIGNED
    )
    today = organization.today()
    baa_services.baa_sign(
        agreement=agreement,
        actor=actor,
        signed_on=today,
        effective_on=today,
        practice_signatory_name=locked.practice_signer_name,
        practice_signatory_title=locked.practice_signer_title,
        vendor_signatory_name=locked.vendor_signer_name,
        vendor_signatory_title=locked.vendor_signer_title,
    )
    link, token = link_issue(
        organization=organization,
        vendor=vendor,
        purpose=LinkPurpose.SIGNATURE,
        email=locked.link.email,
        expires_at=timezone.now() + SIGNED_COPY_LINK_VALID,
        created_by=actor,
    )
    locked.status = SignatureStatus.COMPLETE
    locked.signed_document = document
    locked.download_link = link
    locked._history_user = actor
    locked.save()
    context = {"signature": locked, "practice": organization, "vendor": vendor}
    _send(
        f"Signed: the Business Associate Agreement between {organization.name} and {vendor.name}",
        "signature_complete",
        {**context, "url": _link_url(reverse("sign_signed_copy", args=[token]))},
        [locked.link.email],
    )
    _send(
        f"Signed: the Business Associate Agreement between {organization.name} and {vendor.name}",
        "signature_complete",
        {**context, "url": _link_url(document.get_absolute_url())},
        [actor.email],
    )
    return locked

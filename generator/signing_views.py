"""The signature pages. The vendor's signatory reaches ``/sign/<token>/`` through the private
link of the email (``portal.links``: unknown, expired, revoked or tampered tokens answer 404,
rate-limited per IP); no account. The practice sends and countersigns on the agreement page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from baas.models import BusinessAssociateAgreement
from oversight.net import client_ip
from oversight.tenancy import get_rw_for_member, member_required
from portal.choices import LinkPurpose
from portal.links import link_record_access, link_resolve, portal_rate_limited
from vendors.models import VendorContact

from . import services
from .choices import SignatureStatus
from .models import GeneratedAgreement, SignatureRequest
from .views import generated_document


def _request_for(token: str) -> SignatureRequest:
    link = link_resolve(token, purpose=LinkPurpose.SIGNATURE)
    signature = (
        SignatureRequest.objects.select_related(
            "organization", "generated__vendor", "agreement", "document", "link"
        )
        .filter(link=link)
        .first()
    )
    if signature is None:  # a signed-copy link does not open the signing page
        raise Http404("No such page.")
    return signature


@portal_rate_limited
def sign_page(request, token: str):
    """What is being signed, the agreement as HTML with its PDF, the E-SIGN/UETA consent,
    and the two forms: sign, or decline with comments."""
    signature = _request_for(token)
    errors: dict = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "sign":
                services.signature_vendor_sign(
                    signature=signature,
                    name=request.POST.get("name", ""),
                    title=request.POST.get("title", ""),
                    agree=request.POST.get("agree") == "on",
                    ip=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            elif action == "decline":
                services.signature_decline(
                    signature=signature,
                    comments=request.POST.get("comments", ""),
                    ip=client_ip(request),
                )
            else:
                raise ValidationError("Choose to sign or to decline.")
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        else:
            link_record_access(
                link=signature.link,
                request=request,
                action={"sign": "signed", "decline": "declined"}[action],
            )
            return redirect("sign_page", token=token)
    else:
        link_record_access(link=signature.link, request=request, action="opened")
    context = {
        "s": signature,
        "org": signature.organization,
        "vendor": signature.generated.vendor,
        "doc": generated_document(signature.generated, signature.organization.name),
        "consent": services.CONSENT,
        "errors": errors,
        "posted": request.POST if request.method == "POST" else {},
        "token": token,
    }
    response = render(request, "generator/sign.html", context, status=400 if errors else 200)
    response["Cache-Control"] = "private, no-store"
    # The token stays out of other sites' Referer (no-referrer would make the form's Origin null).
    response["Referrer-Policy"] = "same-origin"
    return response


@portal_rate_limited
def sign_document(request, token: str):
    """The PDF being signed, inline (``?download=1``: as an attachment)."""
    signature = _request_for(token)
    link_record_access(link=signature.link, request=request, action="downloaded")
    response = FileResponse(
        signature.document.file.open("rb"),
        as_attachment=request.GET.get("download") == "1",
        filename=signature.document.original_name,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@portal_rate_limited
def sign_signed_copy(request, token: str):
    """The signed copy, from the link of the "signed" email."""
    link = link_resolve(token, purpose=LinkPurpose.SIGNATURE)
    signature = (
        SignatureRequest.objects.select_related("signed_document")
        .filter(download_link=link, status=SignatureStatus.COMPLETE)
        .first()
    )
    if signature is None:
        raise Http404("No such page.")
    link_record_access(link=link, request=request, action="downloaded the signed copy")
    response = FileResponse(
        signature.signed_document.file.open("rb"),
        as_attachment=True,
        filename=signature.signed_document.original_name,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@member_required
def signature_send(request, pk: int):
    """Send a generated version to one of the vendor's current contacts."""
    generated = get_rw_for_member(
        request, GeneratedAgreement.objects.select_related("agreement", "vendor"), pk=pk
    )
    try:
        contact_id = int(request.POST.get("contact", ""))
    except ValueError:
        contact_id = 0
    contact = VendorContact.objects.filter(
        organization=request.practice, vendor=generated.vendor, pk=contact_id
    ).first()
    try:
        if contact is None:
            raise ValidationError("Pick the vendor's signatory among its contacts.")
        services.signature_send(generated=generated, contact=contact, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Sent for signature to {contact.name} ({contact.email}), with a private link."
        )
    return redirect(generated.agreement.get_absolute_url())


@require_POST
@member_required
def signature_countersign(request, pk: int):
    """The practice's signatory countersigns the vendor's signature."""
    agreement = get_rw_for_member(request, BusinessAssociateAgreement, pk=pk)
    signature = SignatureRequest.objects.filter(
        organization=request.practice, agreement=agreement, status=SignatureStatus.SIGNED
    ).first()
    if signature is None:
        messages.error(request, "There is no vendor signature waiting for our countersignature.")
        return redirect(agreement.get_absolute_url())
    if request.POST.get("agree") != "on":
        messages.error(request, "Tick the box to sign electronically for the practice.")
        return redirect(agreement.get_absolute_url())
    try:
        services.signature_countersign(
            signature=signature,
            actor=request.user,
            name=request.POST.get("name", ""),
            title=request.POST.get("title", ""),
            ip=client_ip(request),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, "Countersigned: the agreement is signed and its signed PDF is stored."
        )
    return redirect(agreement.get_absolute_url())


def signature_context(request, agreement) -> dict | None:
    """The agreement page's signature panel, for a generated agreement (else None)."""
    generated = GeneratedAgreement.objects.filter(
        organization=request.practice, agreement=agreement
    ).first()
    if generated is None:
        return None
    requests = list(
        SignatureRequest.objects.filter(organization=request.practice, agreement=agreement)
        .select_related("contact", "signed_document", "practice_signer")
        .order_by("-created_at", "-id")
    )
    return {
        "generated": generated,
        "agreement": agreement,
        "requests": requests,
        "latest": requests[0] if requests else None,
        "contacts": list(
            VendorContact.objects.filter(
                organization=request.practice, vendor=generated.vendor, ended_on__isnull=True
            ).exclude(email="")
        ),
        "can_write": request.membership.can_write,
        "user": request.user,
    }

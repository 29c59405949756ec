"""The standard-positions settings page, "Generate our BAA", the DOCX download and the
comparison of a vendor's BAA with the standard (agreement-page panel and negotiation memo)."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from baas.choices import TemplateSource
from baas.models import BusinessAssociateAgreement
from oversight.choices import AuditAction
from oversight.models import audit
from oversight.tenancy import get_for_member, get_rw_for_member, member_required
from reader.choices import ProposalStatus, ReadingStatus
from reader.models import DocumentReading
from vendors.models import BusinessAssociate

from . import comparison, services, template
from . import render as rendering
from .forms import PositionsForm
from .models import GeneratedAgreement, StandardPositions
from .positions import Positions

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@member_required
def positions_page(request):
    """Admins and managers change the positions; viewers read them. History below."""
    practice = request.practice
    can_edit = request.membership.can_write
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("Your role in this practice is read-only.")
    stored = services.positions_for(practice)
    form = PositionsForm(request.POST or None, instance=stored)
    if request.method == "POST" and form.is_valid():
        try:
            services.positions_save(stored=form.instance, actor=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Standard BAA positions saved.")
            return redirect("baa_positions")
    history = (
        StandardPositions.history.filter(organization=practice)
        .select_related("history_user")
        .order_by("-history_date")[:50]
    )
    preview = template.clauses(practice.name, "[Vendor]", stored.as_positions())
    return render(
        request,
        "generator/positions.html",
        {
            "form": form,
            "can_edit": can_edit,
            "stored": stored,
            "saved": stored.pk is not None,
            "history": history,
            "preview": preview,
        },
    )


@require_POST
@member_required
def generate(request, pk: int):
    vendor = get_rw_for_member(request, BusinessAssociate, pk=pk)
    generated = services.baa_generate(vendor=vendor, actor=request.user)
    messages.success(
        request,
        f"Our BAA version {generated.version} for {vendor.name} is recorded as a draft, with "
        "its PDF.",
    )
    return redirect(generated.agreement.get_absolute_url())


def generated_document(generated: GeneratedAgreement, practice_name: str) -> template.Document:
    """The clauses of a generated version, written from the positions it used."""
    values = dict(generated.positions)
    for name in ("indemnification_covers", "carve_outs"):
        values[name] = tuple(values.get(name) or ())
    for name in ("cap_amount", "insurance_amount"):
        if values.get(name) is not None:
            values[name] = Decimal(values[name])
    return template.clauses(practice_name, generated.vendor.name, Positions(**values))


@member_required
def docx_download(request, pk: int):
    """The generated version as DOCX (for redlining), written from the positions it used."""
    generated = get_for_member(request, GeneratedAgreement.objects.select_related("vendor"), pk=pk)
    doc = generated_document(generated, request.practice.name)
    response = HttpResponse(rendering.to_docx(doc), content_type=DOCX)
    name = f"baa-{slugify(generated.vendor.name)[:40] or 'vendor'}-v{generated.version}.docx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def pending_proposals(agreement) -> list[comparison.Pending]:
    """The pending proposals of the agreement's latest finished reading (none if unread)."""
    reading = (
        DocumentReading.objects.filter(
            organization=agreement.organization, agreement=agreement, status=ReadingStatus.DONE
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if reading is None:
        return []
    return [
        comparison.Pending(p.field, p.value, p.excerpt, p.page)
        for p in reading.proposals.filter(status=ProposalStatus.PENDING)
    ]


def comparison_for(agreement) -> comparison.Comparison:
    """The agreement against the practice's current standard positions."""
    practice = agreement.organization
    provisions = dict(agreement.checklist.values_list("provision", "state"))
    return comparison.compare(
        agreement.facts(provisions=provisions, amendments=[]),
        services.positions_for(practice).as_positions(),
        practice=practice.name,
        vendor=agreement.vendor.name,
        today=practice.today(),
        pending=pending_proposals(agreement),
    )


def compares(agreement) -> bool:
    """The comparison is about the vendor's paper (or a negotiated text), not ours."""
    return agreement.template_source != TemplateSource.PRACTICE


@member_required
def comparison_memo(request, pk: int):
    """The one-page negotiation memo (PDF) of the differences from the standard."""
    agreement = get_for_member(
        request, BusinessAssociateAgreement.objects.select_related("vendor"), pk=pk
    )
    result = comparison_for(agreement)
    pdf = rendering.memo_pdf(
        {
            "agreement": agreement,
            "vendor": agreement.vendor,
            "practice": request.practice,
            "comparison": result,
            "today": request.practice.today(),
        }
    )
    audit(request, AuditAction.EXPORTED, obj=agreement, label="Negotiation memo")
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"negotiation-memo-{slugify(agreement.vendor.name)[:40] or 'vendor'}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from oversight import due
from oversight.choices import AuditAction
from oversight.files import serve
from oversight.models import Membership, audit, rules_for
from oversight.tenancy import get_for_member, get_rw_for_member, member_required, scoped
from vendors.choices import TIER_RANK
from vendors.models import BusinessAssociate

from . import services
from .choices import ActionStatus, DiligenceKind, ReviewOutcome
from .forms import ActionForm, DiligenceRecordForm, OffboardingForm, ReviewForm
from .models import (
    DispositionCertificate,
    DueDiligenceRecord,
    EvidenceFile,
    FollowUpAction,
    Offboarding,
    VendorReview,
)


def _errors_to_form(error: ValidationError, form, default_field=None) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(default_field, error.messages)


def _render_form(request, template, *, form, vendor, title, **extra):
    context = {"form": form, "vendor": vendor, "title": title, **extra}
    return render(request, template, context)


# --- diligence ---------------------------------------------------------------------------------


def _save_record(request, form, record):
    if not form.is_valid():
        return None
    is_new = record.pk is None
    try:
        return services.diligence_record_save(
            record=form.save(commit=False),
            actor=request.user,
            controls=form.controls,
            uploads=form.cleaned_data.get("files") or [],
        )
    except ValidationError as error:
        if is_new:
            record.pk = None  # the transaction was rolled back
        _errors_to_form(error, form, default_field="files")
        return None


@member_required
def diligence_create(request, pk: int):
    vendor = get_rw_for_member(request, BusinessAssociate, pk=pk)
    record = DueDiligenceRecord(organization=request.practice, vendor=vendor)
    kind = request.GET.get("kind")
    initial = {
        "performed_on": services.practice_today(request.practice),
        "reviewer": request.membership.pk,
        "kind": kind if kind in DiligenceKind.values else None,
    }
    form = DiligenceRecordForm(
        request.POST or None,
        request.FILES or None,
        instance=record,
        initial=initial,
        organization=request.practice,
    )
    if request.method == "POST":
        saved = _save_record(request, form, record)
        if saved is not None:
            messages.success(request, f"{saved.get_kind_display()} recorded for {vendor.name}.")
            return redirect(vendor)
    return _render_form(
        request, "diligence/record_form.html", form=form, vendor=vendor, title="Due diligence"
    )


@member_required
def diligence_edit(request, pk: int):
    record = get_rw_for_member(request, DueDiligenceRecord.objects.select_related("vendor"), pk=pk)
    form = DiligenceRecordForm(
        request.POST or None,
        request.FILES or None,
        instance=record,
        organization=request.practice,
    )
    if request.method == "POST":
        saved = _save_record(request, form, record)
        if saved is not None:
            messages.success(request, f"{saved.get_kind_display()} saved.")
            return redirect(saved.vendor)
    return _render_form(
        request,
        "diligence/record_form.html",
        form=form,
        vendor=record.vendor,
        title="Due diligence",
        record=record,
        files=list(record.files.all()),
    )


@member_required
@require_POST
def diligence_archive(request, pk: int):
    record = get_rw_for_member(request, DueDiligenceRecord.objects.select_related("vendor"), pk=pk)
    restore = bool(request.POST.get("restore"))
    services.diligence_archive(record=record, restore=restore)
    messages.success(
        request,
        "Record restored." if restore else "Record withdrawn; it is kept in the oversight file.",
    )
    return redirect(record.vendor)


@member_required
@require_safe
def evidence_download(request, pk: int):
    stored = get_for_member(request, EvidenceFile, pk=pk)
    audit(request, AuditAction.DOCUMENT_DOWNLOADED, obj=stored)
    return serve(stored)


@member_required
@require_safe
def certificate_download(request, pk: int):
    stored = get_for_member(request, DispositionCertificate, pk=pk)
    audit(request, AuditAction.DOCUMENT_DOWNLOADED, obj=stored)
    return serve(stored)


# --- follow-up actions -------------------------------------------------------------------------


def _save_action(request, form):
    if not form.is_valid():
        return None
    try:
        return services.action_save(action=form.save(commit=False), actor=request.user)
    except ValidationError as error:
        _errors_to_form(error, form)
        return None


@member_required
def action_create(request, pk: int):
    vendor = get_rw_for_member(request, BusinessAssociate, pk=pk)
    source = request.POST.get("record") or request.GET.get("record")
    review_id = request.POST.get("review") or request.GET.get("review")
    action = FollowUpAction(organization=request.practice, vendor=vendor)
    if source and source.isdecimal():
        action.record = get_for_member(request, vendor.diligence_records.all(), pk=int(source))
    if review_id and review_id.isdecimal():
        action.review = get_for_member(request, vendor.reviews.all(), pk=int(review_id))
    form = ActionForm(
        request.POST or None,
        instance=action,
        initial={"owner": vendor.owner_id},
        organization=request.practice,
    )
    if request.method == "POST":
        saved = _save_action(request, form)
        if saved is not None:
            messages.success(request, f"Follow-up action added for {vendor.name}.")
            return redirect(vendor)
    return _render_form(
        request,
        "diligence/action_form.html",
        form=form,
        vendor=vendor,
        title="Follow-up action",
        action=action,
    )


@member_required
def action_edit(request, pk: int):
    action = get_for_member(request, FollowUpAction.objects.select_related("vendor"), pk=pk)
    if request.method == "POST" and not request.membership.can_write:
        raise PermissionDenied("Your role in this practice is read-only.")
    form = ActionForm(request.POST or None, instance=action, organization=request.practice)
    if request.method == "POST":
        saved = _save_action(request, form)
        if saved is not None:
            messages.success(request, f"Action {saved.get_status_display().lower()}.")
            return redirect(saved.vendor)
    return _render_form(
        request,
        "diligence/action_form.html",
        form=form,
        vendor=action.vendor,
        title="Follow-up action",
        action=action,
        can_write=request.membership.can_write,
    )


@member_required
@require_safe
def action_list(request):
    today = services.practice_today(request.practice)
    status = request.GET.get("status") or ActionStatus.OPEN
    actions = scoped(request, FollowUpAction).select_related("vendor", "owner__user")
    if status in ActionStatus.values:
        actions = actions.filter(status=status)
    mine = bool(request.GET.get("mine"))
    if mine:
        actions = actions.filter(owner=request.membership)
    actions = list(actions.order_by("due_on", "id")[:500])
    for action in actions:
        action.overdue = action.status == ActionStatus.OPEN and action.due_on < today
    context = {
        "actions": actions,
        "status": status,
        "mine": mine,
        "statuses": ActionStatus.choices,
        "today": today,
    }
    return render(request, "diligence/action_list.html", context)


# --- reviews -----------------------------------------------------------------------------------


@member_required
def review_create(request, pk: int):
    vendor = get_rw_for_member(request, BusinessAssociate, pk=pk)
    review = VendorReview(organization=request.practice, vendor=vendor)
    form = ReviewForm(
        request.POST or None,
        instance=review,
        initial={
            "reviewed_on": services.practice_today(request.practice),
            "reviewer": request.membership.pk,
        },
        organization=request.practice,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.review_record(review=form.save(commit=False), actor=request.user)
        except ValidationError as error:
            review.pk = None
            _errors_to_form(error, form)
        else:
            due_text = f"Next review due {saved.next_due_on:%Y-%m-%d}." if saved.next_due_on else ""
            messages.success(request, f"Review of {vendor.name} recorded. {due_text}".strip())
            return redirect(_after_review(request, saved))
    return _render_form(
        request, "diligence/review_form.html", form=form, vendor=vendor, title="Vendor review"
    )


def _after_review(request, review) -> str:
    vendor = review.vendor
    if services.review_prompts_retier(review) or review.outcome == ReviewOutcome.RETIER:
        messages.warning(
            request,
            "The review records a change of services or access: update the vendor's facts "
            "below so its risk tier is recomputed.",
        )
        return reverse("vendor_edit", args=[vendor.pk])
    if review.outcome == ReviewOutcome.OFFBOARD:
        messages.info(request, "Record the offboarding steps for this vendor.")
        return reverse("offboarding_edit", args=[vendor.pk])
    if review.outcome == ReviewOutcome.CONTINUE_WITH_ACTIONS:
        messages.info(request, "Add the follow-up actions of this review.")
        return reverse("action_create", args=[vendor.pk]) + f"?review={review.pk}"
    return vendor.get_absolute_url()


# --- offboarding -------------------------------------------------------------------------------


@member_required
def offboarding_edit(request, pk: int):
    vendor = get_for_member(request, BusinessAssociate, pk=pk)
    offboarding = Offboarding.objects.filter(vendor=vendor).first()
    if offboarding is None:
        offboarding = Offboarding(organization=request.practice, vendor=vendor)
    if not request.membership.can_write:
        raise PermissionDenied("Your role in this practice is read-only.")
    initial = {} if offboarding.pk else {"started_on": services.practice_today(request.practice)}
    form = OffboardingForm(
        request.POST or None, request.FILES or None, instance=offboarding, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        is_new = offboarding.pk is None
        try:
            services.offboarding_save(
                offboarding=form.save(commit=False),
                actor=request.user,
                certificate=form.cleaned_data.get("certificate"),
            )
        except ValidationError as error:
            if is_new:
                offboarding.pk = None
            _errors_to_form(error, form, default_field="certificate")
        else:
            messages.success(request, f"Offboarding of {vendor.name} saved.")
            return redirect(vendor)
    return _render_form(
        request,
        "diligence/offboarding_form.html",
        form=form,
        vendor=vendor,
        title="Offboarding",
        certificates=list(offboarding.certificates.all()) if offboarding.pk else [],
    )


# --- work queue --------------------------------------------------------------------------------

URGENCY_LABELS = {0: "Overdue", 1: "Compliance gap", 2: "Due soon"}


def _urgency(item, today) -> int:
    """Overdue first, then compliance gaps (engaged vendor with PHI and no current BAA), then
    what is due soon."""
    if item.kind == due.DueKind.COMPLIANCE_GAP:
        return 1
    return 0 if item.due_date < today else 2


KIND_LABELS = [
    (due.DueKind.COMPLIANCE_GAP, "Compliance gaps"),
    (due.DueKind.BAA_EXPIRY, "BAA expiries"),
    (due.DueKind.BAA_EXPIRED, "Expired BAAs"),
    (due.DueKind.RENEWAL_NOTICE, "Renewal-notice deadlines"),
    (due.DueKind.REVIEW, "Reviews"),
    (due.DueKind.EVIDENCE, "Diligence evidence"),
    (due.DueKind.ACTION, "Follow-up actions"),
    (due.DueKind.CERTIFICATE, "Disposition certificates"),
]


@member_required
@require_safe
def work_queue(request):
    practice = request.practice
    today = services.practice_today(practice)
    items = due.collect([practice.id], today, rules_for([practice.id]))
    owners = {m.pk: m for m in Membership.objects.for_org(practice).select_related("user")}
    mine = bool(request.GET.get("mine"))
    owner = request.GET.get("owner", "")
    if mine:
        owner = str(request.membership.pk)
    if owner == "none":
        items = [i for i in items if i.owner_membership_id is None]
    elif owner.isdecimal() and int(owner) in owners:
        items = [i for i in items if i.owner_membership_id == int(owner)]
    else:
        owner = ""
    kind = request.GET.get("kind", "")
    if kind in {k.value for k in due.DueKind}:
        items = [i for i in items if i.kind == kind]
    else:
        kind = ""
    overdue_only = bool(request.GET.get("overdue"))
    if overdue_only:
        items = [i for i in items if i.due_date < today or i.kind == due.DueKind.COMPLIANCE_GAP]
    items.sort(
        key=lambda i: (_urgency(i, today), TIER_RANK.get(i.tier, 9), i.due_date, i.vendor_name)
    )
    rows = [
        {
            "item": item,
            "urgency": URGENCY_LABELS[_urgency(item, today)],
            "overdue_days": (today - item.due_date).days if item.due_date < today else 0,
            "owner": owners.get(item.owner_membership_id),
        }
        for item in items
    ]
    context = {
        "rows": rows,
        "mine": mine,
        "owner": owner,
        "kind": kind,
        "kinds": KIND_LABELS,
        "overdue_only": overdue_only,
        "owners": sorted(owners.values(), key=lambda m: m.display_name.lower()),
        "today": today,
    }
    return render(request, "diligence/work_queue.html", context)

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.template.defaultfilters import capfirst, pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from oversight import due, queue
from oversight.choices import AuditAction
from oversight.files import serve
from oversight.models import Membership, audit, rules_for
from oversight.reversing import url_pattern
from oversight.tenancy import get_for_member, get_rw_for_member, member_required, parse_id
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
    if parse_id(source) is not None:
        action.record = get_for_member(request, vendor.diligence_records.all(), pk=parse_id(source))
    if parse_id(review_id) is not None:
        action.review = get_for_member(request, vendor.reviews.all(), pk=parse_id(review_id))
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


def listed_actions(organization, *, status=ActionStatus.OPEN, owner=None):
    """The follow-up action list's rows (an unknown status: every action): the dashboard's
    "open follow-up actions" figure counts this queryset."""
    actions = FollowUpAction.objects.for_org(organization)
    if status in ActionStatus.values:
        actions = actions.filter(status=status)
    if owner is not None:
        actions = actions.filter(owner=owner)
    return actions


@member_required
@require_safe
def action_list(request):
    today = services.practice_today(request.practice)
    status = request.GET.get("status") or ActionStatus.OPEN
    mine = bool(request.GET.get("mine"))
    actions = listed_actions(
        request.practice, status=status, owner=request.membership if mine else None
    )
    actions = list(actions.select_related("vendor", "owner__user").order_by("due_on", "id")[:500])
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
            seen = form.cleaned_data.get("last_review")
            saved = services.review_record(
                review=form.save(commit=False),
                actor=request.user,
                overdue_reason=form.cleaned_data.get("overdue_reason", ""),
                last_review_seen=services.UNCHECKED if seen is None else seen,
            )
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

QUEUE_PAGE_SIZE = 50


KIND_LABELS = [
    (due.DueKind.COMPLIANCE_GAP, "Compliance gaps"),
    (due.DueKind.BAA_EXPIRY, "BAA expiries"),
    (due.DueKind.BAA_EXPIRED, "Expired BAAs"),
    (due.DueKind.RENEWAL_NOTICE, "Renewal-notice deadlines"),
    (due.DueKind.REVIEW, "Reviews"),
    (due.DueKind.EVIDENCE, "Diligence evidence"),
    (due.DueKind.ACTION, "Follow-up actions"),
    (due.DueKind.ACCESS, "Access revocations"),
    (due.DueKind.CERTIFICATE, "Disposition certificates"),
    (due.DueKind.INCIDENT, "Breach-notice deadlines"),
]


def queue_filters(request, owners) -> dict:
    """The work queue's filters from the query string (unknown values are ignored)."""
    owner = request.GET.get("owner", "")
    mine = bool(request.GET.get("mine"))
    if mine:
        owner = str(request.membership.pk)
    if not (owner == "none" or parse_id(owner) in owners):
        owner = ""
    kind = request.GET.get("kind", "")
    if kind not in {k.value for k in due.DueKind}:
        kind = ""
    return {
        "kind": kind,
        "owner": owner,
        "mine": mine,
        "overdue_only": bool(request.GET.get("overdue")),
    }


def _queue_row(item: due.DueItem, today, owners: dict, vendor_url: str) -> dict:
    """What a row of the work queue shows, worked out here rather than per row in the
    template (50 rows a page): the urgency badge, the date, the vendor's link, the owner."""
    overdue = due.is_overdue(item, today)
    days = max(0, due.days_overdue(item, today))
    plural = f"{days} day{pluralize(days)}"
    gap = item.kind == due.DueKind.COMPLIANCE_GAP
    if gap:
        badge, urgency = "text-bg-danger", f"Compliance gap, {plural}" if days else "Compliance gap"
    elif overdue:
        badge, urgency = "text-bg-danger", f"Overdue {plural}"
    else:
        badge, urgency = "text-bg-warning", "Due soon"
    owner = owners.get(item.owner_membership_id)
    return {
        "item": item,
        "overdue": overdue,
        "overdue_days": days,
        "owner": owner,
        "badge": badge,
        "urgency": urgency,
        "due": f"since {item.due_date:%Y-%m-%d}" if gap else f"{item.due_date:%Y-%m-%d}",
        "vendor_url": vendor_url.format(item.vendor_id),
        "tier_label": capfirst(item.tier),
        "detail": item.extra.get("detail"),
        "owner_name": (owner.display_name if owner else "") or "—",
    }


@member_required
@require_safe
def work_queue(request):
    """One row per problem (``oversight.due.queue``), most overdue first, paginated; the
    counts above the table are over every row of the filtered queue, not the page."""
    practice = request.practice
    today = services.practice_today(practice)
    owners = {m.pk: m for m in Membership.objects.for_org(practice).select_related("user")}
    filters = queue_filters(request, owners)
    owner = filters["owner"]
    # In SQL (``oversight.queue``): the counts, and only the rows of the page are built.
    selection = {
        "kind": filters["kind"],
        "owner": parse_id(owner) if owner != "none" else "none",
        "overdue_only": filters["overdue_only"],
    }
    rules = rules_for([practice.id])
    listed = queue.Queue(practice.id, today, rules, **selection)
    counts, page, items = listed.paginated(request.GET.get("page"), QUEUE_PAGE_SIZE)
    vendor_url = url_pattern("vendor_detail")
    rows = [_queue_row(item, today, owners, vendor_url) for item in items]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **filters,
        "rows": rows,
        "page": page,
        "query": query.urlencode(),
        "total": counts.total,
        "overdue_count": counts.overdue,
        "soon_count": counts.total - counts.overdue,
        "kinds": KIND_LABELS,
        "owners": sorted(owners.values(), key=lambda m: m.display_name.lower()),
        "today": today,
    }
    return render(request, "diligence/work_queue.html", context)

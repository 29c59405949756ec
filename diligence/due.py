"""Due items of the oversight program for ``oversight.due``: reviews, stale evidence, open
follow-up actions, and the offboarding's access revocation and disposition certificate. Each
provider runs one query with an indexed date filter, then applies the exact rule of
``diligence.schedule`` in Python."""

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from oversight.due import DueItem, DueKind, register, register_calendar
from oversight.policy import DueState

from . import schedule
from .choices import ActionStatus, Disposition
from .models import (
    DispositionCertificate,
    DueDiligenceRecord,
    FollowUpAction,
    Offboarding,
    VendorSchedule,
)


def _all_rules(org_ids, rules):
    return [r for org_id in org_ids for r in rules.get(org_id, {}).values()]


def _soon(org_ids, rules) -> int:
    return max((r.due_soon_days for r in _all_rules(org_ids, rules)), default=30)


def _item(kind, key, due, vendor, title, url, owner_id, state, **extra) -> DueItem:
    return DueItem(
        organization_id=vendor.organization_id,
        kind=kind,
        key=key,
        due_date=due,
        vendor_id=vendor.id,
        vendor_name=vendor.name,
        tier=vendor.tier,
        title=title,
        url=url,
        owner_membership_id=owner_id,
        extra={"state": str(state), **extra},
    )


def review_items(org_ids, today: date, rules):
    horizon = today + timedelta(days=_soon(org_ids, rules))
    rows = VendorSchedule.objects.filter(
        organization_id__in=org_ids,
        next_review_due__lte=horizon,
        vendor__status__in=schedule.ENGAGED,
        vendor__archived_at__isnull=True,
    ).select_related("vendor")
    for row in rows:
        vendor = row.vendor
        tier_rules = rules[vendor.organization_id][vendor.tier]
        state = schedule.state(row.next_review_due, today, tier_rules)
        if state == DueState.OK:
            continue
        yield _item(
            DueKind.REVIEW,
            f"review:{vendor.id}",
            row.next_review_due,
            vendor,
            "Periodic review overdue" if state == DueState.OVERDUE else "Periodic review due",
            reverse("review_create", args=[vendor.id]),
            vendor.owner_id,
            state,
        )


def evidence_items(org_ids, today: date, rules):
    """Evidence that is stale, goes stale soon, or that the tier asks to renew: the exact rule
    is ``schedule.evidence_due``; the query only narrows the rows with indexed dates."""
    all_rules = _all_rules(org_ids, rules)
    horizon = today + timedelta(days=_soon(org_ids, rules))
    shortest = min(
        [*(r.evidence_valid_months for r in all_rules), schedule.SHORTEST_VALIDITY_MONTHS]
    )
    # Evidence performed (or a SOC 2 period ended) after these dates is valid past the
    # horizon. A few days of slack for month ends (Feb 29 + 12 months is Feb 28).
    slack = timedelta(days=4)
    performed_cutoff = schedule.add_months(horizon, -shortest) + slack
    period_cutoff = schedule.add_months(horizon, -schedule.validity_of("soc2_type2").months) + slack
    newer = DueDiligenceRecord.objects.filter(
        vendor=OuterRef("vendor"),
        kind=OuterRef("kind"),
        archived_at__isnull=True,
        performed_on__gt=OuterRef("performed_on"),
    )
    rows = (
        DueDiligenceRecord.objects.filter(
            organization_id__in=org_ids,
            archived_at__isnull=True,
            vendor__status__in=schedule.ENGAGED,
            vendor__needs_baa=True,
            vendor__archived_at__isnull=True,
        )
        .filter(
            Q(valid_until__lte=horizon)
            | Q(period_end__lte=period_cutoff)
            | Q(performed_on__lte=performed_cutoff)
        )
        .filter(~Exists(newer))
        .select_related("vendor")
    )
    for record in rows:
        vendor = record.vendor
        tier_rules = rules[vendor.organization_id][vendor.tier]
        due = schedule.evidence_due(record.as_evidence(), today, tier_rules)
        if due.state == DueState.OK:
            continue
        yield _item(
            DueKind.EVIDENCE,
            f"evidence:{record.id}",
            due.due_on,
            vendor,
            evidence_title(record.get_kind_display().split(" (")[0], due),
            reverse("diligence_create", args=[vendor.id]) + f"?kind={record.kind}",
            vendor.owner_id,
            due.state,
        )


def evidence_title(label: str, due: schedule.EvidenceDue) -> str:
    """What the work queue, the reminder email and the vendor page say about the evidence."""
    if due.stale:
        return f"{label} is stale"
    if due.requested_by_tier:
        if due.state == DueState.OVERDUE:
            return f"Fresh {label} overdue (asked for on this tier's cadence)"
        return f"Fresh {label} due (asked for on this tier's cadence)"
    return f"{label} goes stale soon"


def action_items(org_ids, today: date, rules):
    horizon = today + timedelta(days=_soon(org_ids, rules))
    rows = FollowUpAction.objects.filter(
        organization_id__in=org_ids,
        status=ActionStatus.OPEN,
        due_on__lte=horizon,
        vendor__archived_at__isnull=True,
    ).select_related("vendor")
    for action in rows:
        vendor = action.vendor
        tier_rules = rules[vendor.organization_id][vendor.tier]
        state = schedule.state(action.due_on, today, tier_rules)
        if state == DueState.OK:
            continue
        yield _item(
            DueKind.ACTION,
            f"action:{action.id}",
            action.due_on,
            vendor,
            # The description is free text: it stays out of the title, which reminder emails
            # use (no PHI in email), and is shown only in the app.
            "Follow-up action overdue" if state == DueState.OVERDUE else "Follow-up action due",
            reverse("action_edit", args=[action.id]),
            action.owner_id or vendor.owner_id,
            state,
            detail=action.description[:120],
        )


def _open_offboardings(org_ids, cutoff: date):
    """Open offboardings whose clock (end, else start: ``schedule.offboarding_base``) runs from
    ``cutoff`` or earlier. Uses the partial index offboarding_open_started."""
    return Offboarding.objects.filter(
        organization_id__in=org_ids,
        closed_on__isnull=True,
        vendor__status__in=schedule.OFFBOARDING,
        vendor__archived_at__isnull=True,
    ).filter(Q(ended_on__lte=cutoff) | Q(ended_on__isnull=True, started_on__lte=cutoff))


def access_items(org_ids, today: date, rules):
    """Offboarding vendors whose access to the practice's systems is not recorded as revoked."""
    horizon = today + timedelta(days=_soon(org_ids, rules))
    rows = _open_offboardings(org_ids, horizon).filter(access_revoked_on__isnull=True)
    for offboarding in rows.select_related("vendor"):
        vendor = offboarding.vendor
        tier_rules = rules[vendor.organization_id][vendor.tier]
        due = schedule.access_revocation_due(offboarding.started_on, offboarding.ended_on)
        state = schedule.state(due, today, tier_rules)
        if state == DueState.OK:
            continue
        yield _item(
            DueKind.ACCESS,
            f"access:{offboarding.id}",
            due,
            vendor,
            "Revoke the vendor's access to the practice's systems",
            reverse("offboarding_edit", args=[vendor.id]),
            vendor.owner_id,
            state,
        )


def certificate_items(org_ids, today: date, rules):
    all_rules = _all_rules(org_ids, rules)
    soon = _soon(org_ids, rules)
    shortest = min((r.certificate_days for r in all_rules), default=30)
    cutoff = today + timedelta(days=soon - shortest)
    rows = (
        _open_offboardings(org_ids, cutoff)
        .exclude(disposition=Disposition.INFEASIBLE)
        .filter(~Exists(DispositionCertificate.objects.filter(offboarding=OuterRef("pk"))))
        .select_related("vendor")
    )
    for offboarding in rows:
        vendor = offboarding.vendor
        tier_rules = rules[vendor.organization_id][vendor.tier]
        due = schedule.certificate_due(offboarding.base_date, tier_rules)
        state = schedule.state(due, today, tier_rules)
        if state == DueState.OK:
            continue
        yield _item(
            DueKind.CERTIFICATE,
            f"certificate:{offboarding.id}",
            due,
            vendor,
            "Certificate of PHI return or destruction missing",
            reverse("offboarding_edit", args=[vendor.id]),
            vendor.owner_id,
            state,
        )


def provide(org_ids, today: date, rules):
    org_ids = list(org_ids)
    if not org_ids:
        return []
    return [
        *review_items(org_ids, today, rules),
        *evidence_items(org_ids, today, rules),
        *action_items(org_ids, today, rules),
        *access_items(org_ids, today, rules),
        *certificate_items(org_ids, today, rules),
    ]


def calendar_dates(org_ids, today: date, until: date):
    """Every next review and open follow-up action due from today to ``until``, for the
    calendar feed. Two queries, on the same indexed dates as the providers above."""
    org_ids = list(org_ids)
    for row in VendorSchedule.objects.filter(
        organization_id__in=org_ids,
        next_review_due__gte=today,
        next_review_due__lte=until,
        vendor__status__in=schedule.ENGAGED,
        vendor__archived_at__isnull=True,
    ).select_related("vendor"):
        vendor = row.vendor
        yield _item(
            DueKind.REVIEW,
            f"review:{vendor.id}",
            row.next_review_due,
            vendor,
            "Periodic review due",
            reverse("review_create", args=[vendor.id]),
            vendor.owner_id,
            DueState.OK,
        )
    for action in FollowUpAction.objects.filter(
        organization_id__in=org_ids,
        status=ActionStatus.OPEN,
        due_on__gte=today,
        due_on__lte=until,
        vendor__archived_at__isnull=True,
    ).select_related("vendor"):
        yield _item(
            DueKind.ACTION,
            f"action:{action.id}",
            action.due_on,
            action.vendor,
            "Follow-up action due",
            reverse("action_edit", args=[action.id]),
            action.owner_id or action.vendor.owner_id,
            DueState.OK,
        )


def connect() -> None:
    register(provide)
    register_calendar(calendar_dates)

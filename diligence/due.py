"""Due items of the oversight program for ``oversight.due``: reviews, stale evidence, open
follow-up actions, and the offboarding's access revocation and disposition certificate. Each
provider runs one query with an indexed date filter, then applies the exact rule of
``diligence.schedule`` in Python."""

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q

from oversight.due import DueItem, DueKind, register, register_calendar
from oversight.policy import DueState
from oversight.reversing import url_pattern

from . import schedule
from .choices import ActionStatus, DiligenceKind, Disposition
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


# The providers read ``values()`` rows, not model instances with their vendors (tens of
# thousands of instances were most of the reminder sweep's time and memory), and build links
# from one ``reverse()`` per provider call, not one per row.
VENDOR = ("organization_id", "vendor_id", "vendor__name", "vendor__tier", "vendor__owner_id")


def _item(kind, key, due, row, title, url, owner_id, state, **extra) -> DueItem:
    return DueItem(
        organization_id=row["organization_id"],
        kind=kind,
        key=key,
        due_date=due,
        vendor_id=row["vendor_id"],
        vendor_name=row["vendor__name"],
        tier=row["vendor__tier"],
        title=title,
        url=url,
        owner_membership_id=owner_id,
        extra={"state": str(state), **extra},
    )


def review_candidates(org_ids, horizon: date):
    """Schedules of engaged vendors whose next review is due by ``horizon``."""
    return VendorSchedule.objects.filter(
        organization_id__in=org_ids,
        next_review_due__lte=horizon,
        vendor__status__in=schedule.REVIEWED_STATUSES,
        vendor__archived_at__isnull=True,
        vendor__organization_id__in=org_ids,  # the join reads these practices' vendors only
    )


def review_items(org_ids, today: date, rules, *, only=None):
    """``only``: these vendors' items (``oversight.queue`` builds the rows of one page)."""
    rows = review_candidates(org_ids, today + timedelta(days=_soon(org_ids, rules)))
    if only is not None:
        rows = rows.filter(vendor_id__in=only)
    rows = rows.values(*VENDOR, "next_review_due")
    review_url = url_pattern("review_create")
    for row in rows:
        tier_rules = rules[row["organization_id"]][row["vendor__tier"]]
        state = schedule.state(row["next_review_due"], today, tier_rules)
        if state == DueState.OK:
            continue
        yield _item(
            DueKind.REVIEW,
            f"review:{row['vendor_id']}",
            row["next_review_due"],
            row,
            "Periodic review overdue" if state == DueState.OVERDUE else "Periodic review due",
            review_url.format(row["vendor_id"]),
            row["vendor__owner_id"],
            state,
        )


def evidence_candidates(org_ids, today: date, rules):
    """The newest record of each kind of engaged vendors that need a BAA, narrowed with indexed
    dates to those that may be due within the practices' largest "due soon" window."""
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
    return (
        DueDiligenceRecord.objects.filter(
            organization_id__in=org_ids,
            archived_at__isnull=True,
            vendor__status__in=schedule.REVIEWED_STATUSES,
            vendor__needs_baa=True,
            vendor__archived_at__isnull=True,
            vendor__organization_id__in=org_ids,
        )
        .filter(
            Q(valid_until__lte=horizon)
            | Q(period_end__lte=period_cutoff)
            | Q(performed_on__lte=performed_cutoff)
        )
        .filter(~Exists(newer))
    )


def evidence_items(org_ids, today: date, rules, *, only=None):
    """Evidence that is stale, goes stale soon, or that the tier asks to renew: the exact rule
    is ``schedule.evidence_due``; the query only narrows the rows with indexed dates."""
    rows = (
        evidence_candidates(org_ids, today, rules)
        .filter(**({} if only is None else {"id__in": only}))
        .values(*VENDOR, "id", "kind", "performed_on", "valid_until", "period_end", "bridge_until")
    )
    create_url = url_pattern("diligence_create")
    labels = {kind: str(label).split(" (")[0] for kind, label in DiligenceKind.choices}
    for record in rows:
        tier_rules = rules[record["organization_id"]][record["vendor__tier"]]
        kind = record["kind"]
        evidence = schedule.Evidence(
            record["id"],
            kind,
            record["performed_on"],
            record["valid_until"],
            period_end=record["period_end"],
            bridge_until=record["bridge_until"],
        )
        due = schedule.evidence_due(evidence, today, tier_rules)
        if due.state == DueState.OK:
            continue
        yield _item(
            DueKind.EVIDENCE,
            f"evidence:{record['id']}",
            due.due_on,
            record,
            evidence_title(labels.get(kind, kind), due),
            create_url.format(record["vendor_id"]) + f"?kind={kind}",
            record["vendor__owner_id"],
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


def action_candidates(org_ids, horizon: date):
    """Open follow-up actions due by ``horizon``."""
    return FollowUpAction.objects.filter(
        organization_id__in=org_ids,
        status=ActionStatus.OPEN,
        due_on__lte=horizon,
        vendor__archived_at__isnull=True,
        vendor__organization_id__in=org_ids,
    )


def action_items(org_ids, today: date, rules, *, only=None):
    rows = action_candidates(org_ids, today + timedelta(days=_soon(org_ids, rules)))
    rows = rows.filter(**({} if only is None else {"id__in": only})).values(
        *VENDOR, "id", "due_on", "owner_id", "description"
    )
    edit_url = url_pattern("action_edit")
    for action in rows:
        tier_rules = rules[action["organization_id"]][action["vendor__tier"]]
        state = schedule.state(action["due_on"], today, tier_rules)
        if state == DueState.OK:
            continue
        yield _item(
            DueKind.ACTION,
            f"action:{action['id']}",
            action["due_on"],
            action,
            # The description is free text: it stays out of the title, which reminder emails
            # use (no PHI in email), and is shown only in the app.
            "Follow-up action overdue" if state == DueState.OVERDUE else "Follow-up action due",
            edit_url.format(action["id"]),
            action["owner_id"] or action["vendor__owner_id"],
            state,
            detail=action["description"][:120],
        )


def _open_offboardings(org_ids, cutoff: date):
    """Open offboardings whose clock (end, else start: ``schedule.offboarding_base``) runs from
    ``cutoff`` or earlier. Uses the partial index offboarding_open_started."""
    return Offboarding.objects.filter(
        organization_id__in=org_ids,
        closed_on__isnull=True,
        vendor__status__in=schedule.OFFBOARDING,
        vendor__archived_at__isnull=True,
        vendor__organization_id__in=org_ids,
    ).filter(Q(ended_on__lte=cutoff) | Q(ended_on__isnull=True, started_on__lte=cutoff))


def access_items(org_ids, today: date, rules, *, only=None):
    """Offboarding vendors whose access to the practice's systems is not recorded as revoked."""
    horizon = today + timedelta(days=_soon(org_ids, rules))
    rows = (
        _open_offboardings(org_ids, horizon)
        .filter(access_revoked_on__isnull=True)
        .filter(**({} if only is None else {"id__in": only}))
        .values(*VENDOR, "id", "started_on", "ended_on")
    )
    offboarding_url = url_pattern("offboarding_edit")
    for offboarding in rows:
        tier_rules = rules[offboarding["organization_id"]][offboarding["vendor__tier"]]
        due = schedule.access_revocation_due(offboarding["started_on"], offboarding["ended_on"])
        state = schedule.state(due, today, tier_rules)
        if state == DueState.OK:
            continue
        yield _item(
            DueKind.ACCESS,
            f"access:{offboarding['id']}",
            due,
            offboarding,
            "Revoke the vendor's access to the practice's systems",
            offboarding_url.format(offboarding["vendor_id"]),
            offboarding["vendor__owner_id"],
            state,
        )


def certificate_candidates(org_ids, cutoff: date):
    """Open offboardings (clock from ``cutoff`` or earlier) whose PHI is to be returned or
    destroyed and that have no disposition certificate."""
    return (
        _open_offboardings(org_ids, cutoff)
        .exclude(disposition=Disposition.INFEASIBLE)
        .filter(~Exists(DispositionCertificate.objects.filter(offboarding=OuterRef("pk"))))
    )


def certificate_items(org_ids, today: date, rules, *, only=None):
    all_rules = _all_rules(org_ids, rules)
    soon = _soon(org_ids, rules)
    shortest = min((r.certificate_days for r in all_rules), default=30)
    cutoff = today + timedelta(days=soon - shortest)
    rows = (
        certificate_candidates(org_ids, cutoff)
        .filter(**({} if only is None else {"id__in": only}))
        .values(*VENDOR, "id", "ended_on", "started_on")
    )
    offboarding_url = url_pattern("offboarding_edit")
    for offboarding in rows:
        tier_rules = rules[offboarding["organization_id"]][offboarding["vendor__tier"]]
        # Offboarding.base_date: the end of the service, else the start of the offboarding.
        base_date = offboarding["ended_on"] or offboarding["started_on"]
        due = schedule.certificate_due(base_date, tier_rules)
        state = schedule.state(due, today, tier_rules)
        if state == DueState.OK:
            continue
        yield _item(
            DueKind.CERTIFICATE,
            f"certificate:{offboarding['id']}",
            due,
            offboarding,
            "Certificate of PHI return or destruction missing",
            offboarding_url.format(offboarding["vendor_id"]),
            offboarding["vendor__owner_id"],
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
    review_url, action_url = url_pattern("review_create"), url_pattern("action_edit")
    for row in VendorSchedule.objects.filter(
        organization_id__in=org_ids,
        next_review_due__gte=today,
        next_review_due__lte=until,
        vendor__status__in=schedule.REVIEWED_STATUSES,
        vendor__archived_at__isnull=True,
    ).values(*VENDOR, "next_review_due"):
        yield _item(
            DueKind.REVIEW,
            f"review:{row['vendor_id']}",
            row["next_review_due"],
            row,
            "Periodic review due",
            review_url.format(row["vendor_id"]),
            row["vendor__owner_id"],
            DueState.OK,
        )
    for action in FollowUpAction.objects.filter(
        organization_id__in=org_ids,
        status=ActionStatus.OPEN,
        due_on__gte=today,
        due_on__lte=until,
        vendor__archived_at__isnull=True,
    ).values(*VENDOR, "id", "due_on", "owner_id"):
        yield _item(
            DueKind.ACTION,
            f"action:{action['id']}",
            action["due_on"],
            action,
            "Follow-up action due",
            action_url.format(action["id"]),
            action["owner_id"] or action["vendor__owner_id"],
            DueState.OK,
        )


def connect() -> None:
    register(provide)
    register_calendar(calendar_dates)

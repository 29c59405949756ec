"""The vendor's oversight file on the vendor page: diligence history with evidence, controls
and findings, reviews, follow-up actions, offboarding and a timeline. A constant number of
queries whatever the number of records."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from oversight.policy import DueState
from vendors import activation
from vendors.choices import RelationshipStatus
from vendors.panels import (
    has_rows,
    lists,
    one_to_one,
    read_with_vendor,
    register,
    tier_history,
    tier_rules,
)

from . import review_inputs, schedule
from .choices import ActionStatus
from .controls import SEVERITY_ORDER, control_severity
from .models import (
    ControlAnswer,
    DueDiligenceRecord,
    FollowUpAction,
    Offboarding,
    VendorReview,
    VendorSchedule,
)
from .services import practice_today


@dataclass
class Event:
    day: date
    what: str
    detail: str = ""


def _day(moment, tz) -> date:
    return timezone.localtime(moment, tz).date()


def oversight_panel(request, vendor) -> dict:
    tz = request.practice.tzinfo
    today = practice_today(request.practice)
    rules = tier_rules(request, vendor)[vendor.tier]
    records = _rows(
        vendor,
        "diligence_records",
        DueDiligenceRecord.objects.filter(vendor=vendor)
        .select_related("reviewer__user")
        .prefetch_related(
            "files",
            Prefetch(
                "controls",
                queryset=ControlAnswer.objects.filter(superseded_at=None).order_by("id"),
            ),
        ),
    )
    reviews = _rows(
        vendor,
        "reviews",
        VendorReview.objects.filter(vendor=vendor).select_related("reviewer__user"),
    )
    actions = _rows(
        vendor,
        "actions",
        FollowUpAction.objects.filter(vendor=vendor).select_related("owner__user"),
    )
    # Read with the vendor (``connect``).
    offboarding: Offboarding | None = one_to_one(vendor, "offboarding")
    row: VendorSchedule | None = one_to_one(vendor, "schedule")
    if offboarding is not None:
        prefetch_related_objects([offboarding], "certificates")
    tier_changes = tier_history(vendor)

    live = [r for r in records if not r.is_archived]
    evidence = [r.as_evidence() for r in live]
    current_ids = {e.id for e in schedule.current_evidence(evidence)}
    evidence_state = {}
    if vendor.status in schedule.REVIEWED_STATUSES and vendor.needs_baa:
        for e in evidence:
            if e.id in current_ids:
                evidence_state[e.id] = schedule.evidence_due(e, today, rules)
    for record in records:
        record.is_current = record.id in current_ids
        record.due = evidence_state.get(record.id)

    # Findings from the current record of each kind (``diligence/controls.py``).
    findings = []
    for record in live:
        if record.id not in current_ids:
            continue
        for answer in record.controls.all():
            severity = control_severity(vendor.tier, answer.answer)
            if severity is not None:
                findings.append((record, answer, severity))
    findings.sort(key=lambda f: SEVERITY_ORDER[f[2]])

    for action in actions:
        action.overdue = action.status == ActionStatus.OPEN and action.due_on < today
    next_due = row.next_review_due if row else None
    # What other apps found since the last review (a late breach report, a breach), and
    # whether one of them brought the next review forward (``schedule.next_review_due``).
    since = review_inputs.since(vendor, max((r.reviewed_on for r in reviews), default=None))
    requested = review_inputs.review_requested_by(since)
    review_state = schedule.state(next_due, today, rules) if next_due else DueState.OK

    missing = []
    if vendor.status in (RelationshipStatus.PROSPECTIVE, RelationshipStatus.ONBOARDING):
        missing = activation.missing_before_active(vendor)

    return {
        "template": "diligence/_vendor_panel.html",
        "missing_before_active": missing,
        "order": 50,
        "records": records,
        "findings": findings,
        "reviews": reviews,
        "actions": actions,
        "open_actions": [a for a in actions if a.status == ActionStatus.OPEN],
        "overdue_actions": [a for a in actions if a.overdue],
        "offboarding": offboarding,
        "certificates": list(offboarding.certificates.all()) if offboarding else [],
        "next_review_due": next_due,
        "since_last_review": since,
        "brought_forward": [i for i in since if next_due and i.review_by == next_due]
        if requested == next_due
        else [],
        # The schedule's "no diligence yet" rule, said in words on the page.
        "never_overseen": bool(next_due)
        and not reviews
        and not live
        and vendor.tier in schedule.DILIGENCE_FIRST_TIERS,
        "review_state": str(review_state),
        "rules": rules,
        "timeline": _timeline(vendor, records, reviews, actions, offboarding, tier_changes, tz),
    }


def _rows(vendor, name: str, queryset) -> list:
    """The rows of one of the panel's lists, not queried when the vendor has none."""
    return list(queryset) if has_rows(vendor, name) else []


def _timeline(vendor, records, reviews, actions, offboarding, tier_changes, tz) -> list[Event]:
    events = [Event(_day(vendor.created_at, tz), "Added to the inventory")]
    for change in tier_changes:
        events.append(
            Event(
                _day(change.changed_at, tz),
                f"Tier {change.get_from_tier_display() or 'set'} → {change.get_to_tier_display()}",
                f"{change.get_source_display()}"
                + (f" by {change.changed_by.email}" if change.changed_by else ""),
            )
        )
    for record in records:
        events.append(
            Event(
                record.performed_on,
                f"Diligence: {record.get_kind_display()}",
                record.get_outcome_display() + (" (withdrawn)" if record.is_archived else ""),
            )
        )
        for f in record.files.all():
            events.append(Event(_day(f.uploaded_at, tz), "Evidence uploaded", f.original_name))
    for review in reviews:
        events.append(Event(review.reviewed_on, "Review", review.get_outcome_display()))
    for action in actions:
        events.append(Event(_day(action.created_at, tz), "Action opened", action.description))
        if action.completed_on:
            events.append(
                Event(
                    action.completed_on,
                    f"Action {action.get_status_display().lower()}",
                    action.description,
                )
            )
    if offboarding is not None:
        for day, what in (
            (offboarding.started_on, "Offboarding started"),
            (offboarding.access_revoked_on, "Access revoked"),
            (offboarding.ended_on, "Relationship ended"),
            (offboarding.closed_on, "Offboarding closed"),
        ):
            if day:
                events.append(Event(day, what, offboarding.get_disposition_display()))
        for f in offboarding.certificates.all():
            events.append(
                Event(_day(f.uploaded_at, tz), "Disposition certificate", f.original_name)
            )
    return sorted(events, key=lambda e: e.day, reverse=True)


def connect() -> None:
    register(oversight_panel)
    read_with_vendor("offboarding", "schedule")
    lists("diligence_records", DueDiligenceRecord)
    lists("reviews", VendorReview)
    lists("actions", FollowUpAction)

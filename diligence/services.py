"""Writes of the oversight program. Keyword-only, validated, one transaction each; the
history tables record who changed what."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from oversight.files import IMAGES, OFFICE, PDF, validate_upload
from oversight.models import rules_for
from oversight.policy import DueState
from vendors.baa_status import BaaStatus, derived_status
from vendors.choices import RelationshipStatus
from vendors.models import BusinessAssociate, TierChange
from vendors.services import vendor_save

from . import review_inputs, schedule
from .choices import ActionStatus, DiligenceKind, Disposition, ReviewOutcome
from .models import (
    ControlAnswer,
    DispositionCertificate,
    DueDiligenceRecord,
    EvidenceFile,
    FollowUpAction,
    Offboarding,
    VendorReview,
    VendorSchedule,
)

EVIDENCE_TYPES = (PDF, IMAGES, OFFICE)

log = logging.getLogger(__name__)


def practice_today(organization) -> date:
    """Today in the practice's timezone (due dates are the practice's calendar days)."""
    return organization.today()


def _check_member(organization, membership, field: str) -> None:
    if membership is not None and membership.organization_id != organization.id:
        raise ValidationError({field: "Choose a member of this practice."})


# --- schedule ----------------------------------------------------------------------------------


def vendor_facts(vendor: BusinessAssociate) -> schedule.VendorFacts:
    """The plain facts the schedule needs about one vendor: ``vendors_facts`` for one."""
    return vendors_facts(organization=vendor.organization, vendors=[vendor])[vendor.pk]


def vendors_facts(*, organization, vendors) -> dict[int, schedule.VendorFacts]:
    """The plain facts the schedule needs about vendors of one practice, by vendor id: the
    last review, the last change of tier, whether diligence is on file, and the day an event
    since the last review asks the next one by (``review_inputs``: e.g. a breach). A number
    of queries that does not grow with the vendors."""
    ids = [v.pk for v in vendors]
    last_reviews = dict(
        VendorReview.objects.filter(vendor_id__in=ids)
        .values("vendor_id")
        .annotate(last=Max("reviewed_on"))
        .values_list("vendor_id", "last")
    )
    changed_at = {}
    for vendor_id, at in (
        TierChange.objects.filter(vendor_id__in=ids)
        .exclude(from_tier="")  # the first classification is not a change
        .order_by("vendor_id", "-changed_at")
        .values_list("vendor_id", "changed_at")
    ):
        changed_at.setdefault(vendor_id, at)
    with_diligence = set(
        DueDiligenceRecord.objects.filter(vendor_id__in=ids, archived_at__isnull=True).values_list(
            "vendor_id", flat=True
        )
    )
    for vendor in vendors:
        vendor.organization = organization
    inputs = review_inputs.since_many(vendors, last_reviews)
    return {
        vendor.pk: _facts(
            vendor,
            last_reviews.get(vendor.pk),
            changed_at.get(vendor.pk),
            vendor.pk in with_diligence,
            review_inputs.review_requested_by(inputs[vendor.pk]),
        )
        for vendor in vendors
    }


def _facts(vendor, last_review_on, tier_changed_at, has_diligence, review_requested_by):
    tz = vendor.organization.tzinfo
    added = timezone.localtime(vendor.created_at, tz).date() if vendor.created_at else None
    return schedule.VendorFacts(
        tier=vendor.tier,
        status=vendor.status,
        engaged_on=vendor.phi_access_began or added,
        last_review_on=last_review_on,
        tier_changed_on=timezone.localtime(tier_changed_at, tz).date() if tier_changed_at else None,
        needs_baa=vendor.needs_baa,
        has_diligence=has_diligence,
        review_requested_by=review_requested_by,
    )


def schedule_refresh(*, vendor: BusinessAssociate) -> VendorSchedule:
    """Recompute and store the vendor's next review due date: ``schedules_refresh`` for one
    vendor."""
    return schedules_refresh(organization=vendor.organization, vendors=[vendor])[vendor.pk]


@transaction.atomic(savepoint=False)
def schedules_refresh(*, organization, vendors) -> dict[int, VendorSchedule]:
    """Recompute and store the next review due date of vendors of one practice from the
    current policy and the events since each one's last review that ask for one earlier
    (``review_inputs``: e.g. a breach). The facts are read in bulk (a number of queries that
    does not grow with the vendors), the schedules written in bulk with their history.
    Returns the schedules by vendor id."""
    if not vendors:
        return {}
    rules = rules_for([organization.pk])[organization.pk]
    facts_by_id = vendors_facts(organization=organization, vendors=vendors)
    existing = {
        s.vendor_id: s for s in VendorSchedule.objects.filter(vendor_id__in=list(facts_by_id))
    }
    now = timezone.now()
    rows, new, changed = {}, [], []
    for vendor in vendors:
        facts = facts_by_id[vendor.pk]
        due = schedule.next_review_due(facts, rules[vendor.tier])
        row = existing.get(vendor.pk)
        if row is None:
            row = VendorSchedule(
                organization_id=organization.pk,
                vendor=vendor,
                next_review_due=due,
                last_review_on=facts.last_review_on,
            )
            new.append(row)
        else:
            row.next_review_due, row.last_review_on, row.updated_at = due, facts.last_review_on, now
            changed.append(row)
        rows[vendor.pk] = row
    bulk_create_with_history(new, VendorSchedule, batch_size=1000)
    bulk_update_with_history(
        changed,
        VendorSchedule,
        ["next_review_due", "last_review_on", "updated_at"],
        batch_size=1000,
    )
    return rows


REFRESH_CHUNK = 1000  # vendors refreshed together after a policy change (bounds an IN list)


def schedules_refresh_for_tier(*, organization_id: int, tier: str) -> int:
    """After a policy change: recompute every schedule of the practice's vendors of a tier
    (``schedules_refresh``, a thousand vendors at a time)."""
    vendors = list(
        BusinessAssociate.objects.filter(organization_id=organization_id, tier=tier)
        .select_related("organization")
        .order_by("pk")
    )
    for start in range(0, len(vendors), REFRESH_CHUNK):
        chunk = vendors[start : start + REFRESH_CHUNK]
        schedules_refresh(organization=chunk[0].organization, vendors=chunk)
    return len(vendors)


# --- diligence ---------------------------------------------------------------------------------


def evidence_date_errors(*, kind, performed_on, period_end, bridge_until, valid_until) -> dict:
    """What the dates of a diligence record lack for its kind's validity
    (``schedule.EVIDENCE_VALIDITY``): a SOC 2 report needs the end of its audit period, an
    insurance certificate the policy's expiry."""
    errors = {}
    if kind == DiligenceKind.SOC2 and period_end is None:
        errors["period_end"] = (
            "Enter the last day of the audit period: a SOC 2 report is valid for 12 months "
            "from the end of the period it covers."
        )
    if period_end and performed_on and period_end > performed_on:
        errors["period_end"] = "The audit period cannot end after the report was received."
    if bridge_until is not None:
        if kind != DiligenceKind.SOC2:
            errors["bridge_until"] = "A bridge letter only extends a SOC 2 report."
        elif period_end and bridge_until <= period_end:
            errors["bridge_until"] = "A bridge letter covers days after the audit period ended."
    if kind == DiligenceKind.CYBER_INSURANCE and valid_until is None:
        errors["valid_until"] = (
            "Enter the policy's expiry date: the certificate proves coverage only until then."
        )
    return errors


@transaction.atomic
def diligence_record_save(
    *,
    record: DueDiligenceRecord,
    actor,
    controls: dict[str, tuple[str, str]] | None = None,
    uploads=(),
) -> DueDiligenceRecord:
    """Create or update a diligence record with its controls checklist and new evidence files.

    ``controls`` maps a control to ``(answer, note)``; an empty answer removes the line."""
    _check_member(record.organization, record.reviewer, "reviewer")
    uploads = list(uploads)
    for upload in uploads:
        # Every file is checked before anything is written: a refused second file must not
        # leave the first one stored (the rollback undoes rows, not files in the storage).
        validate_upload(upload, allowed=EVIDENCE_TYPES)
    if record.vendor.organization_id != record.organization_id:
        raise ValidationError("The vendor is not in this practice.")
    if record.performed_on > practice_today(record.organization):
        raise ValidationError({"performed_on": "The date performed cannot be in the future."})
    if record.valid_until and record.valid_until < record.performed_on:
        raise ValidationError({"valid_until": "'Valid until' cannot be before the date performed."})
    dates = evidence_date_errors(
        kind=record.kind,
        performed_on=record.performed_on,
        period_end=record.period_end,
        bridge_until=record.bridge_until,
        valid_until=record.valid_until,
    )
    if dates:
        raise ValidationError(dates)
    record.save()
    current = {
        a.control: a for a in ControlAnswer.objects.filter(record=record, superseded_at=None)
    }
    now = timezone.now()
    for control, (answer, note) in (controls or {}).items():
        existing = current.get(control)
        if existing is not None and (existing.answer, existing.note) == (answer, note):
            continue
        if existing is not None:
            # Superseded, never deleted: the earlier answer stays on the record.
            existing.superseded_at = now
            existing.save(update_fields=["superseded_at"])
        if answer:
            ControlAnswer.objects.create(
                organization=record.organization,
                record=record,
                control=control,
                answer=answer,
                note=note,
            )
    for upload in uploads:
        evidence_add(record=record, upload=upload, actor=actor)
    return record


def evidence_add(*, record: DueDiligenceRecord, upload, actor) -> EvidenceFile:
    """Validate an uploaded file by content and attach it (PDF, images, office documents)."""
    stored = EvidenceFile.from_upload(
        upload,
        organization=record.organization,
        uploaded_by=actor,
        allowed=EVIDENCE_TYPES,
        record=record,
    )
    stored.save()
    return stored


@transaction.atomic
def diligence_archive(*, record: DueDiligenceRecord, restore: bool = False) -> None:
    """Withdraw a record (entered in error, superseded); it and its files are kept."""
    record.archived_at = None if restore else timezone.now()
    record.save(update_fields=["archived_at"])


# --- actions -----------------------------------------------------------------------------------


@transaction.atomic
def action_save(*, action: FollowUpAction, actor) -> FollowUpAction:
    """Create or update a follow-up action. Accepting a risk needs a justification; closing an
    action records the day it was closed."""
    _check_member(action.organization, action.owner, "owner")
    if action.vendor.organization_id != action.organization_id:
        raise ValidationError("The vendor is not in this practice.")
    action.justification = (action.justification or "").strip()
    if action.status == ActionStatus.ACCEPTED_RISK and not action.justification:
        raise ValidationError({"justification": "Explain why the risk is accepted."})
    if action.status == ActionStatus.OPEN:
        action.completed_on = None
    elif action.completed_on is None:
        action.completed_on = practice_today(action.organization)
    action.save()
    return action


# --- reviews -----------------------------------------------------------------------------------


UNCHECKED = object()  # ``review_record``'s ``last_review_seen`` when the caller showed no form


@transaction.atomic
def review_record(
    *,
    review: VendorReview,
    actor,
    overdue_reason: str = "",
    last_review_seen=UNCHECKED,
    check_record: bool = True,
) -> VendorReview:
    """Record a periodic review; the vendor's next review date follows from the policy.

    The review is checked against the record (``review_contradictions``) and, when the caller
    says which last review its user saw (``last_review_seen``: an id, or None for none), a
    review recorded by somebody else since is refused (``stale_review_message``). The vendor's
    row is locked meanwhile, so two reviewers cannot both pass. ``check_record=False`` is for
    reviews entered as they were on an earlier date (demo history, tests), never for a form."""
    _check_member(review.organization, review.reviewer, "reviewer")
    vendor = review.vendor
    if vendor.organization_id != review.organization_id:
        raise ValidationError("The vendor is not in this practice.")
    if review.reviewed_on > practice_today(review.organization):
        raise ValidationError({"reviewed_on": "A review cannot be dated in the future."})
    if check_record:
        BusinessAssociate.objects.select_for_update().filter(pk=vendor.pk).first()
        facts = review_record_facts(vendor)
        errors = review_contradictions(review=review, facts=facts, overdue_reason=overdue_reason)
        if errors:
            raise ValidationError(errors)
        if last_review_seen is not UNCHECKED and review_is_stale(facts, last_review_seen):
            raise ValidationError(stale_review_message(facts), code="stale")
    reason = (overdue_reason or "").strip()
    if reason:
        note = f"Continued with overdue follow-up actions: {reason}"
        review.notes = "\n".join(x for x in ((review.notes or "").strip(), note) if x)
    review.save()
    row = schedule_refresh(vendor=vendor)
    review.next_due_on = row.next_review_due
    review.save(update_fields=["next_due_on"])
    return review


def review_contradictions(
    *, review: VendorReview, facts: "ReviewRecordFacts", overdue_reason: str = ""
) -> dict[str, str]:
    """What a review states against the record, by field: "BAA current" or "evidence
    current" ticked when the record says otherwise, or "continue" while follow-up actions are
    overdue without a reason. The review form shows these; ``review_record`` refuses them."""
    errors = {}
    if review.baa_current and not facts.baa_current:
        errors["baa_current"] = (
            f"The record says otherwise: {facts.baa_label}. Record the signed agreement "
            "first (Agreements), or leave this unticked."
        )
    if review.evidence_current and not facts.evidence_current:
        errors["evidence_current"] = (
            f"The record says otherwise: {facts.evidence_detail}. Record the new evidence "
            "first (Record diligence), or leave this unticked."
        )
    if (
        facts.overdue_actions
        and review.outcome == ReviewOutcome.CONTINUE
        and not (overdue_reason or "").strip()
    ):
        errors["overdue_reason"] = (
            "Follow-up actions of this vendor are overdue: say why the relationship "
            "continues without them, or choose 'Continue with follow-up actions'."
        )
    return errors


def review_is_stale(facts: "ReviewRecordFacts", last_review_seen: int | None) -> bool:
    """Another review was recorded after the one the user saw (0 or None: none seen)."""
    return facts.last_review_id is not None and (last_review_seen or None) != facts.last_review_id


def stale_review_message(facts: "ReviewRecordFacts") -> str:
    """Why a review is refused when another was recorded after its form was opened."""
    other = VendorReview.objects.select_related("reviewer__user").get(pk=facts.last_review_id)
    who = other.reviewer.display_name if other.reviewer else "another member"
    return (
        f"{who} recorded a review of this vendor after you opened this form "
        f"(dated {other.reviewed_on:%Y-%m-%d}, outcome: {other.get_outcome_display()}"
        f", BAA current: {'yes' if other.baa_current else 'no'}, evidence current: "
        f"{'yes' if other.evidence_current else 'no'}). Nothing was recorded. Read it "
        "on the vendor page; record yours again only if it adds something."
    )


@dataclass(frozen=True)
class ReviewRecordFacts:
    """What the record says about the questions of a review, so that the review form cannot
    state otherwise without an explanation."""

    baa_current: bool
    baa_label: str  # the vendor's BAA status, in words
    evidence_current: bool
    evidence_detail: str
    overdue_actions: tuple
    last_review_id: int | None
    # Findings of other apps since the last review (``review_inputs``: e.g. a late breach
    # report or a breach at the vendor).
    since_last_review: tuple = ()


def review_record_facts(vendor: BusinessAssociate) -> ReviewRecordFacts:
    """The BAA status (``vendors.baa_status``, the inventory's definition), the evidence state
    (``schedule``: only the newest record of each kind, stale after its validity), the open
    follow-up actions past their date, the last review recorded and what the registered apps
    found since (``review_inputs``). Five small queries + the providers'."""
    organization = vendor.organization
    today = practice_today(organization)
    rules = rules_for([organization.pk])[organization.pk][vendor.tier]
    status = derived_status(
        baa_state=vendor.baa_state,
        baa_expires_on=vendor.baa_expires_on,
        status=vendor.status,
        needs_baa=vendor.needs_baa,
        today=today,
        warning_days=rules.first_warning_days,
        determined_not_ba=vendor.determined_not_ba,
    )
    label = BaaStatus(status).label
    if vendor.baa_expires_on and status in (BaaStatus.CURRENT, BaaStatus.EXPIRING):
        label += f" (expires {vendor.baa_expires_on:%Y-%m-%d})"
    live = DueDiligenceRecord.objects.filter(vendor=vendor, archived_at__isnull=True)
    evidence = [
        schedule.Evidence(r.id, r.kind, r.performed_on, r.valid_until)
        for r in live.only("id", "kind", "performed_on", "valid_until")
    ]
    dues = [schedule.evidence_due(e, today, rules) for e in schedule.current_evidence(evidence)]
    stale = [d for d in dues if d.state == DueState.OVERDUE]
    if not evidence:
        detail = "no due-diligence evidence on file"
    elif stale:
        detail = "stale: " + "; ".join(
            f"{DiligenceKind(d.evidence.kind).label} of {d.evidence.performed_on:%Y-%m-%d} "
            f"(valid until {d.expires_on:%Y-%m-%d})"
            for d in stale
        )
    else:
        detail = "every piece of evidence on file is within its validity"
    overdue = tuple(
        FollowUpAction.objects.filter(
            vendor=vendor, status=ActionStatus.OPEN, due_on__lt=today
        ).order_by("due_on")
    )
    last = VendorReview.objects.filter(vendor=vendor).order_by("-id").values_list("id", flat=True)
    last_on = VendorReview.objects.filter(vendor=vendor).aggregate(last=Max("reviewed_on"))["last"]
    return ReviewRecordFacts(
        baa_current=status in (BaaStatus.CURRENT, BaaStatus.EXPIRING),
        baa_label=label,
        evidence_current=bool(evidence) and not stale,
        evidence_detail=detail,
        overdue_actions=overdue,
        last_review_id=last.first(),
        since_last_review=tuple(review_inputs.since(vendor, last_on)),
    )


def review_prompts_retier(review: VendorReview) -> bool:
    """A change of services or access recorded in a review means the tier may be stale."""
    return review.services_changed


# --- offboarding -------------------------------------------------------------------------------


@transaction.atomic
def offboarding_save(*, offboarding: Offboarding, actor, certificate=None) -> Offboarding:
    """Start or update an offboarding; optionally attach a certificate of return/destruction."""
    offboarding.infeasibility_protections = (offboarding.infeasibility_protections or "").strip()
    if (
        offboarding.disposition == Disposition.INFEASIBLE
        and not offboarding.infeasibility_protections
    ):
        raise ValidationError(
            {
                "infeasibility_protections": "Explain why return or destruction is infeasible "
                "and how the protections are extended (164.504(e)(2)(ii)(J))."
            }
        )
    if offboarding.closed_on and offboarding.closed_on < offboarding.started_on:
        raise ValidationError({"closed_on": "The closed date cannot be before the start date."})
    offboarding.save()
    if certificate is not None:
        certificate_add(offboarding=offboarding, upload=certificate, actor=actor)
    _vendor_status_follows(offboarding, actor)
    return offboarding


def _vendor_status_follows(offboarding: Offboarding, actor) -> None:
    """Starting an offboarding moves the vendor to "offboarding"; once the relationship has
    ended it is "terminated" (which starts the disposition-certificate clock)."""
    vendor = offboarding.vendor
    ended = offboarding.ended_on and offboarding.ended_on <= practice_today(vendor.organization)
    target = RelationshipStatus.TERMINATED if ended else RelationshipStatus.OFFBOARDING
    if vendor.status in (RelationshipStatus.TERMINATED, target):
        return
    vendor.status = target
    vendor_save(vendor=vendor, actor=actor)


def certificate_add(*, offboarding: Offboarding, upload, actor) -> DispositionCertificate:
    stored = DispositionCertificate.from_upload(
        upload,
        organization=offboarding.organization,
        uploaded_by=actor,
        allowed=EVIDENCE_TYPES,
        offboarding=offboarding,
    )
    stored.save()
    return stored


def offboarding_start_if_needed(*, vendor: BusinessAssociate) -> Offboarding | None:
    """A vendor that needs a BAA (PHI, or system access) moved to offboarding or terminated gets
    an offboarding record, so the disposition certificate is tracked even if nobody opened the
    offboarding form."""
    if vendor.status not in (RelationshipStatus.OFFBOARDING, RelationshipStatus.TERMINATED):
        return None
    if not vendor.needs_baa or Offboarding.objects.filter(vendor=vendor).exists():
        return None
    return Offboarding.objects.create(
        organization_id=vendor.organization_id,
        vendor=vendor,
        started_on=practice_today(vendor.organization),
    )


def relationships_end_passed() -> int:
    """Nightly: a vendor being offboarded whose relationship end date has come (on the
    practice's own calendar) becomes terminated, as saving the offboarding form would have
    done. Idempotent (only vendors still "offboarding" move; a second run changes nothing);
    the vendor's history records the change. One failing vendor does not stop the others."""
    # No practice's today is later than tomorrow in UTC; each row is checked on its own today.
    latest_today = timezone.now().date() + timedelta(days=1)
    rows = Offboarding.objects.filter(
        vendor__status=RelationshipStatus.OFFBOARDING,
        ended_on__isnull=False,
        ended_on__lte=latest_today,
    ).values_list("pk", flat=True)
    moved = 0
    for pk in rows:
        try:
            with transaction.atomic():
                offboarding = Offboarding.objects.select_related("vendor__organization").get(pk=pk)
                vendor = BusinessAssociate.objects.select_for_update().get(pk=offboarding.vendor_id)
                if vendor.status != RelationshipStatus.OFFBOARDING:
                    continue
                if offboarding.ended_on > practice_today(vendor.organization):
                    continue
                vendor.status = RelationshipStatus.TERMINATED
                vendor._change_reason = "Relationship end date passed (nightly task)"
                vendor_save(vendor=vendor, actor=None)
                moved += 1
        except Exception:  # logged with the id only, no PHI
            log.exception("Could not terminate the vendor of offboarding %s", pk)
    return moved

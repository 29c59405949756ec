"""When each part of a vendor's oversight falls due. Pure: plain data in, dates and states out.

The rules (a reviewer should find each here):

- **Periodic review.** The next full review is due ``review_interval_months`` (of the vendor's
  *current* tier) after the last review. With no review yet, the clock starts when the vendor
  became engaged (PHI access began, else the day it was added) or when its tier last changed,
  whichever is later.
- **No diligence yet.** A high- or critical-tier vendor that was never reviewed and has no
  due-diligence record on file is due for review from the day it was engaged: its oversight has
  not started (seed 003: diligence before engaging; 164.308(b)(1) satisfactory assurances). It
  never reads "ok" on a date months away.
- **Tier change.** When a vendor's tier changes, its due dates follow the new policy from that
  moment: the new tier's interval applies, and a review that the new, stricter policy would have
  wanted *before* the change falls due on the day of the change (not retroactively overdue).
  The first classification of a new vendor is not a change.
- **Evidence.** A piece of diligence evidence is valid until its stated end ("valid until",
  e.g. an ISO 27001 certificate's expiry); without one, for ``evidence_valid_months`` of the
  tier after it was performed or received (a SOC 2 report older than 12 months is stale). Only
  the newest record of each kind counts: a new SOC 2 report replaces last year's.
- **Offboarding.** A vendor being offboarded still holds the practice's PHI until it is returned
  or destroyed (164.504(e)(2)(ii)(J)), so its offboarding falls due from the day offboarding
  starts, not only once it is terminated: its access (accounts, VPN, integrations) is due to be
  revoked by the day the relationship ends, and its PHI disposition certificate
  ``certificate_days`` after that day; while no end date is recorded, both count from the day
  offboarding started. ``offboarding_due`` says which offboarding states these apply to.
- **State.** ok / due soon (within ``due_soon_days``) / overdue, from ``oversight.policy``.
- Only engaged vendors (onboarding, active) that need a BAA (PHI, or remote or privileged access
  to the practice's systems: ``vendors.tiering.RiskProfile.needs_baa``) have reviews and
  evidence due. An offboarding vendor has no more reviews, but its offboarding falls due.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from oversight.policy import DueState, TierRules, add_months, due_state

ENGAGED = ("onboarding", "active")
# Offboarding items (access revocation, disposition certificate) are due in these states.
OFFBOARDING = ("offboarding", "terminated")
# The tiers that need diligence before going active (``diligence.activation``).
DILIGENCE_FIRST_TIERS = ("critical", "high")


@dataclass(frozen=True)
class Evidence:
    id: int
    kind: str
    performed_on: date
    valid_until: date | None = None


@dataclass(frozen=True)
class VendorFacts:
    tier: str
    status: str
    engaged_on: date | None  # PHI access began, else the day the vendor was added
    last_review_on: date | None = None
    tier_changed_on: date | None = None  # last real change (not the first classification)
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    needs_baa: bool = True  # ``RiskProfile.needs_baa``: PHI, or remote/privileged access
    has_diligence: bool = True  # a (not archived) due-diligence record is on file

    @property
    def never_overseen(self) -> bool:
        """High or critical tier, never reviewed, no diligence on file: due from engagement."""
        return (
            self.tier in DILIGENCE_FIRST_TIERS
            and self.last_review_on is None
            and not self.has_diligence
        )

    @property
    def overseen(self) -> bool:
        return self.status in ENGAGED and self.needs_baa


@dataclass(frozen=True)
class Dated:
    due: date | None
    state: DueState


@dataclass(frozen=True)
class EvidenceDue:
    evidence: Evidence
    expires_on: date
    state: DueState


@dataclass(frozen=True)
class VendorDue:
    review: Dated
    evidence: tuple[EvidenceDue, ...]

    @property
    def stale_evidence(self) -> tuple[EvidenceDue, ...]:
        """Evidence that is stale or about to be (due soon)."""
        return tuple(e for e in self.evidence if e.state != DueState.OK)


def _plus_months(day: date, months: int) -> date:
    """``day`` + ``months``; a date past the calendar's end (year 9999) stays at its end."""
    try:
        return add_months(day, months)
    except (OverflowError, ValueError):
        return date.max


def next_review_due(facts: VendorFacts, rules: TierRules) -> date | None:
    """The date the next full review is due, or None (not engaged, or no BAA needed)."""
    if not facts.overseen:
        return None
    interval = rules.review_interval_months
    changed = facts.tier_changed_on
    if facts.last_review_on is None:
        starts = [d for d in (facts.engaged_on, changed) if d is not None]
        if not starts:
            return None
        if facts.never_overseen:
            return max(starts)
        return _plus_months(max(starts), interval)
    due = _plus_months(facts.last_review_on, interval)
    if changed is not None and changed > facts.last_review_on and due < changed:
        return changed
    return due


def evidence_expires_on(evidence: Evidence, rules: TierRules) -> date:
    if evidence.valid_until is not None:
        return evidence.valid_until
    return _plus_months(evidence.performed_on, rules.evidence_valid_months)


def current_evidence(evidence) -> list[Evidence]:
    """The newest record of each kind (ties: the highest id)."""
    newest: dict[str, Evidence] = {}
    for item in evidence:
        best = newest.get(item.kind)
        if best is None or (item.performed_on, item.id) > (best.performed_on, best.id):
            newest[item.kind] = item
    return sorted(newest.values(), key=lambda e: (e.performed_on, e.id))


def evidence_due(evidence: Evidence, today: date, rules: TierRules) -> EvidenceDue:
    # ``expires_on`` is the last valid day: the evidence is stale (overdue) the day after.
    expires = evidence_expires_on(evidence, rules)
    return EvidenceDue(evidence, expires, due_state(expires, today, rules.due_soon_days))


def vendor_due(facts: VendorFacts, today: date, rules: TierRules) -> VendorDue:
    """Everything dated about one vendor on ``today``."""
    review = next_review_due(facts, rules)
    review_dated = Dated(review, due_state(review, today, rules.due_soon_days))
    if not facts.overseen:
        return VendorDue(review_dated, ())
    items = tuple(evidence_due(e, today, rules) for e in current_evidence(facts.evidence))
    return VendorDue(review_dated, items)


def offboarding_base(started_on: date, ended_on: date | None) -> date:
    """The day the offboarding clocks count from: the relationship's end, else the start."""
    return ended_on or started_on


def access_revocation_due(started_on: date, ended_on: date | None) -> date:
    """The day the vendor's access to the practice's systems must be revoked by."""
    return offboarding_base(started_on, ended_on)


def certificate_due(base: date, rules: TierRules) -> date:
    """The PHI disposition certificate (164.504(e)(2)(ii)(J)): ``certificate_days`` after the
    ``offboarding_base``."""
    try:
        return base + timedelta(days=rules.certificate_days)
    except OverflowError:
        return date.max


def state(due: date | None, today: date, rules: TierRules) -> DueState:
    return due_state(due, today, rules.due_soon_days)

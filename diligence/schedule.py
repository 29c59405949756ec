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
- **Review brought forward.** An event since the last review that asks for a review earlier
  than the policy's date (a vendor breach: ``incidents.clocks.review_proposed_by``, through
  ``diligence.review_inputs``) moves the next review to that day: min(policy date, asked-by
  day). A review recorded after the event answers it.
- **Evidence.** How long a piece of evidence stays valid depends on its *kind*, never on the
  tier (``EVIDENCE_VALIDITY`` below, each entry with its reason): a SOC 2 report is measured
  from the end of its audit period, 12 months at most, plus what a bridge letter covers (3
  months at most); an insurance certificate until the policy's expiry; a stated expiry earlier
  than the kind's maximum wins. The *tier* decides how often the practice asks for fresh
  evidence (``TierRules.evidence_valid_months``, "ask for fresh evidence every"): a fresh copy
  is due at the earlier of the day the evidence goes stale and the tier's request date. Only
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

# The statuses whose periodic reviews (and evidence requests) are scheduled.
REVIEWED_STATUSES = ("onboarding", "active")
# Offboarding items (access revocation, disposition certificate) are due in these states.
OFFBOARDING = ("offboarding", "terminated")
# The tiers that need diligence before going active (``diligence.activation``).
DILIGENCE_FIRST_TIERS = ("critical", "high")


@dataclass(frozen=True)
class Evidence:
    id: int
    kind: str
    performed_on: date  # performed or received
    valid_until: date | None = None  # a stated expiry (certificate, insurance policy)
    period_end: date | None = None  # SOC 2: the last day of the audit period
    bridge_until: date | None = None  # SOC 2: the last day a bridge letter covers


@dataclass(frozen=True)
class Validity:
    """How long one kind of evidence stays valid, and why."""

    months: int | None  # the most it stays valid; None: until its stated expiry
    measured_from: str  # what the months count from, in words
    reason: str
    needs_stated_expiry: bool = False


# Months a bridge (gap) letter may add to a SOC 2 report, at most.
BRIDGE_LETTER_MAX_MONTHS = 3
# Without a stated expiry, evidence of a kind with ``months=None`` is valid this long.
FALLBACK_MONTHS = 12

EVIDENCE_VALIDITY: dict[str, Validity] = {
    "soc2_type2": Validity(
        12,
        "the end of the audit period",
        "A SOC 2 Type II report describes controls over a past period (AICPA SOC 2); common "
        "practice (HIPAA sets no period) treats it as current for 12 months after the period "
        "ends. A bridge letter from the vendor extends it by the months it covers, "
        f"{BRIDGE_LETTER_MAX_MONTHS} at most.",
    ),
    "hitrust": Validity(
        24,
        "the certification date",
        "A HITRUST r2 certification is valid for two years, with an interim assessment after "
        "one; i1 and e1 certifications last one year: enter the stated expiry.",
    ),
    "iso27001": Validity(
        36,
        "the certification date",
        "ISO/IEC 27001 certificates run a three-year cycle (ISO/IEC 17021-1) with yearly "
        "surveillance audits; the certificate's stated expiry applies when earlier.",
    ),
    "pentest": Validity(
        12,
        "the test date",
        "A penetration test shows the systems as they were: common practice (and the proposed "
        "Security Rule update, 90 FR 898, not final) is a new test at least every 12 months.",
    ),
    "cyber_insurance": Validity(
        None,
        "the policy's expiry date",
        "An insurance certificate proves coverage only until the policy expires; without an "
        f"expiry date it is treated as a one-year policy ({FALLBACK_MONTHS} months).",
        needs_stated_expiry=True,
    ),
    "questionnaire": Validity(
        12,
        "the date received",
        "A security questionnaire is the vendor's own answer at a point in time; common "
        "practice is to renew it every year.",
    ),
    "safeguards_verification": Validity(
        12,
        "the date received",
        "The proposed Security Rule update (90 FR 898, not final) would require a written "
        "verification of the business associate's technical safeguards at least every 12 months.",
    ),
    "other": Validity(12, "the date received", "Treated as valid for one year."),
}

# The shortest validity of any kind (the evidence provider's query prefilter).
SHORTEST_VALIDITY_MONTHS = min(v.months or FALLBACK_MONTHS for v in EVIDENCE_VALIDITY.values())


def validity_of(kind: str) -> Validity:
    return EVIDENCE_VALIDITY.get(kind, EVIDENCE_VALIDITY["other"])


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
    # An event since the last review asks for the next one by this day (``review_inputs``:
    # e.g. a vendor breach, ``incidents.clocks.review_proposed_by``).
    review_requested_by: date | None = None

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
        return self.status in REVIEWED_STATUSES and self.needs_baa


@dataclass(frozen=True)
class Dated:
    due: date | None
    state: DueState


@dataclass(frozen=True)
class EvidenceDue:
    evidence: Evidence
    expires_on: date  # the last valid day, by kind (``evidence_valid_through``)
    state: DueState  # of ``due_on``
    due_on: date  # a fresh copy is due: expiry or the tier's request date, the earlier
    stale: bool = False  # past its validity (not merely due to be asked for again)

    @property
    def requested_by_tier(self) -> bool:
        """Due because the tier asks for fresh evidence before the current one expires."""
        return self.due_on < self.expires_on


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
    """The date the next full review is due, or None (not engaged, or no BAA needed). An event
    since the last review that asks for one earlier brings it forward:
    min(the policy's date, ``review_requested_by``)."""
    if not facts.overseen:
        return None
    due = _policy_review_due(facts, rules)
    if facts.review_requested_by is None:
        return due
    return facts.review_requested_by if due is None else min(due, facts.review_requested_by)


def _policy_review_due(facts: VendorFacts, rules: TierRules) -> date | None:
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


def evidence_valid_through(evidence: Evidence) -> date:
    """The last day ``evidence`` is valid, by its kind alone (``EVIDENCE_VALIDITY``)."""
    validity = validity_of(evidence.kind)
    if evidence.kind == "soc2_type2":
        start = evidence.period_end or evidence.performed_on
        end = _plus_months(start, validity.months or FALLBACK_MONTHS)
        if evidence.period_end and evidence.bridge_until and evidence.bridge_until > start:
            # The bridge letter extends by the span it covers, up to the maximum.
            covered = min(evidence.bridge_until, _plus_months(start, BRIDGE_LETTER_MAX_MONTHS))
            end = _plus_months(covered, validity.months or FALLBACK_MONTHS)
    elif validity.months is None:
        end = evidence.valid_until or _plus_months(evidence.performed_on, FALLBACK_MONTHS)
    else:
        end = _plus_months(evidence.performed_on, validity.months)
    if evidence.valid_until is not None:
        end = min(end, evidence.valid_until)  # a stated earlier expiry wins
    return end


def evidence_request_on(evidence: Evidence, rules: TierRules) -> date:
    """When the tier's policy asks for fresh evidence ("ask for fresh evidence every")."""
    return _plus_months(evidence.performed_on, rules.evidence_valid_months)


def evidence_expires_on(evidence: Evidence, rules: TierRules) -> date:
    """When a fresh copy is due: the evidence goes stale, or the tier asks again, earlier."""
    return min(evidence_valid_through(evidence), evidence_request_on(evidence, rules))


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
    valid_through = evidence_valid_through(evidence)
    due = min(valid_through, evidence_request_on(evidence, rules))
    return EvidenceDue(
        evidence,
        valid_through,
        due_state(due, today, rules.due_soon_days),
        due,
        stale=valid_through < today,
    )


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

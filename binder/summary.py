"""The cover's summary of the binder: the dashboard's figures (``dashboard/posture.py``) on the
binder's date, counted over the records as they stood on that date (``binder/asof.py``).

The definitions are the dashboard's, asked from the same rules:

- **vendors by tier**: vendors not archived, by effective tier;
- **BAA coverage**: of the active vendors that need a BAA (PHI or system access), those
  whose BAA status
  (``vendors.baa_status.derived_status``, the pure twin of the inventory's SQL annotation) is
  in ``baa_status.COMPLIANT`` (signed, current or expiring soon, not deficient);
- **gaps**: vendors whose BAA status is a compliance gap (PHI without a signed, current BAA,
  164.502(e), 164.308(b));
- **BAAs expiring within 90 days**: signed agreements of reference expiring in the next 90 days;
- **overdue reviews**: engaged vendors, not archived, whose next periodic review
  (``diligence.VendorSchedule``, from ``diligence.schedule.next_review_due``) was due before
  the date.

``tests/test_binder_cover.py`` holds the figures equal to the dashboard's for the same day.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from vendors import baa_status
from vendors.choices import ENGAGED_STATUSES, RelationshipStatus, Tier


@dataclass(frozen=True)
class VendorState:
    """What the summary needs of one vendor on the date."""

    name: str
    tier: str
    status: str
    handles_phi: bool
    needs_baa: bool
    determined_not_ba: bool
    archived: bool
    baa_state: str
    baa_expires_on: date | None
    next_review_due: date | None
    baa_deficient: bool = False


@dataclass
class Summary:
    as_of: date
    total: int
    by_tier: list[tuple[str, str, int]]
    active_phi: int
    active_phi_covered: int
    gap_count: int
    gaps: list[str]
    expiring_90: int
    reviews_overdue: int

    @property
    def covered_percent(self) -> int:
        # The dashboard's rounding (dashboard.posture.Posture.covered_percent).
        return round(100 * self.active_phi_covered / self.active_phi) if self.active_phi else 100


def status_of(state: VendorState, today: date, rules: dict) -> str:
    return baa_status.derived_status(
        baa_state=state.baa_state,
        baa_expires_on=state.baa_expires_on,
        status=state.status,
        needs_baa=state.needs_baa,
        today=today,
        warning_days=rules[state.tier].first_warning_days,
        determined_not_ba=state.determined_not_ba,
        baa_deficient=state.baa_deficient,
    )


def summarize(states: list[VendorState], today: date, rules: dict) -> Summary:
    """The summary on ``today`` (``rules``: ``{tier: TierRules}`` in force that day)."""
    current = [s for s in states if not s.archived]
    statuses = {id(s): status_of(s, today, rules) for s in current}
    active_phi = [s for s in current if s.status == RelationshipStatus.ACTIVE and s.needs_baa]
    covered = [s for s in active_phi if statuses[id(s)] in baa_status.COMPLIANT]
    gaps = [s for s in current if statuses[id(s)] == baa_status.BaaStatus.GAP]
    horizon = today + timedelta(days=90)
    expiring = [
        s
        for s in current
        if s.baa_state == baa_status.BaaState.SIGNED
        and s.baa_expires_on is not None
        and today <= s.baa_expires_on <= horizon
    ]
    overdue = [
        s
        for s in current
        if s.status in ENGAGED_STATUSES
        and s.next_review_due is not None
        and s.next_review_due < today
    ]
    return Summary(
        as_of=today,
        total=len(current),
        by_tier=[(t, label, sum(1 for s in current if s.tier == t)) for t, label in Tier.choices],
        active_phi=len(active_phi),
        active_phi_covered=len(covered),
        gap_count=len(gaps),
        gaps=sorted(s.name for s in gaps),
        expiring_90=len(expiring),
        reviews_overdue=len(overdue),
    )

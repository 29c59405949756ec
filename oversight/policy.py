"""The oversight policy: how much attention each risk tier gets. Pure, no ORM.

Defaults follow the domain brief (``shared/domain.md``, "Review cadence by tier"); each practice
may change them (``oversight.models.TierPolicy``). Overdue items are re-sent on a tier cadence
(critical every 3 days ... low monthly) and escalate to the practice's admins after a
tier-dependent delay.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta


@dataclass(frozen=True)
class TierRules:
    review_interval_months: int
    expiry_warning_days: tuple[int, ...]  # sorted, largest first: (120, 90, 60, 30, 14, 7)
    # How often fresh diligence evidence is asked for; how long evidence stays valid depends
    # on its kind, not the tier (``diligence.schedule.EVIDENCE_VALIDITY``).
    evidence_valid_months: int
    resend_days: int
    escalate_days: int
    certificate_days: int  # terminated vendor: days allowed to obtain the disposition certificate
    due_soon_days: int = 30  # a review or evidence due within this many days is "due soon"

    @property
    def first_warning_days(self) -> int:
        return max(self.expiry_warning_days, default=0)


DEFAULT_RULES: dict[str, TierRules] = {
    "critical": TierRules(6, (120, 90, 60, 30, 14, 7), 12, 3, 7, 30),
    "high": TierRules(12, (90, 60, 30, 7), 12, 7, 14, 30),
    "medium": TierRules(24, (60, 30, 7), 24, 14, 30, 30),
    "low": TierRules(36, (30, 7), 36, 30, 60, 30),
}


class DueState(StrEnum):
    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def add_months(day: date, months: int) -> date:
    return day + relativedelta(months=months)


def due_state(due: date | None, today: date, soon_days: int) -> DueState:
    """ok / due soon / overdue for something due on ``due`` (None: nothing due)."""
    if due is None:
        return DueState.OK
    if due < today:
        return DueState.OVERDUE
    if due <= today + timedelta(days=soon_days):
        return DueState.DUE_SOON
    return DueState.OK


def validate_warning_days(days: list[int] | tuple[int, ...]) -> tuple[int, ...]:
    """Positive, distinct thresholds, returned sorted largest first; ValueError otherwise."""
    values = [int(d) for d in days]
    if not values:
        raise ValueError("Give at least one warning threshold.")
    if any(d <= 0 or d > 3650 for d in values):
        raise ValueError("Thresholds are days before expiry, between 1 and 3650.")
    if len(set(values)) != len(values):
        raise ValueError("Each threshold may appear once.")
    return tuple(sorted(values, reverse=True))

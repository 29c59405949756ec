"""The legal clocks of a vendor incident (HIPAA breach notification, 45 CFR 164.400-414).
Pure: plain data in, dates and states out; no ORM. Screens, reminders and the binder ask this
module, never their own arithmetic.

The rules (a reviewer should find each here):

- **Vendor's report** (``vendor_report``). The business associate must tell the practice
  within the BAA's window, counted from its own discovery (calendar days, business days
  skipping weekends and US federal holidays, or hours), and never later than 60 calendar days
  after discovery (164.410(b)). A report after the earlier of the two is late: a finding on
  the vendor.
- **Discovery** (``discovery_date``). A breach is discovered on the first day it is known, or
  by reasonable diligence would have been known (164.404(a)(2), 164.410(a)(2)). When the vendor
  acts as the practice's agent, its discovery is the practice's (the federal common law of
  agency, 164.404(a)(2)): the practice's clocks start at the *vendor's* discovery. That is the
  default (``DiscoveryBasis.VENDOR``) because it is the earlier, safe date; a practice whose
  counsel decided the vendor is not its agent may count from its own discovery.
- **Individuals** (``individuals``): without unreasonable delay and no later than 60 calendar
  days after discovery (164.404(b)).
- **Media** (``media``): required when more than 500 residents of one state or jurisdiction
  are affected (164.406(a)); same deadline as the individuals' (164.406(b)).
- **HHS** (``hhs`` / ``hhs_annual``): 500 or more individuals in all, at the same time as the
  individual notices (164.408(b)); fewer than 500, in the annual log, no later than 60 days
  after the end of the calendar year of discovery (164.408(c)). While the count is unknown the
  safe, contemporaneous deadline applies.
- **Law enforcement** (164.412): a written statement delays notice for the period it
  specifies; an oral one for no longer than 30 days from the statement unless a written one
  follows (164.412(b)). The rule delays notice but does not lengthen the 60 days: a deadline
  falling inside the delay moves to the day after it ends; one after it is unchanged.
- **No notice** is due when the assessment concluded a low probability of compromise
  (164.402(2)), an exception of 164.402(1) applies, or the PHI was secured (encrypted or
  destroyed per the HHS guidance, 164.402 "unsecured PHI"). Until an assessment concludes, a
  breach is presumed (164.402(2)) and every clock runs.
- **State** of each deadline: done (a notice of that kind recorded) / overdue / due soon
  (within ``DUE_SOON_DAYS``) / ok.
- **Status** of an incident (``status``) follows the record: investigating until assessed;
  assessed; notified once every notice required is recorded; closed only when the practice
  closes it, and not before it is assessed or while a required notice is owed (``owed``).
- **Vendor oversight after a breach** (``review_proposed_by``): a concluded breach at a vendor
  asks for its next periodic review within ``BREACH_REVIEW_DAYS`` of the conclusion (the
  diligence schedule takes the earlier of that and the policy's date); a late report by the
  vendor is a finding its next review reads (``incidents.review``).
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from baas.business_days import add_business_days

REGULATORY_DAYS = 60  # 164.404(b), 164.406(b), 164.408(b), 164.410(b)
MEDIA_THRESHOLD = 500  # "more than 500 residents of a State or jurisdiction", 164.406(a)
HHS_THRESHOLD = 500  # "500 or more individuals", 164.408(b)
ORAL_DELAY_MAX_DAYS = 30  # 164.412(b)
DUE_SOON_DAYS = 7
BREACH_REVIEW_DAYS = 30  # the vendor's next review after a concluded breach


class DiscoveryBasis(StrEnum):
    VENDOR = "vendor"  # agency: the vendor's discovery is the practice's (safe default)
    PRACTICE = "practice"


class WindowUnit(StrEnum):  # the values of baas.choices.DayKind
    CALENDAR = "calendar"
    BUSINESS = "business"
    HOURS = "hours"


class Conclusion(StrEnum):
    PENDING = "pending"  # not assessed yet: a breach is presumed (164.402(2))
    BREACH = "breach"
    LOW_PROBABILITY = "low_probability"


class Status(StrEnum):  # the values of incidents.choices.IncidentStatus
    INVESTIGATING = "investigating"
    ASSESSED = "assessed"
    NOTIFIED = "notified"
    CLOSED = "closed"


class ClockState(StrEnum):
    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE = "done"


@dataclass(frozen=True)
class LawEnforcementDelay:
    """A 164.412 request: ``until`` as the official specified; an oral statement not followed
    by a written one holds for 30 days from ``requested_on`` at most."""

    requested_on: date
    until: date
    in_writing: bool = True

    @property
    def end(self) -> date:
        if self.in_writing:
            return self.until
        return min(self.until, self.requested_on + timedelta(days=ORAL_DELAY_MAX_DAYS))


@dataclass(frozen=True)
class IncidentFacts:
    vendor_discovered: date | None
    practice_discovered: date | None
    vendor_notified: date | None = None
    individuals: int | None = None  # None: not known yet
    states: dict[str, int] = field(default_factory=dict)  # residents by state/jurisdiction
    conclusion: Conclusion = Conclusion.PENDING
    exception_applies: bool = False  # 164.402(1)
    phi_secured: bool = False
    delay: LawEnforcementDelay | None = None
    basis: DiscoveryBasis = DiscoveryBasis.VENDOR
    # The BAA's breach-notice window; None when no agreement states one.
    window: int | None = None
    window_unit: WindowUnit = WindowUnit.CALENDAR
    notices_given: dict[str, date] = field(default_factory=dict)  # kind -> date given


@dataclass(frozen=True)
class Deadline:
    kind: str  # "vendor_report", "individuals", "media", "hhs", "hhs_annual"
    label: str
    cite: str
    due: date
    done_on: date | None = None
    note: str = ""

    def state(self, today: date) -> ClockState:
        if self.done_on is not None:
            return ClockState.DONE
        if self.due < today:
            return ClockState.OVERDUE
        if self.due <= today + timedelta(days=DUE_SOON_DAYS):
            return ClockState.DUE_SOON
        return ClockState.OK

    @property
    def late(self) -> bool:
        """Done after its due date."""
        return self.done_on is not None and self.done_on > self.due


def delayed(due: date, delay: LawEnforcementDelay | None) -> date:
    """164.412: a deadline that falls on or before the end of a law-enforcement delay moves to
    the day after the delay ends; a later one is unchanged."""
    if delay is None or due > delay.end:
        return due
    return delay.end + timedelta(days=1)


def contract_window_deadline(discovered: date, window: int, unit: WindowUnit) -> date:
    """The last day of a BAA's breach-notice window counted from the vendor's discovery. Hours
    are rounded up to whole days (the record keeps dates, not times: the lenient reading)."""
    if unit == WindowUnit.BUSINESS:
        return add_business_days(discovered, window)
    if unit == WindowUnit.HOURS:
        return discovered + timedelta(days=math.ceil(window / 24))
    return discovered + timedelta(days=window)


def vendor_report(facts: IncidentFacts) -> Deadline | None:
    """When the vendor had to tell the practice: the BAA's window, and at the latest 60
    calendar days after its discovery (164.410(b)); a law-enforcement delay moves it (164.412).
    ``done_on`` is the day it did; ``late`` says whether that was in time."""
    if facts.vendor_discovered is None:
        return None
    regulatory = facts.vendor_discovered + timedelta(days=REGULATORY_DAYS)
    due, cite, note = regulatory, "45 CFR 164.410(b)", "60 calendar days after discovery"
    if facts.window:
        contract = contract_window_deadline(
            facts.vendor_discovered, facts.window, WindowUnit(facts.window_unit)
        )
        if contract < regulatory:
            due, cite = contract, "BAA; 45 CFR 164.410(b)"
            note = f"the BAA's window of {facts.window} {WindowUnit(facts.window_unit).value} days"
            if facts.window_unit == WindowUnit.HOURS:
                note = f"the BAA's window of {facts.window} hours"
    return Deadline(
        kind="vendor_report",
        label="Vendor's report to the practice",
        cite=cite,
        due=delayed(due, facts.delay),
        done_on=facts.vendor_notified,
        note=note,
    )


def discovery_date(facts: IncidentFacts) -> date | None:
    """The day the practice's clocks start (164.404(a)(2)): the vendor's discovery under the
    agency rule (the default), else the practice's own; either falls back on the other."""
    if facts.basis == DiscoveryBasis.PRACTICE:
        return facts.practice_discovered or facts.vendor_discovered
    return facts.vendor_discovered or facts.practice_discovered


def notice_required(facts: IncidentFacts) -> bool:
    """Notice is owed unless the PHI was secured, an exception of 164.402(1) applies, or the
    documented assessment concluded a low probability of compromise (164.402(2)). Pending:
    presumed a breach."""
    if facts.phi_secured or facts.exception_applies:
        return False
    return facts.conclusion != Conclusion.LOW_PROBABILITY


def media_required(facts: IncidentFacts) -> bool:
    """164.406(a): more than 500 residents of one State or jurisdiction."""
    return any(count > MEDIA_THRESHOLD for count in facts.states.values())


def hhs_contemporaneous(facts: IncidentFacts) -> bool:
    """164.408(b): 500 or more individuals in all (unknown counts: the safe answer, yes)."""
    return facts.individuals is None or facts.individuals >= HHS_THRESHOLD


def annual_log_due(discovered: date) -> date:
    """164.408(c): no later than 60 days after the end of the calendar year of discovery."""
    return date(discovered.year, 12, 31) + timedelta(days=REGULATORY_DAYS)


def practice_deadlines(facts: IncidentFacts) -> list[Deadline]:
    """The practice's notices with their deadlines (none when no notice is required)."""
    discovered = discovery_date(facts)
    if discovered is None or not notice_required(facts):
        return []
    sixty = discovered + timedelta(days=REGULATORY_DAYS)
    given = facts.notices_given
    out = [
        Deadline(
            "individuals",
            "Notice to individuals",
            "45 CFR 164.404(b)",
            delayed(sixty, facts.delay),
            given.get("individuals"),
            "without unreasonable delay, at the latest 60 days after discovery",
        )
    ]
    if media_required(facts):
        states = ", ".join(s for s, n in sorted(facts.states.items()) if n > MEDIA_THRESHOLD)
        out.append(
            Deadline(
                "media",
                "Notice to prominent media",
                "45 CFR 164.406",
                delayed(sixty, facts.delay),
                given.get("media"),
                f"more than 500 residents of {states}",
            )
        )
    if hhs_contemporaneous(facts):
        out.append(
            Deadline(
                "hhs",
                "Notice to HHS",
                "45 CFR 164.408(b)",
                delayed(sixty, facts.delay),
                given.get("hhs"),
                "500 or more individuals (or count not known yet): with the individual notices",
            )
        )
    else:
        out.append(
            Deadline(
                "hhs_annual",
                "HHS annual log (fewer than 500)",
                "45 CFR 164.408(c)",
                delayed(annual_log_due(discovered), facts.delay),
                given.get("hhs"),
                f"breaches discovered in {discovered.year}",
            )
        )
    return out


def all_deadlines(facts: IncidentFacts) -> list[Deadline]:
    """The vendor's report first, then the practice's notices."""
    report = vendor_report(facts)
    return ([report] if report else []) + practice_deadlines(facts)


def next_open(facts: IncidentFacts) -> Deadline | None:
    """The earliest deadline not done yet (the incident's next deadline)."""
    open_ = [d for d in practice_deadlines(facts) if d.done_on is None]
    return min(open_, key=lambda d: d.due, default=None)


def in_annual_log(facts: IncidentFacts, year: int) -> bool:
    """Whether the incident belongs in the HHS log of ``year`` (164.408(c)): a breach needing
    notice, of fewer than 500 individuals, discovered in that calendar year."""
    discovered = discovery_date(facts)
    return (
        discovered is not None
        and discovered.year == year
        and notice_required(facts)
        and not hhs_contemporaneous(facts)
    )


def owed(facts: IncidentFacts) -> list[Deadline]:
    """The practice's notices required and not recorded yet."""
    return [d for d in practice_deadlines(facts) if d.done_on is None]


def assessed(facts: IncidentFacts) -> bool:
    """A conclusion is recorded, or no notice can be owed whatever it is (secured PHI, an
    exception of 164.402(1))."""
    return facts.conclusion != Conclusion.PENDING or not notice_required(facts)


def status(facts: IncidentFacts, *, closed: bool = False) -> Status:
    """Investigating until assessed; notified once every required notice is recorded (a
    breach); assessed otherwise; closed when the practice closed it."""
    if closed:
        return Status.CLOSED
    if not assessed(facts):
        return Status.INVESTIGATING
    if notice_required(facts) and not owed(facts):
        return Status.NOTIFIED
    return Status.ASSESSED


def review_proposed_by(facts: IncidentFacts, assessed_on: date | None) -> date | None:
    """A breach concluded on ``assessed_on`` asks for the vendor's next periodic review within
    ``BREACH_REVIEW_DAYS`` (None when not a breach, or not concluded yet)."""
    if assessed_on is None or facts.conclusion != Conclusion.BREACH or not notice_required(facts):
        return None
    return assessed_on + timedelta(days=BREACH_REVIEW_DAYS)

"""The reminder policy: what is due, for whom, and when. Pure: no ORM, no clock, no I/O.

``plan(...)`` takes one practice's due items (``oversight.due.collect``), its tier rules
(``oversight.models.rules_for``), its members, its timezone and digest hour, the reminders
already recorded and the current moment, and returns the reminders to record. The sweep
(``reminders/services.py``) stores them; the database's unique constraint makes a second
sweep, a retry or a restarted worker harmless.

The rules, in one place:

- **Stage and threshold of an item on a day** (``stages_on``), with ``d`` = days until the date:
    - before the date (``d >= 0``): an advance WARNING at the smallest threshold already crossed
      (``d <= t``). Only the latest crossed threshold is reminded: a sweep that starts late does
      not send every earlier warning at once. Thresholds: the tier's BAA expiry warnings for
      BAA expiry and the auto-renewal notice deadline; the tier's "due soon" window and one week
      for reviews and evidence; one week and the day itself for follow-up actions; none for a
      missing disposition certificate (it is only reminded once the policy's delay has passed).
    - after the date: OVERDUE, re-sent every ``resend_days`` of the tier
      (period index = days overdue // resend_days); from ``escalate_days`` overdue on, an
      ESCALATION to every admin too, on the same cadence
      (period index = (days overdue - escalate_days) // resend_days).
    - a compliance gap (an engaged vendor with PHI and no signed current BAA) and an expired BAA
      are overdue from their first day (45 CFR 164.502(e), 164.308(b): no PHI without a BAA).
      A gap is its own stage, GAP.
    - an expiry warning and an auto-renewal notice deadline end on their date: once it has
      passed there is nothing left to warn about (the expired BAA and the compliance gap are
      reminded as items of their own). An expired BAA of a vendor that already has a compliance
      gap item is folded into the gap (one situation, one stream of reminders).
- **Recipient**: the vendor's internal owner, else every admin of the practice; escalations go
  to every admin (an admin who owns the item gets the escalation instead of the plain overdue).
- **Contacts outside the practice** (an item with a ``contact_email``: a vendor's questionnaire
  request): the contact gets the warnings (3 days before and on the day) and the overdue
  reminders, at once (no digest), until the item is no longer collected (submitted, revoked,
  link expired); the escalation goes to the vendor's owner at the practice (else the admins).
  The contact's row has no member: its identity's recipient is ``CONTACT``.
- **When**: a member who chose immediate emails gets each reminder at once; a digest member
  (the default) gets them in one email at the practice's digest hour, local time. Compliance
  gaps, escalations and breach-notification deadlines (``URGENT_KINDS``) cannot be muted: they
  are always sent at once. Breach-notification deadlines warn 14, 7 and 1 days before and on
  the day.
- **Urgency** (digest grouping): overdue, escalated and gaps are "Overdue or urgent"; an
  advance warning at 7 days or less is "Due within a week"; the rest "Coming up".
"""

import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from oversight.due import DueItem, DueKind
from oversight.policy import TierRules

from .choices import Stage

ADMIN = "admin"
IMMEDIATE = "immediate"
WEEK = 7
# How far ahead the "upcoming" forecast looks for an item's next reminder.
FORECAST_DAYS = 400

# Kinds that are overdue from their first day.
OVERDUE_AT_ONCE = frozenset({DueKind.COMPLIANCE_GAP, DueKind.BAA_EXPIRED})
# Kinds that end on their date (warnings only, never overdue).
WARNING_ONLY = frozenset({DueKind.BAA_EXPIRY, DueKind.RENEWAL_NOTICE})
# The recipient of a reminder to an item's contact outside the practice, in its identity.
CONTACT = "contact"
# Stages no preference can hold back for a digest.
UNMUTABLE = frozenset({Stage.GAP, Stage.ESCALATION})
# Kinds always sent at once, whatever the member's preference: breach-notification deadlines
# are legal and short (164.404(b): 60 days from discovery, often already running).
URGENT_KINDS = frozenset({DueKind.INCIDENT})


class Urgency(StrEnum):
    URGENT = "Overdue or urgent"
    SOON = "Due within a week"
    LATER = "Coming up"


URGENCY_ORDER = (Urgency.URGENT, Urgency.SOON, Urgency.LATER)


@dataclass(frozen=True)
class Member:
    """A member as the policy needs it (no ORM object)."""

    id: int
    role: str
    reminder_mode: str
    email: str = ""


@dataclass(frozen=True)
class Planned:
    """One reminder to record: an item, its stage and threshold, one recipient, a send time."""

    item: DueItem
    stage: Stage
    threshold: int  # days before the date (WARNING) or re-send period index (other stages)
    recipient_id: int | None  # None: the item's contact outside the practice
    immediate: bool
    send_after: datetime
    to_contact: bool = False

    @property
    def identity(self) -> tuple:
        """What makes a reminder unique (the database constraint has the same fields)."""
        return identity(
            self.item.organization_id,
            self.item.key,
            self.item.due_date,
            self.item.kind,
            self.stage,
            self.threshold,
            CONTACT if self.to_contact else self.recipient_id,
        )

    @property
    def urgency(self) -> "Urgency":
        return urgency(self.stage, self.threshold)


@dataclass(frozen=True)
class ItemError:
    """A due item the policy could not handle (unknown tier, bad date...): skipped, reported."""

    key: str
    vendor_name: str
    message: str


@dataclass
class Plan:
    reminders: list[Planned]
    errors: list[ItemError]


def identity(org_id, key, due_date, kind, stage, threshold, recipient_id) -> tuple:
    return (org_id, key, due_date, str(kind), str(stage), int(threshold), recipient_id)


def warning_thresholds(kind: str, rules: TierRules) -> tuple[int, ...]:
    """Days before the date at which an advance warning is sent, largest first."""
    if kind in (DueKind.BAA_EXPIRY, DueKind.RENEWAL_NOTICE):
        values: Iterable[int] = rules.expiry_warning_days
    elif kind in (DueKind.REVIEW, DueKind.EVIDENCE):
        values = (rules.due_soon_days, WEEK)
    elif kind == DueKind.ACTION:
        values = (WEEK, 0)
    elif kind == DueKind.INCIDENT:
        values = (14, WEEK, 1, 0)
    elif kind == DueKind.QUESTIONNAIRE:
        values = (3, 0)
    else:  # certificate, gap, expired: nothing before the date
        values = ()
    return tuple(sorted(set(values), reverse=True))


def stages_on(item: DueItem, day: date, rules: TierRules) -> list[tuple[Stage, int]]:
    """The (stage, threshold) pairs the item is at on ``day`` (before recipients)."""
    days_left = (item.due_date - day).days
    if item.kind in OVERDUE_AT_ONCE:
        overdue = max(0, -days_left)
    elif days_left >= 0:
        crossed = [t for t in warning_thresholds(item.kind, rules) if days_left <= t]
        return [(Stage.WARNING, min(crossed))] if crossed else []
    elif item.kind in WARNING_ONLY:
        return []
    else:
        overdue = -days_left
    first = Stage.GAP if item.kind == DueKind.COMPLIANCE_GAP else Stage.OVERDUE
    stages = [(first, overdue // rules.resend_days)]
    if overdue >= rules.escalate_days:
        stages.append((Stage.ESCALATION, (overdue - rules.escalate_days) // rules.resend_days))
    return stages


def urgency(stage: str, threshold: int) -> Urgency:
    if stage != Stage.WARNING:
        return Urgency.URGENT
    return Urgency.SOON if threshold <= WEEK else Urgency.LATER


def next_digest_at(now: datetime, tz: tzinfo, digest_hour: int) -> datetime:
    """The digest slot a reminder recorded at ``now`` goes out in: today's digest hour (local)
    if that hour has not ended yet, else tomorrow's."""
    local = now.astimezone(tz)
    day = local.date() if local.hour <= digest_hour else local.date() + timedelta(days=1)
    return datetime.combine(day, time(digest_hour), tzinfo=tz)


def recipients(
    item: DueItem, stage: Stage, members: dict[int, Member], admins: list[Member]
) -> list[Member]:
    owner = members.get(item.owner_membership_id) if item.owner_membership_id else None
    if stage == Stage.ESCALATION:
        if item.contact_email:  # a contact's silence is escalated to the vendor's owner
            return [owner] if owner else admins
        return admins
    return [owner] if owner else admins


def plan_item(
    item: DueItem,
    *,
    rules: TierRules,
    members: dict[int, Member],
    admins: list[Member],
    tz: tzinfo,
    digest_hour: int,
    now: datetime,
) -> list[Planned]:
    """Every reminder the item calls for at ``now`` (recorded or not)."""
    today = now.astimezone(tz).date()
    stages = stages_on(item, today, rules)
    escalated = any(stage == Stage.ESCALATION for stage, _ in stages)
    admin_ids = {m.id for m in admins}
    digest_slot = next_digest_at(now, tz, digest_hour)
    planned = []
    for stage, threshold in stages:
        if item.contact_email and stage != Stage.ESCALATION:
            planned.append(
                Planned(
                    item=item,
                    stage=stage,
                    threshold=threshold,
                    recipient_id=None,
                    immediate=True,
                    send_after=now,
                    to_contact=True,
                )
            )
            continue
        for member in recipients(item, stage, members, admins):
            if escalated and stage != Stage.ESCALATION and member.id in admin_ids:
                continue  # the escalation already tells this admin
            immediate = (
                stage in UNMUTABLE or item.kind in URGENT_KINDS or member.reminder_mode == IMMEDIATE
            )
            planned.append(
                Planned(
                    item=item,
                    stage=stage,
                    threshold=threshold,
                    recipient_id=member.id,
                    immediate=immediate,
                    send_after=now if immediate else digest_slot,
                )
            )
    return planned


def fold(items: Iterable[DueItem]) -> list[DueItem]:
    """The items to remind: an expired BAA of a vendor that also has a compliance gap item is
    left out (the gap reminders say it: one situation, one stream of reminders)."""
    items = list(items)
    gap_vendors = {i.vendor_id for i in items if i.kind == DueKind.COMPLIANCE_GAP}
    return [i for i in items if not (i.kind == DueKind.BAA_EXPIRED and i.vendor_id in gap_vendors)]


def plan(
    *,
    items: Iterable[DueItem],
    rules: dict[str, TierRules],
    members: Iterable[Member],
    tz: tzinfo,
    digest_hour: int,
    existing: set[tuple] | frozenset,
    now: datetime,
) -> Plan:
    """The reminders to record now for one practice: those due and not recorded yet.

    ``rules`` is the practice's ``{tier: TierRules}``; ``existing`` holds the ``identity`` of
    every reminder already recorded. A bad item is reported in ``errors`` and skipped."""
    members = list(members)
    by_id = {m.id: m for m in members}
    admins = [m for m in members if m.role == ADMIN]
    result = Plan(reminders=[], errors=[])
    seen = set(existing)
    for item in fold(items):
        try:
            planned = plan_item(
                item,
                rules=rules[item.tier],
                members=by_id,
                admins=admins,
                tz=tz,
                digest_hour=digest_hour,
                now=now,
            )
            if not planned and stages_on(item, now.astimezone(tz).date(), rules[item.tier]):
                raise ValueError("nobody to remind: the practice has no admin")
        except Exception as exc:  # one bad item never stops the others
            message = f"{type(exc).__name__}: {exc}"[:300]
            result.errors.append(ItemError(item.key, item.vendor_name, message))
            continue
        for reminder in planned:
            if reminder.identity not in seen:
                seen.add(reminder.identity)
                result.reminders.append(reminder)
    return result


@dataclass(frozen=True)
class Upcoming:
    """The next reminder an item will get, for the "upcoming" list."""

    item: DueItem
    on: date
    stage: Stage
    threshold: int


def change_days(item: DueItem, today: date, rules: TierRules, until: date) -> list[date]:
    """Every day in ``(today, until)`` on which ``stages_on`` may change for the item, sorted:
    a warning threshold crossed, the day after the date, the next re-send and escalation
    periods. Between two such days an item's stages are the same, so its next reminder falls
    on one of them (``forecast`` checks only these days, not every day of the year)."""
    due_date = item.due_date
    days = {due_date - timedelta(days=t) for t in warning_thresholds(item.kind, rules)}
    days.add(due_date + timedelta(days=1))
    period = max(rules.resend_days, 1)
    after = max(today, due_date)
    for start in (due_date, due_date + timedelta(days=rules.escalate_days)):
        # The next two period boundaries after today (and after the date): a series that
        # brings nothing new at its next boundary brings nothing new at the later ones.
        first = max(0, -(-((after - start).days + 1) // period))
        days.update(start + timedelta(days=k * period) for k in (first, first + 1))
    return sorted(d for d in days if today < d < until)


def forecast(
    items: Iterable[DueItem],
    rules: dict[str, TierRules],
    today: date,
    limit: int | None = None,
) -> list[Upcoming]:
    """For each item, the first day after ``today`` on which it reaches a new stage or
    threshold (a new reminder), within ``FORECAST_DAYS``; sorted by that day (then vendor and
    key). ``limit``: only the first ``limit`` of that order (what the page shows)."""
    until = today + timedelta(days=FORECAST_DAYS)
    upcoming = []
    for item in fold(items):
        tier_rules = rules.get(item.tier)
        if tier_rules is None:
            continue
        current = set(stages_on(item, today, tier_rules))
        for day in change_days(item, today, tier_rules, until):
            new = [s for s in stages_on(item, day, tier_rules) if s not in current]
            if new:
                stage, threshold = new[0]
                upcoming.append(Upcoming(item, day, stage, threshold))
                break

    def order(u):
        return (u.on, u.item.vendor_name, u.item.key)

    if limit is not None:
        return heapq.nsmallest(limit, upcoming, key=order)
    return sorted(upcoming, key=order)


def group_by_urgency(entries: Iterable, key=lambda e: (e.stage, e.threshold)) -> list[tuple]:
    """``[(Urgency, [entries...]), ...]`` most urgent first, empty groups left out; entries
    keep their order. ``key`` gives an entry's (stage, threshold)."""
    groups = defaultdict(list)
    for entry in entries:
        groups[urgency(*key(entry))].append(entry)
    return [(u, groups[u]) for u in URGENCY_ORDER if groups[u]]


def describe(stage: str, threshold: int, due_date: date) -> str:
    """A short phrase for an email line: what the reminder is about, in plain words."""
    if stage == Stage.WARNING:
        if threshold == 0:
            return f"due today ({due_date:%Y-%m-%d})"
        return f"due {due_date:%Y-%m-%d}, within {threshold} days"
    if stage == Stage.GAP:
        return f"open since {due_date:%Y-%m-%d}"
    if stage == Stage.ESCALATION:
        return f"escalated: overdue since {due_date:%Y-%m-%d}"
    return f"overdue since {due_date:%Y-%m-%d}"

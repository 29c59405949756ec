"""The Reminders page's forecast, built only as far as it shows (``policy.forecast`` is the
definition; this only chooses which items to give it).

An item's next reminder falls on one of its ``policy.change_days``, so never before the first
of them. That first day is computed in SQL for every row of the work queue's sources
(``oversight.queue``: the items that can still be reminded; a warning whose date has passed
gets no more reminders, an expired BAA of a vendor with a gap is folded into the gap), and the
items are built and forecast in that order, a batch at a time, until the ``limit``-th entry
falls before the first day of every item not built yet. ``tests/test_reminder_forecast.py``
checks the result equals ``policy.forecast`` over every item."""

import hashlib
import heapq
from datetime import date, timedelta

from django.db import transaction

from oversight import keep as oversight_keep
from oversight import queue
from oversight.due import DueKind
from oversight.models import rules_for
from oversight.policy import DEFAULT_RULES

from . import policy

BATCH = 200
# Part of the key of a kept forecast (``kept``): bump it when ``policy.Upcoming``, ``DueItem``
# or a rule of the forecast changes (a kept answer of the old code must not be read).
CACHE_FORMAT = 1


def _first_change_day(today: date, tier_rules: dict) -> str:
    """SQL for ``min(policy.change_days(item, today, rules, until))`` over the union's
    columns (``q_kind``, ``q_due``, ``q_rank``): the same days, the first after today. Only
    our own dates, integers and kinds are written into it."""
    now = f"DATE '{today.isoformat()}'"
    by_rank = []
    for rank, tier in enumerate(DEFAULT_RULES):
        rules = tier_rules.get(tier)
        if rules is None:
            continue
        period = max(rules.resend_days, 1)
        series = []
        for offset in (0, int(rules.escalate_days)):
            # the next period boundary of the series from ``start``, after today and the date
            start = f"(q_due + {offset})"
            steps = f"CEIL((GREATEST({now}, q_due) - {start} + 1)::numeric / {period})"
            series.append(f"({start} + {period} * GREATEST(0, {steps})::int)")
        by_kind = []
        for kind in DueKind:
            days = [f"(q_due - {int(t)})" for t in policy.warning_thresholds(kind, rules)]
            days += ["(q_due + 1)", *series]
            after = ", ".join(f"CASE WHEN {d} > {now} THEN {d} END" for d in days)
            by_kind.append(f"WHEN '{kind.value}' THEN LEAST({after})")
        by_rank.append(f"WHEN {rank} THEN CASE q_kind {' '.join(by_kind)} END")
    return f"CASE q_rank {' '.join(by_rank)} END"


def upcoming(
    practice, rules: dict, today: date, limit: int, keep: str | None = None
) -> list[policy.Upcoming]:
    """``policy.forecast(every item, ..., limit=limit)``, building only what it needs. The
    order of the items is kept in the cache under ``keep`` (``freshness.token``, read before
    the caller's transaction, which only reads): never stale."""
    tier_rules = rules[practice.id]
    until = today + timedelta(days=policy.FORECAST_DAYS)
    listed = queue.Queue(practice.id, today, rules)

    def order(u):
        return (u.on, u.item.vendor_name, u.item.key)

    entries = policy.forecast(listed.python, tier_rules, today)
    if listed.union is None:
        return heapq.nsmallest(limit, entries, key=order)
    union, union_params = listed.union
    first = _first_change_day(today, tier_rules)
    sql = (
        f"SELECT q_kind, q_key, first_day, q_vendor FROM (SELECT q_kind, q_key, q_vendor, "
        f"{first} AS first_day FROM ({union}) AS u) AS f WHERE first_day < %s "
        'ORDER BY first_day, q_vendor COLLATE "C", q_key COLLATE "C" LIMIT %s OFFSET %s'
    )
    offset = 0
    while True:
        rows = queue.kept_rows(keep, sql, [*union_params, until, BATCH, offset])
        built = listed.build([(k, key) for k, key, _, _ in rows])
        entries = heapq.nsmallest(
            limit, [*entries, *policy.forecast(built.values(), tier_rules, today)], key=order
        )
        if len(rows) < BATCH:
            return entries
        # An item not built yet comes after the last one built in (first day, vendor, key),
        # and its reminder no earlier than its first day: after this entry, if it is.
        _, last_key, last_day, last_vendor = rows[-1]
        if len(entries) >= limit and order(entries[-1]) < (last_day, last_vendor, last_key):
            return entries
        offset += BATCH


# The default rules are code: part of the key (a practice's own rules are its rows, in the token).
_DEFAULTS = hashlib.sha256(repr(sorted(DEFAULT_RULES.items())).encode()).hexdigest()[:16]


def kept(practice, today: date, limit: int, keep: str | None) -> list[policy.Upcoming]:
    """``upcoming(...)`` with the practice's rules, computed in one read-only transaction and
    kept in the cache under ``keep`` (``freshness.token``, read before: ``None``, not kept),
    the day and ``limit``. The practice's rules (``TierPolicy`` rows) are its data: a write
    committed later, to them or any other row, changes the token, so a kept forecast is never
    stale; reading it costs no query (the Reminders page shows it on every visit)."""

    def compute():
        with transaction.atomic():
            return upcoming(practice, rules_for([practice.id]), today, limit, keep)

    key = f"reminders.forecast:{CACHE_FORMAT}:{_DEFAULTS}:{today.isoformat()}:{limit}"
    return oversight_keep.kept(keep, key, compute)

"""The oversight program's work-queue rows in SQL (``oversight.queue``): the same rows as the
providers of ``diligence.due`` (same candidate querysets), with their date and state computed
in the query from ``diligence.schedule``'s rules, so that the work queue and the dashboard count
and page without building every item. ``tests/test_queue_sql.py`` checks both agree."""

from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat

from oversight import queue
from oversight.due import DueKind

from . import due, schedule


def _soon_limit(today: date, rules: dict, field: str = "vendor__tier"):
    """Today + the tier's "due soon" days: a date on or before it is due (``schedule.state``)."""
    return queue.by_tier(
        field, {t: today + timedelta(days=r.due_soon_days) for t, r in rules.items()}, DateField()
    )


def _columns(qs, rules, *, key_prefix: str, key_field: str, due_on, today: date, owner=None):
    """The queue's columns (``oversight.queue.COLUMNS``); only rows due soon or overdue
    (``schedule.state`` not ok, with the vendor's tier's window)."""
    return qs.annotate(
        q_due=due_on,
        q_key=Concat(Value(key_prefix), Cast(key_field, CharField())),
        q_overdue=ExpressionWrapper(Q(q_due__lt=today), output_field=BooleanField()),
        q_rank=queue.tier_rank("vendor__tier"),
        q_vendor=F("vendor__name"),
        q_owner=owner if owner is not None else F("vendor__owner_id"),
        q_limit=_soon_limit(today, rules),
    ).filter(q_due__lte=F("q_limit"))


def _horizon(today: date, rules: dict) -> date:
    return today + timedelta(days=max(r.due_soon_days for r in rules.values()))


def review_rows(org_id: int, today: date, rules: dict):
    r = rules[org_id]
    return _columns(
        due.review_candidates([org_id], _horizon(today, r)),
        r,
        key_prefix="review:",
        key_field="vendor_id",
        due_on=F("next_review_due"),
        today=today,
    )


def valid_through():
    """``schedule.evidence_valid_through`` as an SQL expression over a diligence record."""
    whens = []
    for kind, validity in schedule.EVIDENCE_VALIDITY.items():
        months = validity.months or schedule.FALLBACK_MONTHS
        if kind == "soc2_type2":
            start = Coalesce("period_end", "performed_on")
            covered = queue.Least(
                "bridge_until", queue.AddMonths(start, Value(schedule.BRIDGE_LETTER_MAX_MONTHS))
            )
            end = Case(
                When(
                    period_end__isnull=False,
                    bridge_until__isnull=False,
                    bridge_until__gt=F("period_end"),
                    then=queue.AddMonths(covered, Value(months)),
                ),
                default=queue.AddMonths(start, Value(months)),
                output_field=DateField(),
            )
        elif validity.months is None:
            end = Coalesce(
                "valid_until",
                queue.AddMonths(F("performed_on"), Value(schedule.FALLBACK_MONTHS)),
                output_field=DateField(),
            )
        else:
            end = queue.AddMonths(F("performed_on"), Value(months))
        whens.append(When(kind=kind, then=end))
    other = schedule.validity_of("other").months
    by_kind = Case(
        *whens,
        default=queue.AddMonths(F("performed_on"), Value(other)),
        output_field=DateField(),
    )
    return queue.Least(by_kind, "valid_until")  # a stated earlier expiry wins (NULL: none)


def evidence_rows(org_id: int, today: date, rules: dict):
    r = rules[org_id]
    request_on = queue.AddMonths(
        F("performed_on"),
        queue.by_tier(
            "vendor__tier",
            {t: x.evidence_valid_months for t, x in r.items()},
            IntegerField(),
        ),
    )
    return _columns(
        due.evidence_candidates([org_id], today, rules),
        r,
        key_prefix="evidence:",
        key_field="id",
        due_on=queue.Least(valid_through(), request_on),
        today=today,
    )


def action_rows(org_id: int, today: date, rules: dict):
    r = rules[org_id]
    return _columns(
        due.action_candidates([org_id], _horizon(today, r)),
        r,
        key_prefix="action:",
        key_field="id",
        due_on=F("due_on"),
        today=today,
        owner=Coalesce("owner_id", "vendor__owner_id"),
    )


def access_rows(org_id: int, today: date, rules: dict):
    r = rules[org_id]
    return _columns(
        due._open_offboardings([org_id], _horizon(today, r)).filter(access_revoked_on__isnull=True),
        r,
        key_prefix="access:",
        key_field="id",
        # schedule.access_revocation_due: the end of the relationship, else the start
        due_on=Coalesce("ended_on", "started_on", output_field=DateField()),
        today=today,
    )


def certificate_rows(org_id: int, today: date, rules: dict):
    r = rules[org_id]
    days = queue.by_tier(
        "vendor__tier", {t: x.certificate_days for t, x in r.items()}, IntegerField()
    )
    return _columns(
        due.certificate_candidates([org_id], _horizon(today, r)),
        r,
        key_prefix="certificate:",
        key_field="id",
        # schedule.certificate_due: certificate_days after the offboarding's base date
        due_on=queue.AddDays(Coalesce("ended_on", "started_on"), days),
        today=today,
    )


def _ids(keys) -> list[int]:
    """The ids in the keys; ``[0]`` (no row) for none, so that the query still runs and a
    page's query count does not depend on which kinds it shows."""
    return [int(k.rsplit(":", 1)[1]) for k in keys] or [0]


def _builder(provider):
    def items(org_id, today, rules, keys):
        return list(provider([org_id], today, rules, only=_ids(keys)))

    return items


def connect() -> None:
    for kind, rows, provider in (
        (DueKind.REVIEW, review_rows, due.review_items),
        (DueKind.EVIDENCE, evidence_rows, due.evidence_items),
        (DueKind.ACTION, action_rows, due.action_items),
        (DueKind.ACCESS, access_rows, due.access_items),
        (DueKind.CERTIFICATE, certificate_rows, due.certificate_items),
    ):
        queue.register(queue.Source(kind, rows, _builder(provider), covers=due.provide))

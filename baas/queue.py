"""The BAA work-queue rows in SQL (``oversight.queue``): the rows of ``integration.baa_due_items``
as ``oversight.due.queue`` lists them (``problems``: a warning whose date has passed is left out,
and so is the expired BAA of a vendor with a gap), from the same candidate querysets, with dates
computed in the query. ``tests/test_queue_sql.py`` checks both agree."""

from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    F,
    Func,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat

from oversight import queue
from oversight.due import DueKind
from vendors.choices import RelationshipStatus

from .integration import baa_due_items, gap_vendors, signed_candidates, with_coverage_end


def _window(today: date, rules: dict) -> dict:
    """The tier's first warning: an expiry on or before this date is within it."""
    return {t: today + timedelta(days=r.first_warning_days) for t, r in rules.items()}


def _horizon(today: date, rules: dict) -> date:
    return max(_window(today, rules).values())


def _agreement_columns(qs, key_suffix: str, *, due_on, overdue: bool):
    return qs.annotate(
        q_due=due_on,
        q_key=Concat(Value("baa:"), Cast("id", CharField()), Value(key_suffix)),
        q_overdue=Value(overdue, output_field=BooleanField()),
        q_rank=queue.tier_rank("vendor__tier"),
        q_vendor=F("vendor__name"),
        q_owner=F("vendor__owner_id"),
    )


def expiry_rows(org_id: int, today: date, rules: dict):
    """An expiry warning: within the tier's first warning, not yet past."""
    r = rules[org_id]
    window = queue.by_tier("vendor__tier", _window(today, r), DateField())
    qs = (
        signed_candidates([org_id], today, _horizon(today, r))
        .annotate(q_limit=window)
        .filter(expires_on__gte=today, expires_on__lte=F("q_limit"))
    )
    return _agreement_columns(qs, "", due_on=F("expires_on"), overdue=False)


def expired_rows(org_id: int, today: date, rules: dict):
    """Expired while the vendor is active or offboarding, unless the vendor has a gap item."""
    r = rules[org_id]
    qs = (
        signed_candidates([org_id], today, _horizon(today, r))
        .filter(
            expires_on__lt=today,
            vendor__status__in=[RelationshipStatus.ACTIVE, RelationshipStatus.OFFBOARDING],
        )
        .exclude(vendor_id__in=gap_vendors([org_id], today).values("id"))
    )
    return _agreement_columns(qs, ":expired", due_on=F("expires_on"), overdue=True)


class _MinusDays(Func):
    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = DateField()


def renewal_rows(org_id: int, today: date, rules: dict):
    """The last day to give notice against an auto-renewal: within the tier's first warning,
    not yet past."""
    r = rules[org_id]
    window = queue.by_tier("vendor__tier", _window(today, r), DateField())
    qs = (
        signed_candidates([org_id], today, _horizon(today, r))
        .filter(auto_renews=True, renewal_notice_days__isnull=False, expires_on__gte=today)
        .annotate(q_limit=window, q_day=_MinusDays(F("expires_on"), F("renewal_notice_days")))
        .filter(q_day__gte=today, q_day__lte=F("q_limit"))
    )
    return _agreement_columns(qs, ":renewal", due_on=F("q_day"), overdue=False)


class _LocalDate(Func):
    """The local date of a timestamp in a time zone column."""

    template = "CAST((%(expressions)s) AS date)"
    arg_joiner = " AT TIME ZONE "
    output_field = DateField()


def gap_rows(org_id: int, today: date, rules: dict):
    """Compliance gaps dated as ``integration.gap_date_and_title`` dates them: before PHI
    flows, the planned access date; after, the day the gap opened (``gap_since``)."""
    began = Coalesce(
        "phi_access_began",
        _LocalDate(F("created_at"), F("organization__timezone")),
        output_field=DateField(),
    )
    opened = queue.Least(
        queue.Greatest(
            began,
            "last_termination",
            queue.AddDays(F("last_expiry"), Value(1, output_field=IntegerField())),
        ),
        Value(today, output_field=DateField()),
    )
    qs = with_coverage_end(gap_vendors([org_id], today)).annotate(q_began=began)
    return qs.annotate(
        q_due=Case(
            When(Q(q_began__gt=today), then=F("q_began")),
            default=opened,
            output_field=DateField(),
        ),
        q_key=Concat(Value("gap:vendor:"), Cast("id", CharField())),
        q_overdue=Value(True, output_field=BooleanField()),
        q_rank=queue.tier_rank("tier"),
        q_vendor=F("name"),
        q_owner=F("owner_id"),
    )


def _agreement_items(org_id, today, rules, keys):
    # ``[0]`` (no row) for no key: the query still runs, the page's query count is constant.
    ids = [int(k.split(":")[1]) for k in keys] or [0]
    return baa_due_items([org_id], today, rules, agreements=ids)


def _gap_items(org_id, today, rules, keys):
    ids = [int(k.rsplit(":", 1)[1]) for k in keys] or [0]
    return baa_due_items([org_id], today, rules, vendors=ids)


def connect() -> None:
    for kind, rows, items in (
        (DueKind.BAA_EXPIRY, expiry_rows, _agreement_items),
        (DueKind.BAA_EXPIRED, expired_rows, _agreement_items),
        (DueKind.RENEWAL_NOTICE, renewal_rows, _agreement_items),
        (DueKind.COMPLIANCE_GAP, gap_rows, _gap_items),
    ):
        queue.register(queue.Source(kind, rows, items, covers=baa_due_items))

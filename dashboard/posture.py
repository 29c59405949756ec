"""The figures of the dashboard, for one practice on one day.

**One fact, one definition**: every figure is the row count of the list its link opens,
computed from that list's own definition: the inventory's filterset
(``vendors.filtersets.inventory_filterset``), the agreement list's
(``baas.filtersets.agreement_filterset``), the follow-up action list's
(``diligence.views.listed_actions``) and the work queue's (``oversight.due.queue``). A figure
is a ``Figure`` (label, link, count); ``tests/test_reconciliation.py`` follows every link and
compares. The BAA status of a vendor is ``vendors.baa_status``'s ("covered" is its compliant
set); nothing here recomputes it.

Cost: ``cached`` keeps a practice's figures under its data version
(``reminders.freshness``: bumped by a trigger in the transaction of every write to any of the
practice's rows) and its local date, read *before* computing: a write committed later has
moved the version on, so an entry can never be stale, and a page view without a write in
between costs one small query. On a miss, the inventory, agreement and action figures are
counted in SQL, one aggregate query per list over the practice's rows (each figure a
``COUNT ... FILTER (WHERE <the list's query's condition>)``, or ``WHERE id IN (<the list's
query>)`` for a list that joins another table); the work-queue figures are the
work queue's own counts (``oversight.queue.counts``: one ``GROUP BY`` query).
"""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.db.models.functions import TruncMonth
from django.http import QueryDict
from django.urls import reverse

from baas.filtersets import agreement_filterset
from baas.models import BusinessAssociateAgreement
from diligence.models import FollowUpAction, VendorSchedule
from diligence.views import listed_actions
from oversight import due, keep, queue
from oversight.models import Organization, rules_for
from reminders import freshness
from vendors import baa_status
from vendors.choices import TIER_RANK, Tier
from vendors.filtersets import COMPLIANT, inventory_filterset
from vendors.models import BusinessAssociate

from .models import PostureSnapshot


@dataclass(frozen=True)
class Figure:
    """One number of the dashboard: what it counts (``label``), the list that shows those
    rows (``url``) and how many rows that list has (``count``)."""

    key: str
    label: str
    url: str
    count: int


@dataclass
class Posture:
    today: date
    figures: dict[str, Figure]
    by_tier: list[tuple[str, str, int]]
    gaps: list[BusinessAssociate]
    timeline_months: list[str] = field(default_factory=list)
    timeline_expiries: list[int] = field(default_factory=list)
    timeline_reviews: list[int] = field(default_factory=list)

    def __getattr__(self, name):
        # ``p.gap_count`` etc.: the count of the figure of that key.
        figures = self.__dict__.get("figures", {})
        if name in figures:
            return figures[name].count
        raise AttributeError(name)

    @property
    def covered_percent(self) -> int:
        return round(100 * self.active_phi_covered / self.active_phi) if self.active_phi else 100


def _query(params: dict) -> QueryDict:
    """The list's query string, as the list view receives it."""
    return QueryDict(urlencode(params))


def _url(name: str, params: dict) -> str:
    return reverse(name) + (f"?{urlencode(params)}" if params else "")


# key: (label, the inventory's query string)
VENDOR_FIGURES = {
    "total": ("Vendors in the inventory (not archived)", {}),
    "active_phi": (
        "Active vendors that need a BAA (PHI or system access)",
        {"status": "active", "phi": "baa"},
    ),
    "active_phi_covered": (
        "Active vendors needing a BAA with a signed, current and complete BAA",
        {"status": "active", "phi": "baa", "baa": COMPLIANT},
    ),
    "gap_count": (
        "Compliance gaps: PHI or system access without a signed, current BAA",
        {"baa": baa_status.BaaStatus.GAP},
    ),
    **{f"tier_{tier}": (f"{label} tier vendors", {"tier": tier}) for tier, label in Tier.choices},
}
AGREEMENT_FIGURES = {
    "expiring_30": (
        "BAAs expiring in the next 30 days (not yet expired)",
        {"expiring_within": "30"},
    ),
    "expiring_90": (
        "BAAs expiring in the next 90 days (not yet expired)",
        {"expiring_within": "90"},
    ),
    "critical_findings": ("Agreements with a critical finding", {"critical": "on"}),
}
# key: (label, the work queue's query string)
QUEUE_FIGURES = {
    "reviews_overdue": ("Periodic reviews overdue", {"kind": due.DueKind.REVIEW, "overdue": "1"}),
    "evidence_stale": (
        "Diligence evidence stale or overdue for renewal",
        {"kind": due.DueKind.EVIDENCE, "overdue": "1"},
    ),
    "actions_overdue": (
        "Follow-up actions overdue",
        {"kind": due.DueKind.ACTION, "overdue": "1"},
    ),
    "overdue_total": ("Overdue items and compliance gaps", {"overdue": "1"}),
}


# Compiled count queries: building eight filtersets and compiling their querysets cost more
# than running them. The SQL depends only on the practice, its day and its tier policy.
_compiled: dict = {}


def _rows_of(model, qs):
    """The condition that picks ``qs``'s rows out of the practice's rows of ``model``: its own
    WHERE clause when it reads the model's table alone (one pass over the practice's rows for
    every figure: a subquery per figure read them once per figure), else ``pk IN (qs)``."""
    query = qs.query
    used = [alias for alias, n in query.alias_refcount.items() if n]
    if (
        qs.model is model
        and used == [model._meta.db_table]
        and not (query.distinct or query.group_by or query.combinator or query.is_sliced)
    ):
        return query.where
    return Q(pk__in=qs.values("pk"))


def _counts(model, key: tuple, querysets) -> dict[str, int]:
    """Each queryset's row count, in one query over the practice's rows of ``model`` (``key[0]``
    is the practice: every list is scoped to it, so no other practice's row can be counted).
    ``querysets()`` gives them; the compiled query is kept under ``key`` (what the querysets'
    SQL depends on)."""
    cache_key = (model._meta.label, *key)
    if cache_key not in _compiled:
        counts = {name: Count("pk", filter=_rows_of(model, qs)) for name, qs in querysets().items()}
        grouped = (
            model.objects.filter(organization_id=key[0])
            .order_by()
            .annotate(one=Value(1))
            .values("one")
            .annotate(**counts)
        )
        if len(_compiled) > 1000:
            _compiled.clear()
        _compiled[cache_key] = (grouped.query.sql_with_params(), list(counts))
    (sql, params), names = _compiled[cache_key]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        columns = [c[0] for c in cursor.description]  # DB-API: psycopg and sqlite3
    found = dict(zip(columns, row, strict=True)) if row else {}
    return {name: found.get(name, 0) for name in names}


def compute(practice: Organization, today: date) -> Posture:
    rules = rules_for([practice.pk])
    warning = baa_status.warning_days_by_tier(rules[practice.pk])
    figures: dict[str, Figure] = {}

    def inventory(params):
        return inventory_filterset(_query(params), organization=practice, warning_days=warning).qs

    key = (practice.pk, today, tuple(sorted(warning.items())))
    vendor_counts = _counts(
        BusinessAssociate,
        key,
        lambda: {name: inventory(params) for name, (_, params) in VENDOR_FIGURES.items()},
    )
    for name, n in vendor_counts.items():
        label, params = VENDOR_FIGURES[name]
        figures[name] = Figure(name, label, _url("vendor_list", params), n)

    agreement_counts = _counts(
        BusinessAssociateAgreement,
        key,
        lambda: {
            name: agreement_filterset(_query(params), organization=practice, today=today).qs
            for name, (_, params) in AGREEMENT_FIGURES.items()
        },
    )
    for name, n in agreement_counts.items():
        label, params = AGREEMENT_FIGURES[name]
        figures[name] = Figure(name, label, _url("agreement_list", params), n)

    actions = _counts(FollowUpAction, key, lambda: {"actions_open": listed_actions(practice)})
    figures["actions_open"] = Figure(
        "actions_open", "Open follow-up actions", _url("action_list", {}), actions["actions_open"]
    )

    # The work queue's own counts (``oversight.queue``, one query): its rows by kind.
    counts = queue.counts(practice.pk, today, rules)
    for key, (label, params) in QUEUE_FIGURES.items():
        kind = params.get("kind", "")
        n = counts.of(kind, overdue=True) if kind else counts.overdue
        figures[key] = Figure(key, label, _url("work_queue", params), n)
    # Open breach-notice deadlines (incidents/due.py): within their lead time or overdue, as the
    # work queue lists them for that kind.
    breach = {"kind": due.DueKind.INCIDENT}
    figures["breach_notices"] = Figure(
        "breach_notices",
        "Breach-notice deadlines due soon or overdue",
        _url("work_queue", breach),
        counts.of(due.DueKind.INCIDENT),
    )

    tier_rank = Case(
        *[When(tier=t, then=Value(r)) for t, r in TIER_RANK.items()],
        default=Value(9),
        output_field=IntegerField(),
    )
    gaps = list(
        inventory(VENDOR_FIGURES["gap_count"][1])
        .only("id", "name", "tier", "status", "organization_id")
        .order_by(tier_rank, "name", "id")[:10]
    )

    months = [today.replace(day=1) + relativedelta(months=i) for i in range(12)]
    end = months[-1] + relativedelta(months=1)
    expiries = dict(
        BusinessAssociateAgreement.objects.filter(
            organization=practice, status="signed", expires_on__gte=months[0], expires_on__lt=end
        )
        .order_by()  # no join of the vendors for the model's ordering
        .annotate(month=TruncMonth("expires_on"))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )
    reviews = dict(
        VendorSchedule.objects.filter(
            organization=practice,
            vendor__archived_at__isnull=True,
            vendor__organization=practice,  # the join reads the practice's vendors only
            next_review_due__gte=months[0],
            next_review_due__lt=end,
        )
        .annotate(month=TruncMonth("next_review_due"))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )

    def by_month(counts: dict, month: date) -> int:
        return sum(
            n for m, n in counts.items() if m and m.year == month.year and m.month == month.month
        )

    return Posture(
        today=today,
        figures=figures,
        by_tier=[(t, label, figures[f"tier_{t}"].count) for t, label in Tier.choices],
        gaps=gaps,
        timeline_months=[m.strftime("%b") for m in months],
        timeline_expiries=[by_month(expiries, m) for m in months],
        timeline_reviews=[by_month(reviews, m) for m in months],
    )


# Part of the cache key: bump it when ``Posture`` or a definition it uses changes shape.
CACHE_FORMAT = 1


def cached(practice: Organization, today: date) -> Posture:
    """``compute(practice, today)``, kept under the practice's data version (see the module's
    docstring and ``reminders.freshness.token``)."""
    return keep.kept(
        freshness.token(practice.pk),
        f"dashboard.posture:{CACHE_FORMAT}:{today.isoformat()}",
        lambda: compute(practice, today),
    )


def record_snapshot(practice: Organization, posture: Posture) -> PostureSnapshot:
    """Record (or, from the daily task, refresh) the practice's posture of the day. The
    dashboard calls it only when the day has no snapshot yet: one write per practice per day,
    not one per page view."""
    snapshot, _ = PostureSnapshot.objects.update_or_create(
        organization=practice,
        day=posture.today,
        defaults={
            "vendors": posture.total,
            "gaps": posture.gap_count,
            "overdue": posture.overdue_total,
            "expiring_90": posture.expiring_90,
            "open_actions": posture.actions_open,
        },
    )
    return snapshot

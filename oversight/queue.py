"""The work queue in SQL: its counts and one page of its rows, whatever the number of vendors.

``oversight.due.queue`` defines the work queue over every due item built in Python (the
reminder sweep needs every item anyway). The work queue page and the dashboard need only counts
and one page of rows: building 20,000 items to count them was most of their time. So each
provider also registers a **source** per kind: a queryset with the queue's columns

- ``q_key``: ``DueItem.key``; ``q_due``: ``DueItem.due_date``;
- ``q_overdue``: ``oversight.due.is_overdue``; ``q_rank``: the tier's rank; ``q_vendor``: the
  vendor's name (compared by code point, as the work queue sorts it); ``q_owner``: the owner;

holding exactly the rows ``oversight.due.queue`` lists for that kind (``problems`` applied: no
warning whose date has passed, no expired BAA of a vendor with a gap), and a function that
builds the ``DueItem`` of given keys with the provider's own Python rule. Counts are one
``GROUP BY`` over the union of the sources; a page is the union ordered as
``oversight.due.queue`` orders (most overdue first...) with ``LIMIT``/``OFFSET``, and only its
rows are built. ``tests/test_queue_sql.py`` checks the SQL against ``due.queue(due.collect())``.

The answers (the counts; a page's rows, built) are kept in the cache under the practice's data
token (registered by ``reminders``: ``reminders.freshness.token``, which changes with every
committed write to the practice's rows) and the question (the day, the rules, the filters, the
page), read before computing: a write committed later changes the token, so a kept answer is
never stale, and a view without a write in between neither queries nor builds a row.

A provider without a source (the breach-notice clocks, whose rows are bounded by open
incidents) is listed from its items in Python (``problems`` applied), merged with the SQL rows:
a new provider shows in the work queue and its counts before it has a source.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache
from itertools import islice

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import (
    Case,
    DateField,
    Func,
    IntegerField,
    Value,
    When,
)

from . import due, keep
from .due import DueItem, DueKind, is_overdue
from .policy import DEFAULT_RULES

COLUMNS = ("q_key", "q_due", "q_overdue", "q_rank", "q_vendor", "q_owner")
# The work queue's order (``oversight.due.queue``): overdue first, then the date, the tier,
# the vendor, the key.
ORDER = 'q_overdue DESC, q_due, q_rank, q_vendor COLLATE "C", q_key COLLATE "C"'


@dataclass(frozen=True)
class Source:
    kind: DueKind
    # (org_id, today, rules of the practice {tier: TierRules}) -> queryset with COLUMNS
    rows: Callable
    # (org_id, today, rules, keys) -> the DueItems of those keys (more are ignored), in one
    # query, also for no key
    items: Callable
    # the ``oversight.due`` provider whose items of this kind the source lists
    covers: Callable


_sources: list[Source] = []


def register(source: Source) -> None:
    if all(s.kind != source.kind for s in _sources):
        _sources.append(source)


# (org_id) -> a string that changes with every committed write to the practice's rows, or None
# (nothing may be kept); registered by a higher app (``reminders.freshness.token``).
_data_token: Callable | None = None
# Part of the keys of ``Queue.kept``: bump it when a kept answer (``Counts``, ``DueItem``)
# changes shape or a definition it comes from changes.
KEEP_FORMAT = 1


def register_data_token(token: Callable) -> None:
    global _data_token
    _data_token = token


def data_token(org_id: int) -> str | None:
    """The practice's data token (``None``: nothing may be kept), for ``kept_rows``."""
    return _data_token(org_id) if _data_token else None


def kept_rows(token: str | None, sql: str, params: list) -> list[tuple]:
    """The rows of ``sql``, kept in the cache under ``token`` (read before this query, outside
    any transaction that wrote: see ``reminders.freshness.token``) and the query; ``None``:
    not kept (``oversight.keep``)."""
    digest = hashlib.sha256(f"{sql}\x00{params!r}".encode()).hexdigest()
    return keep.kept(token, f"queue:{digest}", lambda: _run(sql, params))


def _run(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- SQL helpers for the sources ---------------------------------------------------------------


def by_tier(field: str, values: dict, output_field) -> Case:
    """``CASE tier WHEN 'critical' THEN values['critical'] ...``: a per-tier policy value."""
    return Case(
        *[When(**{field: tier}, then=Value(value)) for tier, value in values.items()],
        default=Value(None),
        output_field=output_field,
    )


def tier_rank(field: str) -> Case:
    """The work queue's tier order (most critical first; an unknown tier last)."""
    return Case(
        *[When(**{field: tier}, then=Value(rank)) for rank, tier in enumerate(DEFAULT_RULES)],
        default=Value(9),
        output_field=IntegerField(),
    )


class AddDays(Func):
    """``date + days`` (an integer expression) as a date."""

    template = "(%(expressions)s)"
    arg_joiner = " + "
    output_field = DateField()


class AddMonths(Func):
    """``date + months`` as a date; the end of a shorter month is kept, as ``relativedelta``
    does (Jan 31 + 1 month = Feb 28 or 29)."""

    template = "CAST((%(expressions)s) AS date)"
    arg_joiner = " + INTERVAL '1 month' * "
    output_field = DateField()


class Least(Func):
    """``LEAST`` of dates; PostgreSQL ignores NULL arguments (NULL only if all are)."""

    function = "LEAST"
    output_field = DateField()


class Greatest(Func):
    """``GREATEST`` of dates; NULL arguments are ignored."""

    function = "GREATEST"
    output_field = DateField()


# --- the queue ---------------------------------------------------------------------------------


def _python_rows(
    org_id: int, today: date, rules: dict, kind: str, owner, overdue_only: bool, every=False
):
    """The queue's rows from the providers that have no source (``every``: from all the
    providers), for these filters."""
    items = [
        item
        for provider in due._providers
        if every or not any(source.covers is provider for source in _sources)
        for item in provider([org_id], today, rules)
    ]
    return due.queue(items, today, kind=kind, owner=owner, overdue_only=overdue_only, ordered=False)


@lru_cache(maxsize=512)
def _compiled(
    sources: tuple, org_id: int, today: date, practice_rules: tuple, kind, owner, overdue_only
):
    """The SQL sources for these filters and their union, compiled (``(sql, params)``, None
    without a source). Compiling the querysets costs more than running them: it is kept per
    practice, day, policy and filters (the SQL depends on nothing else)."""
    rules = {org_id: dict(practice_rules)}
    selected = []
    for source in sources:
        if kind and source.kind != kind:
            continue
        qs = source.rows(org_id, today, rules)
        if owner == "none":
            qs = qs.filter(q_owner__isnull=True)
        elif owner is not None:
            qs = qs.filter(q_owner=owner)
        if overdue_only:
            qs = qs.filter(q_overdue=True)
        selected.append((source, qs))
    if not selected:
        return (), None
    sql, params = _union(selected)
    return tuple(source for source, _ in selected), (sql, tuple(params))


def _union(querysets) -> tuple[str, list]:
    parts, params = [], []
    for source, qs in querysets:
        # no ORDER BY of the model (a sort of every row of each source, for nothing)
        inner, inner_params = qs.order_by().values(*COLUMNS).query.sql_with_params()
        parts.append(
            f"SELECT %s AS q_kind, {', '.join(f'q.{c}' for c in COLUMNS)} FROM ({inner}) AS q"
        )
        params.extend([str(source.kind), *inner_params])
    return " UNION ALL ".join(parts), params


@dataclass(frozen=True)
class Counts:
    """The queue's row counts by kind: ``{kind: (rows, overdue rows)}``."""

    by_kind: dict

    @property
    def total(self) -> int:
        return sum(n for n, _ in self.by_kind.values())

    @property
    def overdue(self) -> int:
        return sum(o for _, o in self.by_kind.values())

    def of(self, kind: str, *, overdue: bool = False) -> int:
        n, o = self.by_kind.get(kind, (0, 0))
        return o if overdue else n


class Queue:
    """``oversight.due.queue`` of one practice on one day with these filters (a membership id
    or ``"none"`` for ``owner``), in SQL: ``counts()`` in one query, ``page()`` in one query
    plus one per builder, ``paginated()`` both from one query plus one per builder. The union of
    the sources is compiled once for all.

    Both answers are kept whole in the cache (``kept``): a view without a write in between
    reads the practice's data token and the cache, and neither queries nor builds a row."""

    def __init__(
        self,
        org_id: int,
        today: date,
        rules: dict,
        *,
        kind: str = "",
        owner: int | str | None = None,
        overdue_only: bool = False,
    ):
        self.org_id, self.today, self.rules = org_id, today, rules
        self.filters = (kind, owner, overdue_only)
        self.practice_rules = tuple(sorted(rules[org_id].items()))
        # the sources of the registered providers; none on SQLite (the local run, a few
        # vendors): the sources' SQL is PostgreSQL's (date arithmetic, LEAST, collations), so
        # every row is listed in Python there, by the same rules (``due.queue``)
        self.in_sql = connection.vendor == "postgresql"
        active = tuple(s for s in _sources if any(s.covers is p for p in due._providers))
        self.sources, self.union = (
            _compiled(active, org_id, today, self.practice_rules, kind, owner, overdue_only)
            if self.in_sql
            else ((), None)
        )

    @cached_property
    def python(self) -> list[DueItem]:
        """The rows of the providers without a source, or of every provider where the sources
        are not used (run when first needed)."""
        return _python_rows(
            self.org_id, self.today, self.rules, *self.filters, every=not self.in_sql
        )

    @cached_property
    def token(self) -> str | None:
        """The practice's data token, read once, before anything is computed."""
        return data_token(self.org_id)

    def kept(self, what: tuple, compute: Callable):
        """``compute()``, kept in the cache under the practice's data token (read before it
        runs: a write committed later changes the token) and everything the answer depends on:
        the day, the tier policy, the filters and ``what`` (the question). ``KEEP_FORMAT``:
        bumped when the kept answers change shape or definition (``oversight.keep``)."""
        return keep.kept(self.token, self._key(what), compute)

    def _key(self, what: tuple) -> str:
        question = (KEEP_FORMAT, what, self.today, self.practice_rules, self.filters)
        return f"queue.answer:{hashlib.sha256(repr(question).encode()).hexdigest()}"

    def counts(self) -> Counts:
        return self.kept(("counts",), self._counts)

    def _counts(self) -> Counts:
        found = []
        if self.union:
            union, params = self.union
            found = _run(
                "SELECT q_kind, COUNT(*), COUNT(*) FILTER (WHERE q_overdue) "
                f"FROM ({union}) AS u GROUP BY q_kind",
                list(params),
            )
        return self._with_python_counts(found)

    def _with_python_counts(self, found) -> Counts:
        """The counts of the SQL rows ``(kind, rows, overdue rows)`` and of the Python rows."""
        by_kind = {k: (n, o) for k, n, o in found}
        for item in self.python:
            n, o = by_kind.get(str(item.kind), (0, 0))
            by_kind[str(item.kind)] = (n + 1, o + is_overdue(item, self.today))
        return Counts(by_kind)

    def page(self, offset: int, limit: int) -> list[DueItem]:
        """Rows ``offset`` to ``offset + limit``, in the queue's order, built (kept whole)."""
        return self.kept(("page", offset, limit), lambda: self._page(offset, limit))

    def _page(self, offset: int, limit: int) -> list[DueItem]:
        found = []
        if self.union:
            union, params = self.union
            found = _run(
                f"SELECT q_kind, q_key, q_due, q_overdue, q_rank, q_vendor FROM ({union}) "
                f"AS u ORDER BY {ORDER} LIMIT %s",
                [*params, offset + limit],
            )
        return self._built_page(found, offset, limit)

    def _built_page(self, found, offset: int, limit: int) -> list[DueItem]:
        """Rows ``offset`` to ``offset + limit`` of the SQL rows ``found`` (the first
        ``offset + limit`` at least, in the queue's order) merged with the Python rows, built."""
        keyed = []  # (sort key, kind, key)
        for k, key, due_on, overdue, rank, name in found:
            keyed.append(((not overdue, due_on, rank, name.encode(), key), k, key))
        built = {}
        for item in self.python:
            keyed.append(
                (_sort_key(item, self.today, item.vendor_name.encode()), str(item.kind), item.key)
            )
            built[(str(item.kind), item.key)] = item
        keyed.sort(key=lambda k: k[0])
        shown = [(k, key) for _, k, key in islice(keyed, offset, offset + limit)]
        built.update(self.build([row for row in shown if row not in built]))
        return [built[row] for row in shown if row in built]

    def paginated(self, number, per_page: int) -> tuple:
        """``(counts, page, rows)``: the counts, ``Paginator(range(total), per_page)
        .get_page(number)`` (Django's paginator: an unknown page number shows the first page,
        one out of range the last) and that page's rows, built, from one reading of the union
        (the work queue's page: its counts and its rows in one query, not two; a page past
        the one asked for costs one more). Kept whole; the counts also under ``counts()``'s
        key (the dashboard's figures)."""

        def compute():
            asked = _asked_offset(number, per_page)
            counted, rows = [], []
            if self.union:
                union, params = self.union
                columns = "q_kind, q_key, q_due, q_overdue, q_rank, q_vendor"
                found = _run(
                    f"WITH u AS ({union}) "
                    "SELECT q_kind, NULL, NULL, NULL, NULL, NULL, COUNT(*), "
                    "COUNT(*) FILTER (WHERE q_overdue) FROM u GROUP BY q_kind "
                    f"UNION ALL (SELECT {columns}, NULL, NULL FROM u ORDER BY {ORDER} LIMIT %s)",
                    [*params, asked + per_page],
                )
                counted = [(row[0], row[6], row[7]) for row in found if row[1] is None]
                rows = [row[:6] for row in found if row[1] is not None]
            counts = self._with_python_counts(counted)
            if self.token is not None:
                keep.keep(self.token, self._key(("counts",)), counts)
            page = Paginator(range(counts.total), per_page).get_page(number)
            shown_at = page.start_index() - 1 if counts.total else 0
            if shown_at > asked and len(rows) == asked + per_page:  # past the rows read
                return counts, page.number, self._page(shown_at, per_page)
            return counts, page.number, self._built_page(rows, shown_at, per_page)

        counts, shown, items = self.kept(("paginated", str(number), per_page), compute)
        return counts, Paginator(range(counts.total), per_page).page(shown), items

    def build(self, rows) -> dict:
        """``{(kind, key): DueItem}`` of the SQL sources' rows ``(kind, key)``, through the
        providers' own rules: one query per builder of the selected sources, whatever is shown
        (an empty list too: the page's query count does not depend on the data)."""
        by_kind: dict = {}
        for k, key in rows:
            by_kind.setdefault(k, []).append(key)
        by_builder: dict = {}
        for source in self.sources:
            by_builder.setdefault(source.items, []).extend(by_kind.get(str(source.kind), []))
        wanted = set(rows)
        built = {}
        for builder, keys in by_builder.items():
            for item in builder(self.org_id, self.today, self.rules, keys):
                if (str(item.kind), item.key) in wanted:  # a builder may give more
                    built[(str(item.kind), item.key)] = item
        return built


def _asked_offset(number, per_page: int) -> int:
    """The offset of page ``number`` (a query-string value) if it is one; else 0."""
    try:
        return (max(int(number), 1) - 1) * per_page
    except (TypeError, ValueError):
        return 0


def _sort_key(item: DueItem, today: date, vendor_key) -> tuple:
    return (
        not is_overdue(item, today),
        item.due_date,
        list(DEFAULT_RULES).index(item.tier) if item.tier in DEFAULT_RULES else 9,
        vendor_key,
        item.key,
    )


def counts(org_id: int, today: date, rules: dict, **filters) -> Counts:
    """The row counts of ``oversight.due.queue`` with these filters: one query."""
    return Queue(org_id, today, rules, **filters).counts()


def page(org_id: int, today: date, rules: dict, *, offset: int, limit: int, **filters):
    """Rows ``offset`` to ``offset + limit`` of ``oversight.due.queue`` with these filters."""
    return Queue(org_id, today, rules, **filters).page(offset, limit)

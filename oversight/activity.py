"""The practice's activity log: every change to a compliance record (from the
django-simple-history tables of every tracked model) and every read that matters
(``AuditEvent``: downloads, exports, binders, authentication events), newest first.

Generic over the registered history models, so apps higher up are included without being
imported here.
"""

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from django.apps import apps
from django.db import connection
from django.db.models import F, Model
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils import timezone
from simple_history.models import registered_models

from .models import AuditEvent, Organization

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
SKIP_FIELDS = {"updated_at", "created_at", "tier_reasons", "history_id"}


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class Entry:
    when: datetime
    who: str
    action: str
    object_type: str
    object_repr: str
    object_url: str = ""
    changes: list[Change] = field(default_factory=list)
    history_url: str = ""
    source: str = "change"  # "change" or "access"

    def when_local(self) -> str:
        """``when`` in the current time zone, as the log prints it: what the template's
        ``date:"Y-m-d H:i T"`` gave (the zone's abbreviation, none in an hour a clock change
        repeats or skips), without a filter's cost on every row."""
        local = timezone.localtime(self.when)
        zone = local.tzinfo
        ambiguous = zone.utcoffset(local.replace(fold=not local.fold)) != zone.utcoffset(local)
        return f"{local:%Y-%m-%d %H:%M} {'' if ambiguous else local.tzname()}"


def tracked_models() -> tuple[type[Model], ...]:
    """Models with history that belong to a practice (or are the practice)."""
    if not apps.ready:  # the registry fills as the models load
        return _tracked_models()
    return _tracked_models_loaded()


def _tracked_models() -> tuple[type[Model], ...]:
    models = []
    for model in registered_models.values():
        names = {f.name for f in model._meta.get_fields()}
        if model is Organization or "organization" in names:
            models.append(model)
    return tuple(sorted(models, key=lambda m: m._meta.verbose_name))


_tracked_models_loaded = cache(_tracked_models)


@cache
def history_model(model):
    """The historical model of ``model``: ``model.history`` builds a manager class (with
    ``inspect``) on every access, which would cost more than the log's queries."""
    return getattr(model, model._meta.simple_history_manager_attribute).model


def history_records(model):
    """The history records of ``model``, each with the email of who made it (the one
    column of the user a row shows)."""
    return history_model(model)._default_manager.annotate(
        history_user_email=F("history_user__email")
    )


def model_key(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _display(model, field_name: str, value) -> str:
    if value in (None, ""):
        return "—"
    try:
        model_field = model._meta.get_field(field_name)
    except Exception:
        return str(value)[:200]
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)[:200]


@cache
def _compared_fields(model) -> list:
    """The fields a change lists, in the order it lists them: the ones simple-history's
    ``diff_against`` compares (tracked and editable), by name, less ``SKIP_FIELDS``."""
    historical = history_model(model)
    tracked = {f.name for f in historical.tracked_fields if f.editable}
    return sorted(
        (
            f
            for f in historical._meta.concrete_fields
            if f.editable and f.name in tracked and f.name not in SKIP_FIELDS
        ),
        key=lambda f: f.name,
    )


def changes_of(record, previous) -> list[Change]:
    """Field-level old -> new of one history record against the values of the one before it
    (``_predecessors``)."""
    if record.history_type != "~" or previous is None:
        return []
    model = record.instance_type
    result = []
    for f, old in zip(_compared_fields(model), previous, strict=True):
        new = getattr(record, f.attname)
        if old != new:
            result.append(
                Change(
                    str(model._meta.get_field(f.name).verbose_name),
                    _display(model, f.name, old),
                    _display(model, f.name, new),
                )
            )
    return result


def _predecessors(model, records) -> dict:
    """``{history_id: the values (of ``_compared_fields``) of the record before it}`` for the
    changes among ``records``: one query for the lot, whatever the length of each object's
    history (``prev_record`` would cost one query per row; fetching every earlier row, one
    row per past change), and values rather than model instances."""
    changed = [r for r in records if r.history_type == "~"]
    if not changed:
        return {}
    historical = history_model(model)
    quote = connection.ops.quote_name
    table = quote(historical._meta.db_table)
    pk, date, hid = quote("id"), quote("history_date"), quote("history_id")
    # The history_id of the row before each change (SQL: the ORM's version of this correlated
    # subquery took longer to compile than to run).
    previous_ids = RawSQL(
        f"SELECT (SELECT e.{hid} FROM {table} e WHERE e.{pk} = r.{pk}"
        f" AND (e.{date} < r.{date} OR (e.{date} = r.{date} AND e.{hid} < r.{hid}))"
        f" ORDER BY e.{date} DESC, e.{hid} DESC LIMIT 1)"
        f" FROM {table} r WHERE r.{hid} IN ({', '.join(['%s'] * len(changed))})",
        [r.history_id for r in changed],
    )
    fields = [f.attname for f in _compared_fields(model)]
    rows = (
        historical._default_manager.filter(history_id__in=previous_ids)
        .order_by("history_date", "history_id")
        .values_list("id", "history_date", "history_id", *fields)
    )
    # The rows fetched are exactly the predecessors of the changes: the one before a change
    # is the latest fetched row of the same object that is older than it.
    by_object: dict = defaultdict(list)
    for row in rows:
        by_object[row[0]].append(row)
    result = {}
    for record in changed:
        before = by_object.get(record.id, [])
        at = bisect_left(before, (record.history_date, record.history_id), key=lambda r: r[1:3])
        result[record.history_id] = before[at - 1][3:] if at else None
    return result


@cache
def _relations(model) -> list:
    """Many-to-one and one-to-one fields of ``model`` (a vendor's schedule names its vendor)."""
    return [f for f in model._meta.concrete_fields if f.many_to_one or f.one_to_one]


def _load_related(instances, depth: int = 2, practice: Organization | None = None) -> None:
    """Load the objects that the instances' names and links read (their vendor, agreement,
    record...) in one query per related model instead of one per row, ``depth`` levels deep
    (a checklist item names its agreement, which names its vendor): each level but the last
    with the objects it names joined in. The practice, which every row belongs to, is not
    fetched again."""
    known = {Organization: {practice.pk: practice}} if practice is not None else {}
    for level in range(depth, 0, -1):
        wanted: dict = defaultdict(set)
        pending = []
        for instance in instances:
            for f in _relations(type(instance)):
                value = getattr(instance, f.attname)
                if value is None or f.is_cached(instance):
                    continue
                target = known.get(f.related_model, {}).get(value)
                if target is not None:
                    f.set_cached_value(instance, target)
                else:
                    wanted[f.related_model].add(value)
                    pending.append((instance, f, value))
        if not wanted:
            return
        loaded = {
            related: related._base_manager.select_related(
                *(f.name for f in _relations(related)) if level > 1 else ()
            ).in_bulk(list(ids))
            for related, ids in wanted.items()
        }
        for instance, f, value in pending:
            target = loaded[f.related_model].get(value)
            if target is not None:
                f.set_cached_value(instance, target)
        instances = [obj for objects in loaded.values() for obj in objects.values()]


def entries_for(model, records, practice: Organization | None = None) -> list["Entry"]:
    """Activity entries for history records of one model (from ``history_records``), with
    their field changes."""
    return _entries({model: list(records)}, practice)[model]


def _entries(records_by_model: dict, practice: Organization | None = None) -> dict:
    """``{model: [Entry]}`` for history records of several models: predecessors per model,
    and the objects that all the rows name loaded together."""
    previous, instances = {}, {}
    for model, records in records_by_model.items():
        previous[model] = _predecessors(model, records)
        instances[model] = [record.instance for record in records]
    _load_related([i for objects in instances.values() for i in objects], practice=practice)
    entries = {}
    for model, records in records_by_model.items():
        history_url_of = _history_url_of(model)
        entries[model] = [
            _entry(record, model, previous[model].get(record.history_id), instance, history_url_of)
            for record, instance in zip(records, instances[model], strict=True)
        ]
    return entries


def _history_url_of(model):
    """``pk -> the address of the History tab of that record of model``, from one ``reverse``
    for all the rows (its cost, on every row, was a tenth of the log's)."""
    placeholder = "2147483647"
    pattern = reverse(
        "object_history", args=[model._meta.app_label, model._meta.model_name, placeholder]
    )
    return lambda pk: pattern.replace(placeholder, str(pk))


def _entry(record, model, previous, instance, history_url_of) -> Entry:
    instance_url = ""
    if record.history_type != "-":
        try:
            instance_url = instance.get_absolute_url()
        except Exception:
            instance_url = ""
    return Entry(
        when=record.history_date,
        who=record.history_user_email if record.history_user_id else "system",
        action=ACTIONS.get(record.history_type, record.history_type),
        object_type=str(model._meta.verbose_name),
        object_repr=str(instance)[:200],
        object_url=instance_url,
        changes=changes_of(record, previous),
        history_url=history_url_of(record.id),
    )


def activity(
    org: Organization,
    *,
    user_id: int | None = None,
    object_type: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Entry]:
    """Entries ``offset`` to ``offset + limit`` of the log, newest first, changes and reads
    merged. Only the rows shown are built: first which rows they are (``_newest``: one
    query), then their records, the records before them and the objects they name, in bulk
    (a query or two per kind of record, whatever the number of rows)."""
    sources = _sources(object_type)
    return _built(org, _newest(sources, org, user_id, since, until, limit=limit, offset=offset))


def activity_page(
    org: Organization, *, page: int, per_page: int, **filters
) -> tuple[list[Entry], bool]:
    """Page ``page`` (from 1) of the log (``filters`` as ``activity``'s), and whether an older
    page follows: the row after the page is looked up, not built."""
    sources = _sources(filters.pop("object_type", ""))
    rows = _newest(sources, org, limit=per_page + 1, offset=(page - 1) * per_page, **filters)
    return _built(org, rows[:per_page]), len(rows) > per_page


def _sources(object_type: str) -> list:
    sources: list = [
        model for model in tracked_models() if not object_type or object_type == model_key(model)
    ]
    if not object_type or object_type == "access":
        sources.append(AuditEvent)
    return sources


def _built(org: Organization, page: list[tuple[int, object]]) -> list[Entry]:
    """The entries of the (id, source) rows of ``page``, in its order."""
    chosen: dict = defaultdict(list)
    for pk, source in page:
        chosen[source].append(pk)
    built: dict = {}
    records_by_model = {}
    for source, ids in chosen.items():
        if source is AuditEvent:
            for event in AuditEvent.objects.filter(id__in=ids):
                built[(AuditEvent, event.id)] = _access_entry(event)
        else:
            records_by_model[source] = list(history_records(source).filter(history_id__in=ids))
    for model, entries in _entries(records_by_model, org).items():
        for record, entry in zip(records_by_model[model], entries, strict=True):
            built[(model, record.history_id)] = entry
    return [built[(source, pk)] for pk, source in page if (source, pk) in built]


def _columns(source) -> tuple[str, str, str, str, str]:
    """(table, date, id, practice, user) columns of a source of the log, quoted."""
    quote = connection.ops.quote_name
    if source is AuditEvent:
        names = ("created_at", "id", "organization_id", "user_id")
        table = AuditEvent._meta.db_table
    else:
        scope = "id" if source is Organization else "organization_id"
        names = ("history_date", "history_id", scope, "history_user_id")
        table = history_model(source)._meta.db_table
    return (quote(table), *(quote(name) for name in names))


def _newest(
    sources, org, user_id=None, since=None, until=None, *, limit, offset
) -> list[tuple[int, object]]:
    """(id, source) of rows ``offset`` to ``offset + limit`` of the log, newest first: one
    query, the newest ``offset + limit`` rows of each source (an index scan each on
    (practice, date desc, id desc)), merged and cut by the database.

    Written as SQL: the ORM would compile a UNION of some thirty parts on every page, which
    costs more than running it; and each part is wrapped as a subquery, the form of a UNION
    of ordered, limited parts that SQLite (the local run) accepts too."""
    wanted = int(offset + limit)
    adapt = connection.ops.adapt_datetimefield_value
    parts, params = [], []
    for src, source in enumerate(sources):
        table, date, pk, scope, user = _columns(source)
        where = [f"{scope} = %s"]
        params.append(org.pk)
        if user_id:
            where.append(f"{user} = %s")
            params.append(user_id)
        if since:
            where.append(f"{date} >= %s")
            params.append(adapt(since))
        if until:
            where.append(f"{date} < %s")
            params.append(adapt(until))
        parts.append(
            f"SELECT * FROM (SELECT {date} AS w, {pk} AS k, {src} AS s FROM {table} "
            f"WHERE {' AND '.join(where)} ORDER BY {date} DESC, {pk} DESC LIMIT {wanted}) p{src}"
        )
    if not parts:
        return []
    # Ties (same date and id) keep the order of the sources.
    sql = (
        f"SELECT k, s FROM ({' UNION ALL '.join(parts)}) log "
        f"ORDER BY w DESC, k DESC, s LIMIT {int(limit)} OFFSET {int(offset)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(pk, sources[src]) for pk, src in cursor.fetchall()]


def _access_entry(event: AuditEvent) -> Entry:
    return Entry(
        when=event.created_at,
        who=event.email or "—",
        action=event.get_action_display().lower(),
        object_type=event.object_type or "access",
        object_repr=event.object_repr,
        changes=[Change("from", "", event.ip_address or "—")] if event.ip_address else [],
        source="access",
    )

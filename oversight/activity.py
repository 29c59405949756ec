"""The practice's activity log: every change to a compliance record (from the
django-simple-history tables of every tracked model) and every read that matters
(``AuditEvent``: downloads, exports, binders, authentication events), newest first.

Generic over the registered history models, so apps higher up are included without being
imported here.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Model, OuterRef, Q, Subquery, Value
from django.urls import reverse
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


def tracked_models() -> list[type[Model]]:
    """Models with history that belong to a practice (or are the practice)."""
    models = []
    for model in registered_models.values():
        names = {f.name for f in model._meta.get_fields()}
        if model is Organization or "organization" in names:
            models.append(model)
    return sorted(models, key=lambda m: m._meta.verbose_name)


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


def changes_of(record, previous) -> list[Change]:
    """Field-level old -> new of one history record against the one before it."""
    if record.history_type != "~" or previous is None:
        return []
    model = record.instance_type
    delta = record.diff_against(previous)
    result = []
    for change in delta.changes:
        if change.field in SKIP_FIELDS:
            continue
        label = str(model._meta.get_field(change.field).verbose_name)
        result.append(
            Change(
                label,
                _display(model, change.field, change.old),
                _display(model, change.field, change.new),
            )
        )
    return result


def _history_queryset(model, org: Organization):
    qs = model.history.select_related("history_user")
    if model is Organization:
        return qs.filter(id=org.pk)
    return qs.filter(organization_id=org.pk)


def _predecessors(model, records) -> dict:
    """``{history_id: the record before it}`` for the changes among ``records``: two queries
    for the lot, whatever the length of each object's history (``prev_record`` would cost one
    query per row; fetching every earlier row, one row per past change)."""
    changed = [r for r in records if r.history_type == "~"]
    if not changed:
        return {}
    earlier = model.history.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    previous_of = dict(
        model.history.filter(history_id__in=[r.history_id for r in changed])
        .annotate(
            previous_id=Subquery(
                earlier.order_by("-history_date", "-history_id").values("history_id")[:1]
            )
        )
        .values_list("history_id", "previous_id")
    )
    wanted = [pk for pk in previous_of.values() if pk is not None]
    rows = {row.history_id: row for row in model.history.filter(history_id__in=wanted)}
    return {record.history_id: rows.get(previous_of.get(record.history_id)) for record in changed}


def _load_related(instances, depth: int = 2) -> None:
    """Load the objects that the instances' names and links read (their vendor, agreement,
    record...) in one query per related model instead of one per row, ``depth`` levels deep
    (a checklist item names its agreement, which names its vendor)."""
    for _ in range(depth):
        wanted: dict = defaultdict(set)
        fields_by_model = {}
        for instance in instances:
            fields = fields_by_model.setdefault(
                type(instance),
                # many-to-one and one-to-one (a vendor's schedule names its vendor)
                [f for f in type(instance)._meta.concrete_fields if f.many_to_one or f.one_to_one],
            )
            for f in fields:
                value = getattr(instance, f.attname)
                if value is not None and not f.is_cached(instance):
                    wanted[f.related_model].add(value)
        if not wanted:
            return
        loaded = {
            related: related._base_manager.in_bulk(list(ids)) for related, ids in wanted.items()
        }
        for instance in instances:
            for f in fields_by_model[type(instance)]:
                value = getattr(instance, f.attname)
                if value is not None and not f.is_cached(instance):
                    target = loaded[f.related_model].get(value)
                    if target is not None:
                        f.set_cached_value(instance, target)
        instances = [obj for objects in loaded.values() for obj in objects.values()]


def entries_for(model, records) -> list["Entry"]:
    """Activity entries for history records of one model, with their field changes."""
    return _entries({model: list(records)})[model]


def _entries(records_by_model: dict) -> dict:
    """``{model: [Entry]}`` for history records of several models: predecessors per model,
    and the objects that all the rows name loaded together."""
    previous, instances = {}, {}
    for model, records in records_by_model.items():
        previous[model] = _predecessors(model, records)
        instances[model] = [record.instance for record in records]
    _load_related([i for objects in instances.values() for i in objects])
    return {
        model: [
            _entry(record, model, previous[model].get(record.history_id), instance)
            for record, instance in zip(records, instances[model], strict=True)
        ]
        for model, records in records_by_model.items()
    }


def _entry(record, model, previous=None, instance=None) -> Entry:
    user = record.history_user
    instance = instance if instance is not None else record.instance
    instance_url = ""
    if record.history_type != "-":
        try:
            instance_url = instance.get_absolute_url()
        except Exception:
            instance_url = ""
    return Entry(
        when=record.history_date,
        who=user.email if user else "system",
        action=ACTIONS.get(record.history_type, record.history_type),
        object_type=str(model._meta.verbose_name),
        object_repr=str(instance)[:200],
        object_url=instance_url,
        changes=changes_of(record, previous),
        history_url=reverse(
            "object_history", args=[model._meta.app_label, model._meta.model_name, record.id]
        ),
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
    merged. Only the rows shown are built: first the (date, id) of the newest
    ``offset + limit`` rows of each source (an index scan each), then, for the chosen ones,
    the records, their predecessors and the objects they name, in bulk."""
    wanted = offset + limit
    # One query: the newest ``wanted`` (date, id) of each source (an index scan each), merged.
    sources: list = []
    parts = []
    for model in tracked_models():
        if object_type and object_type != model_key(model):
            continue
        qs = _history_queryset(model, org)
        if user_id:
            qs = qs.filter(history_user_id=user_id)
        if since:
            qs = qs.filter(history_date__gte=since)
        if until:
            qs = qs.filter(history_date__lt=until)
        parts.append(
            qs.order_by("-history_date", "-history_id")
            .annotate(src=Value(len(sources)))
            .values_list("history_date", "history_id", "src")[:wanted]
        )
        sources.append(model)
    if not object_type or object_type == "access":
        events = AuditEvent.objects.filter(organization=org)
        if user_id:
            events = events.filter(user_id=user_id)
        if since:
            events = events.filter(created_at__gte=since)
        if until:
            events = events.filter(created_at__lt=until)
        parts.append(
            events.order_by("-created_at", "-id")
            .annotate(src=Value(len(sources)))
            .values_list("created_at", "id", "src")[:wanted]
        )
        sources.append(AuditEvent)
    keys: list[tuple[datetime, int, object]] = []  # (when, id, source)
    if parts:
        merged = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        keys = [(when, pk, sources[src]) for when, pk, src in merged]
    keys.sort(key=lambda k: (k[0], k[1]), reverse=True)
    page = keys[offset:wanted]
    chosen: dict = defaultdict(list)
    for _, pk, source in page:
        chosen[source].append(pk)
    built: dict = {}
    records_by_model = {}
    for source, ids in chosen.items():
        if source is AuditEvent:
            for event in AuditEvent.objects.filter(id__in=ids):
                built[(AuditEvent, event.id)] = _access_entry(event)
        else:
            records_by_model[source] = list(
                source.history.filter(history_id__in=ids).select_related("history_user")
            )
    for model, entries in _entries(records_by_model).items():
        for record, entry in zip(records_by_model[model], entries, strict=True):
            built[(model, record.history_id)] = entry
    return [built[(source, pk)] for _, pk, source in page if (source, pk) in built]


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

"""The practice's activity log: every change to a compliance record (from the
django-simple-history tables of every tracked model) and every read that matters
(``AuditEvent``: downloads, exports, binders, authentication events), newest first.

Generic over the registered history models, so apps higher up are included without being
imported here.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Model
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
    """``{history_id: the record before it}`` for the changes among ``records``, in one query
    for the lot (``prev_record`` would cost one query per row)."""
    changed = [r for r in records if r.history_type == "~"]
    if not changed:
        return {}
    latest = max(r.history_date for r in changed)
    earlier = defaultdict(list)
    for row in model.history.filter(
        id__in={r.id for r in changed}, history_date__lte=latest
    ).order_by("history_date", "history_id"):
        earlier[row.id].append(row)
    result = {}
    for record in changed:
        before = [
            row
            for row in earlier[record.id]
            if (row.history_date, row.history_id) < (record.history_date, record.history_id)
        ]
        result[record.history_id] = before[-1] if before else None
    return result


def entries_for(model, records) -> list["Entry"]:
    """Activity entries for history records of one model, with their field changes."""
    records = list(records)
    previous = _predecessors(model, records)
    return [_entry(record, model, previous.get(record.history_id)) for record in records]


def _entry(record, model, previous=None) -> Entry:
    user = record.history_user
    instance_url = ""
    if record.history_type != "-":
        try:
            instance_url = record.instance.get_absolute_url()
        except Exception:
            instance_url = ""
    return Entry(
        when=record.history_date,
        who=user.email if user else "system",
        action=ACTIONS.get(record.history_type, record.history_type),
        object_type=str(model._meta.verbose_name),
        object_repr=str(record.instance)[:200],
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
) -> list[Entry]:
    """The newest ``limit`` entries matching the filters, changes and reads merged."""
    entries: list[Entry] = []
    for model in tracked_models():
        if object_type and object_type not in (model_key(model), "access"):
            continue
        if object_type == "access":
            break
        qs = _history_queryset(model, org)
        if user_id:
            qs = qs.filter(history_user_id=user_id)
        if since:
            qs = qs.filter(history_date__gte=since)
        if until:
            qs = qs.filter(history_date__lt=until)
        newest = qs.order_by("-history_date", "-history_id")[:limit]
        entries.extend(entries_for(model, newest))
    if not object_type or object_type == "access":
        events = AuditEvent.objects.filter(organization=org)
        if user_id:
            events = events.filter(user_id=user_id)
        if since:
            events = events.filter(created_at__gte=since)
        if until:
            events = events.filter(created_at__lt=until)
        for event in events[:limit]:
            entries.append(
                Entry(
                    when=event.created_at,
                    who=event.email or "—",
                    action=event.get_action_display().lower(),
                    object_type=event.object_type or "access",
                    object_repr=event.object_repr,
                    changes=[Change("from", "", event.ip_address or "—")]
                    if event.ip_address
                    else [],
                    source="access",
                )
            )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]

"""Refuse a stale save: two members edit the same record, the second save must not silently
overwrite the first.

An edit form carries, in a hidden ``version`` field, the id of the record's latest history row
(django-simple-history) when the form was opened. On save, if a newer history row exists,
somebody else saved in between: the form is refused with what they changed, who and when, and
the hidden version moves on to the latest one, so that saving again (having read the changes)
deliberately keeps the user's values. Derived fields written with ``update()`` (BAA status,
finding counts) make no history row and so never count as a conflict.
"""

from django import forms
from django.utils import timezone
from django.utils.formats import date_format

VERSION_FIELD = "version"


def latest_version(instance) -> int | None:
    """The id of the record's latest history row (None for an unsaved record)."""
    if instance.pk is None:
        return None
    return (
        instance.history.order_by("-history_date", "-history_id")
        .values_list("history_id", flat=True)
        .first()
    )


def _shown(field, value) -> str:
    if value in (None, "", [], ()):
        return "(empty)"
    if field.choices:
        labels = dict(field.flatchoices)
        if isinstance(value, list | tuple):
            return ", ".join(str(labels.get(v, v)) for v in value)
        return str(labels.get(value, value))
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else str(value)
    return str(value)


def changes_since(instance, version: int, fields) -> tuple[list[str], object | None]:
    """Lines "Field: old -> new" for what changed in ``fields`` after history row ``version``,
    and the latest history row (who and when)."""
    history = instance.history.order_by("-history_date", "-history_id")
    latest = history.first()
    seen = instance.history.filter(history_id=version).first()
    if latest is None or seen is None:
        return [], latest
    model = type(instance)
    names = [f for f in fields if f in {x.name for x in model._meta.concrete_fields}]
    delta = latest.diff_against(seen, included_fields=names)
    lines = []
    for change in delta.changes:
        field = model._meta.get_field(change.field)
        lines.append(
            f"{field.verbose_name.capitalize()}: {_shown(field, change.old)} → "
            f"{_shown(field, change.new)}"
        )
    return lines, latest


class StaleSaveCheck:
    """Mix into a ``ModelForm`` (before it): adds the hidden ``version`` and refuses a save
    made over somebody else's newer one. The time of the other save is shown in the zone of
    the form's ``organization`` (the practice), if it has one."""

    stale_fields: tuple[str, ...] | None = None  # default: the form's model fields

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[VERSION_FIELD] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, initial=latest_version(self.instance)
        )
        self.stale_changes: list[str] = []

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        seen = cleaned.get(VERSION_FIELD)
        latest = latest_version(self.instance)
        if seen is None or latest is None or seen == latest:
            return cleaned
        fields = self.stale_fields or [f for f in self.fields if f != VERSION_FIELD]
        lines, row = changes_since(self.instance, seen, fields)
        who = getattr(row.history_user, "email", None) or "another member"
        tz = getattr(getattr(self, "organization", None), "tzinfo", None)
        when = timezone.localtime(row.history_date, tz)
        self.stale_changes = lines or ["(no visible field changed; related details did)"]
        # Saving again, having read this, keeps the user's values on purpose.
        self.data = self.data.copy()
        self.data[self.add_prefix(VERSION_FIELD)] = str(latest)
        raise forms.ValidationError(
            "%(who)s saved this record at %(when)s %(zone)s, after you opened it. Nothing was "
            "saved. What they changed: %(changes)s. Check your values, then save again to keep "
            "yours.",
            code="stale",
            params={
                "who": who,
                "when": date_format(when, "Y-m-d H:i"),
                "zone": when.tzname(),
                "changes": "; ".join(self.stale_changes),
            },
        )

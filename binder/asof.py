"""The practice's records as they stood at a moment, read from the django-simple-history
tables, so that a binder "as of" a date shows the terms, statuses, checklist states, tiers and
policy in force on that date, not today's values (documentation kept six years,
164.316(b)(2)(i), 164.530(j)(2)).

``rows_as_of`` is simple-history's ``as_of`` (the newest history row of each object at the
moment, dropped if it was a deletion) scoped to one practice. A row that has no history at
all (a bulk load or a data migration wrote it) is taken as it is now, if it existed then.
"""

from collections import defaultdict
from datetime import datetime

from django.db.models import Model


def rows_as_of(model: type[Model], practice, moment: datetime) -> list[Model]:
    """Instances of ``model`` of ``practice`` as they stood at ``moment`` (aware datetime)."""
    scope = (
        {"id": practice.pk}
        if model._meta.model_name == "organization"
        else {"organization_id": practice.pk}
    )
    history = model.history
    # simple-history's ``as_of``, keeping the history row to break ties: two saves in the same
    # instant (one transaction, a frozen clock) share a history_date; the later row wins.
    latest: dict[int, object] = {}
    for record in (
        history.filter(**scope, history_date__lte=moment).latest_of_each().order_by("history_id")
    ):
        latest[record.id] = record
    rows = [r.instance for r in latest.values() if r.history_type != "-"]
    untracked = model._default_manager.filter(**scope).exclude(
        pk__in=history.filter(**scope).values("id")
    )
    names = {f.name for f in model._meta.get_fields()}
    for stamp in ("created_at", "uploaded_at"):
        if stamp in names:
            untracked = untracked.filter(**{f"{stamp}__lte": moment})
            break
    return rows + list(untracked)


def by_key(rows, key: str) -> dict[int, list]:
    """Group rows on one attribute (``vendor_id``, ``agreement_id``...)."""
    grouped: dict[int, list] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped

"""Which practices a sweep may skip: those whose data and local hour have not changed since
their last complete sweep (a second sweep would record nothing for them).

Safe by construction, not by listing what the providers read:

- **Every write is seen.** A PostgreSQL statement trigger on every table that has an
  ``organization`` column (all tenant data: vendors, agreements, checklists, diligence,
  reviews, actions, schedules, incidents, memberships, tier policies... and any table added
  later, since the triggers are (re)installed after every ``migrate``), on the practice's own
  row (time zone, digest hour, thresholds), on a reminder's status (a resend, a claim, a
  cancellation) and on a reminder's deletion, bumps the practice's ``PracticeDataVersion``
  in the writing transaction itself. ``update()``, bulk writes and raw SQL are seen as well
  as ``save()``; no signal or service has to remember it.
- **Read before collecting.** The sweep reads the versions *before* it collects the due
  items and stores, after a complete sweep of a practice, the version it read then. A write
  committed before that read is in the collected data; one committed later has bumped the
  version past the stored one, so the next sweep does the practice again. A write still open
  during the sweep is invisible to both, and bumps the version when it commits.
- **Time.** The mark also holds the practice's local date and hour (stages change with the
  date, the digest slot with the hour).
- **Only complete sweeps mark**: a practice whose items could not be collected, planned or
  recorded, or with an item error, is swept again every time (its errors stay reported).

Reminder rows recorded (inserted) bump a second counter of the practice, ``recorded``: not
the version (a sweep would otherwise see its own rows as a change), but with it a token of the
practice's reminder rows (``tokens``), under which the Reminders page keeps its sections'
totals and rows.

Users (``auth_user``) have no practice column: a changed address only matters to rows yet to
be recorded, and delivery reads the member's current address.
"""

from django.apps import apps
from django.db import connections

from oversight.models import AuditEvent, Organization

from .models import DeliveryAttempt, PracticeDataVersion, Reminder, SweepError, SweepMark

PREFIX = "reminders_bump"
# Tables whose writes cannot change what a sweep records: its own log and marks. Reminder
# rows: only status changes count (the sweep's inserts are what it records itself).
_OWN = (DeliveryAttempt, SweepError, SweepMark, PracticeDataVersion, Reminder)
# The access log (sign-ins, downloads, exports, private-link uses): read by no due-item
# provider, and a reader's download is not a change of the practice's data.
_NOT_DUE_DATA = (AuditEvent,)


def bucket(org, now) -> str:
    """The practice's local date and hour at ``now`` (and its zone and digest hour)."""
    local = now.astimezone(org.tzinfo)
    return f"{local:%Y-%m-%dT%H} {org.timezone} {org.digest_hour}"


def _function(column: str, source: str) -> str:
    table = PracticeDataVersion._meta.db_table
    return f"""
CREATE OR REPLACE FUNCTION {PREFIX}_{source}_{column}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {table} (organization_id, version)
    SELECT DISTINCT {column}, 1 FROM {source}_rows WHERE {column} IS NOT NULL
    ON CONFLICT (organization_id) DO UPDATE SET version = {table}.version + 1;
    RETURN NULL;
END $$;"""


def _recorded_function() -> str:
    table = PracticeDataVersion._meta.db_table
    return f"""
CREATE OR REPLACE FUNCTION {PREFIX}_recorded() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {table} (organization_id, version, recorded)
    SELECT DISTINCT organization_id, 0, 1 FROM new_rows WHERE organization_id IS NOT NULL
    ON CONFLICT (organization_id) DO UPDATE SET recorded = {table}.recorded + 1;
    RETURN NULL;
END $$;"""


def tracked_tables() -> list[tuple[str, str]]:
    """``(table, practice column)`` of every table whose writes bump the version."""
    tables = [(Organization._meta.db_table, "id")]
    for model in apps.get_models():
        meta = model._meta
        if not meta.managed or meta.proxy or model in _OWN + _NOT_DUE_DATA:
            continue
        field = next((f for f in meta.concrete_fields if f.name == "organization"), None)
        if field is not None and getattr(field, "related_model", None) is Organization:
            tables.append((meta.db_table, field.column))
    return tables


def install_triggers(using: str = "default") -> None:
    """(Re)create the triggers. Run after every ``migrate`` (``apps.py``)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    q = connection.ops.quote_name
    statements = []
    for column in ("id", "organization_id"):
        statements += [_function(column, "new"), _function(column, "old")]
    events = (
        ("ins", "INSERT", "NEW TABLE AS new_rows", "new"),
        ("upd", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", "new"),
        ("updold", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", "old"),
        ("del", "DELETE", "OLD TABLE AS old_rows", "old"),
    )
    for table, column in tracked_tables():
        for suffix, event, referencing, source in events:
            statements.append(
                f"CREATE OR REPLACE TRIGGER {PREFIX}_{suffix} AFTER {event} ON {q(table)} "
                f"REFERENCING {referencing} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION {PREFIX}_{source}_{column}()"
            )
    for model in _NOT_DUE_DATA:  # installed by an earlier version: no longer counted
        for suffix, *_ in events:
            statements.append(
                f"DROP TRIGGER IF EXISTS {PREFIX}_{suffix} ON {q(model._meta.db_table)}"
            )
    reminders = Reminder._meta.db_table
    statements.append(
        f"CREATE OR REPLACE TRIGGER {PREFIX}_status AFTER UPDATE ON {q(reminders)} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {PREFIX}_new_organization_id()"
    )
    # Reminder rows are never deleted by the product; should someone delete some (a script,
    # a benchmark starting afresh), the practice is swept again and records them anew.
    statements.append(
        f"CREATE OR REPLACE TRIGGER {PREFIX}_removed AFTER DELETE ON {q(reminders)} "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {PREFIX}_old_organization_id()"
    )
    # Reminder rows recorded: the second counter (``tokens``), not the version.
    statements.append(_recorded_function())
    statements.append(
        f"CREATE OR REPLACE TRIGGER {PREFIX}_recorded AFTER INSERT ON {q(reminders)} "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {PREFIX}_recorded()"
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def versions(orgs) -> dict[int, int]:
    """The practices' current versions (0: never written since the triggers exist). One
    query; read before collecting."""
    ids = [o.id for o in orgs]
    found = dict(
        PracticeDataVersion.objects.filter(organization_id__in=ids).values_list(
            "organization_id", "version"
        )
    )
    return {i: found.get(i, 0) for i in ids}


def token(organization_id: int) -> str | None:
    """A string that changes with every committed write to the practice's rows: its data
    version, and its creation time (a database rebuilt from scratch reuses ids and version
    numbers, never both with that). ``None`` inside a transaction: what it has read or
    written may yet be rolled back, so nothing read there may be kept under a version. A
    cache keyed on it (and on everything else its value depends on: the day, the query)
    can never be stale (the dashboard's figures, the work queue's counts and order)."""
    return tokens(organization_id)[0]


def tokens(organization_id: int) -> tuple[str | None, str | None]:
    """``token(...)``, and a string that also changes with every reminder row recorded for
    the practice (its ``recorded`` counter): what is kept under the second can never be
    stale either, though it reads the practice's reminder rows (the Reminders page's sections).
    One query; ``(None, None)`` where ``token`` is ``None``."""
    connection = connections["default"]
    if connection.in_atomic_block or connection.vendor != "postgresql":
        return None, None  # (SQLite, the local run: no trigger counts the writes)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.created_at, v.version, v.recorded FROM {Organization._meta.db_table} o "
            f"LEFT JOIN {PracticeDataVersion._meta.db_table} v ON v.organization_id = o.id "
            "WHERE o.id = %s",
            [organization_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None, None
    created, version, recorded = row
    data = f"{organization_id}:{created.timestamp()}:{version or 0}"
    return data, f"{data}:{recorded or 0}"


def unchanged(orgs, read: dict[int, int], now) -> set[int]:
    """Ids of the practices of ``orgs`` whose version (``read``) and local hour are those of
    their last complete sweep. One query."""
    if connections["default"].vendor != "postgresql":
        return set()  # no triggers count the writes (the local run on SQLite): skip nothing
    by_id = {o.id: o for o in orgs}
    marks = SweepMark.objects.filter(organization_id__in=list(by_id)).values_list(
        "organization_id", "version", "bucket"
    )
    return {
        org_id
        for org_id, version, mark_bucket in marks
        if version == read[org_id] and mark_bucket == bucket(by_id[org_id], now)
    }


def mark(orgs, read: dict[int, int], now) -> None:
    """Record a complete sweep of ``orgs`` at the versions ``read`` before collecting."""
    if not orgs:
        return
    SweepMark.objects.bulk_create(
        [SweepMark(organization_id=o.id, version=read[o.id], bucket=bucket(o, now)) for o in orgs],
        update_conflicts=True,
        unique_fields=["organization"],
        update_fields=["version", "bucket"],
    )

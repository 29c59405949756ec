from django.db import DatabaseError, migrations, transaction

# The inventory's search trigram indexes (``0007``) without GIN's pending list. With
# ``fastupdate`` on (PostgreSQL's default), new and changed rows wait in an unsorted list
# until a vacuum or 4 MB of them; every search scans that list, and the planner, counting it,
# prefers reading the whole practice: a search's count at 20,000 vendors read every row
# (about 40 ms) instead of the matching ones (7 ms) after a bulk load. Off, each write
# updates the index itself (a few trigrams per name). PostgreSQL with ``pg_trgm`` only, like
# ``0007``; elsewhere nothing to do.
TRIGRAM_INDEXES = ("vendor_name_trgm", "vendor_services_trgm")


def _existing(connection) -> list[str]:
    found = []
    with connection.cursor() as cursor:
        for name in TRIGRAM_INDEXES:
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is not None:
                found.append(name)
    return found


def set_fastupdate(on: bool):
    def run(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        for name in _existing(connection):
            try:
                with transaction.atomic(using=connection.alias):
                    schema_editor.execute(
                        f"ALTER INDEX {name} SET (fastupdate = {'on' if on else 'off'})"
                    )
                    if not on:  # what waits in the list goes into the index now
                        schema_editor.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")
            except DatabaseError:  # not the index's owner: it keeps working as before
                continue

    return run


class Migration(migrations.Migration):
    dependencies = [("vendors", "0008_history_practice_newest_first_index")]

    operations = [migrations.RunPython(set_fastupdate(False), set_fastupdate(True))]

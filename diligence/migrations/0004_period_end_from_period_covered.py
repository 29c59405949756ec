"""Fill the SOC 2 audit period's end from the free text of ``period_covered`` where it names a
date ("Jan 1 - Dec 31, 2025", "2025-01-01 to 2025-12-31", "01/01/2025-12/31/2025", "calendar
year 2025"). The text is kept. A text without a recognisable end date leaves the field empty:
the report is then measured from the date received until someone enters the period's end (the
form asks for it on the next edit). Saved with history so the change is on the record."""

import re
from datetime import date

from dateutil import parser as dateparser
from django.db import migrations
from django.utils import timezone

_DATE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}"  # 2025-12-31
    r"|\d{1,2}/\d{1,2}/\d{4}"  # 12/31/2025 (US order)
    r"|[A-Za-z]{3,9}\.? \d{1,2},? \d{4}"  # Dec 31, 2025
    r"|\d{1,2} [A-Za-z]{3,9}\.? \d{4}"  # 31 December 2025
)
_YEAR = re.compile(r"\b(?:calendar year|year|CY|FY)\s*(\d{4})\b", re.IGNORECASE)


def period_end_from_text(text: str, received: date) -> date | None:
    """The last date named in ``text`` if it is a real date on or before ``received``."""
    text = (text or "").strip()
    if not text:
        return None
    found = None
    matches = _DATE.findall(text)
    if matches:
        try:
            found = dateparser.parse(matches[-1], dayfirst=False).date()
        except (ValueError, OverflowError):
            found = None
    elif (year := _YEAR.search(text)) is not None:
        found = date(int(year.group(1)), 12, 31)
    if found is None or found > received:
        return None
    return found


def forwards(apps, schema_editor):
    Record = apps.get_model("diligence", "DueDiligenceRecord")
    Historical = apps.get_model("diligence", "HistoricalDueDiligenceRecord")
    for record in Record.objects.filter(period_end__isnull=True).exclude(period_covered=""):
        end = period_end_from_text(record.period_covered, record.performed_on)
        if end is None:
            continue
        record.period_end = end
        record.save(update_fields=["period_end"])
        fields = {
            f.attname: getattr(record, f.attname)
            for f in Record._meta.concrete_fields
            if f.attname != "id"
        }
        Historical.objects.create(
            id=record.id,
            history_date=timezone.now(),
            history_type="~",
            history_change_reason="Audit period end read from the period covered",
            **fields,
        )


class Migration(migrations.Migration):
    dependencies = [("diligence", "0003_evidence_period_end_and_bridge_letter")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""The SOC 2 audit period's end read from the old free text (migration 0004)."""

import importlib
from datetime import date

import pytest

parse = importlib.import_module(
    "diligence.migrations.0004_period_end_from_period_covered"
).period_end_from_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jan 1 - Dec 31, 2025", date(2025, 12, 31)),
        ("2025-01-01 to 2025-09-30", date(2025, 9, 30)),
        ("01/01/2025-06/30/2025", date(2025, 6, 30)),
        ("1 October 2024 to 30 September 2025", date(2025, 9, 30)),
        ("Calendar year 2025", date(2025, 12, 31)),
        ("Twelve months to the report date", None),
        ("", None),
        ("Jan 1 - Dec 31, 2026", None),  # after the report was received: not believable
    ],
)
def test_period_end_from_text(text, expected):
    assert parse(text, date(2026, 3, 1)) == expected


def test_the_migration_fills_the_period_end_and_records_it_in_the_history(cast, vendor):
    from django.apps import apps

    from diligence.models import DueDiligenceRecord

    from .diligence_factories import DiligenceFactory

    migration = importlib.import_module("diligence.migrations.0004_period_end_from_period_covered")
    readable = DiligenceFactory(
        vendor=vendor, performed_on=date(2026, 3, 1), period_covered="Jan 1 - Dec 31, 2025"
    )
    vague = DiligenceFactory(
        vendor=vendor, performed_on=date(2026, 3, 1), period_covered="the last twelve months"
    )
    migration.forwards(apps, None)
    readable.refresh_from_db()
    vague.refresh_from_db()
    assert readable.period_end == date(2025, 12, 31) and vague.period_end is None
    assert readable.period_covered == "Jan 1 - Dec 31, 2025"  # the text is kept
    latest = DueDiligenceRecord.history.filter(id=readable.id).latest()
    assert latest.period_end == date(2025, 12, 31)
    assert latest.history_change_reason == "Audit period end read from the period covered"

"""A repeat sweep skips the practices whose data and local hour have not changed since their
last complete sweep (``reminders/freshness.py``), and never one whose data changed: a missed
change would be a lost reminder. Changes are made with ``update()`` (no signal, no service),
in every table a due-item provider reads, with the real providers."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.db import connection

from baas.models import BusinessAssociateAgreement, ChecklistItem
from diligence.models import FollowUpAction, VendorSchedule
from oversight import due
from oversight.models import AuditEvent, Membership, Organization
from reminders import freshness, services
from reminders.models import DeliveryAttempt, Reminder, SweepError
from vendors.models import BusinessAssociate

from .baas_factories import make_signed
from .diligence_factories import ActionFactory
from .factories import VendorFactory

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 5, 31, 9, 0, tzinfo=NY)


@pytest.fixture
def practice(cast):
    """Practice A with a BAA expiring within 30 days, an overdue action and a gap."""
    with time_machine.travel(NOW, tick=False):
        ehr = VendorFactory(organization=cast.practice, name="ChartWell EHR", owner=cast.bob)
        make_signed(ehr, signed_on=date(2024, 7, 1), expires_on=date(2026, 6, 30))
        ActionFactory(vendor=ehr, description="Obtain the report", due_on=date(2026, 5, 20))
        VendorFactory(organization=cast.practice, name="NoBAA Billing")
    return cast.practice


@pytest.fixture
def collected(monkeypatch):
    """The practices whose items each sweep collected."""
    seen = []
    real = due.collect

    def spy(org_ids, today, rules):
        org_ids = list(org_ids)
        seen.extend(org_ids)
        return real(org_ids, today, rules)

    monkeypatch.setattr(due, "collect", spy)
    return seen


def test_a_repeat_sweep_skips_the_unchanged_practices_and_records_nothing(
    practice, cast, collected
):
    with time_machine.travel(NOW, tick=False):
        first = services.sweep()
        collected.clear()
        again = services.sweep()
    assert first.created >= 3 and first.skipped == 0
    assert (again.created, again.skipped, collected) == (0, 2, [])
    # Later the same hour: still nothing to do. The next hour: swept again.
    with time_machine.travel(NOW + timedelta(minutes=40), tick=False):
        assert services.sweep().skipped == 2
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert services.sweep().skipped == 0
    assert practice.id in collected


def _agreement_expires_sooner(org):
    # The 30-day warning was recorded; 7 days out is a new threshold.
    BusinessAssociateAgreement.objects.filter(organization=org).update(expires_on=date(2026, 6, 5))
    BusinessAssociate.objects.filter(organization=org, name="ChartWell EHR").update(
        baa_expires_on=date(2026, 6, 5)
    )


def _new_overdue_action(org):
    action = FollowUpAction.objects.get(organization=org)
    FollowUpAction.objects.filter(pk=action.pk).update(due_on=date(2026, 4, 1))


def _new_gap_vendor(org):
    VendorFactory(organization=org, name="Second Gap Co")


def _gap_vendor_terminated(org):
    BusinessAssociate.objects.filter(organization=org, name="NoBAA Billing").update(
        status="terminated"
    )


CHANGES = {
    "baas: an agreement's expiry (update)": _agreement_expires_sooner,
    "diligence: an action's due date (update)": _new_overdue_action,
    "vendors: a new vendor with PHI and no BAA": _new_gap_vendor,
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_a_change_in_a_providers_data_is_swept_and_recorded(practice, cast, name):
    change = CHANGES[name]
    with time_machine.travel(NOW, tick=False):
        services.sweep()
        before = Reminder.objects.filter(organization=practice).count()
        change(practice)
        again = services.sweep()
    assert again.skipped == 1  # practice B only
    assert again.created > 0 and Reminder.objects.filter(organization=practice).count() > before


@pytest.mark.parametrize(
    "touch",
    [
        lambda org: BusinessAssociate.objects.filter(organization=org).update(notes="x"),
        lambda org: BusinessAssociateAgreement.objects.filter(organization=org).update(
            renewal_notice_days=30
        ),
        lambda org: ChecklistItem.objects.filter(organization=org).update(note="x"),
        lambda org: FollowUpAction.objects.filter(organization=org).update(description="y"),
        lambda org: ChecklistItem.objects.filter(organization=org, position=0).delete(),
        lambda org: VendorSchedule.objects.filter(organization=org).update(
            next_review_due=date(2026, 6, 1)
        ),
        lambda org: Membership.objects.filter(organization=org).update(reminder_mode="immediate"),
        lambda org: Organization.objects.filter(pk=org.pk).update(digest_hour=8),
        _gap_vendor_terminated,
        lambda org: Reminder.objects.filter(organization=org).update(status="failed"),
    ],
    ids=[
        "vendor",
        "agreement",
        "checklist",
        "action",
        "checklist row deleted",
        "schedule",
        "membership",
        "practice settings",
        "vendor status",
        "reminder status (resend)",
    ],
)
def test_any_write_to_the_practices_rows_makes_the_next_sweep_do_it_again(
    practice, cast, collected, touch
):
    with time_machine.travel(NOW, tick=False):
        services.sweep()
        collected.clear()
        touch(practice)
        again = services.sweep()
    assert practice.id in collected and again.skipped == 1


def test_a_write_committed_during_a_sweep_is_seen_by_the_next_one(practice, cast, monkeypatch):
    """The version is read before the items are collected: a write that lands after the read
    (here: while the practice's items are being collected) makes the next sweep collect again,
    even though this sweep marked the practice."""
    real = due.collect
    changed = []

    def collect_then_write(org_ids, today, rules):
        items = real(org_ids, today, rules)
        if practice.id in org_ids and not changed:
            _new_overdue_action(practice)
            changed.append(True)
        return items

    with time_machine.travel(NOW, tick=False):
        monkeypatch.setattr(due, "collect", collect_then_write)
        first = services.sweep()
        monkeypatch.setattr(due, "collect", real)
        again = services.sweep()
    assert changed and first.skipped == 0
    assert again.skipped == 1 and again.created > 0  # the overdue action's new period


def test_every_table_with_a_practice_column_carries_the_triggers():
    """Any table added later is covered too: the triggers are installed after every migrate
    on every table with an ``organization`` column (not from a list of provider tables)."""
    own = {DeliveryAttempt, SweepError, AuditEvent}  # the access log is not due-item data
    expected = {Organization._meta.db_table}
    for model in apps.get_models():
        if any(f.name == "organization" for f in model._meta.concrete_fields):
            if model not in own and not model._meta.db_table.startswith("reminders_"):
                expected.add(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, array_agg(t.tgname) FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid WHERE t.tgname LIKE %s GROUP BY c.relname",
            [freshness.PREFIX + "%"],
        )
        found = dict(cursor.fetchall())
    assert "vendors_businessassociate" in expected and "diligence_vendorschedule" in expected
    for table in expected:
        assert set(found.get(table, [])) >= {
            f"{freshness.PREFIX}_ins",
            f"{freshness.PREFIX}_upd",
            f"{freshness.PREFIX}_updold",
            f"{freshness.PREFIX}_del",
        }, table
    assert {
        f"{freshness.PREFIX}_status",
        f"{freshness.PREFIX}_removed",
        f"{freshness.PREFIX}_recorded",  # the second counter (the Reminders page's sections)
    } <= set(found["reminders_reminder"])
    assert AuditEvent._meta.db_table not in found  # a download or a sign-in is no change


def test_a_download_or_sign_in_does_not_make_the_practice_swept_again(practice, cast):
    """Reading is not changing: the access log's rows leave the practice's version alone, so
    a viewer's download neither re-sweeps the practice nor counts as a change."""
    from oversight.models import audit

    with time_machine.travel(NOW, tick=False):
        services.sweep()
        audit(None, "exported", organization=practice, label="Vendor inventory (CSV)")
        again = services.sweep()
    assert again.skipped >= 1


def test_deleted_reminders_are_recorded_again(practice, cast):
    with time_machine.travel(NOW, tick=False):
        first = services.sweep()
        Reminder.objects.filter(organization=practice).delete()
        again = services.sweep()
    assert again.created == first.created > 0


def test_a_dry_run_never_skips_nor_marks(practice, cast, collected):
    with time_machine.travel(NOW, tick=False):
        services.sweep()
        collected.clear()
        dry = services.sweep(dry_run=True)
    assert dry.skipped == 0 and practice.id in collected


def test_deleting_a_practice_and_its_rows_is_not_blocked_by_the_triggers(db):
    from .factories import OrganizationFactory

    org = OrganizationFactory(name="Short-lived")
    vendor = VendorFactory(organization=org)
    vendor.history.all().delete()
    BusinessAssociate.objects.filter(pk=vendor.pk).delete()
    Organization.objects.filter(pk=org.pk).delete()
    connection.check_constraints()  # the deferred foreign keys hold
    assert not Organization.objects.filter(pk=org.pk).exists()

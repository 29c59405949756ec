"""End to end with the real providers of the BAA and diligence apps: records in the database ->
``oversight.due`` -> the sweep -> emails, once."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail
from django.urls import reverse

from oversight.choices import ReminderMode
from reminders import services
from reminders.choices import ReminderStatus, Stage
from reminders.models import Reminder
from vendors.services import vendor_save

from .baas_factories import make_signed
from .diligence_factories import ActionFactory
from .factories import VendorFactory

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 5, 31, 9, 0, tzinfo=NY)


def test_real_baa_and_diligence_records_become_reminders_once(
    cast, django_capture_on_commit_callbacks
):
    cast.bob.reminder_mode = ReminderMode.IMMEDIATE
    cast.bob.save()
    with time_machine.travel(NOW, tick=False):
        ehr = VendorFactory(organization=cast.practice, name="ChartWell EHR")
        ehr.owner = cast.bob
        vendor_save(vendor=ehr, actor=None)
        agreement = make_signed(ehr, signed_on=date(2024, 7, 1), expires_on=date(2026, 6, 30))
        ActionFactory(
            vendor=ehr, description="Obtain restore-test report", due_on=date(2026, 5, 20)
        )
        VendorFactory(organization=cast.practice, name="NoBAA Billing")  # PHI, no BAA: a gap
        VendorFactory(organization=cast.other_practice, name="Secret Vendor of B")

        def sweep():
            with django_capture_on_commit_callbacks(execute=True):
                return services.run_sweep()

        first = sweep()
        assert first.errors == []
        sent = len(mail.outbox)
        second = sweep()
        assert second.created == 0 and len(mail.outbox) == sent

    rows = {(r.kind, r.vendor_name): r for r in Reminder.objects.filter(organization=cast.practice)}
    expiry = rows[("baa_expiry", "ChartWell EHR")]
    assert (expiry.stage, expiry.threshold, expiry.recipient) == (Stage.WARNING, 30, cast.bob)
    assert expiry.status == ReminderStatus.SENT
    assert expiry.url == reverse("agreement_detail", args=[agreement.pk])
    assert rows[("action", "ChartWell EHR")].recipient == cast.bob
    gap = rows[("compliance_gap", "NoBAA Billing")]
    assert gap.recipient == cast.alice and gap.status == ReminderStatus.SENT  # never waits

    to_bob = [m for m in mail.outbox if m.to == ["bob@a.test"]]
    assert any("BAA expires" in m.subject and "ChartWell EHR" in m.subject for m in to_bob)
    for message in mail.outbox:
        if message.to[0].endswith("@a.test"):
            assert "Secret Vendor of B" not in message.body
    assert not Reminder.objects.filter(organization=cast.practice, vendor_name__contains="B Sec")

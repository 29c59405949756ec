"""The sweep end to end on the database: rows recorded once, emails (text, HTML, .ics), digests
at the practice's hour, escalations, gaps, tenancy, bad items and failing practices, the query
count, and ``manage.py send_reminders``."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from oversight import due
from oversight.choices import ReminderMode
from oversight.due import DueKind
from reminders import services
from reminders.choices import ReminderStatus, Stage
from reminders.models import Reminder, SweepError, SweepMark

from .factories import MembershipFactory, VendorFactory
from .reminders_factories import FakeProvider, make_item

NY = ZoneInfo("America/New_York")
DUE = date(2026, 6, 30)
MORNING = datetime(2026, 5, 31, 5, 0, tzinfo=NY)  # 30 days before DUE, before the 07:00 digest
DIGEST_TIME = datetime(2026, 5, 31, 7, 5, tzinfo=NY)


@pytest.fixture
def provider(monkeypatch):
    """Only this stand-in provider answers (the real BAA / diligence providers are tested in
    their own end-to-end test), so counts here are exact."""
    fake = FakeProvider()
    monkeypatch.setattr(due, "_providers", [fake])
    return fake


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """The beat job's code path: record, then enqueue delivery on commit (tasks run eagerly
    here, as in the local run)."""

    def _sweep(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.run_sweep(**kwargs)

    return _sweep


@pytest.fixture
def bob_immediate(cast):
    cast.bob.reminder_mode = ReminderMode.IMMEDIATE
    cast.bob.save()
    return cast.bob


def item_for(vendor, **kw):
    kw.setdefault("due_date", DUE)
    return make_item(
        org_id=vendor.organization_id,
        vendor_id=vendor.id,
        vendor_name=vendor.name,
        key=kw.pop("key", f"baa:{vendor.id}"),
        **kw,
    )


def test_an_immediate_reminder_is_emailed_with_text_html_link_and_calendar(
    cast, vendor, provider, sweep, bob_immediate
):
    provider.items = [item_for(vendor, tier="high", owner=cast.bob.id)]
    with time_machine.travel(MORNING, tick=False):
        result = sweep()
    assert result.created == 1
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["bob@a.test"]
    assert "Practice A" in email.subject and "ChartWell EHR" in email.subject
    assert "BAA expires - ChartWell EHR (high tier)" in email.body
    assert "due 2026-06-30, within 30 days" in email.body.lower()
    link = f"{settings.SITE_URL}/vendors/{vendor.id}/"
    assert link.startswith("http") and link in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html" and "ChartWell EHR" in html
    name, ics, ics_type = email.attachments[0]
    assert name.endswith(".ics") and ics_type.startswith("text/calendar")
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["uid"]).startswith(f"baa:{vendor.id}@")
    assert event.decoded("dtstart") == DUE
    row = Reminder.objects.get()
    assert (row.status, row.stage, row.threshold) == (ReminderStatus.SENT, Stage.WARNING, 30)
    assert row.deliveries.get().ok


def test_the_ics_uid_is_the_same_in_every_email_about_an_item(
    cast, vendor, provider, sweep, bob_immediate
):
    provider.items = [item_for(vendor, tier="high", owner=cast.bob.id)]
    with time_machine.travel(MORNING, tick=False):
        sweep()
    with time_machine.travel(MORNING + timedelta(days=23), tick=False):  # the 7-day warning
        sweep()
    uids = [
        str(Calendar.from_ical(m.attachments[0][1]).walk("VEVENT")[0]["uid"]) for m in mail.outbox
    ]
    assert len(uids) == 2 and uids[0] == uids[1]


def test_sweeping_twice_records_and_sends_nothing_new(cast, vendor, provider, sweep, bob_immediate):
    provider.items = [item_for(vendor, owner=cast.bob.id)]
    with time_machine.travel(MORNING, tick=False):
        first = sweep()
        second = sweep()
    assert (first.created, second.created) == (1, 0)
    assert Reminder.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_digest_member_gets_one_email_at_the_digest_hour_grouped_by_urgency(
    cast, provider, sweep
):
    ehr = VendorFactory(organization=cast.practice, name="ChartWell EHR")
    billing = VendorFactory(organization=cast.practice, name="ClaimPath Billing")
    provider.items = [
        item_for(ehr, tier="high"),  # 30 days: coming up
        item_for(billing, kind=DueKind.REVIEW, due_date=date(2026, 5, 20), tier="high"),  # overdue
    ]
    with time_machine.travel(MORNING, tick=False):
        sweep()
    assert mail.outbox == []  # alice (admin, digest) waits for 07:00 New York time
    pending = Reminder.objects.filter(recipient=cast.alice, status=ReminderStatus.PENDING)
    assert pending.count() == 2
    with time_machine.travel(DIGEST_TIME, tick=False):
        sweep()
        sweep()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["alice@a.test"] and "2 vendor items" in email.subject
    body = email.body
    assert body.index("Overdue or urgent") < body.index("ClaimPath Billing")
    assert body.index("ClaimPath Billing") < body.index("Coming up") < body.index("ChartWell EHR")
    assert len(Calendar.from_ical(email.attachments[0][1]).walk("VEVENT")) == 2
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.SENT}


def test_an_item_done_before_the_digest_hour_is_not_sent_stale(cast, provider, sweep, login):
    vendor = VendorFactory(organization=cast.practice, name="ClaimPath Billing")
    other = VendorFactory(organization=cast.practice, name="ChartWell EHR")
    provider.items = [
        item_for(vendor, kind=DueKind.REVIEW, tier="high"),
        item_for(other, kind=DueKind.REVIEW, tier="high"),
    ]
    with time_machine.travel(MORNING, tick=False):
        sweep()
    provider.items = provider.items[1:]  # the ClaimPath review was recorded at 06:00
    with time_machine.travel(DIGEST_TIME, tick=False):
        result = sweep()
    assert result.cancelled == 1
    assert len(mail.outbox) == 1
    assert "ChartWell EHR" in mail.outbox[0].body and "ClaimPath" not in mail.outbox[0].body
    cancelled = Reminder.objects.get(vendor=vendor)
    assert cancelled.status == ReminderStatus.CANCELLED
    page = login(cast.bob).get(f"/vendors/{vendor.id}/").text
    assert "Cancelled" in page and "No longer due" in page


def test_escalation_goes_to_every_admin_naming_the_owner_and_since_when(cast, provider, sweep):
    second_admin = MembershipFactory(organization=cast.practice, role="admin")
    vendor = VendorFactory(organization=cast.practice, name="NetGuard MSP")
    overdue_since = date(2026, 5, 1)  # 30 days overdue on May 31: past high's 14 days
    provider.items = [
        item_for(
            vendor, kind=DueKind.REVIEW, tier="high", due_date=overdue_since, owner=cast.bob.id
        )
    ]
    with time_machine.travel(MORNING, tick=False):
        sweep()
    escalations = [m for m in mail.outbox if "Escalated" in m.subject]
    assert sorted(m.to[0] for m in escalations) == sorted(["alice@a.test", second_admin.user.email])
    assert cast.bob.display_name in escalations[0].body
    assert "Overdue since 2026-05-01" in escalations[0].body
    # bob (digest) gets his overdue reminder in the digest.
    assert Reminder.objects.get(recipient=cast.bob).stage == Stage.OVERDUE


def test_a_compliance_gap_reaches_a_digest_member_at_once(cast, vendor, provider, sweep):
    provider.items = [item_for(vendor, kind=DueKind.COMPLIANCE_GAP, due_date=date(2026, 5, 31))]
    with time_machine.travel(MORNING, tick=False):
        sweep()
    assert [m.to for m in mail.outbox] == [["alice@a.test"]]
    assert "Compliance gap" in mail.outbox[0].subject
    assert "cannot be muted" in mail.outbox[0].body


def test_emails_never_mention_another_practice(cast, vendor, provider, sweep):
    secret = VendorFactory(organization=cast.other_practice, name="Secret Vendor of B")
    provider.items = [
        item_for(vendor, kind=DueKind.COMPLIANCE_GAP, due_date=date(2026, 5, 31)),
        item_for(secret, kind=DueKind.COMPLIANCE_GAP, due_date=date(2026, 5, 31)),
    ]
    with time_machine.travel(MORNING, tick=False):
        sweep()
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"alice@a.test", "olivia@b.test"}
    alice = by_to["alice@a.test"]
    assert "Secret Vendor of B" not in alice.body + alice.alternatives[0][0] + alice.subject
    assert "Practice B" not in alice.body
    assert "ChartWell EHR" not in by_to["olivia@b.test"].body


def test_a_consultant_in_two_practices_gets_one_digest_per_practice(cast, provider, sweep):
    consultant_a = MembershipFactory(organization=cast.practice, role="manager")
    consultant_b = MembershipFactory(
        organization=cast.other_practice, role="manager", user=consultant_a.user
    )
    a_vendor = VendorFactory(organization=cast.practice, name="A Vendor", owner=consultant_a)
    b_vendor = VendorFactory(organization=cast.other_practice, name="B Vendor", owner=consultant_b)
    provider.items = [
        item_for(a_vendor, owner=consultant_a.id),
        item_for(b_vendor, owner=consultant_b.id),
    ]
    with time_machine.travel(MORNING, tick=False):
        sweep()
    with time_machine.travel(DIGEST_TIME, tick=False):
        sweep()
    digests = sorted(mail.outbox, key=lambda m: m.subject)
    assert [m.to for m in digests] == [[consultant_a.user.email]] * 2
    assert "[Practice A]" in digests[0].subject and "A Vendor" in digests[0].body
    assert "B Vendor" not in digests[0].body and "Practice B" not in digests[0].body
    assert "[Practice B]" in digests[1].subject and "A Vendor" not in digests[1].body


def test_a_bad_item_is_skipped_recorded_once_a_day_and_shown(cast, vendor, provider, sweep, login):
    broken = VendorFactory(organization=cast.practice, name="Broken Records Inc")
    provider.items = [
        item_for(broken, tier="no-such-tier", kind=DueKind.COMPLIANCE_GAP),
        item_for(vendor, kind=DueKind.COMPLIANCE_GAP, due_date=date(2026, 5, 31)),
    ]
    with time_machine.travel(MORNING, tick=False):
        sweep()
        sweep()
    assert [m.to for m in mail.outbox] == [["alice@a.test"]]
    error = SweepError.objects.get()
    assert (error.organization, error.vendor_name) == (cast.practice, "Broken Records Inc")
    page = login(cast.charlie).get("/reminders/").text
    assert "Broken Records Inc" in page and "KeyError" in page


def test_a_failing_practice_does_not_stop_the_others(cast, vendor, provider, sweep, login):
    b_vendor = VendorFactory(organization=cast.other_practice, name="B Billing")
    provider.items = [
        item_for(vendor, kind=DueKind.COMPLIANCE_GAP, due_date=date(2026, 5, 31)),
        item_for(b_vendor, kind=DueKind.COMPLIANCE_GAP, due_date=date(2026, 5, 31)),
    ]
    provider.fail_for = {cast.other_practice.id}
    with time_machine.travel(MORNING, tick=False):
        result = sweep()
    assert [m.to for m in mail.outbox] == [["alice@a.test"]]
    assert [org for org, _, _ in result.errors] == [cast.other_practice]
    assert SweepError.objects.get().organization == cast.other_practice
    assert "the whole practice" in login(cast.olivia).get("/reminders/").text
    assert "provider broke" not in login(cast.alice).get("/reminders/").text


def test_a_practice_with_a_broken_time_zone_is_skipped_and_reported(cast, vendor, provider, sweep):
    from oversight.models import Organization

    Organization.objects.filter(pk=cast.other_practice.pk).update(timezone="Mars/Olympus_Mons")
    provider.items = [item_for(vendor, kind=DueKind.COMPLIANCE_GAP, due_date=date(2026, 5, 31))]
    with time_machine.travel(MORNING, tick=False):
        sweep()
    assert [m.to for m in mail.outbox] == [["alice@a.test"]]
    assert SweepError.objects.get().organization == cast.other_practice


def test_the_sweep_query_count_does_not_grow_with_vendors(cast, provider):
    def measure(n):
        Reminder.objects.all().delete()
        SweepMark.objects.all().delete()  # a full sweep of every practice each time
        vendors = [VendorFactory(organization=cast.practice) for _ in range(n)]
        provider.items = [item_for(v) for v in vendors]
        with time_machine.travel(MORNING, tick=False):
            with CaptureQueriesContext(connection) as queries:
                result = services.sweep()
        assert result.created == n
        return len(queries)

    small, large = measure(2), measure(25)
    assert small == large, (small, large)
    assert small <= 17  # + the practices' data versions, their sweep marks, the marks written


def test_send_reminders_dry_run_prints_and_writes_nothing(cast, vendor, provider):
    provider.items = [item_for(vendor, tier="critical", owner=cast.bob.id)]
    out = StringIO()
    call_command("send_reminders", "--dry-run", "--now", "2026-05-31T05:00-04:00", stdout=out)
    text = out.getvalue()
    assert "Would record 1 reminder" in text
    assert "ChartWell EHR (critical): BAA expires, due 2026-06-30, within 30 days" in text
    assert "[warning 30] -> bob@a.test" in text
    assert Reminder.objects.count() == 0 and SweepError.objects.count() == 0
    assert mail.outbox == []


def test_send_reminders_runs_the_sweep_for_one_practice_at_a_given_moment(cast, vendor, provider):
    other = VendorFactory(organization=cast.other_practice, name="B Billing")
    provider.items = [
        item_for(vendor, kind=DueKind.COMPLIANCE_GAP, due_date=date(2026, 5, 31)),
        item_for(other, kind=DueKind.COMPLIANCE_GAP, due_date=date(2026, 5, 31)),
    ]
    out = StringIO()
    call_command(
        "send_reminders",
        "--practice",
        str(cast.practice.id),
        "--now",
        "2026-05-31T09:00-04:00",
        stdout=out,
    )
    assert "Recorded 1 reminder" in out.getvalue()
    assert [m.to for m in mail.outbox] == [["alice@a.test"]]
    assert Reminder.objects.get().sent_at == datetime(2026, 5, 31, 13, tzinfo=ZoneInfo("UTC"))


def test_send_reminders_refuses_a_bad_date(db):
    with pytest.raises(Exception, match="not an ISO"):
        call_command("send_reminders", "--now", "tomorrow-ish")


def test_practices_swept_one_chunk_at_a_time_get_the_same_reminders_once(
    cast, provider, monkeypatch
):
    """The sweep decides practices in chunks (its memory is one chunk's): with chunks of one
    practice, each practice gets its reminders, and a second sweep records nothing."""
    ours = VendorFactory(organization=cast.practice, name="Ours")
    theirs = VendorFactory(organization=cast.other_practice, name="Theirs")
    provider.items = [
        item_for(ours, kind=DueKind.COMPLIANCE_GAP, due_date=date(2026, 5, 1)),
        item_for(theirs, kind=DueKind.COMPLIANCE_GAP, due_date=date(2026, 5, 1)),
    ]
    monkeypatch.setattr(services, "SWEEP_CHUNK", 1)
    with time_machine.travel(MORNING, tick=False):
        first = services.sweep()
        second = services.sweep()
    recorded = sorted(
        (r.organization_id, r.vendor_name, r.recipient_email)
        for r in Reminder.objects.filter(vendor__in=[ours, theirs])
    )
    assert {name for _, name, _ in recorded} == {"Ours", "Theirs"}
    assert all(
        org == (cast.practice.id if name == "Ours" else cast.other_practice.id)
        for org, name, _ in recorded
    )
    assert first.created == len(recorded) >= 2 and second.created == 0
    assert cast.olivia.user.email in {email for _, name, email in recorded if name == "Theirs"}

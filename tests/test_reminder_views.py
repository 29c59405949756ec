"""The Reminders page, resend, the member's reminder preference and the vendor-page panel:
tenancy, roles, bad input and query counts."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from oversight import due
from oversight.choices import ReminderMode
from oversight.due import DueKind
from reminders.choices import ReminderStatus
from reminders.models import Reminder

from .factories import VendorFactory
from .reminders_factories import FakeProvider, ReminderFactory, make_item


@pytest.fixture
def provider(monkeypatch):
    fake = FakeProvider()
    monkeypatch.setattr(due, "_providers", [fake])
    return fake


@pytest.fixture
def failed(cast, vendor):
    return ReminderFactory(
        recipient=cast.bob,
        vendor=vendor,
        vendor_name=vendor.name,
        status=ReminderStatus.FAILED,
        last_error="550 5.1.1 No such user",
        attempts=1,
    )


def test_anonymous_is_sent_to_login(client, failed):
    for method, url in [
        ("get", reverse("reminder_list")),
        ("get", reverse("reminder_preference")),
        ("post", reverse("reminder_preference")),
        ("post", reverse("reminder_resend", args=[failed.pk])),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    failed.refresh_from_db()
    assert failed.status == ReminderStatus.FAILED


def test_a_member_sees_only_their_practice_reminders(cast, login, failed, provider):
    secret = VendorFactory(organization=cast.other_practice, name="Secret Vendor of B")
    ReminderFactory(recipient=cast.olivia, vendor=secret, vendor_name=secret.name)
    provider.items = [
        make_item(
            org_id=cast.other_practice.id,
            vendor_id=secret.id,
            vendor_name="Upcoming Secret of B",
            due_date=timezone.localdate() + timedelta(days=100),
        )
    ]
    page = login(cast.charlie).get(reverse("reminder_list")).text
    assert "ChartWell EHR" in page and "No such user" in page
    assert "Secret Vendor of B" not in page and "Upcoming Secret of B" not in page
    page_b = login(cast.olivia).get(reverse("reminder_list")).text
    assert "Secret Vendor of B" in page_b and "Upcoming Secret of B" in page_b
    assert "ChartWell EHR" not in page_b


def test_another_practice_cannot_resend_and_nothing_changes(cast, login, failed):
    response = login(cast.olivia).post(reverse("reminder_resend", args=[failed.pk]))
    assert response.status_code == 404
    failed.refresh_from_db()
    assert (failed.status, failed.resent_by) == (ReminderStatus.FAILED, None)


def test_viewer_and_manager_see_failures_but_cannot_resend(cast, login, failed):
    url = reverse("reminder_resend", args=[failed.pk])
    for member in (cast.charlie, cast.bob):
        client = login(member)
        page = client.get(reverse("reminder_list")).text
        assert "Failed deliveries" in page and "550 5.1.1 No such user" in page
        assert url not in page and "Resend" not in page
        assert client.post(url).status_code == 403
    failed.refresh_from_db()
    assert failed.status == ReminderStatus.FAILED


def test_resend_is_only_for_a_failed_reminder(cast, login):
    sent = ReminderFactory(recipient=cast.bob, status=ReminderStatus.SENT, sent_at=timezone.now())
    response = login(cast.alice).post(reverse("reminder_resend", args=[sent.pk]), follow=True)
    assert "Only a failed reminder can be resent" in response.text
    sent.refresh_from_db()
    assert sent.status == ReminderStatus.SENT and sent.resent_by is None


def test_resend_is_post_only(cast, login, failed):
    assert login(cast.alice).get(reverse("reminder_resend", args=[failed.pk])).status_code == 405


def test_upcoming_shows_what_will_be_sent_when_and_to_whom(cast, login, vendor, provider):
    ReminderFactory(
        recipient=cast.alice,
        vendor=vendor,
        immediate=False,
        send_after=timezone.now() + timedelta(hours=3),
        title="Periodic review due",
    )
    due_date = timezone.localdate() + timedelta(days=45)
    provider.items = [
        make_item(
            org_id=cast.practice.id,
            vendor_id=vendor.id,
            vendor_name=vendor.name,
            kind=DueKind.BAA_EXPIRY,
            tier="high",
            due_date=due_date,
            owner=cast.bob.id,
        )
    ]
    page = login(cast.charlie).get(reverse("reminder_list")).text
    assert "Periodic review due" in page and "alice@a.test (digest)" in page
    # The next BAA warning: 30 days before, to the owner.
    assert (due_date - timedelta(days=30)).isoformat() in page
    assert "30 days before" in page and "bob@a.test" in page


def test_the_reminders_page_runs_a_constant_number_of_queries(cast, login, provider):
    client = login(cast.alice)

    def count(n):
        for _ in range(n):
            v = VendorFactory(organization=cast.practice)
            ReminderFactory(recipient=cast.bob, vendor=v, vendor_name=v.name)
            ReminderFactory(
                recipient=cast.bob, vendor=v, status=ReminderStatus.SENT, sent_at=timezone.now()
            )
            ReminderFactory(recipient=cast.bob, vendor=v, status=ReminderStatus.FAILED)
            provider.items.append(
                make_item(
                    org_id=cast.practice.id,
                    key=f"baa:x{v.id}",
                    vendor_id=v.id,
                    due_date=timezone.localdate() + timedelta(days=200),
                    owner=cast.bob.id,
                )
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reminder_list")).status_code == 200
        return len(queries)

    assert count(2) == count(20)


def test_vendor_page_shows_its_reminder_history_in_constant_queries(cast, login, vendor):
    other = VendorFactory(organization=cast.practice, name="Other Vendor")
    ReminderFactory(recipient=cast.bob, vendor=other, vendor_name=other.name, title="Not mine")
    client = login(cast.charlie)
    url = reverse("vendor_detail", args=[vendor.pk])

    def count(n):
        for _ in range(n):
            ReminderFactory(
                recipient=cast.bob,
                vendor=vendor,
                status=ReminderStatus.SENT,
                sent_at=timezone.now(),
                title="Periodic review due",
            )
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).text
        return len(queries), page

    small, page = count(2)
    large, _ = count(15)
    assert small == large
    assert 'id="vendor-reminders"' in page and "Periodic review due" in page
    assert "bob@a.test" in page and "Not mine" not in page


def test_vendor_without_reminders_says_so(cast, login, vendor):
    page = login(cast.bob).get(reverse("vendor_detail", args=[vendor.pk])).text
    assert "No reminder about this vendor yet" in page


def test_every_member_sets_their_own_preference_even_a_viewer(cast, login):
    client = login(cast.charlie)
    page = client.get(reverse("reminder_preference")).text
    assert "One daily digest" in page and "Immediate emails" in page
    response = client.post(
        reverse("reminder_preference"), {"reminder_mode": ReminderMode.IMMEDIATE}, follow=True
    )
    assert "Your reminder preference is saved" in response.text
    cast.charlie.refresh_from_db()
    cast.alice.refresh_from_db()
    assert cast.charlie.reminder_mode == ReminderMode.IMMEDIATE
    assert cast.alice.reminder_mode == ReminderMode.DIGEST  # nobody else changed


def test_a_bad_preference_gets_a_field_error(cast, login):
    response = login(cast.bob).post(reverse("reminder_preference"), {"reminder_mode": "hourly"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    cast.bob.refresh_from_db()
    assert cast.bob.reminder_mode == ReminderMode.DIGEST


def test_the_page_links_to_the_preference(cast, login):
    page = login(cast.bob).get(reverse("reminder_list")).text
    assert reverse("reminder_preference") in page and "daily digest at 7:00" in page


def test_sweep_errors_and_sent_log_are_shown(cast, login, db):
    from reminders.models import SweepError

    SweepError.objects.create(
        organization=cast.practice,
        occurred_on=date(2026, 5, 31),
        last_seen_at=timezone.now(),
        item_key="baa:9",
        vendor_name="Broken Records Inc",
        message="KeyError: 'no-such-tier'",
    )
    ReminderFactory(
        recipient=cast.bob,
        status=ReminderStatus.SENT,
        sent_at=timezone.now(),
        vendor_name="Sent Co",
    )
    page = login(cast.bob).get(reverse("reminder_list")).text
    assert "Items the reminder sweep had to skip" in page and "Broken Records Inc" in page
    assert "Sent Co" in page
    assert Reminder.objects.count() == 1


def test_times_are_shown_in_the_practice_timezone(cast, login):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    ReminderFactory(
        recipient=cast.alice,
        immediate=False,
        send_after=datetime(2026, 6, 1, 11, 0, tzinfo=ZoneInfo("UTC")),
    )
    page = login(cast.alice).get(reverse("reminder_list")).text
    assert "2026-06-01 07:00" in page  # 11:00 UTC is 07:00 in New York (EDT)
    assert "2026-06-01 07:00 EDT" in page and "times in America/New_York" in page


def test_django_admin_lists_reminders_read_only(cast, client):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from .factories import UserFactory

    row = ReminderFactory(recipient=cast.bob, status=ReminderStatus.FAILED, last_error="550 no")
    staff = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(staff, generate_totp_secret())  # staff need a second factor for the admin
    client.force_login(staff)
    listing = client.get("/admin/reminders/reminder/")
    assert listing.status_code == 200 and "bob@a.test" in listing.text
    detail = client.get(f"/admin/reminders/reminder/{row.pk}/change/")
    assert detail.status_code == 200 and "550 no" in detail.text
    assert client.get(f"/admin/reminders/reminder/{row.pk}/delete/").status_code == 403
    assert client.get("/admin/reminders/sweeperror/").status_code == 200


def test_sent_reminders_are_shown_a_page_at_a_time_with_their_total(cast, login):
    from reminders.views import SECTION_SIZE

    now = timezone.now()
    for i in range(SECTION_SIZE + 5):
        ReminderFactory(
            recipient=cast.bob,
            status=ReminderStatus.SENT,
            sent_at=now - timedelta(minutes=i),
            vendor_name=f"Sent {i:02d}",
        )
    client = login(cast.bob)
    first = client.get(reverse("reminder_list")).text.split('id="sent"')[1]
    assert f"Showing 1&ndash;{SECTION_SIZE} of {SECTION_SIZE + 5}, latest first." in first
    assert "Sent 00" in first and f"Sent {SECTION_SIZE - 1:02d}" in first
    assert f"Sent {SECTION_SIZE:02d}" not in first
    assert "?sent=2#sent" in first
    second = client.get(reverse("reminder_list"), {"sent": 2}).text.split('id="sent"')[1]
    assert f"Showing {SECTION_SIZE + 1}&ndash;{SECTION_SIZE + 5} of {SECTION_SIZE + 5}" in second
    assert f"Sent {SECTION_SIZE:02d}" in second and "Sent 00" not in second
    # A page number that is not one shows the first page, not an error.
    assert client.get(reverse("reminder_list"), {"sent": "x", "forecast": "-3"}).status_code == 200


def test_recorded_reminders_are_paged_and_counted(cast, login, vendor):
    from reminders.views import SECTION_SIZE

    for _ in range(SECTION_SIZE + 1):
        ReminderFactory(recipient=cast.bob, vendor=vendor, vendor_name=vendor.name)
    client = login(cast.bob)
    page = client.get(reverse("reminder_list")).text
    counts = page.split('id="upcoming-counts"')[1].split("</p>")[0]
    assert f"Recorded: showing 1&ndash;{SECTION_SIZE} of {SECTION_SIZE + 1}." in counts
    assert "?recorded=2#upcoming" in page
    second = client.get(reverse("reminder_list"), {"recorded": 2}).text
    body = second.split('id="upcoming"')[1].split("<tbody>")[1].split("</tbody>")[0]
    assert body.count(">recorded<") == 1


@pytest.mark.django_db(transaction=True)  # kept only outside a transaction: as in a request
def test_the_totals_are_kept_until_a_reminder_is_recorded_or_changes(cast, login, vendor):
    """The sections' totals are kept between visits, and a reminder recorded (by the sweep,
    which leaves the practice's data version alone), sent or deleted shows at once."""

    def counts(text):
        upcoming = text.split('id="upcoming-counts"')[1].split("</p>")[0]
        sent = text.split('id="sent"')[1].split("</table>")[0]
        return upcoming, sent

    first = ReminderFactory(recipient=cast.bob, vendor=vendor, vendor_name=vendor.name)
    client = login(cast.bob)
    page = client.get(reverse("reminder_list")).text
    assert "Recorded: showing 1&ndash;1 of 1." in counts(page)[0]
    with CaptureQueriesContext(connection) as kept:
        again = client.get(reverse("reminder_list")).text
    assert counts(again) == counts(page)
    assert not any("GROUP BY" in q["sql"] for q in kept.captured_queries)
    ReminderFactory(recipient=cast.bob, vendor=vendor, vendor_name=vendor.name)
    assert (
        "Recorded: showing 1&ndash;2 of 2." in counts(client.get(reverse("reminder_list")).text)[0]
    )
    Reminder.objects.filter(pk=first.pk).update(status=ReminderStatus.SENT, sent_at=timezone.now())
    upcoming, sent = counts(client.get(reverse("reminder_list")).text)
    assert "Recorded: showing 1&ndash;1 of 1." in upcoming
    assert "Showing 1&ndash;1 of 1, latest first." in sent
    Reminder.objects.filter(pk=first.pk).delete()
    upcoming, sent = counts(client.get(reverse("reminder_list")).text)
    assert "Recorded: showing 1&ndash;1 of 1." in upcoming and "No reminder sent yet." in sent

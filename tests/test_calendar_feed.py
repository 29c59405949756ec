"""A member's private calendar feed: an unguessable, revocable address with the due dates."""

import re

from django.urls import reverse
from icalendar import Calendar

from oversight.models import CalendarFeed


def turn_on(client) -> str:
    response = client.post(reverse("calendar_settings"), {"action": "enable"})
    return re.search(r'value="(http[^"]+\.ics)"', response.text).group(1)


def test_feed_is_valid_icalendar_and_needs_no_login(client, cast, login):
    url = turn_on(login(cast.bob))
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert "Practice A" in str(calendar.get("x-wr-calname"))
    assert CalendarFeed.objects.get().token_hash not in url, "only a hash is stored"


def test_revoked_or_replaced_address_answers_404(client, cast, login):
    member = login(cast.bob)
    first = turn_on(member)
    member.post(reverse("calendar_settings"), {"action": "regenerate"})
    assert client.get(first).status_code == 404
    member.post(reverse("calendar_settings"), {"action": "disable"})
    assert not CalendarFeed.objects.filter(revoked_at__isnull=True).exists()
    assert client.get(reverse("calendar_feed", args=["not-a-token"])).status_code == 404


def test_token_grants_nothing_else(client, cast, login):
    url = turn_on(login(cast.bob))
    client.logout()
    token = url.rsplit("/", 1)[-1].removesuffix(".ics")
    assert client.get(reverse("vendor_list"), {"token": token}).status_code == 302


def test_settings_page_needs_login_and_works_for_viewers(client, cast, login):
    assert client.get(reverse("calendar_settings"))["Location"].startswith(reverse("account_login"))
    assert turn_on(login(cast.charlie)).endswith(".ics")


def test_feed_lists_this_practice_due_dates_with_stable_uids(client, cast, login, time_machine):
    from datetime import date, timedelta

    from .baas_factories import make_signed
    from .factories import VendorFactory

    time_machine.move_to("2026-11-25 12:00Z")
    ours = VendorFactory(organization=cast.practice, name="Our EHR")
    make_signed(ours, effective_on=date(2024, 1, 1), expires_on=date(2026, 12, 15))
    theirs = VendorFactory(organization=cast.other_practice, name="Their EHR")
    make_signed(theirs, effective_on=date(2024, 1, 1), expires_on=date(2026, 12, 15))
    VendorFactory(organization=cast.practice, name="Gap Vendor")  # active, PHI, no BAA

    url = turn_on(login(cast.bob))
    first = Calendar.from_ical(client.get(url).content)
    events = {str(e.get("summary")): e for e in first.walk("VEVENT")}
    expiry = next(e for s, e in events.items() if "Our EHR" in s)
    assert expiry.decoded("dtstart") == date(2026, 12, 15)
    assert any("Gap Vendor" in s for s in events)
    assert not any("Their EHR" in s for s in events), "another practice's items never appear"
    again = Calendar.from_ical(client.get(url).content)
    uids = {str(e.get("uid")) for e in again.walk("VEVENT")}
    assert str(expiry.get("uid")) in uids, "the same item keeps its UID"
    assert timedelta(days=1) == expiry.decoded("dtend") - expiry.decoded("dtstart")


def test_feed_looks_a_year_ahead(client, cast, login, time_machine):
    """Dates far from due (a BAA expiring in ten months, the next review, an open action)
    are in the calendar although nothing is reminded about them yet."""
    from datetime import date

    from diligence.models import VendorSchedule

    from .baas_factories import make_signed
    from .diligence_factories import ReviewFactory
    from .factories import VendorFactory

    time_machine.move_to("2026-11-25 12:00Z")
    vendor = VendorFactory(
        organization=cast.practice, name="Far EHR", access_level="full", record_count=5000
    )  # high tier: reviewed every 12 months
    make_signed(vendor, effective_on=date(2024, 1, 1), expires_on=date(2027, 9, 30))
    # Reviewed today (a high-tier vendor never reviewed would be due at once).
    ReviewFactory(vendor=vendor, reviewed_on=date(2026, 11, 25), reviewer=cast.alice)
    next_review = VendorSchedule.objects.get(vendor=vendor).next_review_due
    assert next_review and next_review > date(2027, 1, 1)

    calendar = Calendar.from_ical(client.get(turn_on(login(cast.bob))).content)
    dates = {(str(e.get("summary")), e.decoded("dtstart")) for e in calendar.walk("VEVENT")}
    assert ("BAA expires: Far EHR", date(2027, 9, 30)) in dates
    assert ("Periodic review due: Far EHR", next_review) in dates

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

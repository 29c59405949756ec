"""The practice's due dates as iCalendar (RFC 5545): a member's private feed, and the .ics
attached to reminder emails. Each item keeps a stable UID, so a calendar updates the event
instead of adding a duplicate when a date moves. Vendor names and dates only, no PHI."""

from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlparse

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from .due import DueItem

PRODID = "-//Vendor Oversight//Due dates//EN"


def item_uid(item: DueItem) -> str:
    host = urlparse(settings.SITE_URL).hostname or "oversight.local"
    return f"{item.organization_id}-{item.kind}-{item.key}@{host}".replace(":", "-")


def build_calendar(items: Iterable[DueItem], *, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for item in items:
        event = Event()
        event.add("uid", item_uid(item))
        event.add("dtstamp", stamp)
        event.add("dtstart", item.due_date)
        event.add("dtend", item.due_date + timedelta(days=1))
        event.add("summary", f"{item.title}: {item.vendor_name}")
        event.add(
            "description",
            f"{item.title} for {item.vendor_name} ({item.tier} tier), due {item.due_date:%Y-%m-%d}."
            f"\n{settings.SITE_URL}{item.url}",
        )
        event.add("url", f"{settings.SITE_URL}{item.url}")
        calendar.add_component(event)
    return calendar.to_ical()

"""The reminder emails: plain text and HTML, the practice's name, each item with its vendor,
what is due, the date, the tier and a link, and an .ics calendar attachment whose event UID is
stable per item (a re-sent or updated date replaces the event instead of duplicating it).
No PHI: vendor names, what is due and dates only."""

import hashlib
from datetime import datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from icalendar import Calendar, Event

from oversight import due

from .policy import group_by_urgency

ICS_NAME = "due-dates.ics"


def event_uid(key: str) -> str:
    host = urlparse(settings.SITE_URL).hostname or "localhost"
    return f"{key}@{host}"


def _mail_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    if "@" in address:
        return address.rpartition("@")[2]
    return urlparse(settings.SITE_URL).hostname or "localhost"


def message_id(reminders, *, digest: bool) -> str:
    """The Message-ID of the email carrying these rows, the same on every attempt: a resend
    after an uncertain delivery (see ``reminders.services``) is the same message to a mail
    server or program that drops a Message-ID it has already seen (RFC 5322 3.6.4).
    One reminder: its row. A digest: the set of its rows."""
    first = reminders[0]
    if not digest:
        return f"<reminder-{first.pk}.{first.organization_id}@{_mail_domain()}>"
    ids = ",".join(str(pk) for pk in sorted(r.pk for r in reminders))
    digest_hash = hashlib.sha256(ids.encode()).hexdigest()[:20]
    return f"<digest-{digest_hash}.{first.recipient_id}.{first.organization_id}@{_mail_domain()}>"


def calendar(reminders, now: datetime) -> bytes:
    """One all-day event per item (the same item twice in a digest gives one event)."""
    cal = Calendar()
    cal.add("prodid", "-//Vendor Oversight//reminders//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    seen = set()
    for reminder in reminders:
        if reminder.key in seen:
            continue
        seen.add(reminder.key)
        event = Event()
        event.add("uid", event_uid(reminder.key))
        event.add("dtstamp", now)
        # Later emails carry a higher sequence, so calendars apply the update.
        event.add("sequence", int(now.timestamp()) // 60)
        event.add("dtstart", reminder.due_date)
        event.add("dtend", reminder.due_date + timedelta(days=1))
        event.add("summary", f"{reminder.title}: {reminder.vendor_name}")
        event.add("description", f"{reminder.absolute_url}")
        event.add("url", reminder.absolute_url)
        cal.add_component(event)
    return cal.to_ical()


def _subject(reminders, organization, digest: bool) -> str:
    if digest:
        n = len(reminders)
        return f"[{organization.name}] {n} vendor item{'s' if n != 1 else ''} need attention"
    r = reminders[0]
    prefix = {"escalation": "Escalated: ", "gap": "Compliance gap: ", "overdue": "Overdue: "}
    return f"[{organization.name}] {prefix.get(r.stage, '')}{r.title} - {r.vendor_name}"


def build(reminders: list, *, organization, to: str, digest: bool, now: datetime):
    """The message for one reminder (``digest=False``) or a member's digest. A reminder to a
    contact outside the practice is written by its item's app (``oversight.due``); None if
    its item no longer calls for it."""
    if not digest and reminders[0].to_contact:
        message = due.contact_mail(reminders[0].kind)(reminders[0], now=now)
        if message is not None:
            message.extra_headers["Message-ID"] = message_id(reminders, digest=False)
        return message
    reminders = sorted(reminders, key=lambda r: (r.due_date, r.vendor_name, r.key))
    context = {
        "practice": organization,
        "reminders": reminders,
        "groups": group_by_urgency(reminders),
        "digest": digest,
        "site_url": settings.SITE_URL,
    }
    name = "emails/digest" if digest else "emails/reminder"
    message = EmailMultiAlternatives(
        subject=_subject(reminders, organization, digest),
        body=render_to_string(f"{name}.txt", context),
        to=[to],
        headers={"Message-ID": message_id(reminders, digest=digest)},
    )
    message.attach_alternative(render_to_string(f"{name}.html", context), "text/html")
    message.attach(ICS_NAME, calendar(reminders, now), "text/calendar")
    return message

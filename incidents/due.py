"""Breach-notification deadlines as due items (``oversight.due``): the work queue, reminders
(always immediate: ``reminders.policy.URGENT_KINDS``) and the calendar feed ask this provider,
which asks ``incidents.clocks``. Two queries whatever the number of incidents (open incidents
of the practices, through the ``incident_open`` partial index, and their notices)."""

from datetime import date, timedelta

from oversight.due import DueItem, DueKind, register, register_calendar
from oversight.reversing import url_pattern

from . import clocks
from .choices import IncidentStatus
from .models import VendorIncident

# Deadlines enter the work queue and reminders this long before their date.
LEAD_DAYS = 14


def _open_deadlines(org_ids):
    incidents = (
        VendorIncident.objects.filter(organization_id__in=list(org_ids))
        .exclude(status=IncidentStatus.CLOSED)
        .select_related("vendor")
        .prefetch_related("notices")
    )
    url = url_pattern("incident_detail")
    for incident in incidents:
        for deadline in clocks.practice_deadlines(incident.facts(list(incident.notices.all()))):
            if deadline.done_on is None:
                yield incident, deadline, url.format(incident.pk)


def _item(incident, deadline: clocks.Deadline, url: str, today: date) -> DueItem:
    vendor = incident.vendor
    return DueItem(
        organization_id=incident.organization_id,
        kind=DueKind.INCIDENT,
        key=f"incident:{incident.pk}:{deadline.kind}",
        due_date=deadline.due,
        vendor_id=vendor.pk,
        vendor_name=vendor.name,
        tier=vendor.tier,
        # No PHI: the kind of notice and its cite only.
        title=f"{deadline.label} due ({deadline.cite})",
        url=url,
        owner_membership_id=vendor.owner_id,
        extra={"state": deadline.state(today).value, "cite": deadline.cite},
    )


def incident_items(org_ids, today: date, rules):
    horizon = today + timedelta(days=LEAD_DAYS)
    for incident, deadline, url in _open_deadlines(org_ids):
        if deadline.due <= horizon:
            yield _item(incident, deadline, url, today)


def incident_calendar_items(org_ids, today: date, until: date):
    for incident, deadline, url in _open_deadlines(org_ids):
        if deadline.due <= until:
            yield _item(incident, deadline, url, today)


def connect() -> None:
    register(incident_items)
    register_calendar(incident_calendar_items)

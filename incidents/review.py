"""What the vendor's next periodic review reads from the incident log
(``diligence.review_inputs``, so that ``diligence`` does not import ``incidents``):

- a late report (``clocks.vendor_report``: after the BAA's window or 164.410(b)'s 60 days), or
  no report while it is overdue: a finding on the vendor;
- a concluded breach: a finding, and the next review proposed by
  ``clocks.review_proposed_by`` (the schedule takes the earlier of that and the policy's date).

For any number of vendors of one practice: one query (their incidents with their notices,
the notices' query only when there are incidents)."""

from datetime import timedelta

from django.urls import reverse

from diligence.review_inputs import ReviewInput, register

from . import clocks
from .models import VendorIncident
from .panels import vendor_incidents


def incident_review_inputs(organization, vendors):
    today = organization.today()
    if len(vendors) == 1:  # e.g. the vendor page: the incidents its incident panel reads too
        incidents = vendor_incidents(vendors[0])
    else:
        incidents = VendorIncident.objects.filter(
            organization_id=organization.pk, vendor_id__in=[v.pk for v in vendors]
        ).prefetch_related("notices")
    found: dict[int, list[ReviewInput]] = {}
    for incident in incidents:
        found.setdefault(incident.vendor_id, []).extend(_inputs(incident, today))
    return found


def _inputs(incident, today):
    facts = incident.facts(list(incident.notices.all()))
    url = reverse("incident_detail", args=[incident.pk])
    report = clocks.vendor_report(facts)
    if report is not None and report.late:
        yield ReviewInput(
            on=report.done_on,
            text=f"Late breach report: “{incident.title}” reported on "
            f"{report.done_on:%Y-%m-%d}, due {report.due:%Y-%m-%d} ({report.cite})",
            url=url,
        )
    elif report is not None and report.state(today) == clocks.ClockState.OVERDUE:
        yield ReviewInput(
            on=report.due + timedelta(days=1),
            text=f"No breach report: “{incident.title}” was due from the vendor by "
            f"{report.due:%Y-%m-%d} ({report.cite})",
            url=url,
        )
    proposed = clocks.review_proposed_by(facts, incident.assessed_on)
    if proposed is not None:
        yield ReviewInput(
            on=incident.assessed_on,
            text=f"Breach at the vendor: “{incident.title}”, concluded on "
            f"{incident.assessed_on:%Y-%m-%d}",
            url=url,
            review_by=proposed,
        )


def connect() -> None:
    register(incident_review_inputs)

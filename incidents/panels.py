"""The vendor page's incident history: each incident, its status and its next deadline, and
whether the vendor reported it in time (``incidents.clocks``). Two queries."""

from vendors.panels import register

from . import clocks
from .models import VendorIncident


def incident_panel(request, vendor) -> dict:
    today = request.practice.today()
    rows = []
    incidents = VendorIncident.objects.filter(
        organization=request.practice, vendor=vendor
    ).prefetch_related("notices")
    for incident in incidents:
        facts = incident.facts(list(incident.notices.all()))
        report = clocks.vendor_report(facts)
        upcoming = clocks.next_open(facts)
        rows.append(
            {
                "incident": incident,
                "report_late": bool(report and report.late),
                "next": upcoming,
                "state": upcoming.state(today).value if upcoming else "",
            }
        )
    return {"template": "incidents/_vendor_panel.html", "order": 60, "rows": rows}


def connect() -> None:
    register(incident_panel)

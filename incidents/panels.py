"""The vendor page's incident history: each incident, its status and its next deadline, and
whether the vendor reported it in time (``incidents.clocks``). Two queries, shared with what
the vendor's next review reads (``review.py``)."""

from vendors.panels import has_rows, lists, page_read, register

from . import clocks
from .models import VendorIncident


def vendor_incidents(vendor) -> list[VendorIncident]:
    """The vendor's incidents with their notices: on the vendor page, read once for this panel
    and the review inputs the oversight panel lists (``review.py``)."""
    if not has_rows(vendor, "incidents"):
        return []
    return page_read(
        vendor,
        "incidents",
        lambda: list(
            VendorIncident.objects.filter(
                organization_id=vendor.organization_id, vendor=vendor
            ).prefetch_related("notices")
        ),
    )


def incident_panel(request, vendor) -> dict:
    today = request.practice.today()
    rows = []
    for incident in vendor_incidents(vendor):
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
    lists("incidents", VendorIncident)

"""The vendor page's questionnaire requests, with their status. One query."""

from vendors.panels import register

from .models import QuestionnaireRequest


def questionnaire_panel(request, vendor) -> dict:
    rows = list(
        QuestionnaireRequest.objects.for_org(request.practice)
        .filter(vendor=vendor)
        .select_related("contact", "link")
    )
    return {"template": "portal/_vendor_panel.html", "order": 55, "rows": rows}


def connect() -> None:
    register(questionnaire_panel)

"""The vendor page's questionnaire requests, with their status. One query."""

from vendors.panels import has_rows, lists, register

from .models import QuestionnaireRequest


def questionnaire_panel(request, vendor) -> dict:
    if not has_rows(vendor, "questionnaires"):
        return {"template": "portal/_vendor_panel.html", "order": 55, "rows": []}
    rows = list(
        QuestionnaireRequest.objects.for_org(request.practice)
        .filter(vendor=vendor)
        .select_related("contact", "link")
        # What the rows show (``_request_rows.html``, ``state``): not the questions and
        # answers each request carries.
        .only(
            "title",
            "created_at",
            "due_on",
            "status",
            "contact",
            "contact__name",
            "link",
            "link__expires_at",
        )
    )
    return {"template": "portal/_vendor_panel.html", "order": 55, "rows": rows}


def connect() -> None:
    register(questionnaire_panel)
    lists("questionnaires", QuestionnaireRequest)

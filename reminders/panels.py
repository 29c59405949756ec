"""The vendor page's "Reminders" section: the vendor's reminder history (one query)."""

from oversight.tenancy import scoped
from vendors.panels import has_rows, lists

from .models import Reminder

HISTORY_LIMIT = 20


def vendor_reminders(request, vendor) -> dict:
    rows = []
    if has_rows(vendor, "reminders"):
        rows = list(
            scoped(request, Reminder)
            .filter(vendor=vendor)
            .order_by("-created_at", "-id")[:HISTORY_LIMIT]
        )
    return {"template": "reminders/_vendor_panel.html", "order": 80, "reminders": rows}


lists("reminders", Reminder)

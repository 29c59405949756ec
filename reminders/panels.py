"""The vendor page's "Reminders" section: the vendor's reminder history (one query)."""

from oversight.tenancy import scoped
from vendors.panels import has_rows, lists

from .models import Reminder

HISTORY_LIMIT = 20
HISTORY_FIELDS = (
    "created_at",
    "title",
    "stage",
    "threshold",
    "due_date",
    "recipient_email",
    "status",
    "sent_at",
    "last_error",
)


def vendor_reminders(request, vendor) -> dict:
    rows = []
    if has_rows(vendor, "reminders"):
        rows = list(
            scoped(request, Reminder)
            .filter(vendor=vendor)
            .order_by("-created_at", "-id")
            # What the history shows (``_vendor_panel.html``, ``describe``).
            .only(*HISTORY_FIELDS)[:HISTORY_LIMIT]
        )
    return {"template": "reminders/_vendor_panel.html", "order": 80, "reminders": rows}


lists("reminders", Reminder)

"""The vendor badges (tier, derived BAA status) as tags: the inventory writes two per row, and
an ``{% include %}`` of a ten-branch ``{% if %}`` per row was a fifth of the list's rendering.
``vendors/_tier_badge.html`` and ``vendors/_baa_status_badge.html`` call these, so every page
shows the same badge."""

from django import template
from django.utils.html import format_html

register = template.Library()


def _badge(css: str, label: str, title: str = "") -> str:
    if title:
        return format_html('<span class="badge {}" title="{}">{}</span>', css, title, label)
    return format_html('<span class="badge {}">{}</span>', css, label)


# ``vendors.baa_status.BaaStatus`` value -> badge; anything else is "not required".
BAA_STATUS_BADGES = {
    "gap": _badge("text-bg-danger", "Gap: no signed BAA"),
    "expired": _badge("text-bg-danger", "Expired"),
    "deficient": _badge(
        "text-bg-danger", "Signed, deficient", title="A required provision is absent"
    ),
    "expiring": _badge("text-bg-warning", "Expiring soon"),
    "draft": _badge("text-bg-info", "Draft / negotiation"),
    "missing": _badge("text-bg-warning", "Missing"),
    "terminated": _badge("text-bg-secondary", "Terminated"),
    "current": _badge("text-bg-success", "Signed, current"),
    "undetermined": _badge(
        "text-wrap text-bg-light border border-warning",
        "Determination needed",
        title="No PHI or system access is recorded, but nobody has documented that this "
        "vendor is not a business associate",
    ),
}
NOT_REQUIRED_BADGE = _badge(
    "text-wrap text-bg-light border",
    "Not required (documented)",
    title="Documented: not a business associate",
)


@register.simple_tag
def baa_status_badge(status) -> str:
    """A vendor's derived BAA status (``vendors/baa_status.py``) as a badge."""
    return BAA_STATUS_BADGES.get(str(status), NOT_REQUIRED_BADGE)


@register.simple_tag
def tier_badge(tier, label) -> str:
    return format_html('<span class="badge badge-tier-{}">{}</span>', tier, label)

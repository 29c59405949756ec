"""The inventory's table rows as one tag: the list writes 25 rows of eight cells, and the
template language's per-variable cost (a lookup, a filter, an ``{% url %}`` per row, five
``get_..._display``) was most of the table's rendering. ``vendor_row`` writes the same HTML
(the same escaping, the same ``intcomma`` and ``date`` filters, the same badges) in one pass."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import date as date_filter
from django.utils.encoding import force_str
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .vendor_badges import baa_status_badge, tier_badge

register = template.Library()

ARCHIVED = mark_safe(' <span class="badge text-bg-secondary">archived</span>')
CELL = '<td class="d-none d-md-table-cell">{}</td>'
_LABELS: dict[str, dict] = {}


def _display(vendor, name: str) -> str:
    """``vendor.get_<name>_display()``, with the field's choices read once (Django builds a
    dict of them on every call: five per row)."""
    labels = _LABELS.get(name)
    if labels is None:
        labels = _LABELS[name] = dict(vendor._meta.get_field(name).flatchoices)
    value = getattr(vendor, name)
    return force_str(labels.get(value, value), strings_only=True)


def _tier(vendor) -> str:
    badge = tier_badge(vendor.tier, _display(vendor, "tier"))
    if not vendor.tier_override:
        return badge
    return format_html(
        '{} <span class="small text-muted" title="Computed: {}">(override)</span>',
        badge,
        _display(vendor, "computed_tier"),
    )


def _access(vendor) -> str:
    if not vendor.record_count:
        return format_html("{}", _display(vendor, "access_level"))
    return format_html(
        "{}, {} records", _display(vendor, "access_level"), intcomma(vendor.record_count)
    )


def _baa(vendor) -> str:
    badge = baa_status_badge(vendor.baa_status)
    if vendor.baa_expires_on and vendor.baa_status != "gap":
        expires = date_filter(vendor.baa_expires_on, "Y-m-d")
        return format_html('{} <span class="small text-muted">{}</span>', badge, expires)
    return badge


def _findings(vendor) -> str:
    critical = warning = ""
    if vendor.baa_findings_critical:
        critical = format_html(
            '<span class="badge text-bg-danger" title="critical findings">{} critical</span>',
            localize(vendor.baa_findings_critical),
        )
    if vendor.baa_findings_warning:
        warning = format_html(
            '<span class="badge text-bg-warning" title="warnings">{} warning</span>',
            localize(vendor.baa_findings_warning),
        )
    return format_html("{} {}", critical, warning)


@register.simple_tag
def vendor_row(vendor) -> str:
    """One vendor of the inventory (``vendor``: a row of ``vendors.views.vendor_queryset`` with
    its ``baa_status``): name and link, tier, category, status, PHI, BAA, findings, owner."""
    owner = vendor.owner.display_name if vendor.owner_id else ""
    return format_html(
        "<tr>\n"
        '      <td><a href="{}">{}</a>{}</td>\n'
        "      <td>{}</td>\n"
        f"      {CELL}\n"
        f"      {CELL}\n"
        f"      {CELL}\n"
        '      <td class="baa-status" data-baa-status="{}">{}</td>\n'
        '      <td class="baa-findings d-none d-md-table-cell">{}</td>\n'
        f"      {CELL}\n"
        "    </tr>",
        vendor.get_absolute_url(),
        vendor.name,
        ARCHIVED if vendor.archived_at else "",
        _tier(vendor),
        _display(vendor, "category"),
        _display(vendor, "status"),
        _access(vendor),
        vendor.baa_status,
        _baa(vendor),
        _findings(vendor),
        owner or "—",
    )

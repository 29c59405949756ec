"""The inventory's table rows as one tag: the list writes 25 rows of eight cells, and the
template language's per-variable cost (a lookup, a filter, an ``{% url %}`` per row, five
``get_..._display``) was most of the table's rendering. ``vendor_row`` writes the same HTML
(the same escaping, the same ``intcomma`` and ``date`` filters, the same badges) in one pass."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import date as date_filter
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .vendor_badges import baa_status_badge, tier_badge

register = template.Library()

ARCHIVED = mark_safe(' <span class="badge text-bg-secondary">archived</span>')
CELL = '<td class="d-none d-md-table-cell">{}</td>'


def _tier(vendor) -> str:
    badge = tier_badge(vendor.tier, vendor.get_tier_display())
    if not vendor.tier_override:
        return badge
    return format_html(
        '{} <span class="small text-muted" title="Computed: {}">(override)</span>',
        badge,
        vendor.get_computed_tier_display(),
    )


def _access(vendor) -> str:
    if not vendor.record_count:
        return format_html("{}", vendor.get_access_level_display())
    return format_html(
        "{}, {} records", vendor.get_access_level_display(), intcomma(vendor.record_count)
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
        vendor.get_category_display(),
        vendor.get_status_display(),
        _access(vendor),
        vendor.baa_status,
        _baa(vendor),
        _findings(vendor),
        owner or "—",
    )

"""The agreement list's rows in one pass (as ``vendors/templatetags/vendor_rows.py`` does for
the inventory): 25 rows of six cells, whose template rendering (an ``{% url %}``, an include,
two ``date`` filters and a dozen lookups per row) was most of the page's time.
``agreement_rows`` writes the same HTML; ``agreement_status`` is the status badge wherever an
agreement is shown (``_agreement_status.html`` calls it)."""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from oversight.reversing import url_pattern

register = template.Library()

_BADGE = {
    "signed": "text-bg-success",
    "expired": "text-bg-danger",
    "terminated": "text-bg-danger",
    "superseded": "text-bg-secondary",
}
PAST_EXPIRY = mark_safe(' <span class="badge text-bg-danger">past expiry</span>')
AUTO_RENEWS = mark_safe(' <span class="small text-muted">(auto-renews)</span>')
NO_FINDINGS = mark_safe('<span class="text-muted small">none</span>')


@register.simple_tag
def agreement_status(agreement, today=None):
    """The agreement's status badge, and "past expiry" for a signed agreement whose expiration
    date is before ``today`` (the practice's)."""
    badge = format_html(
        '<span class="badge {}">{}</span>',
        _BADGE.get(agreement.status, "text-bg-info"),
        agreement.get_status_display(),
    )
    if agreement.status == "signed" and agreement.expires_on and today:
        if agreement.expires_on < today:
            return badge + PAST_EXPIRY
    return badge


def _vendor_cell(a, url: str):
    service = (
        format_html(' <span class="small text-muted">{}</span>', a.service_agreement)
        if a.service_agreement
        else ""
    )
    return format_html('<a href="{}">{}</a>{}', url, a.vendor.name, service)


def _expires_cell(a):
    if not a.expires_on:
        return "Evergreen"
    return format_html(
        "{}{}", date_filter(a.expires_on, "Y-m-d"), AUTO_RENEWS if a.auto_renews else ""
    )


def _findings_cell(a):
    critical = (
        format_html('<span class="badge text-bg-danger">{} critical</span>', a.findings_critical)
        if a.findings_critical
        else ""
    )
    warning = (
        format_html('<span class="badge text-bg-warning">{} warning</span>', a.findings_warning)
        if a.findings_warning
        else ""
    )
    none = NO_FINDINGS if not a.findings_critical and not a.findings_warning else ""
    return format_html("{} {}{}", critical, warning, none)


@register.simple_tag
def agreement_rows(agreements, today):
    """The list's ``<tr>`` of each agreement: vendor (a link to the agreement) and service
    agreement, status, template, signed and expiry dates, findings."""
    # One reverse() for the page, not one per row.
    url = url_pattern("agreement_detail")
    return format_html_join(
        "\n",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                _vendor_cell(a, url.format(a.pk)),
                agreement_status(a, today),
                a.get_template_source_display(),
                date_filter(a.signed_on, "Y-m-d") or "—",
                _expires_cell(a),
                _findings_cell(a),
            )
            for a in agreements
        ),
    )

"""A row of the activity log (and of a record's History tab) as a tag: a page writes fifty,
each with its changes, and as template nodes they were a third of the page's rendering.
``oversight/_entries.html`` calls it."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst

register = template.Library()

ROW = (
    '\n  <tr>\n    <td class="text-nowrap">{}</td>\n    <td>{}</td>\n    <td>{}</td>\n'
    "    <td>{}: {}{}</td>\n    <td>{}</td>\n  </tr>\n  "
)


@register.simple_tag
def activity_row(entry, show_history_links=False) -> str:
    """One ``oversight.activity.Entry``: when, who, what, the record (linked, with a link to
    its history where asked) and each change, old -> new."""
    record = (
        format_html('<a href="{}">{}</a>', entry.object_url, entry.object_repr)
        if entry.object_url
        else entry.object_repr
    )
    history = (
        format_html(' · <a href="{}">history</a>', entry.history_url)
        if entry.history_url and show_history_links
        else ""
    )
    changes = format_html_join(
        "",
        "<div><strong>{}</strong>: {}{}</div>",
        ((c.field, format_html("{} → ", c.old) if c.old else "", c.new) for c in entry.changes),
    )
    return format_html(
        ROW,
        entry.when_local(),
        entry.who,
        entry.action,
        capfirst(entry.object_type),
        record,
        history,
        changes,
    )

"""A row of the activity log (and of a record's History tab) as a tag: a page writes fifty,
each with its changes, and as template nodes they were a third of the page's rendering.
``oversight/_entries.html`` calls it."""

import html

from django import template
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

register = template.Library()

ROW = (
    '\n  <tr>\n    <td class="text-nowrap">{}</td>\n    <td>{}</td>\n    <td>{}</td>\n'
    "    <td>{}: {}{}</td>\n    <td>{}</td>\n  </tr>\n  "
)


def _e(value) -> str:
    """``conditional_escape`` without its lazy-string wrapper (a page escapes 1,200 values):
    what is already safe HTML as it is, anything else escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


@register.simple_tag
def activity_row(entry, show_history_links=False) -> str:
    """One ``oversight.activity.Entry``: when, who, what, the record (linked, with a link to
    its history where asked) and each change, old -> new."""
    record = (
        f'<a href="{_e(entry.object_url)}">{_e(entry.object_repr)}</a>'
        if entry.object_url
        else _e(entry.object_repr)
    )
    history = (
        f' · <a href="{_e(entry.history_url)}">history</a>'
        if entry.history_url and show_history_links
        else ""
    )
    changes = "".join(
        f"<div><strong>{_e(c.field)}</strong>: "
        f"{f'{_e(c.old)} → ' if c.old else ''}{_e(c.new)}</div>"
        for c in entry.changes
    )
    return mark_safe(
        ROW.format(
            _e(entry.when_local()),
            _e(entry.who),
            _e(entry.action),
            _e(capfirst(entry.object_type)),
            record,
            history,
            changes,
        )
    )

from django import template

from reader.views import panel_context

register = template.Library()


@register.inclusion_tag("reader/_panel.html", takes_context=True)
def reader_panel(context):
    """The reader's panel for the agreement page (``{% reader_panel %}``)."""
    request = context["request"]
    panel = panel_context(context["agreement"], can_write=request.membership.can_write)
    panel["request"] = request
    panel["csrf_token"] = context.get("csrf_token")
    return panel

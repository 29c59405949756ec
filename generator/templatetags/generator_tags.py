from django import template

from generator.signing_views import signature_context
from generator.views import compares, comparison_for

register = template.Library()


@register.inclusion_tag("generator/_comparison.html", takes_context=True)
def comparison_panel(context):
    """Where the vendor's BAA differs from the standard, on the agreement page
    (``{% comparison_panel %}``; ``baas`` does not import the generator)."""
    agreement = context["agreement"]
    if not compares(agreement):
        return {"shown": False}
    return {"shown": True, "agreement": agreement, "comparison": comparison_for(agreement)}


@register.inclusion_tag("generator/_signature.html", takes_context=True)
def signature_panel(context):
    """Send a generated agreement for signature, follow it, countersign it."""
    request = context["request"]
    panel = signature_context(request, context["agreement"])
    return {"panel": panel, "csrf_token": context.get("csrf_token")}

"""Sections of the vendor page contributed by higher apps (BAAs, diligence, reminders).

A panel is a function ``(request, vendor) -> dict | None``; the dict has ``template`` (rendered
with the page's context plus ``panel``), ``order`` (lower first) and any values the template
needs. Panels must run a constant number of queries. Registered in ``AppConfig.ready``.
"""

from collections.abc import Callable

from django.db.models import Prefetch, prefetch_related_objects

from oversight.models import rules_for

from .models import TierChange

Panel = Callable[[object, object], dict | None]
_panels: list[Panel] = []


def register(panel: Panel) -> Panel:
    if panel not in _panels:
        _panels.append(panel)
    return panel


def render_panels(request, vendor) -> list[dict]:
    built = [p(request, vendor) for p in _panels]
    return sorted((b for b in built if b), key=lambda b: b.get("order", 100))


# What several panels (and the page itself) read, read once per page.


def tier_rules(request) -> dict:
    """The practice's tier rules (``rules_for``), ``{tier: rules}``, once per request."""
    cached = getattr(request, "_vendor_page_tier_rules", None)
    if cached is None:
        org = request.practice.pk
        cached = request._vendor_page_tier_rules = rules_for([org])[org]
    return cached


def tier_history(vendor) -> list:
    """The vendor's tier changes, newest first, with who made them: one query for the page's
    tier history and the oversight timeline (a second call reads what the first fetched)."""
    prefetch_related_objects(
        [vendor],
        Prefetch("tier_changes", queryset=TierChange.objects.select_related("changed_by")),
    )
    return list(vendor.tier_changes.all())

"""Sections of the vendor page contributed by higher apps (BAAs, diligence, reminders).

A panel is a function ``(request, vendor) -> dict | None``; the dict has ``template`` (rendered
with the page's context plus ``panel``), ``order`` (lower first) and any values the template
needs. Panels must run a constant number of queries. Registered in ``AppConfig.ready``.
"""

from collections.abc import Callable

Panel = Callable[[object, object], dict | None]
_panels: list[Panel] = []


def register(panel: Panel) -> Panel:
    if panel not in _panels:
        _panels.append(panel)
    return panel


def render_panels(request, vendor) -> list[dict]:
    built = [p(request, vendor) for p in _panels]
    return sorted((b for b in built if b), key=lambda b: b.get("order", 100))

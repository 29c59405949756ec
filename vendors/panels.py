"""Sections of the vendor page contributed by higher apps (BAAs, diligence, reminders).

A panel is a function ``(request, vendor) -> dict | None``; the dict has ``template`` (rendered
with the page's context plus ``panel``), ``order`` (lower first) and any values the template
needs. Panels must run a constant number of queries. Registered in ``AppConfig.ready``.

Most vendors have nothing yet in most sections (no incident, no questionnaire, no
determination...): the rows a section lists are registered with ``lists``, the page reads
whether the vendor has any in the query that reads the vendor (``presence``), and a section
with none skips its queries (``has_rows``).
"""

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import BooleanField, Prefetch, prefetch_related_objects
from django.db.models.expressions import RawSQL

from oversight.models import TierPolicy, rules_for
from oversight.policy import DEFAULT_RULES

from .models import BusinessAssociate, Subcontractor, TierChange, VendorContact

# What the page shows of a subcontractor row.
SUBCONTRACTOR_FIELDS = ("vendor", "name", "linked_vendor", "services", "offshore", "ended_on")

Panel = Callable[[object, object], dict | None]
_panels: list[Panel] = []
_vendor_relations: list[str] = []
_listed: dict[str, tuple[type, str]] = {}
T = TypeVar("T")


def register(panel: Panel) -> Panel:
    if panel not in _panels:
        _panels.append(panel)
    return panel


def read_with_vendor(*relations: str) -> None:
    """One-to-one rows of the vendor that a panel shows (``select_related`` names, e.g. its
    review schedule): the page reads them in the query that reads the vendor, and the panel
    reads them with ``one_to_one``."""
    for relation in relations:
        if relation not in _vendor_relations:
            _vendor_relations.append(relation)


def vendor_relations() -> list[str]:
    return list(_vendor_relations)


def lists(name: str, model, field: str = "vendor") -> None:
    """The page lists ``model`` rows of the vendor (its foreign key ``field``): whether there
    are any is read with the vendor (``presence``), see ``has_rows``."""
    _listed[name] = (model, field)


def presence() -> dict[str, RawSQL]:
    """``page_has_<name>`` annotations for the query that reads the vendor: an ``EXISTS``
    per registered list, on its foreign-key index, in the vendor's practice. Written as SQL:
    an ORM ``Exists`` costs about ten times as much Python to build, the price of a query."""
    q = connection.ops.quote_name
    vendors = q(BusinessAssociate._meta.db_table)
    annotations = {}
    for name, (model, field) in _listed.items():
        table = q(model._meta.db_table)
        column = q(model._meta.get_field(field).column)
        annotations[f"page_has_{name}"] = RawSQL(
            f"EXISTS (SELECT 1 FROM {table} WHERE {table}.{column} = {vendors}.{q('id')}"
            f" AND {table}.{q('organization_id')} = {vendors}.{q('organization_id')})",
            (),
            output_field=BooleanField(),
        )
    # And whether the practice changed its tier policy (``tier_rules``).
    policies = q(TierPolicy._meta.db_table)
    annotations["page_practice_has_policy"] = RawSQL(
        f"EXISTS (SELECT 1 FROM {policies}"
        f" WHERE {policies}.{q('organization_id')} = {vendors}.{q('organization_id')})",
        (),
        output_field=BooleanField(),
    )
    return annotations


def has_rows(vendor, name: str) -> bool:
    """Whether the vendor has ``name`` rows (``lists``). True when the vendor was not read
    with ``presence`` (the caller queries and finds out)."""
    return bool(getattr(vendor, f"page_has_{name}", True))


def render_panels(request, vendor) -> list[dict]:
    vendor._vendor_page_reads = {}  # this object is the page's: ``page_read`` may keep reads
    built = [p(request, vendor) for p in _panels]
    return sorted((b for b in built if b), key=lambda b: b.get("order", 100))


# What several panels (and the page itself) read, read once per page.


def page_read(vendor, key: str, read: Callable[[], T]) -> T:
    """``read()`` once per vendor page, for what several panels read about its vendor (the
    page marks its vendor object in ``render_panels``). Elsewhere (a service, a signal) a
    vendor object may outlive a write, so each call reads afresh."""
    reads = getattr(vendor, "_vendor_page_reads", None)
    if reads is None:
        return read()
    if key not in reads:
        reads[key] = read()
    return reads[key]


def one_to_one(vendor, relation: str):
    """The vendor's row of a one-to-one relation (``read_with_vendor``), or None."""
    try:
        return getattr(vendor, relation)
    except ObjectDoesNotExist:
        return None


def tier_rules(request, vendor=None) -> dict:
    """The practice's tier rules (``rules_for``), ``{tier: rules}``, once per request; the
    defaults without a query when the page's vendor was read with ``presence`` and the
    practice has not changed its policy."""
    cached = getattr(request, "_vendor_page_tier_rules", None)
    if cached is None:
        org = request.practice.pk
        if not getattr(vendor, "page_practice_has_policy", True):
            cached = dict(DEFAULT_RULES)  # what ``rules_for`` gives a practice without rows
        else:
            cached = rules_for([org])[org]
        request._vendor_page_tier_rules = cached
    return cached


def tier_history(vendor) -> list:
    """The vendor's tier changes, newest first, with who made them: one query for the page's
    tier history and the oversight timeline (a second call reads what the first fetched)."""
    if not has_rows(vendor, "tier_changes"):
        return []
    prefetch_related_objects(
        [vendor],
        Prefetch("tier_changes", queryset=TierChange.objects.select_related("changed_by")),
    )
    return list(vendor.tier_changes.all())


def subcontractors(vendor) -> list:
    """The vendor's subcontractor rows, current (``ended_on`` empty) and former, with the
    vendors they are in the inventory as: one query for the page's list and the BAA findings'
    count (a second call reads what the first fetched)."""
    if not has_rows(vendor, "subcontractors"):
        return []
    # Of the linked vendor, only its name (``display_name``): a whole vendor row per
    # subcontractor tripled the query's cost.
    rows = Subcontractor.objects.select_related("linked_vendor").only(
        *SUBCONTRACTOR_FIELDS, "linked_vendor__name"
    )
    prefetch_related_objects([vendor], Prefetch("subcontractors", queryset=rows))
    return list(vendor.subcontractors.all())


lists("contacts", VendorContact)
lists("subcontractors", Subcontractor)
lists("subcontracted_by", Subcontractor, "linked_vendor")
lists("tier_changes", TierChange)

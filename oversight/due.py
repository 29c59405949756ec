"""Things that fall due: the common language of the work queue and the reminder engine.

Each app that owns dated obligations registers a *provider* (in its ``AppConfig.ready``):
``provider(org_ids, today, rules) -> Iterable[DueItem]`` where ``rules`` is
``{org_id: {tier: TierRules}}`` (see ``oversight.models.rules_for``). A provider must run a
bounded number of queries whatever the number of records (indexed date filters, no query per
vendor), and should only return items whose date is within the lead time of their tier
(the first BAA warning, the "due soon" window) or already past.

Imports flow one way: ``oversight`` defines this registry; ``baas``, ``diligence`` register;
``reminders`` and the work queue consume through ``collect``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class DueKind(StrEnum):
    BAA_EXPIRY = "baa_expiry"  # a signed BAA reaches its expiration date
    BAA_EXPIRED = "baa_expired"  # expired while the vendor is still active
    RENEWAL_NOTICE = "renewal_notice"  # last day to give notice against auto-renewal
    COMPLIANCE_GAP = "compliance_gap"  # engaged vendor with PHI and no signed current BAA
    REVIEW = "review"  # periodic vendor review
    EVIDENCE = "evidence"  # diligence evidence goes stale
    ACTION = "action"  # follow-up action
    CERTIFICATE = "certificate"  # terminated vendor: PHI disposition certificate missing


@dataclass(frozen=True)
class DueItem:
    organization_id: int
    kind: DueKind
    # Stable identity of the obligation, e.g. "baa:42" or "review:vendor:7". Together with the
    # due date it identifies one occurrence (a renewed BAA has a new date, hence new reminders).
    key: str
    due_date: date
    vendor_id: int
    vendor_name: str
    tier: str
    title: str  # what is due, in plain words, no PHI: "BAA expires", "Annual review due"
    url: str  # path of the page where it is done, e.g. "/vendors/7/"
    owner_membership_id: int | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)


Provider = Callable[[Iterable[int], date, dict], Iterable[DueItem]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def collect(org_ids: Iterable[int], today: date, rules: dict) -> list[DueItem]:
    """All due items of the given practices from every registered provider."""
    org_ids = list(org_ids)
    items: list[DueItem] = []
    for provider in _providers:
        items.extend(provider(org_ids, today, rules))
    return items


# Calendar: every dated obligation up to a date, whether or not it is "due" yet (a review in
# ten months belongs in a calendar, not yet in the work queue). Same DueItem shape, same keys,
# so the calendar's UIDs match the reminders' .ics attachments.
CalendarProvider = Callable[[Iterable[int], date, date], Iterable[DueItem]]
_calendar_providers: list[CalendarProvider] = []


def register_calendar(provider: CalendarProvider) -> CalendarProvider:
    if provider not in _calendar_providers:
        _calendar_providers.append(provider)
    return provider


def calendar_items(org_ids: Iterable[int], today: date, until: date, rules: dict) -> list[DueItem]:
    """What is due now (``collect``) and every dated obligation from today to ``until``,
    one item per (kind, key)."""
    org_ids = list(org_ids)
    items = {(i.kind, i.key): i for i in collect(org_ids, today, rules)}
    for provider in _calendar_providers:
        for item in provider(org_ids, today, until):
            items.setdefault((item.kind, item.key), item)
    return sorted(items.values(), key=lambda i: (i.due_date, i.vendor_name))

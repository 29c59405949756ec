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

from .policy import DEFAULT_RULES


class DueKind(StrEnum):
    BAA_EXPIRY = "baa_expiry"  # a signed BAA reaches its expiration date
    BAA_EXPIRED = "baa_expired"  # expired while the vendor is still active
    RENEWAL_NOTICE = "renewal_notice"  # last day to give notice against auto-renewal
    COMPLIANCE_GAP = "compliance_gap"  # engaged vendor with PHI and no signed current BAA
    REVIEW = "review"  # periodic vendor review
    EVIDENCE = "evidence"  # diligence evidence goes stale
    ACTION = "action"  # follow-up action
    ACCESS = "access_revocation"  # offboarding vendor: access to systems not yet revoked
    CERTIFICATE = "certificate"  # offboarding vendor: PHI disposition certificate missing
    INCIDENT = "incident_notice"  # a breach-notification deadline (45 CFR 164.404-164.408)
    QUESTIONNAIRE = "questionnaire"  # a vendor's answers to a portal questionnaire request


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
    # Someone outside the practice chased about the item (a vendor's contact), besides the
    # members: reminded before and after the date, escalations go to the owner (see
    # ``reminders.policy``). Empty for the practice's own obligations.
    contact_email: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)


Provider = Callable[[Iterable[int], date, dict], Iterable[DueItem]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


# Emails to a contact outside the practice are written by the app that owns the item (it
# alone knows what may be said and how the contact gets in): ``builder(reminder, now)`` returns
# the message (without Message-ID: the reminder engine sets it), or None if the item no longer
# calls for it. One builder per kind.
ContactMail = Callable
_contact_mail: dict[str, ContactMail] = {}


def register_contact_mail(kind: str, builder: ContactMail) -> ContactMail:
    _contact_mail[str(kind)] = builder
    return builder


def contact_mail(kind: str) -> ContactMail:
    """The builder of emails to contacts for ``kind`` (KeyError: none registered)."""
    return _contact_mail[str(kind)]


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


# The work queue: one row per problem, most overdue first. The dashboard's work-queue figures
# count with the same functions, so a figure and the list it opens cannot disagree.

# Kinds that are overdue from their first day (no PHI without a BAA: 164.502(e), 164.308(b)).
OVERDUE_AT_ONCE = frozenset({DueKind.COMPLIANCE_GAP, DueKind.BAA_EXPIRED})
# Kinds that only warn before their date; once it has passed, the expired BAA or the
# compliance gap is the problem (an item of its own).
WARNING_ONLY = frozenset({DueKind.BAA_EXPIRY, DueKind.RENEWAL_NOTICE})


# Most critical tier first (the policy's tiers are listed in that order).
_TIER_RANK = {tier: rank for rank, tier in enumerate(DEFAULT_RULES)}


def problems(items: Iterable[DueItem], today: date) -> list[DueItem]:
    """One item per problem: a warning whose date has passed is left out (the expired BAA or
    the gap says it), and so is an expired BAA of a vendor that has a compliance gap item (the
    gap is the problem; one vendor's one gap is one row, not three)."""
    items = [i for i in items if not (i.kind in WARNING_ONLY and i.due_date < today)]
    gap_vendors = {i.vendor_id for i in items if i.kind == DueKind.COMPLIANCE_GAP}
    return [i for i in items if not (i.kind == DueKind.BAA_EXPIRED and i.vendor_id in gap_vendors)]


def is_overdue(item: DueItem, today: date) -> bool:
    """Overdue: the date has passed, or the item is overdue from its first day (a gap)."""
    return item.kind in OVERDUE_AT_ONCE or item.due_date < today


def days_overdue(item: DueItem, today: date) -> int:
    """Days past the date (0 on the day, negative: days left)."""
    return (today - item.due_date).days


def queue(
    items: Iterable[DueItem],
    today: date,
    *,
    kind: str = "",
    owner: int | str | None = None,
    overdue_only: bool = False,
    ordered: bool = True,
) -> list[DueItem]:
    """The work queue's rows: ``problems`` filtered by kind, owner (a membership id, or
    ``"none"`` for items without an owner) and overdue-only, sorted by urgency: the most days
    overdue first, then what falls due soonest (ties: tier, vendor). ``ordered=False``: the
    same rows unsorted, for a count (the dashboard counts four queues over 20,000 items)."""
    rows = problems(items, today)
    if kind:
        rows = [i for i in rows if i.kind == kind]
    if owner == "none":
        rows = [i for i in rows if i.owner_membership_id is None]
    elif owner is not None:
        rows = [i for i in rows if i.owner_membership_id == owner]
    if overdue_only:
        rows = [i for i in rows if is_overdue(i, today)]
    if not ordered:
        return rows
    return sorted(
        rows,
        key=lambda i: (
            not is_overdue(i, today),
            i.due_date,
            _TIER_RANK.get(i.tier, 9),
            i.vendor_name,
            i.key,
        ),
    )

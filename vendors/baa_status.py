"""The BAA status of each vendor, as the inventory shows it (filterable and sortable).

The ``baas`` app keeps five fields of ``BusinessAssociate`` up to date whenever an agreement
changes (``baa_state``, ``baa_expires_on``, ``baa_findings_critical``, ``baa_findings_warning``,
``baa_deficient``: a signed agreement with a required provision marked absent is "Signed,
deficient", not compliant);
what depends on today's date is computed here, at query time, against the tier's first BAA
expiry warning (``oversight.models.rules_for``). A vendor that is engaged (onboarding, active
or offboarding: it holds PHI until return or destruction, 164.504(e)(2)(ii)(J)), needs a BAA
(``RiskProfile.needs_baa``: PHI, or remote or privileged access to the practice's systems) and
has no signed, current BAA is a **compliance gap**: the most urgent state everywhere.

``derived_status`` (pure) and ``annotate`` (SQL) compute the same thing; both are tested.
"""

from datetime import date, timedelta

from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When

from .choices import ENGAGED_STATUSES


class BaaState(models.TextChoices):
    """Stored by ``baas``: the state of the vendor's agreement of reference."""

    MISSING = "missing", "No agreement"
    DRAFT = "draft", "Draft or in negotiation"
    SIGNED = "signed", "Signed"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"


class BaaStatus(models.TextChoices):
    """Derived, most urgent first."""

    GAP = "gap", "Compliance gap: PHI or system access without a signed BAA"
    EXPIRED = "expired", "Expired"
    DEFICIENT = "deficient", "Signed, deficient (a required provision is absent)"
    EXPIRING = "expiring", "Expiring soon"
    DRAFT = "draft", "Draft or in negotiation"
    MISSING = "missing", "Missing"
    TERMINATED = "terminated", "Terminated"
    CURRENT = "current", "Signed and current"
    # No BAA needed by the profile, but nobody has documented that it is not a business
    # associate (``vendors/determination.py``): the safe reading is "find out", not "fine".
    UNDETERMINED = "undetermined", "Determination needed"
    NOT_REQUIRED = "not_required", "Not required (documented: not a BA)"


RANK = {status: rank for rank, status in enumerate(BaaStatus.values)}
# Signed, in date and complete: what the dashboard counts as covered and the inventory's
# "compliant" filter lists. A deficient agreement is not in it.
COMPLIANT = (BaaStatus.CURRENT, BaaStatus.EXPIRING)


def derived_status(
    *,
    baa_state: str,
    baa_expires_on: date | None,
    status: str,
    needs_baa: bool,
    today: date,
    warning_days: int,
    determined_not_ba: bool = False,
    baa_deficient: bool = False,
) -> str:
    """The vendor's BAA status on ``today`` (``warning_days``: the tier's first warning).
    ``baa_deficient``: the signed agreement lacks a required provision (164.504(e))."""
    current = baa_state == BaaState.SIGNED and (baa_expires_on is None or baa_expires_on >= today)
    if needs_baa and status in ENGAGED_STATUSES and not current:
        return BaaStatus.GAP
    if baa_state == BaaState.EXPIRED or (baa_state == BaaState.SIGNED and not current):
        return BaaStatus.EXPIRED
    if current and baa_deficient:
        return BaaStatus.DEFICIENT
    if current:
        if baa_expires_on is not None and baa_expires_on <= today + timedelta(days=warning_days):
            return BaaStatus.EXPIRING
        return BaaStatus.CURRENT
    if baa_state == BaaState.DRAFT:
        return BaaStatus.DRAFT
    if baa_state == BaaState.TERMINATED:
        return BaaStatus.TERMINATED
    if needs_baa:
        return BaaStatus.MISSING
    return BaaStatus.NOT_REQUIRED if determined_not_ba else BaaStatus.UNDETERMINED


def conditions(today: date, warning_days_by_tier: dict[str, int]) -> dict[str, Q]:
    """A Q per derived status, in rank order; the first that matches wins."""
    current = Q(baa_state=BaaState.SIGNED) & (
        Q(baa_expires_on__isnull=True) | Q(baa_expires_on__gte=today)
    )
    expiring = Q()
    for tier, days in warning_days_by_tier.items():
        expiring |= Q(tier=tier, baa_expires_on__lte=today + timedelta(days=days))
    return {
        BaaStatus.GAP: Q(needs_baa=True, status__in=ENGAGED_STATUSES) & ~current,
        BaaStatus.EXPIRED: Q(baa_state=BaaState.EXPIRED)
        | (Q(baa_state=BaaState.SIGNED) & ~current),
        BaaStatus.DEFICIENT: current & Q(baa_deficient=True),
        BaaStatus.EXPIRING: current & Q(baa_expires_on__isnull=False) & expiring,
        BaaStatus.CURRENT: current,
        BaaStatus.DRAFT: Q(baa_state=BaaState.DRAFT),
        BaaStatus.TERMINATED: Q(baa_state=BaaState.TERMINATED),
        BaaStatus.MISSING: Q(needs_baa=True),
        BaaStatus.UNDETERMINED: Q(determined_not_ba=False),
        BaaStatus.NOT_REQUIRED: Q(),
    }


def annotate(queryset, today: date, warning_days_by_tier: dict[str, int]):
    """Add ``baa_status`` and ``baa_rank`` (0 = most urgent) to a vendor queryset."""
    conds = conditions(today, warning_days_by_tier)
    order = [
        BaaStatus.GAP,
        BaaStatus.EXPIRED,
        BaaStatus.DEFICIENT,
        BaaStatus.EXPIRING,
        BaaStatus.CURRENT,
        BaaStatus.DRAFT,
        BaaStatus.TERMINATED,
        BaaStatus.MISSING,
        BaaStatus.UNDETERMINED,
    ]
    queryset = queryset.annotate(
        baa_status=Case(
            *[When(conds[s], then=Value(str(s))) for s in order],
            default=Value(str(BaaStatus.NOT_REQUIRED)),
            output_field=models.CharField(),
        )
    )
    # The rank takes the conditions the status just resolved against the query: resolving
    # the ten Q objects again was a third of building the inventory's queryset. Same SQL
    # (up to parentheses around a single condition).
    resolved = [when.condition for when in queryset.query.annotations["baa_status"].cases]
    return queryset.annotate(
        baa_rank=Case(
            *[When(c, then=Value(RANK[s])) for c, s in zip(resolved, order, strict=True)],
            default=Value(RANK[BaaStatus.NOT_REQUIRED]),
            output_field=IntegerField(),
        )
    )


def filter_status(queryset, status: str):
    """Filter an annotated queryset on one derived status."""
    return queryset.filter(baa_status=status)


def warning_days_by_tier(rules_for_org: dict) -> dict[str, int]:
    """``{tier: first warning days}`` from ``rules_for(...)[org_id]``."""
    return {tier: rules.first_warning_days for tier, rules in rules_for_org.items()}


def gap_since(
    *,
    phi_access_began: date | None,
    added_on: date,
    last_expiry: date | None,
    last_termination: date | None,
    today: date,
) -> date:
    """The day a vendor's compliance gap opened (164.502(e), 164.308(b)): the first day without
    a signed BAA. That is the day after the last signed BAA's expiration date (the agreement
    covers its expiration day) or the day it was terminated, whichever is later; with no
    signed BAA ever, the day PHI access began (else the day the vendor was added). PHI access
    that began after the last BAA ended opens the gap that day. Never after ``today``.

    ``last_expiry``: the latest expiration date of the vendor's signed, not terminated
    agreements; ``last_termination``: the latest termination date of its signed agreements.
    Work queue, reminders page, emails, ``.ics`` and vendor page all read this date (through
    ``baas.integration``'s compliance-gap item)."""
    began = phi_access_began or added_on
    ended = [d for d in (last_termination,) if d]
    if last_expiry:
        ended.append(last_expiry + timedelta(days=1))
    opened = max([began, *ended])
    return min(opened, today)

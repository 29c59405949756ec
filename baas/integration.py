"""What the BAA app contributes to the lower apps' registries (loaded in ``BaasConfig.ready``):

- ``vendors.activation``: a vendor that handles PHI cannot go active without a signed,
  current BAA unless a reason is recorded;
- ``vendors.panels``: the BAA section of the vendor page;
- ``oversight.due``: BAA expiry, expired BAA, auto-renewal notice and compliance-gap items;
- a ``post_save`` receiver on the vendor that recounts its BAA findings when it is edited.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F, FilteredRelation, Max, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from oversight import due
from oversight.models import rules_for
from oversight.reversing import url_pattern
from vendors import activation, panels
from vendors.baa_status import BaaState, BaaStatus, derived_status, gap_since
from vendors.choices import ENGAGED_STATUSES, RelationshipStatus
from vendors.models import BusinessAssociate, Subcontractor
from vendors.signals import vendors_saved

from . import findings
from .choices import AgreementStatus
from .models import (
    BusinessAssociateAgreement,
    practice_facts,
    vendor_facts,
)
from .services import (
    baa_refresh_vendors,
    practice_today,
    reference_agreement,
    vendor_baa_refresh,
)


def _has_current_signed(vendor, today: date) -> bool:
    return vendor.baa_state == BaaState.SIGNED and (
        vendor.baa_expires_on is None or vendor.baa_expires_on >= today
    )


@activation.register
def signed_baa_check(vendor) -> list[str]:
    """164.502(e): no PHI to a business associate before a BAA is signed (nor remote or
    privileged access to the practice's systems: ``RiskProfile.needs_baa``); a signed BAA
    that lacks a required provision (164.504(e)) does not count."""
    if not vendor.needs_baa:
        return []
    if vendor.pk and _has_current_signed(vendor, practice_today(vendor.organization)):
        if vendor.baa_deficient:
            return ["The signed BAA is deficient: a required provision is absent"]
        return []
    return ["No signed, current BAA"]


@panels.register
def baa_panel(request, vendor) -> dict:
    """The vendor page's BAA section: status, agreement of reference, its findings."""
    organization = request.practice
    today = practice_today(organization)
    warning = panels.tier_rules(request, vendor)[vendor.tier].first_warning_days
    agreements = (
        list(
            BusinessAssociateAgreement.objects.for_org(organization)
            .filter(vendor=vendor)
            .prefetch_related("checklist", "amendments")
            .order_by("-created_at", "-id")
        )
        if panels.has_rows(vendor, "agreements")
        else []
    )
    ref = reference_agreement(agreements)
    facts = (
        ref.facts(
            provisions={i.provision: i.state for i in ref.checklist.all()},
            amendments=list(ref.amendments.all()),
        )
        if ref
        else None
    )
    # The page's subcontractor rows (``vendors.panels``), counted as ``subcontractor_counts``
    # counts them: the current ones.
    current = [s for s in panels.subcontractors(vendor) if s.ended_on is None]
    v = vendor_facts(vendor, subcontractor_count=len(current))
    found = findings.evaluate(v, facts, practice_facts(organization), today, warning)
    status = derived_status(
        baa_state=vendor.baa_state,
        baa_expires_on=vendor.baa_expires_on,
        status=vendor.status,
        needs_baa=vendor.needs_baa,
        today=today,
        warning_days=warning,
        determined_not_ba=vendor.determined_not_ba,
        baa_deficient=vendor.baa_deficient,
    )
    gap_opened = gap_title = None
    if status == BaaStatus.GAP:
        row = (
            with_coverage_end(BusinessAssociate.objects.filter(pk=vendor.pk))
            .values(*GAP_FIELDS)
            .get()
        )
        gap_opened, gap_title = gap_date_and_title(row, today)
    return {
        "template": "baas/_vendor_panel.html",
        "gap_since": gap_opened,
        "gap_title": gap_title,
        "order": 10,
        "baa_status": status,
        "baa_status_label": BaaStatus(status).label,
        "agreement": ref,
        "agreements": agreements,
        "findings": found,
        "counts": findings.counts(found),
        "risk": findings.ce_risk(facts) if facts else None,
        "can_write": request.membership.can_write,
        "today": today,
    }


panels.lists("agreements", BusinessAssociateAgreement)


def with_coverage_end(vendors):
    """Annotate vendors with the end of their last signed BAA (``last_expiry``,
    ``last_termination``), the inputs of ``vendors.baa_status.gap_since``. One query. The
    join names the vendor's practice, so that the database reads that practice's agreements
    only, not every practice's."""
    own = FilteredRelation(
        "agreements", condition=Q(agreements__organization_id=F("organization_id"))
    )
    was_signed = Q(own__signed_on__isnull=False)
    return vendors.annotate(own=own).annotate(
        last_expiry=Max("own__expires_on", filter=was_signed & Q(own__terminated_on__isnull=True)),
        last_termination=Max("own__terminated_on", filter=was_signed),
    )


GAP_FIELDS = (
    "id",
    "organization_id",
    "organization__timezone",
    "name",
    "tier",
    "owner_id",
    "handles_phi",
    "phi_access_began",
    "created_at",
    "last_expiry",
    "last_termination",
)


def gap_date_and_title(row: dict, today: date) -> tuple[date, str]:
    """The date and title of a vendor's compliance gap, from a ``with_coverage_end`` row with
    ``GAP_FIELDS``: one definition for the work queue, reminders, calendar and vendor page.
    Before PHI flows it counts down to the planned access date; after, it is dated from the day
    the gap opened (``vendors.baa_status.gap_since``)."""
    added_on = timezone.localdate(row["created_at"], ZoneInfo(row["organization__timezone"]))
    began = row["phi_access_began"] or added_on
    if began > today:
        return (
            began,
            f"BAA must be signed before PHI is shared (access planned for {began:%Y-%m-%d})",
        )
    opened = gap_since(
        phi_access_began=row["phi_access_began"],
        added_on=added_on,
        last_expiry=row["last_expiry"],
        last_termination=row["last_termination"],
        today=today,
    )
    if row["handles_phi"]:
        return opened, "PHI shared without a signed, current BAA"
    # An MSP: remote or privileged access to the practice's systems, no PHI box.
    return opened, "Remote or privileged access without a signed, current BAA"


def _first_warning(rules: dict, org_id: int, tier: str) -> int:
    return rules[org_id][tier].first_warning_days


# The columns the providers read, as ``values()`` rows: tens of thousands of model instances
# (with their vendors) were most of the sweep's time and memory.
AGREEMENT_FIELDS = (
    "id",
    "organization_id",
    "expires_on",
    "auto_renews",
    "renewal_notice_days",
    "vendor_id",
    "vendor__name",
    "vendor__tier",
    "vendor__status",
    "vendor__owner_id",
)


def _common(row: dict, agreement_url: str) -> dict:
    return {
        "organization_id": row["organization_id"],
        "vendor_id": row["vendor_id"],
        "vendor_name": row["vendor__name"],
        "tier": row["vendor__tier"],
        "url": agreement_url.format(row["id"]),
        "owner_membership_id": row["vendor__owner_id"],
    }


def _expiry_item(row: dict, common) -> due.DueItem:
    return due.DueItem(
        kind=due.DueKind.BAA_EXPIRY,
        key=f"baa:{row['id']}",
        due_date=row["expires_on"],
        title="BAA expires",
        **common,
    )


def _renewal_item(row: dict, common) -> due.DueItem | None:
    """The last day to stop an auto-renewal, if the agreement renews and says how."""
    if not row["auto_renews"] or row["renewal_notice_days"] is None:
        return None
    return due.DueItem(
        kind=due.DueKind.RENEWAL_NOTICE,
        key=f"baa:{row['id']}:renewal",
        due_date=row["expires_on"] - timedelta(days=row["renewal_notice_days"]),
        title="Last day to give notice against BAA auto-renewal",
        **common,
    )


def signed_candidates(org_ids, today: date, horizon: date):
    """Signed agreements expiring by ``horizon`` (the largest warning window), or renewing
    automatically (renewal deadlines fall before the expiry). Uses the partial index
    baa_signed_by_expiry."""
    return BusinessAssociateAgreement.objects.filter(
        organization_id__in=org_ids,
        status=AgreementStatus.SIGNED,
        expires_on__isnull=False,
        vendor__archived_at__isnull=True,
        vendor__organization_id__in=org_ids,  # the join reads these practices' vendors only
    ).filter(Q(expires_on__lte=horizon) | Q(auto_renews=True, expires_on__gte=today))


def gap_vendors(org_ids, today: date):
    """Engaged vendors that need a BAA (PHI, or system access) and have no signed, current
    one: their compliance gap items."""
    return (
        BusinessAssociate.objects.filter(
            organization_id__in=org_ids,
            archived_at__isnull=True,
            needs_baa=True,
            status__in=ENGAGED_STATUSES,
        )
        .exclude(baa_state=BaaState.SIGNED, baa_expires_on__isnull=True)
        .exclude(baa_state=BaaState.SIGNED, baa_expires_on__gte=today)
    )


@due.register
def baa_due_items(org_ids, today: date, rules: dict, *, agreements=None, vendors=None):
    """BAA expiry, expired BAA, auto-renewal notice and compliance gaps. Two queries.
    ``agreements``, ``vendors``: only the items of these ids (``oversight.queue`` builds the
    rows of one page)."""
    org_ids = list(org_ids)
    if not org_ids:
        return []
    rules = rules or rules_for(org_ids)
    items: list[due.DueItem] = []
    horizon = today + timedelta(
        days=max(r.first_warning_days for org in rules.values() for r in org.values())
    )
    agreement_url = url_pattern("agreement_detail")
    signed = signed_candidates(org_ids, today, horizon)
    if agreements is not None or vendors is not None:
        signed = signed.filter(id__in=agreements or [])
    for row in signed.values(*AGREEMENT_FIELDS):
        window = _first_warning(rules, row["organization_id"], row["vendor__tier"])
        expires_on = row["expires_on"]
        common = _common(row, agreement_url)
        if expires_on <= today + timedelta(days=window):
            items.append(_expiry_item(row, common))
        # Offboarding: the vendor holds PHI until return or destruction (164.504(e)(2)(ii)(J)).
        if expires_on < today and row["vendor__status"] in (
            RelationshipStatus.ACTIVE,
            RelationshipStatus.OFFBOARDING,
        ):
            items.append(
                due.DueItem(
                    kind=due.DueKind.BAA_EXPIRED,
                    key=f"baa:{row['id']}:expired",
                    due_date=expires_on,
                    title="BAA expired while the vendor is active",
                    **common,
                )
            )
        renewal = _renewal_item(row, common)
        if (
            renewal is not None
            and renewal.due_date <= today + timedelta(days=window)
            and expires_on >= today
        ):
            items.append(renewal)
    # Compliance gaps: engaged vendors that need a BAA (PHI, or system access) and have no
    # signed, current one.
    gaps = gap_vendors(org_ids, today)
    if agreements is not None or vendors is not None:
        gaps = gaps.filter(id__in=vendors or [])
    gaps = with_coverage_end(gaps).values(*GAP_FIELDS)
    create_url = reverse("agreement_create") + "?vendor={}"
    for vendor in gaps:
        opened, title = gap_date_and_title(vendor, today)
        items.append(
            due.DueItem(
                organization_id=vendor["organization_id"],
                kind=due.DueKind.COMPLIANCE_GAP,
                key=f"gap:vendor:{vendor['id']}",
                due_date=opened,
                vendor_id=vendor["id"],
                vendor_name=vendor["name"],
                tier=vendor["tier"],
                title=title,
                url=create_url.format(vendor["id"]),
                owner_membership_id=vendor["owner_id"],
            )
        )
    return items


@receiver(post_save, sender=Subcontractor, dispatch_uid="baas_subcontractor_saved")
@receiver(post_delete, sender=Subcontractor, dispatch_uid="baas_subcontractor_deleted")
def subcontractor_changed(sender, instance, raw=False, **kwargs):
    """Subcontractor rows mean the vendor uses subcontractors (``findings``): recount."""
    if raw:
        return
    vendor = BusinessAssociate.objects.filter(pk=instance.vendor_id).first()
    if vendor and BusinessAssociateAgreement.objects.filter(vendor_id=vendor.pk).exists():
        vendor_baa_refresh(vendor=vendor)


@receiver(post_save, sender=BusinessAssociate, dispatch_uid="baas_vendor_saved")
def vendor_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    """A vendor's facts (records held, subcontractors, PHI access date, tier) feed its BAA
    findings: recount them when the vendor is edited. The inventory cannot call us (imports
    flow one way), hence a signal. ``vendor_baa_refresh`` writes with ``update()``, so this
    does not recurse."""
    if raw or not instance.pk:
        return
    if update_fields is not None and set(update_fields) <= {"archived_at", "updated_at"}:
        return
    if BusinessAssociateAgreement.objects.filter(vendor_id=instance.pk).exists():
        vendor_baa_refresh(vendor=instance)


@receiver(vendors_saved, dispatch_uid="baas_vendors_saved")
def vendors_saved_in_bulk(sender, organization, vendors, **kwargs):
    """The import's vendors: one set-based refresh of those that have an agreement."""
    baa_refresh_vendors(organization=organization, vendor_ids=[v.pk for v in vendors])


@due.register_calendar
def baa_calendar_dates(org_ids, today: date, until: date):
    """Every signed agreement's expiry and renewal-notice deadline up to ``until``. One query."""
    rows = BusinessAssociateAgreement.objects.filter(
        organization_id__in=list(org_ids),
        status=AgreementStatus.SIGNED,
        expires_on__gte=today,
        expires_on__lte=until,
        vendor__archived_at__isnull=True,
    ).values(*AGREEMENT_FIELDS)
    agreement_url = url_pattern("agreement_detail")
    for row in rows:
        common = _common(row, agreement_url)
        yield _expiry_item(row, common)
        renewal = _renewal_item(row, common)
        if renewal is not None and renewal.due_date >= today:
            yield renewal

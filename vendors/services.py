"""Writes on the inventory. Each validates, applies the tier rubric and records history."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import determination
from .choices import TierChangeSource
from .models import BaDetermination, BusinessAssociate, Subcontractor, TierChange, VendorContact
from .signals import vendors_saved
from .tiering import compute_tier


def _apply_tier(vendor: BusinessAssociate) -> tuple[str, str]:
    """Recompute derived fields; return (old effective tier, new effective tier)."""
    old = vendor.tier if vendor.pk else ""
    result = compute_tier(vendor.risk_profile)
    vendor.handles_phi = vendor.risk_profile.handles_phi
    vendor.needs_baa = vendor.risk_profile.needs_baa
    # A "not a business associate" determination no longer holds once a BAA is needed.
    vendor.determined_not_ba = vendor.determined_not_ba and not vendor.needs_baa
    vendor.computed_tier = result.tier
    vendor.tier_reasons = result.reasons
    vendor.tier = vendor.tier_override or result.tier
    return old, vendor.tier


def _record_tier_change(vendor, actor, old: str, new: str, source: str, reason: str = "") -> None:
    if old != new:
        TierChange.objects.create(
            organization=vendor.organization,
            vendor=vendor,
            changed_by=actor,
            from_tier=old,
            to_tier=new,
            source=source,
            reason=reason,
        )


@transaction.atomic
def vendors_save_many(*, organization, created: list, updated: list, fields, actor) -> None:
    """What ``vendor_save`` does, for many vendors of one practice at once (the import): tiers
    computed, rows written in bulk with their history (``bulk_create_with_history``,
    ``bulk_update_with_history``: ``fields`` of the updated ones), tier changes recorded, then
    one ``vendors_saved`` signal for what the apps above do on a vendor's save (BAA status,
    review schedule), in bulk. A bounded number of queries per 500 vendors."""
    now = timezone.now()
    changes = []
    for vendor in [*created, *updated]:
        if vendor.owner_id and vendor.owner.organization_id != organization.id:
            raise ValidationError({"owner": "The owner must be a member of this practice."})
        vendor.organization = organization
        old, new = _apply_tier(vendor)
        vendor.updated_at = now
        changes.append((vendor, old, new))
    bulk_create_with_history(created, BusinessAssociate, batch_size=BULK_BATCH, default_user=actor)
    derived = ["handles_phi", "needs_baa", "determined_not_ba", "computed_tier", "tier_reasons"]
    bulk_update_with_history(
        updated,
        BusinessAssociate,
        sorted({*fields, "owner", "tier", "updated_at", *derived}),
        batch_size=BULK_BATCH,
        default_user=actor,
    )
    TierChange.objects.bulk_create(
        [
            TierChange(
                organization=organization,
                vendor=vendor,
                changed_by=actor,
                from_tier=old,
                to_tier=new,
                source=TierChangeSource.COMPUTED,
                reason="; ".join(vendor.tier_reasons),
            )
            for vendor, old, new in changes
            if old != new
        ],
        batch_size=BULK_BATCH,
    )
    vendors_saved.send(
        sender=BusinessAssociate, organization=organization, vendors=[*created, *updated]
    )


BULK_BATCH = 500


@transaction.atomic
def vendor_save(*, vendor: BusinessAssociate, actor) -> BusinessAssociate:
    """Create or update a vendor from its (already validated) fields."""
    if vendor.owner_id and vendor.owner.organization_id != vendor.organization_id:
        raise ValidationError({"owner": "The owner must be a member of this practice."})
    old, new = _apply_tier(vendor)
    vendor.save()
    _record_tier_change(
        vendor, actor, old, new, TierChangeSource.COMPUTED, "; ".join(vendor.tier_reasons)
    )
    return vendor


@transaction.atomic
def tier_override_set(*, vendor: BusinessAssociate, actor, tier: str, reason: str) -> None:
    """A manager overrides the computed tier; the justification is required (and recorded)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Explain why the computed tier does not fit."})
    old = vendor.tier
    vendor.tier_override = tier
    vendor.tier_override_reason = reason
    vendor.tier = tier
    vendor.save(update_fields=["tier_override", "tier_override_reason", "tier", "updated_at"])
    _record_tier_change(vendor, actor, old, tier, TierChangeSource.OVERRIDE, reason)


@transaction.atomic
def tier_override_clear(*, vendor: BusinessAssociate, actor, reason: str = "") -> None:
    old = vendor.tier
    vendor.tier_override = ""
    vendor.tier_override_reason = ""
    vendor.tier = vendor.computed_tier
    vendor.save(update_fields=["tier_override", "tier_override_reason", "tier", "updated_at"])
    _record_tier_change(
        vendor,
        actor,
        old,
        vendor.tier,
        TierChangeSource.OVERRIDE_CLEARED,
        reason or "Override removed",
    )


@transaction.atomic
def vendor_archive(*, vendor: BusinessAssociate) -> None:
    """Hide from lists; the record and its history are kept (164.316(b)(2): six years)."""
    vendor.archived_at = timezone.now()
    vendor.save(update_fields=["archived_at", "updated_at"])


@transaction.atomic
def vendor_restore(*, vendor: BusinessAssociate) -> None:
    vendor.archived_at = None
    vendor.save(update_fields=["archived_at", "updated_at"])


@transaction.atomic
def determination_record(
    *,
    vendor: BusinessAssociate,
    basis: str,
    explanation: str,
    determined_by,
    determined_on,
    actor,
) -> BaDetermination:
    """Record that ``vendor`` is not a business associate (rules: ``vendors/determination.py``).
    The vendor's BAA status then reads "not required" instead of "determination needed"."""
    vendor = BusinessAssociate.objects.select_for_update().get(pk=vendor.pk)
    explanation = (explanation or "").strip()
    errors = determination.refusals(
        profile=vendor.risk_profile,
        category=vendor.category,
        basis=basis,
        explanation=explanation,
    )
    if determined_by.organization_id != vendor.organization_id:
        errors["determined_by"] = "Choose a member of this practice."
    if determined_on > vendor.organization.today():
        errors["determined_on"] = "A determination cannot be dated in the future."
    if errors:
        raise ValidationError(errors)
    row = BaDetermination.objects.create(
        organization=vendor.organization,
        vendor=vendor,
        basis=basis,
        explanation=explanation,
        determined_by=determined_by,
        determined_by_name=determined_by.display_name,
        determined_on=determined_on,
        recorded_by=actor,
    )
    if not vendor.determined_not_ba:
        vendor.determined_not_ba = True
        vendor.save(update_fields=["determined_not_ba", "updated_at"])
    return row


# --- contacts and subcontractors: ended, never deleted (164.316(b)(2)(i), 164.530(j)(2)) ----


def _check_end(ended_on, today) -> None:
    if ended_on > today:
        raise ValidationError({"ended_on": "The end date cannot be in the future."})


@transaction.atomic
def contact_end(*, contact: VendorContact, actor, ended_on) -> VendorContact:
    """Mark a contact as former from ``ended_on``; the row and its history are kept."""
    _check_end(ended_on, contact.organization.today())
    contact.ended_on = ended_on
    contact.save(update_fields=["ended_on"])
    return contact


@transaction.atomic
def subcontractor_end(*, subcontractor: Subcontractor, actor, ended_on) -> Subcontractor:
    """Mark a subcontractor as no longer used from ``ended_on``; the row and its history are
    kept (who held the practice's PHI, and when)."""
    _check_end(ended_on, subcontractor.organization.today())
    subcontractor.ended_on = ended_on
    subcontractor.save(update_fields=["ended_on"])
    return subcontractor

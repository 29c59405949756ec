"""Keep each vendor's review schedule current when something it depends on changes in a
lower app (a vendor's status or tier, a practice's tier policy). Connected in ``apps.py``."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from oversight.models import TierPolicy
from vendors.models import BusinessAssociate, TierChange
from vendors.signals import vendors_saved

from . import services
from .models import DueDiligenceRecord


@receiver(post_save, sender=BusinessAssociate, dispatch_uid="diligence_vendor_saved")
def vendor_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    services.schedule_refresh(vendor=instance)
    services.offboarding_start_if_needed(vendor=instance)


@receiver(vendors_saved, dispatch_uid="diligence_vendors_saved")
def vendors_saved_in_bulk(sender, organization, vendors, **kwargs):
    """The import's vendors (written in bulk, without ``post_save``): the same as above."""
    services.schedules_refresh(organization=organization, vendors=vendors)
    for vendor in vendors:
        services.offboarding_start_if_needed(vendor=vendor)


@receiver(post_save, sender=TierChange, dispatch_uid="diligence_tier_changed")
def tier_changed(sender, instance, created=False, raw=False, **kwargs):
    # When a vendor's tier changes, its due dates follow the new policy from that moment.
    if raw or not created:
        return
    services.schedule_refresh(vendor=instance.vendor)


@receiver(post_save, sender=TierPolicy, dispatch_uid="diligence_policy_changed")
def policy_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    services.schedules_refresh_for_tier(
        organization_id=instance.organization_id, tier=instance.tier
    )


@receiver(post_save, sender=DueDiligenceRecord, dispatch_uid="diligence_record_saved")
def diligence_record_saved(sender, instance, raw=False, **kwargs):
    # A first record (or the archiving of the last one) changes a high or critical vendor's
    # "no diligence yet" review date (``schedule.VendorFacts.never_overseen``).
    if raw:
        return
    services.schedule_refresh(vendor=instance.vendor)

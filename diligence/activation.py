"""Diligence before engagement (seed 003): a high- or critical-tier vendor needs at least one
satisfactory due-diligence record before it goes active. Registered in ``vendors.activation``."""

from vendors.activation import register

from .choices import FINDING_TIERS, SATISFACTORY_OUTCOMES
from .models import DueDiligenceRecord


def diligence_check(vendor) -> list[str]:
    if vendor.tier not in FINDING_TIERS or vendor.pk is None:
        return []
    satisfactory = DueDiligenceRecord.objects.filter(
        vendor_id=vendor.pk, archived_at__isnull=True, outcome__in=SATISFACTORY_OUTCOMES
    ).exists()
    if satisfactory:
        return []
    return [
        f"No satisfactory due-diligence record (required for {vendor.get_tier_display().lower()}"
        "-tier vendors)"
    ]


def connect() -> None:
    register(diligence_check)

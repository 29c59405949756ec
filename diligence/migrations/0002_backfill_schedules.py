"""Give every vendor that existed before the oversight program its review schedule (new and
changed vendors get theirs from ``diligence.signals``)."""

import zoneinfo

from django.db import migrations
from django.db.models import Max
from django.utils import timezone


def backfill(apps, schema_editor):
    from diligence import schedule
    from oversight.policy import DEFAULT_RULES, TierRules

    BusinessAssociate = apps.get_model("vendors", "BusinessAssociate")
    TierChange = apps.get_model("vendors", "TierChange")
    TierPolicy = apps.get_model("oversight", "TierPolicy")
    VendorSchedule = apps.get_model("diligence", "VendorSchedule")

    custom = {}
    for row in TierPolicy.objects.all():
        custom[(row.organization_id, row.tier)] = TierRules(
            review_interval_months=row.review_interval_months,
            expiry_warning_days=tuple(sorted(row.expiry_warning_days, reverse=True)),
            evidence_valid_months=row.evidence_valid_months,
            resend_days=row.resend_days,
            escalate_days=row.escalate_days,
            certificate_days=row.certificate_days,
        )
    last_change = {}
    for vendor_id, changed_at in (
        TierChange.objects.exclude(from_tier="")
        .order_by("vendor_id", "changed_at")
        .values_list("vendor_id", "changed_at")
    ):
        last_change[vendor_id] = changed_at
    VendorReview = apps.get_model("diligence", "VendorReview")
    last_review = dict(
        VendorReview.objects.values("vendor_id")
        .annotate(last=Max("reviewed_on"))
        .values_list("vendor_id", "last")
    )
    existing = set(VendorSchedule.objects.values_list("vendor_id", flat=True))
    rows = []
    for vendor in BusinessAssociate.objects.exclude(pk__in=existing).select_related("organization"):
        rules = custom.get((vendor.organization_id, vendor.tier), DEFAULT_RULES[vendor.tier])
        changed = last_change.get(vendor.pk)
        tz = zoneinfo.ZoneInfo(vendor.organization.timezone)
        facts = schedule.VendorFacts(
            tier=vendor.tier,
            status=vendor.status,
            engaged_on=vendor.phi_access_began or timezone.localtime(vendor.created_at, tz).date(),
            tier_changed_on=timezone.localtime(changed, tz).date() if changed else None,
            # RiskProfile.needs_baa at the time of this migration (PHI, or system access).
            needs_baa=vendor.handles_phi or vendor.remote_access,
            last_review_on=last_review.get(vendor.pk),
        )
        rows.append(
            VendorSchedule(
                organization_id=vendor.organization_id,
                vendor_id=vendor.pk,
                next_review_due=schedule.next_review_due(facts, rules),
                last_review_on=facts.last_review_on,
            )
        )
    VendorSchedule.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("diligence", "0001_oversight_program"),
        ("vendors", "0001_initial"),
        ("oversight", "0002_tier_policy"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

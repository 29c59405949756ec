"""The import writes in bulk (``vendors.services.vendors_save_many``) and leaves the record as
saving each vendor would: history naming the importer, tier changes, review schedules, the
BAA status of vendors with an agreement, an offboarding record; in a number of queries that
does not grow with the rows."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from baas import services as baa_services
from diligence import schedule
from diligence import services as diligence_services
from diligence.choices import ReviewOutcome
from diligence.models import Offboarding, VendorReview, VendorSchedule
from incidents import services as incident_services
from incidents.choices import Conclusion
from oversight.models import rules_for
from vendors import importing
from vendors.models import BusinessAssociate, TierChange

from .baas_factories import ALL_PRESENT, make_signed
from .factories import VendorFactory
from .test_incident_followups import FACTORS
from .test_incidents import _incident

pytestmark = pytest.mark.django_db


def rows(n, **extra):
    return [
        {
            "name": f"Imported Vendor {i:03d}",
            "category": "billing",
            "status": "prospective",
            "access_level": "limited",
            "phi_electronic": "yes",
            "record_count": str(100 + i),
            "criticality": ["low", "medium", "high"][i % 3],
            **extra,
        }
        for i in range(n)
    ]


def test_imported_vendors_have_history_tier_changes_and_schedules(cast):
    result = importing.apply(cast.practice, rows(6), actor=cast.bob.user, source="x.csv")
    assert result.ok and result.count("create") == 6
    vendors = list(BusinessAssociate.objects.filter(organization=cast.practice))
    assert len(vendors) == 6
    policy = rules_for([cast.practice.pk])[cast.practice.pk]
    for vendor in vendors:
        created = vendor.history.get()
        assert (created.history_type, created.history_user) == ("+", cast.bob.user)
        change = TierChange.objects.get(vendor=vendor)
        assert (change.from_tier, change.to_tier, change.changed_by) == (
            "",
            vendor.tier,
            cast.bob.user,
        )
        # The schedule is the one saving the vendor computes (diligence.services).
        expected = schedule.next_review_due(
            diligence_services.vendor_facts(vendor), policy[vendor.tier]
        )
        stored = VendorSchedule.objects.get(vendor=vendor)
        assert stored.next_review_due == expected and stored.history.count() == 1


def test_reimport_refreshes_the_baa_status_and_starts_offboarding(cast):
    vendor = VendorFactory(
        organization=cast.practice, name="ChartWell EHR", record_count=100, status="active"
    )
    make_signed(
        vendor,
        checklist=ALL_PRESENT,
        breach_notice_days=10,
        indemnification="mutual",
        cap_kind="none",
        expires_on=cast.practice.today() + timedelta(days=3 * 365),
    )
    raw = [
        {
            "name": "ChartWell EHR",
            "category": "ehr",
            "status": "terminated",
            "access_level": "limited",
            "phi_electronic": "yes",
            "record_count": "900000",
        }
    ]
    result = importing.apply(cast.practice, raw, actor=cast.bob.user, source="x.csv")
    assert result.ok and [r.outcome for r in result.rows] == ["update"]
    stored = BusinessAssociate.objects.get(pk=vendor.pk)
    assert (stored.status, stored.record_count) == ("terminated", 900000)
    assert stored.history.first().history_user == cast.bob.user
    fields = ("baa_state", "baa_findings_critical", "baa_findings_warning", "baa_deficient")
    after_import = [getattr(stored, f) for f in fields]
    baa_services.vendor_baa_refresh(vendor=stored)  # the per-vendor refresh agrees
    assert [getattr(BusinessAssociate.objects.get(pk=vendor.pk), f) for f in fields] == (
        after_import
    )
    assert Offboarding.objects.filter(vendor=vendor).exists()


def breached_vendor(cast):
    """A vendor reviewed 30 days ago whose breach, concluded 25 days ago, brings its next
    review forward to 5 days from today (``incidents.clocks.review_proposed_by``), well before
    the policy's date."""
    today = cast.practice.today()
    vendor = VendorFactory(organization=cast.practice, name="Breached Billing", category="billing")
    diligence_services.review_record(
        review=VendorReview(
            organization=cast.practice,
            vendor=vendor,
            reviewed_on=today - timedelta(days=30),
            reviewer=cast.bob,
            outcome=ReviewOutcome.CONTINUE,
        ),
        actor=cast.bob.user,
    )
    incident = _incident(cast, vendor, vendor_discovered_on=today - timedelta(days=40),
                         vendor_notified_on=today - timedelta(days=38))  # fmt: skip
    incident.conclusion = Conclusion.BREACH
    incident.assessed_on = today - timedelta(days=25)
    for name, value in FACTORS.items():
        setattr(incident, name, value)
    incident_services.incident_save(incident=incident, actor=cast.bob.user)
    early = today + timedelta(days=5)
    assert VendorSchedule.objects.get(vendor=vendor).next_review_due == early
    return vendor, early


def breached_row(vendor, record_count):
    return {
        "name": vendor.name,
        "category": "billing",
        "status": "active",
        "access_level": "limited",
        "phi_electronic": "yes",
        "record_count": str(record_count),
        "criticality": "medium",
    }


def test_reimport_keeps_the_review_a_breach_brought_forward(cast, login):
    """Re-importing a vendor does not give it back the policy's later review date: the breach
    found since its last review still asks for the next one within 30 days."""
    vendor, early = breached_vendor(cast)
    result = importing.apply(
        cast.practice, [breached_row(vendor, 5000)], actor=cast.bob.user, source="x.csv"
    )
    assert result.ok and [r.outcome for r in result.rows] == ["update"]
    stored = BusinessAssociate.objects.get(pk=vendor.pk)
    assert stored.record_count == 5000
    assert VendorSchedule.objects.get(vendor=vendor).next_review_due == early
    # The date the vendor's own refresh computes, and the one its page shows.
    assert diligence_services.schedule_refresh(vendor=stored).next_review_due == early
    page = login(cast.bob).get(reverse("vendor_detail", args=[vendor.pk])).content.decode()
    assert f"Next review due <strong>{early:%Y-%m-%d}</strong>" in page
    assert "Breach at the vendor" in page


def test_a_policy_change_keeps_the_review_a_breach_brought_forward(cast):
    """A change of the tier's policy recomputes every vendor of the tier in bulk: the breach
    still brings the next review forward, the other vendors follow the policy."""
    vendor, early = breached_vendor(cast)
    other = VendorFactory(organization=cast.practice, name="Quiet Billing", category="billing")
    assert other.tier == vendor.tier
    before = VendorSchedule.objects.get(vendor=other).next_review_due
    assert (
        diligence_services.schedules_refresh_for_tier(
            organization_id=cast.practice.pk, tier=vendor.tier
        )
        == 2
    )
    assert VendorSchedule.objects.get(vendor=vendor).next_review_due == early
    assert VendorSchedule.objects.get(vendor=other).next_review_due == before


def test_import_queries_do_not_grow_with_the_rows(cast):
    # A vendor with a breach in every import: its incidents are read for all rows at once.
    vendor, _ = breached_vendor(cast)

    def measure(n, prefix):
        raw = [{**r, "name": f"{prefix} {r['name']}"} for r in rows(n)]
        raw.append(breached_row(vendor, 1000 + n))
        with CaptureQueriesContext(connection) as ctx:
            assert importing.apply(cast.practice, raw, actor=cast.bob.user, source="x").ok
        return len(ctx.captured_queries)

    assert measure(3, "A") == measure(30, "B")


def test_constraints_are_skipped_only_when_no_import_column_can_break_them(cast):
    """The preview skips the model's constraint checks (a query built per row) only because
    they name no column of the import; a constraint on an import column would be checked."""
    from django.db import models

    assert importing.OUT_OF_REACH
    assert importing._constrained_fields(BusinessAssociate) == {
        "tier_override",
        "tier_override_reason",
    }

    probe = SimpleNamespace(
        _meta=SimpleNamespace(
            constraints=[
                models.CheckConstraint(condition=models.Q(record_count__gte=0), name="positive")
            ]
        )
    )
    assert importing._constrained_fields(probe) & set(importing.ImportRowForm._meta.fields)
    result = importing.preview(cast.practice, rows(2))
    assert result.ok
    assert all("validate_constraints" not in vars(r.form.instance) for r in result.rows)

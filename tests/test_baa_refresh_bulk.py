"""The set-based BAA refresh (``baas.services.baa_refresh_vendors``, used by the nightly task,
the bench data build and the import) stores exactly what the per-vendor refresh stores, on
varied data: every agreement status, deficient and complete checklists, amendments,
subcontractors, several agreements per vendor, time-dependent findings."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from baas import services
from baas.choices import AgreementStatus, ProvisionState
from baas.models import BusinessAssociateAgreement
from vendors.baa_status import BaaState
from vendors.choices import RelationshipStatus
from vendors.models import BusinessAssociate, Subcontractor

from .baas_factories import ALL_PRESENT, make_agreement, make_signed
from .factories import VendorFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 6, 1, 17, tzinfo=UTC)
TODAY = date(2026, 6, 1)
VENDOR_FIELDS = (
    "baa_state",
    "baa_expires_on",
    "baa_findings_critical",
    "baa_findings_warning",
    "baa_deficient",
)


def _varied(org):
    """Vendors of every kind of agreement situation; returns the vendors."""
    complete = dict(
        checklist=ALL_PRESENT,
        breach_notice_days=10,
        indemnification="mutual",
        cap_kind="none",
        return_destroy="destroy",
    )
    absent = {**ALL_PRESENT, "subcontractors": ProvisionState.ABSENT}
    vendors = [
        VendorFactory(organization=org, criticality="low", record_count=60000) for _ in range(9)
    ]
    make_signed(vendors[0], expires_on=TODAY + timedelta(days=20), **complete)  # expiring
    make_signed(vendors[1], expires_on=TODAY + timedelta(days=400), **complete)  # current
    deficient = make_signed(
        vendors[2], **{**complete, "checklist": absent}, signed_on=date(2012, 1, 1)
    )
    services.amendment_add(
        agreement=deficient, actor=None, amended_on=date(2012, 6, 1), summary="Pre-Omnibus"
    )
    make_agreement(vendors[3])  # a draft with nothing reviewed
    make_agreement(vendors[4], status=AgreementStatus.NEGOTIATION, breach_notice_days=60)
    old = make_signed(vendors[5], expires_on=TODAY + timedelta(days=10), **complete)
    BusinessAssociateAgreement.objects.filter(pk=old.pk).update(
        status=AgreementStatus.EXPIRED, expires_on=TODAY - timedelta(days=30)
    )
    make_agreement(vendors[5], breach_notice_days=45)  # expired, and a new draft
    ended = make_signed(vendors[6], **complete)
    services.agreement_terminate(
        agreement=ended, actor=None, terminated_on=TODAY - timedelta(days=3), reason="Ended"
    )
    make_signed(vendors[7], auto_renews=True, renewal_notice_days=90, **complete)
    Subcontractor.objects.create(organization=org, vendor=vendors[7], name="Cloud host")
    BusinessAssociate.objects.filter(pk=vendors[7].pk).update(
        status=RelationshipStatus.OFFBOARDING, uses_subcontractors=True
    )
    # vendors[8]: no agreement at all; neither refresh touches it.
    return vendors


def _scramble(org):
    """Wrong stored values everywhere, so that each refresh has to write everything."""
    BusinessAssociate.objects.filter(organization=org).update(
        baa_state=BaaState.TERMINATED,
        baa_expires_on=date(2001, 1, 1),
        baa_findings_critical=97,
        baa_findings_warning=98,
        baa_deficient=True,
    )
    BusinessAssociateAgreement.objects.filter(organization=org).update(
        findings_critical=95, findings_warning=96
    )


def _stored(org):
    vendors = {
        pk: rest
        for pk, *rest in BusinessAssociate.objects.filter(organization=org).values_list(
            "pk", *VENDOR_FIELDS
        )
    }
    agreements = dict(
        (pk, (c, w))
        for pk, c, w in BusinessAssociateAgreement.objects.filter(organization=org).values_list(
            "pk", "findings_critical", "findings_warning"
        )
    )
    return vendors, agreements


@pytest.mark.parametrize("days_later", [0, 15, 45])
def test_set_based_refresh_stores_what_the_per_vendor_refresh_stores(cast, days_later):
    org = cast.practice
    with time_machine.travel(NOON, tick=False):
        vendors = _varied(org)
    with time_machine.travel(NOON + timedelta(days=days_later), tick=False):
        _scramble(org)
        for vendor in BusinessAssociate.objects.filter(organization=org):
            if BusinessAssociateAgreement.objects.filter(vendor=vendor).exists():
                services.vendor_baa_refresh(vendor=vendor)
        one_by_one = _stored(org)
        _scramble(org)
        assert services.baa_refresh_practice(organization=org) == 8
        at_once = _stored(org)
    assert at_once == one_by_one
    stored_vendors, stored_agreements = at_once
    # The refresh wrote real values: states of every kind, findings counted.
    states = {stored_vendors[v.pk][0] for v in vendors[:8]}
    assert {BaaState.SIGNED, BaaState.DRAFT} <= states
    assert BaaState.TERMINATED in states
    assert stored_vendors[vendors[2].pk][4] is True  # deficient: a provision is absent
    assert stored_vendors[vendors[1].pk][4] is False
    assert all(c != 95 for c, _ in stored_agreements.values())
    # The vendor without an agreement is left as it was.
    assert stored_vendors[vendors[8].pk][2] == 97


def test_set_based_refresh_counts_a_baa_entering_its_warning_window(cast):
    vendor = VendorFactory(organization=cast.practice, criticality="low")
    with time_machine.travel(datetime(2026, 1, 1, 17, tzinfo=UTC)):
        make_signed(
            vendor,
            checklist=ALL_PRESENT,
            breach_notice_days=10,
            indemnification="mutual",
            cap_kind="none",
            expires_on=date(2026, 12, 31),
        )
    assert BusinessAssociate.objects.get(pk=vendor.pk).baa_findings_warning == 0
    with time_machine.travel(datetime(2026, 12, 1, 17, tzinfo=UTC)):
        assert services.baa_refresh_vendors(organization=cast.practice, vendor_ids=[vendor.pk])
    assert BusinessAssociate.objects.get(pk=vendor.pk).baa_findings_warning == 1


def test_set_based_refresh_queries_do_not_grow_with_vendors(cast):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            services.baa_refresh_practice(organization=cast.practice)
        return len(ctx.captured_queries)

    with time_machine.travel(NOON, tick=False):
        for _ in range(2):
            make_agreement(VendorFactory(organization=cast.practice))
        _scramble(cast.practice)
        few = queries()
        for _ in range(6):
            make_agreement(VendorFactory(organization=cast.practice))
        _scramble(cast.practice)
        many = queries()
    assert many == few

"""seed_demo gives each practice agreements that exercise every BAA finding, idempotently."""

import pytest
from django.core.management import call_command

from baas import findings
from baas.models import AgreementDocument, BusinessAssociateAgreement, practice_facts, vendor_facts
from baas.services import practice_today
from oversight.models import Organization, rules_for
from vendors.models import BusinessAssociate

pytestmark = pytest.mark.django_db

EXPECTED = {
    "no_signed_baa",
    "phi_before_baa",
    "indemnification_vendor_favourable",
    "indemnification_none",
    "cap_below_exposure",
    "cap_few_months",
    "carve_outs_missing",
    "cap_not_valued",
    "breach_notice_missing",
    "breach_notice_too_long",
    "breach_notice_over_policy",
    "breach_notice_clock_late",
    "no_audit_rights",
    "own_use_rights",
    "provision_absent:accounting",
    "provisions_not_reviewed",
    "pre_omnibus",
    "expired",
    "expiring",
    "renewal_notice",
    "provision_absent:subcontractors",
    "fines_without_insurance",
    "offshore_unrestricted",
}


def test_demo_agreements_exercise_every_finding(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    call_command("seed_demo")
    counts = (BusinessAssociateAgreement.objects.count(), AgreementDocument.objects.count())
    call_command("seed_demo")
    assert (BusinessAssociateAgreement.objects.count(), AgreementDocument.objects.count()) == counts
    for practice in Organization.objects.filter(
        name__in=["Riverside Family Medicine", "Lakeview Pediatrics"]
    ):
        today = practice_today(practice)
        rules = rules_for([practice.pk])[practice.pk]
        seen = set()
        for vendor in BusinessAssociate.objects.for_org(practice):
            agreement = (
                BusinessAssociateAgreement.objects.filter(vendor=vendor).order_by("-id").first()
            )
            facts = agreement.facts() if agreement else None
            found = findings.evaluate(
                vendor_facts(vendor),
                facts,
                practice_facts(practice),
                today,
                rules[vendor.tier].first_warning_days,
            )
            seen |= {f.code for f in found}
        assert EXPECTED <= seen, EXPECTED - seen
        signed = BusinessAssociateAgreement.objects.for_org(practice).signed()
        assert all(a.documents.filter(kind="signed").exists() for a in signed)

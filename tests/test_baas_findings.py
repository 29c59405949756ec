"""The BAA findings module, rule by rule, and seed 000's four scenarios. Pure: no database."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from baas import findings as F
from baas.choices import (
    AgreementStatus,
    CapKind,
    CarveOut,
    DayKind,
    Indemnification,
    IndemnityCover,
    ProvisionState,
    Term,
)
from baas.provisions import PROVISIONS

TODAY = date(2026, 6, 1)
ALL_PRESENT = {p.key: ProvisionState.PRESENT for p in PROVISIONS}
PRACTICE = F.PracticeFacts(cost_per_record=Decimal("408"), cost_per_record_year=2018)
VENDOR = F.VendorFacts(name="ChartWell EHR", status="active", handles_phi=True, record_count=20_000)
# A clean, well-negotiated, signed agreement: no finding at all.
GOOD = F.AgreementFacts(
    status=AgreementStatus.SIGNED,
    effective_on=date(2024, 1, 1),
    signed_on=date(2024, 1, 1),
    expires_on=date(2028, 1, 1),
    breach_notice_days=10,
    indemnification=Indemnification.MUTUAL,
    indemnification_covers=(IndemnityCover.NOTIFICATION,),
    cap_kind=CapKind.FIXED,
    cap_amount=Decimal("10000000"),
    carve_outs=tuple(CarveOut.values),
    provisions=ALL_PRESENT,
)


def codes(agreement=GOOD, vendor=VENDOR, warning_days=90, today=TODAY):
    return {
        f.code: f.severity for f in F.evaluate(vendor, agreement, PRACTICE, today, warning_days)
    }


def test_a_clean_agreement_has_no_finding():
    assert codes() == {}


def test_no_signed_baa_for_an_engaged_vendor_with_phi_is_critical():
    assert codes(agreement=None) == {"no_signed_baa": "critical"}
    draft = replace(GOOD, status=AgreementStatus.DRAFT, signed_on=None)
    assert codes(agreement=draft)["no_signed_baa"] == "critical"
    # Not engaged, or no PHI: not a gap.
    assert codes(agreement=None, vendor=replace(VENDOR, status="prospective")) == {}
    assert codes(agreement=None, vendor=replace(VENDOR, handles_phi=False)) == {}


def test_phi_access_before_signature():
    vendor = replace(VENDOR, phi_access_began=date(2023, 6, 1))
    found = F.evaluate(vendor, GOOD, PRACTICE, TODAY, 90)
    assert [f.code for f in found] == ["phi_before_baa"]
    assert "2023-06-01" in found[0].explanation and "2024-01-01" in found[0].explanation


def test_vendor_favourable_indemnification_is_critical_and_none_is_a_warning():
    assert codes(replace(GOOD, indemnification=Indemnification.VENDOR_FAVOURABLE)) == {
        "indemnification_vendor_favourable": "critical"
    }
    assert codes(replace(GOOD, indemnification=Indemnification.NONE)) == {
        "indemnification_none": "warning"
    }


def test_cap_below_exposure_shows_both_figures():
    agreement = replace(GOOD, cap_amount=Decimal("500000"))
    found = [f for f in F.evaluate(VENDOR, agreement, PRACTICE, TODAY, 90)]
    assert [f.code for f in found] == ["cap_below_exposure"]
    # 20,000 records x $408 = $8,160,000
    assert "$500,000" in found[0].explanation and "$8,160,000" in found[0].explanation
    assert "2018" in found[0].explanation


def test_cap_of_a_few_months_fees_is_computed_in_dollars():
    agreement = replace(
        GOOD,
        cap_kind=CapKind.FEES_MONTHS,
        cap_months=3,
        annual_contract_value=Decimal("24000"),
    )
    assert F.cap_in_dollars(agreement) == Decimal("6000")
    assert codes(agreement) == {"cap_below_exposure": "warning", "cap_few_months": "warning"}
    twelve = replace(agreement, cap_months=12)
    assert "cap_few_months" not in codes(twelve)


def test_multiple_of_contract_value():
    agreement = replace(
        GOOD,
        cap_kind=CapKind.MULTIPLE,
        cap_multiple=Decimal("2"),
        annual_contract_value=Decimal("5000000"),
    )
    assert F.cap_in_dollars(agreement) == Decimal("10000000")
    assert codes(agreement) == {}


@pytest.mark.parametrize("missing", CarveOut.values)
def test_each_missing_carve_out_is_a_finding(missing):
    agreement = replace(GOOD, carve_outs=tuple(c for c in CarveOut.values if c != missing))
    assert codes(agreement) == {f"carve_out_missing:{missing}": "warning"}


def test_carve_outs_do_not_matter_without_a_cap():
    assert codes(replace(GOOD, cap_kind=CapKind.NONE, carve_outs=())) == {}


def test_breach_notice_missing_or_over_sixty_days():
    assert codes(replace(GOOD, breach_notice_days=None)) == {"breach_notice_missing": "warning"}
    assert codes(replace(GOOD, breach_notice_days=60)) == {}
    assert codes(replace(GOOD, breach_notice_days=61)) == {"breach_notice_too_long": "critical"}
    # 45 business days is about 63 calendar days.
    business = replace(GOOD, breach_notice_days=45, breach_notice_day_kind=DayKind.BUSINESS)
    assert codes(business) == {"breach_notice_too_long": "critical"}


def test_absent_provision_is_critical_and_not_reviewed_is_one_warning():
    absent = replace(GOOD, provisions={**ALL_PRESENT, "books_records": ProvisionState.ABSENT})
    assert codes(absent) == {"provision_absent:books_records": "critical"}
    half = {p.key: ProvisionState.PRESENT for p in PROVISIONS[:6]}
    found = F.evaluate(VENDOR, replace(GOOD, provisions=half), PRACTICE, TODAY, 90)
    assert [f.code for f in found] == ["provisions_not_reviewed"]
    assert found[0].title == "6 required provisions not reviewed"


def test_signed_before_omnibus_and_never_amended():
    old = replace(GOOD, signed_on=date(2011, 6, 1), effective_on=date(2011, 6, 1))
    assert codes(old) == {"pre_omnibus": "critical"}
    assert codes(replace(old, amended=True)) == {}
    assert codes(replace(old, signed_on=OMNIBUS_DAY, effective_on=OMNIBUS_DAY)) == {}


OMNIBUS_DAY = date(2013, 1, 25)


def test_expired_and_expiring_within_the_tier_window():
    assert codes(replace(GOOD, expires_on=date(2026, 5, 31)))["expired"] == "critical"
    soon = replace(GOOD, expires_on=date(2026, 8, 1))  # 61 days away
    assert codes(soon, warning_days=90) == {"expiring": "warning"}
    assert codes(soon, warning_days=60) == {}
    assert F.evaluate(VENDOR, soon, PRACTICE, TODAY, 90)[0].title == "Expires in 61 days"


def test_auto_renewal_notice_deadline_approaching_then_passed():
    renewing = replace(
        GOOD, expires_on=date(2026, 12, 31), auto_renews=True, renewal_notice_days=180
    )
    # Deadline 2026-07-04: within a 90-day window from 2026-06-01.
    assert F.renewal_notice_deadline(renewing) == date(2026, 7, 4)
    assert codes(renewing, warning_days=90) == {"renewal_notice": "warning"}
    assert codes(renewing, warning_days=30) == {}
    assert codes(renewing, today=date(2026, 7, 10), warning_days=30) == {
        "renewal_notice_passed": "info"
    }


def test_subcontractors_without_the_subcontractor_provision():
    vendor = replace(VENDOR, uses_subcontractors=True)
    absent = replace(GOOD, provisions={**ALL_PRESENT, "subcontractors": ProvisionState.ABSENT})
    assert codes(absent, vendor=vendor) == {
        "provision_absent:subcontractors": "critical",
        "subcontractor_provision_absent": "critical",
    }
    assert "subcontractor_provision_absent" not in codes(absent)  # vendor without subs
    assert codes(GOOD, vendor=vendor) == {}


def test_information_only_findings():
    unknown = replace(GOOD, indemnification=Indemnification.UNKNOWN, cap_kind=CapKind.UNKNOWN)
    assert codes(unknown) == {"indemnification_unknown": "info", "cap_unknown": "info"}
    fines = replace(GOOD, indemnification_covers=(IndemnityCover.REGULATORY_FINES,))
    assert codes(fines) == {"fines_without_insurance": "info"}
    insured = replace(fines, cyber_insurance_amount=Decimal("5000000"))
    assert codes(insured) == {}
    offshore = replace(VENDOR, offshore=True)
    assert codes(vendor=offshore) == {"offshore_unrestricted": "info"}
    assert codes(replace(GOOD, offshore_restricted=Term.YES), vendor=offshore) == {}


def test_findings_are_sorted_most_severe_first_and_counted():
    agreement = replace(
        GOOD,
        indemnification=Indemnification.UNKNOWN,
        breach_notice_days=None,
        provisions={**ALL_PRESENT, "access": ProvisionState.ABSENT},
    )
    found = F.evaluate(VENDOR, agreement, PRACTICE, TODAY, 90)
    assert [f.severity for f in found] == ["critical", "warning", "info"]
    assert F.counts(found) == {"critical": 1, "warning": 1, "info": 1}
    for finding in found:
        assert finding.explanation and finding.cite


# --- seed 000's comparison table -------------------------------------------------------------

TYPICAL_VENDOR = replace(
    GOOD,
    indemnification=Indemnification.VENDOR_FAVOURABLE,
    cap_kind=CapKind.FEES_MONTHS,
    cap_months=12,
    annual_contract_value=Decimal("24000"),
    carve_outs=(),
)
NEGOTIATED = replace(
    GOOD, indemnification=Indemnification.MUTUAL, cap_kind=CapKind.FIXED, carve_outs=()
)
GENERATOR_TEMPLATE = replace(
    GOOD,
    indemnification=Indemnification.MUTUAL,
    cap_kind=CapKind.FIXED,
    carve_outs=(CarveOut.GROSS_NEGLIGENCE,),
)
NO_CLAUSE = replace(GOOD, indemnification=Indemnification.NONE)


@pytest.mark.parametrize(
    ("agreement", "risk"),
    [
        (TYPICAL_VENDOR, "high"),  # CE indemnifies vendor: CE absorbs breach costs
        (NEGOTIATED, "moderate"),  # mutual: costs follow fault
        (GENERATOR_TEMPLATE, "lower"),  # mutual with gross-negligence carve-out: balanced
        (NO_CLAUSE, "high"),  # tort law only: uncertain recovery
    ],
    ids=["typical vendor BAA", "negotiated", "mutual with carve-out", "no clause"],
)
def test_seed_scenarios_rate_the_practice_risk_as_the_table_does(agreement, risk):
    assert F.ce_risk(agreement) == risk


def test_seed_scenarios_findings_match_their_risk():
    assert codes(TYPICAL_VENDOR)["indemnification_vendor_favourable"] == "critical"
    assert "indemnification_none" in codes(NO_CLAUSE)
    assert not any(c.startswith("indemnification") for c in codes(NEGOTIATED))
    assert "carve_out_missing:gross_negligence" in codes(NEGOTIATED)
    assert "carve_out_missing:gross_negligence" not in codes(GENERATOR_TEMPLATE)

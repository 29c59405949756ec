"""The BAA findings module, rule by rule, and the indemnification article's four scenarios (BAA
Generator, 2026). Pure: no database."""

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
    NoticeTrigger,
    ProvisionState,
    ReturnDestroy,
    Term,
)
from baas.provisions import PROVISIONS

TODAY = date(2026, 6, 1)
ALL_PRESENT = {p.key: ProvisionState.PRESENT for p in PROVISIONS}
PRACTICE = F.PracticeFacts(cost_per_record=Decimal("408"), cost_per_record_year=2018)
VENDOR = F.VendorFacts(name="ChartWell EHR", status="active", needs_baa=True, record_count=20_000)
# A clean, well-negotiated, signed agreement: no finding at all.
GOOD = F.AgreementFacts(
    status=AgreementStatus.SIGNED,
    effective_on=date(2024, 1, 1),
    signed_on=date(2024, 1, 1),
    expires_on=date(2028, 1, 1),
    breach_notice_days=10,
    breach_notice_trigger=NoticeTrigger.DISCOVERY,
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
    assert codes(agreement=None, vendor=replace(VENDOR, needs_baa=False)) == {}


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
def test_a_missing_carve_out_is_a_finding(missing):
    agreement = replace(GOOD, carve_outs=tuple(c for c in CarveOut.values if c != missing))
    assert codes(agreement) == {"carve_outs_missing": "warning"}


def test_missing_carve_outs_are_one_warning_listing_them():
    found = F.evaluate(VENDOR, replace(GOOD, carve_outs=()), PRACTICE, TODAY, 90)
    assert [f.code for f in found] == ["carve_outs_missing"]
    assert found[0].title == (
        "No carve-outs from the cap for: gross negligence, willful misconduct, fraud, "
        "intentional misrepresentation, violations of law"
    )


def test_carve_outs_do_not_matter_without_a_cap():
    assert codes(replace(GOOD, cap_kind=CapKind.NONE, carve_outs=())) == {}


def test_breach_notice_missing_or_over_sixty_days():
    assert codes(replace(GOOD, breach_notice_days=None)) == {"breach_notice_missing": "warning"}
    assert codes(replace(GOOD, breach_notice_days=61)) == {"breach_notice_too_long": "critical"}
    # 45 business days is about 63 calendar days.
    business = replace(GOOD, breach_notice_days=45, breach_notice_day_kind=DayKind.BUSINESS)
    assert codes(business) == {"breach_notice_too_long": "critical"}


def test_a_missing_window_says_the_legal_maximum_still_applies():
    found = F.evaluate(VENDOR, replace(GOOD, breach_notice_days=None), PRACTICE, TODAY, 90)
    text = found[0].explanation
    assert "the legal maximum applies through the BAA" in text
    assert "60 calendar days after discovering" in text and "164.410(b)" in text


def test_breach_notice_over_the_practice_threshold_is_a_warning():
    # 60 days is an outer limit: the practice's default threshold is 30 calendar days.
    assert codes(replace(GOOD, breach_notice_days=30)) == {}
    over = F.evaluate(VENDOR, replace(GOOD, breach_notice_days=45), PRACTICE, TODAY, 90)
    assert [(f.code, f.severity) for f in over] == [("breach_notice_over_policy", "warning")]
    assert "164.404(a)(2)" in over[0].explanation
    assert codes(replace(GOOD, breach_notice_days=60)) == {"breach_notice_over_policy": "warning"}
    # The practice sets its own threshold.
    lenient = replace(PRACTICE, breach_notice_threshold_days=60)
    found = F.evaluate(VENDOR, replace(GOOD, breach_notice_days=45), lenient, TODAY, 90)
    assert found == []


@pytest.mark.parametrize("today", [date(2026, 6, 1), date(2031, 2, 1), date(2045, 9, 9)])
def test_business_days_are_converted_on_the_worst_case_with_federal_holidays(today):
    # 42 business days is 60 calendar days with weekends alone, but a discovery before the
    # November-January holidays stretches it past 60: a critical finding.
    business = replace(GOOD, breach_notice_days=42, breach_notice_day_kind=DayKind.BUSINESS)
    assert F.notice_in_calendar_days(business, today) > 60
    assert codes(business, today=today)["breach_notice_too_long"] == "critical"
    found = {f.code: f for f in F.evaluate(VENDOR, business, PRACTICE, today, 90)}
    assert "worst case" in found["breach_notice_too_long"].explanation
    # 10 business days stays under the practice's 30 days.
    ten = replace(business, breach_notice_days=10)
    assert 14 <= F.notice_in_calendar_days(ten, today) <= 30
    assert not any(code.startswith("breach_notice") for code in codes(ten, today=today))


def test_federal_holidays_follow_5_usc_6103_with_observed_days():
    from baas.business_days import federal_holidays

    days = federal_holidays(2026)
    assert len(days) == 11
    assert date(2026, 7, 3) in days  # July 4th 2026 is a Saturday: observed Friday
    assert date(2026, 11, 26) in days  # Thanksgiving: fourth Thursday
    assert date(2026, 6, 19) in days and date(2020, 6, 19) not in federal_holidays(2020)
    assert date(2021, 12, 31) in federal_holidays(2021)  # 2022-01-01 is a Saturday


def test_breach_notice_in_hours():
    hours = replace(GOOD, breach_notice_days=72, breach_notice_day_kind=DayKind.HOURS)
    assert F.notice_in_calendar_days(hours, TODAY) == 3
    assert F.notice_label(hours) == "72 hours"
    assert codes(hours) == {}
    too_long = replace(hours, breach_notice_days=61 * 24)
    found = F.evaluate(VENDOR, too_long, PRACTICE, TODAY, 90)
    assert found[0].code == "breach_notice_too_long"
    assert found[0].title == "Breach-notice window of 1464 hours"


def test_a_clock_starting_later_than_discovery_is_a_finding():
    later = replace(GOOD, breach_notice_trigger=NoticeTrigger.LATER)
    found = F.evaluate(VENDOR, later, PRACTICE, TODAY, 90)
    assert [(f.code, f.severity) for f in found] == [("breach_notice_clock_late", "warning")]
    assert "164.410(a)(2)" in found[0].cite
    assert codes(replace(GOOD, breach_notice_trigger=NoticeTrigger.UNKNOWN)) == {}


def test_absent_provision_is_critical_and_not_reviewed_is_one_warning():
    absent = replace(GOOD, provisions={**ALL_PRESENT, "books_records": ProvisionState.ABSENT})
    assert codes(absent) == {"provision_absent:books_records": "critical"}
    assert F.is_deficient(absent) and not F.is_deficient(GOOD)
    # Provision names keep their capitals (HHS, PHI).
    found = F.evaluate(VENDOR, absent, PRACTICE, TODAY, 90)
    assert found[0].title == "Required provision absent: Makes books and records available to HHS"
    half = {p.key: ProvisionState.PRESENT for p in PROVISIONS[:6]}
    found = F.evaluate(VENDOR, replace(GOOD, provisions=half), PRACTICE, TODAY, 90)
    assert [f.code for f in found] == ["provisions_not_reviewed"]
    assert found[0].title == "6 required provisions not reviewed"


def test_signed_before_the_omnibus_compliance_date_and_not_amended_since():
    old = replace(GOOD, signed_on=date(2011, 6, 1), effective_on=date(2011, 6, 1))
    assert codes(old) == {"pre_omnibus": "critical"}
    # The cutoff is the compliance date 2013-09-23, not the publication date 2013-01-25.
    between = replace(GOOD, signed_on=date(2013, 6, 1), effective_on=date(2013, 6, 1))
    assert codes(between) == {"pre_omnibus": "critical"}
    assert codes(replace(old, signed_on=COMPLIANCE_DAY, effective_on=COMPLIANCE_DAY)) == {}
    text = F.evaluate(VENDOR, between, PRACTICE, TODAY, 90)[0].explanation
    assert "2013-09-23" in text and "2013-03-26" in text and "2014-09-22" in text
    assert "2013-01-25" not in text


def test_only_an_omnibus_era_amendment_clears_the_pre_omnibus_flag():
    old = replace(GOOD, signed_on=date(2011, 6, 1), effective_on=date(2011, 6, 1))
    # An amendment before the compliance date (e.g. a fee change in 2012) does not clear it.
    assert codes(replace(old, amendment_dates=(date(2012, 3, 1),))) == {"pre_omnibus": "critical"}
    assert codes(replace(old, amendment_dates=(date(2013, 9, 22),))) == {"pre_omnibus": "critical"}
    assert codes(replace(old, amendment_dates=(date(2012, 3, 1), COMPLIANCE_DAY))) == {}
    # ... or one marked as the HITECH/Omnibus amendment, whatever its date.
    marked = replace(old, amendment_dates=(date(2013, 7, 1),), omnibus_amendment=True)
    assert codes(marked) == {}


COMPLIANCE_DAY = date(2013, 9, 23)


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
    # One finding per problem: the absent provision, which says who signs with subcontractors.
    found = F.evaluate(vendor, absent, PRACTICE, TODAY, 90)
    assert [f.code for f in found] == ["provision_absent:subcontractors"]
    assert "the vendor, not the practice" in found[0].explanation
    assert "164.504(e)(5)" in found[0].explanation and "164.314(a)(2)(iii)" in found[0].explanation
    not_reviewed = replace(GOOD, provisions={**ALL_PRESENT, "subcontractors": "not_reviewed"})
    assert codes(not_reviewed, vendor=vendor)["subcontractor_provision_absent"] == "warning"
    assert "subcontractor_provision_absent" not in codes(not_reviewed)  # vendor without subs
    assert codes(GOOD, vendor=vendor) == {}


def test_subcontractor_rows_mean_the_vendor_uses_subcontractors():
    listed = replace(VENDOR, uses_subcontractors=False, subcontractor_count=2)
    not_reviewed = replace(GOOD, provisions={**ALL_PRESENT, "subcontractors": "not_reviewed"})
    assert "subcontractor_provision_absent" in codes(not_reviewed, vendor=listed)
    # Ticked but none listed: the rows are asked for.
    ticked = replace(VENDOR, uses_subcontractors=True, subcontractor_count=0)
    assert codes(vendor=ticked) == {"subcontractors_not_listed": "warning"}
    assert codes(vendor=replace(ticked, subcontractor_count=1)) == {}


def test_return_or_destruction_not_addressed_is_the_absent_provision():
    # The "PHI at termination" term answers provision (J): "not addressed" makes it absent.
    silent = replace(GOOD, return_destroy=ReturnDestroy.NOT_ADDRESSED)
    found = F.evaluate(VENDOR, silent, PRACTICE, TODAY, 90)
    assert [(f.code, f.severity) for f in found] == [
        ("provision_absent:return_destroy", "critical")
    ]
    assert "does not address PHI at termination" in found[0].explanation
    assert F.is_deficient(silent)
    # A recorded choice counts as the provision present, even if the checklist row was not.
    unreviewed = {**ALL_PRESENT, "return_destroy": ProvisionState.NOT_REVIEWED}
    assert codes(replace(GOOD, provisions=unreviewed, return_destroy=ReturnDestroy.EITHER)) == {}


def test_no_audit_rights_matters_for_high_and_critical_vendors():
    none = replace(GOOD, audit_rights=Term.NO)
    assert codes(none, vendor=replace(VENDOR, tier="critical")) == {"no_audit_rights": "warning"}
    assert codes(none, vendor=replace(VENDOR, tier="high")) == {"no_audit_rights": "warning"}
    assert codes(none, vendor=replace(VENDOR, tier="low")) == {}
    assert codes(replace(GOOD, audit_rights=Term.YES), vendor=replace(VENDOR, tier="high")) == {}
    found = F.evaluate(replace(VENDOR, tier="high"), none, PRACTICE, TODAY, 90)
    assert found[0].cite == "Contract term, not required by HIPAA; common practice"


@pytest.mark.parametrize(
    ("right", "words"),
    [
        ("own_use_deidentify", "de-identify PHI"),
        ("own_use_aggregate", "aggregate PHI"),
        ("own_use_train_models", "train models"),
        ("own_use_other", "other purposes of its own"),
    ],
)
def test_own_use_rights_beyond_the_permitted_uses_are_a_finding(right, words):
    found = F.evaluate(VENDOR, replace(GOOD, **{right: True}), PRACTICE, TODAY, 90)
    assert [(f.code, f.severity) for f in found] == [("own_use_rights", "warning")]
    assert words in found[0].explanation
    assert found[0].cite == "45 CFR 164.504(e)(2)(i), 164.504(e)(4)"


def test_a_cap_that_cannot_be_valued_says_what_to_record():
    no_records = replace(VENDOR, record_count=None)
    found = F.evaluate(no_records, GOOD, PRACTICE, TODAY, 90)
    assert [(f.code, f.severity) for f in found] == [("cap_not_valued", "warning")]
    assert "number of records" in found[0].explanation
    months = replace(GOOD, cap_kind=CapKind.FEES_MONTHS, cap_months=12)  # no contract value
    found = F.evaluate(no_records, months, PRACTICE, TODAY, 90)
    assert found[0].code == "cap_not_valued"
    assert "number of records" in found[0].explanation
    assert "annual contract value" in found[0].explanation
    assert codes(replace(GOOD, cap_kind=CapKind.NONE), vendor=no_records) == {}


def test_no_finding_cites_an_internal_label_and_contract_terms_say_so():
    everything = replace(
        GOOD,
        signed_on=date(2012, 1, 1),
        effective_on=date(2012, 1, 1),
        indemnification=Indemnification.VENDOR_FAVOURABLE,
        cap_kind=CapKind.FEES_MONTHS,
        cap_months=3,
        annual_contract_value=Decimal("24000"),
        carve_outs=(),
        breach_notice_days=None,
        audit_rights=Term.NO,
        own_use_train_models=True,
        provisions={},
    )
    vendor = replace(VENDOR, tier="critical", offshore=True, phi_access_began=date(2011, 1, 1))
    found = F.evaluate(vendor, everything, PRACTICE, TODAY, 90)
    found += F.evaluate(vendor, replace(everything, indemnification="none"), PRACTICE, TODAY, 90)
    found += F.evaluate(vendor, replace(everything, indemnification="unknown"), PRACTICE, TODAY, 90)
    assert len({f.code for f in found}) >= 12
    for f in found:
        text = f"{f.title} {f.explanation} {f.cite} {f.negotiation}".lower()
        assert "seed" not in text, f.code
    by_code = {f.code: f for f in found}
    for code in ("indemnification_vendor_favourable", "cap_few_months", "carve_outs_missing"):
        assert by_code[code].cite.startswith(
            "Contract term, not required by HIPAA; common practice"
        ), code
    cost = by_code["cap_below_exposure"].cite
    assert "Cost of a Data Breach" in cost and "(2018)" in cost
    assert "estimate" in by_code["cap_below_exposure"].explanation


def test_wording_without_indemnity_and_without_a_baa():
    text = F.evaluate(VENDOR, replace(GOOD, indemnification="none"), PRACTICE, TODAY, 90)[0]
    assert "contract claims" in text.explanation
    assert "limited by any liability cap" in text.explanation
    assert "no private right of action" in text.explanation
    gap = F.evaluate(VENDOR, None, PRACTICE, TODAY, 90)[0]
    assert "presumed a breach" in gap.explanation and "164.402(2)" in gap.explanation
    early_vendor = replace(VENDOR, phi_access_began=date(2023, 6, 1))
    early = F.evaluate(early_vendor, GOOD, PRACTICE, TODAY, 90)
    assert "four-factor" in early[0].explanation


def test_provision_f_includes_incorporating_amendments():
    from baas.provisions import BY_KEY

    assert "incorporates any amendments" in BY_KEY["amendment"].text


def test_before_phi_flows_the_gap_counts_down_to_the_planned_date():
    planned = replace(VENDOR, status="onboarding", phi_access_began=date(2026, 6, 15))
    found = F.evaluate(planned, None, PRACTICE, TODAY, 90)
    assert [(f.code, f.severity) for f in found] == [("baa_needed_before_phi", "warning")]
    assert found[0].title == (
        "BAA must be signed before PHI is shared (access planned for 2026-06-15)"
    )
    assert "in 14 days" in found[0].explanation
    assert "shared without" not in found[0].title.lower()
    # On the day access begins, it is the gap.
    assert codes(agreement=None, vendor=planned, today=date(2026, 6, 15)) == {
        "no_signed_baa": "critical"
    }


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


# --- the article's comparison table --------------------------------------------------------------

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
    assert "gross negligence" in F.evaluate(VENDOR, NEGOTIATED, PRACTICE, TODAY, 90)[-1].title
    generator = {f.code: f for f in F.evaluate(VENDOR, GENERATOR_TEMPLATE, PRACTICE, TODAY, 90)}
    assert "gross negligence" not in generator["carve_outs_missing"].title

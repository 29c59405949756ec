"""The risk-tier rubric (vendors/tiering.py), with the sanity examples of the foundation issue."""

import pytest

from vendors.choices import AccessLevel, Criticality, PhiType, Tier
from vendors.tiering import RiskProfile, compute_tier


def tier_of(**fields) -> Tier:
    return compute_tier(RiskProfile(**fields)).tier


def test_ehr_vendor_hosting_20000_records_is_critical():
    result = compute_tier(
        RiskProfile(access_level=AccessLevel.HOSTS, phi_electronic=True, record_count=20_000)
    )
    assert result.tier == Tier.CRITICAL
    assert "Hosts or stores ePHI" in result.reasons
    assert "More than 10,000 patient records" in result.reasons


@pytest.mark.parametrize("criticality", list(Criticality))
def test_msp_with_remote_admin_access_is_critical_or_high(criticality):
    result = compute_tier(
        RiskProfile(
            access_level=AccessLevel.FULL,
            phi_electronic=True,
            remote_access=True,
            criticality=criticality,
        )
    )
    assert result.tier in (Tier.CRITICAL, Tier.HIGH)
    assert "Remote or privileged access to practice systems" in result.reasons


def test_msp_with_remote_access_but_no_declared_phi_is_still_at_least_high():
    # An MSP that "never looks at patient data" can still reach every system holding it.
    assert tier_of(remote_access=True, criticality=Criticality.LOW) == Tier.HIGH


def test_billing_service_with_full_access_to_5000_records_is_high():
    assert (
        tier_of(access_level=AccessLevel.FULL, phi_electronic=True, record_count=5_000) == Tier.HIGH
    )


@pytest.mark.parametrize("access", [AccessLevel.LIMITED, AccessLevel.HOSTS])
def test_secure_email_provider_is_medium_or_high(access):
    tier = tier_of(access_level=access, phi_electronic=True, phi_types=(PhiType.DEMOGRAPHICS,))
    assert tier in (Tier.MEDIUM, Tier.HIGH)


def test_shredding_company_with_paper_only_is_low():
    result = compute_tier(
        RiskProfile(phi_paper=True, record_count=8_000, criticality=Criticality.LOW)
    )
    assert result.tier == Tier.LOW
    assert "Handles paper PHI only" in result.reasons


def test_vendor_without_phi_is_low_and_says_why():
    result = compute_tier(RiskProfile(criticality=Criticality.HIGH))
    assert result.tier == Tier.LOW
    assert result.reasons == ["No access to PHI"]


def test_each_factor_adds_its_reason():
    result = compute_tier(
        RiskProfile(
            access_level=AccessLevel.LIMITED,
            phi_electronic=True,
            offshore=True,
            uses_subcontractors=True,
            phi_types=(PhiType.SENSITIVE,),
            criticality=Criticality.LOW,
        )
    )
    assert result.score == 2 + 2 + 1 + 1
    assert result.tier == Tier.HIGH
    assert "Processes or stores PHI outside the US" in result.reasons
    assert "Subcontractors touch the practice's PHI" in result.reasons
    assert any("Sensitive PHI" in r for r in result.reasons)


# Issue 10 moved 1,000 records from medium to high: 500 records is now a scoring point.
@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (None, Tier.MEDIUM),
        (499, Tier.MEDIUM),
        (500, Tier.HIGH),
        (1_000, Tier.HIGH),
        (1_001, Tier.HIGH),
        (10_001, Tier.HIGH),
    ],
)
def test_record_volume_thresholds(records, expected):
    # full access (3) + medium criticality (1) + volume points
    tier = tier_of(access_level=AccessLevel.FULL, phi_electronic=True, record_count=records)
    assert tier == expected


def test_500_records_is_the_breach_notice_threshold_and_says_so():
    # 164.408(b): 500 or more individuals are reported to HHS at once; 164.406: the media.
    result = compute_tier(
        RiskProfile(access_level=AccessLevel.LIMITED, phi_electronic=True, record_count=500)
    )
    assert result.score == 2 + 1 + 1  # limited view, medium criticality, 500 records
    assert any("500 or more patient records" in r and "164.408(b)" in r for r in result.reasons)
    below = compute_tier(
        RiskProfile(access_level=AccessLevel.LIMITED, phi_electronic=True, record_count=499)
    )
    assert below.score == 2 + 1
    assert not any("500" in r for r in below.reasons)


def test_unknown_record_count_is_shown_as_a_reason():
    result = compute_tier(RiskProfile(access_level=AccessLevel.FULL, phi_electronic=True))
    assert "Record count unknown: tier may be understated" in result.reasons
    known = compute_tier(
        RiskProfile(access_level=AccessLevel.FULL, phi_electronic=True, record_count=0)
    )
    assert not any("unknown" in r for r in known.reasons)


@pytest.mark.parametrize(
    ("profile", "needs"),
    [
        (RiskProfile(remote_access=True), True),  # the MSP, no PHI box ticked
        (RiskProfile(phi_paper=True), True),
        (RiskProfile(access_level=AccessLevel.INCIDENTAL), True),
        (RiskProfile(), False),
    ],
)
def test_remote_or_privileged_access_needs_a_baa_without_any_phi_box(profile, needs):
    assert profile.needs_baa is needs

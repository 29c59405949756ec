"""The pure schedule of the oversight program: review due dates per tier, tier changes, stale
evidence, certificates, and their states, on frozen dates."""

from datetime import date

import pytest
import time_machine

from diligence import schedule
from diligence.schedule import Evidence, VendorFacts
from oversight.policy import DEFAULT_RULES, DueState, TierRules

CRITICAL, HIGH, MEDIUM, LOW = (DEFAULT_RULES[t] for t in ("critical", "high", "medium", "low"))


def facts(**kw) -> VendorFacts:
    base = {"tier": "high", "status": "active", "engaged_on": date(2025, 1, 10)}
    return VendorFacts(**{**base, **kw})


@pytest.mark.parametrize(
    ("tier", "expected"),
    [
        ("critical", date(2026, 9, 30)),
        ("high", date(2027, 3, 31)),
        ("medium", date(2028, 3, 31)),
        ("low", date(2029, 3, 31)),
    ],
)
def test_next_review_is_last_review_plus_the_tier_interval(tier, expected):
    f = facts(tier=tier, last_review_on=date(2026, 3, 31))
    assert schedule.next_review_due(f, DEFAULT_RULES[tier]) == expected


def test_without_a_review_the_clock_starts_at_engagement():
    assert schedule.next_review_due(facts(), HIGH) == date(2026, 1, 10)
    assert schedule.next_review_due(facts(tier="critical"), CRITICAL) == date(2025, 7, 10)


def test_without_review_or_engagement_date_nothing_is_computed():
    assert schedule.next_review_due(facts(engaged_on=None), HIGH) is None


@pytest.mark.parametrize("status", ["prospective", "offboarding", "terminated"])
def test_vendors_not_engaged_have_no_review_due(status):
    f = facts(status=status, last_review_on=date(2020, 1, 1))
    assert schedule.next_review_due(f, CRITICAL) is None
    assert schedule.vendor_due(f, date(2026, 6, 1), CRITICAL).review.state == DueState.OK


def test_never_reviewed_vendor_whose_tier_changed_follows_the_new_policy_from_the_change():
    f = facts(tier="critical", tier_changed_on=date(2025, 11, 1))
    # Engaged 2025-01-10 but re-tiered to critical on 2025-11-01: 6 months from the change.
    assert schedule.next_review_due(f, CRITICAL) == date(2026, 5, 1)


def test_tier_raised_after_a_review_is_due_at_the_change_not_retroactively_overdue():
    # Reviewed as low tier (36 months); became critical (6 months) 10 months later.
    f = facts(tier="critical", last_review_on=date(2025, 1, 1), tier_changed_on=date(2025, 11, 1))
    due = schedule.next_review_due(f, CRITICAL)
    assert due == date(2025, 11, 1)
    with time_machine.travel(date(2025, 11, 1), tick=False):
        assert schedule.state(due, date.today(), CRITICAL) == DueState.DUE_SOON
    with time_machine.travel(date(2025, 11, 2), tick=False):
        assert schedule.state(due, date.today(), CRITICAL) == DueState.OVERDUE


def test_tier_raised_soon_after_a_review_uses_the_new_interval_from_the_review():
    f = facts(tier="critical", last_review_on=date(2025, 10, 1), tier_changed_on=date(2025, 11, 1))
    assert schedule.next_review_due(f, CRITICAL) == date(2026, 4, 1)


def test_tier_lowered_after_a_review_gets_the_longer_interval():
    f = facts(tier="low", last_review_on=date(2025, 10, 1), tier_changed_on=date(2025, 11, 1))
    assert schedule.next_review_due(f, LOW) == date(2028, 10, 1)


def test_tier_change_before_the_last_review_is_irrelevant():
    f = facts(tier="high", last_review_on=date(2025, 10, 1), tier_changed_on=date(2025, 3, 1))
    assert schedule.next_review_due(f, HIGH) == date(2026, 10, 1)


def test_practice_policy_changes_the_interval():
    custom = TierRules(3, (30,), 6, 1, 1, 10)
    assert schedule.next_review_due(facts(last_review_on=date(2026, 1, 31)), custom) == date(
        2026, 4, 30
    )


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 1, 1), DueState.OK),
        (date(2026, 3, 1), DueState.DUE_SOON),  # 30 days before
        (date(2026, 3, 31), DueState.DUE_SOON),  # on the day
        (date(2026, 4, 1), DueState.OVERDUE),
    ],
)
def test_review_state_on_frozen_dates(today, state):
    f = facts(last_review_on=date(2025, 3, 31))
    with time_machine.travel(today, tick=False):
        assert schedule.vendor_due(f, date.today(), HIGH).review.state == state


def test_a_soc2_report_stays_valid_twelve_months_whatever_the_tier():
    # Before: a low-tier vendor's SOC 2 report read valid for 36 months.
    soc2 = Evidence(1, "soc2_type2", date(2025, 6, 1))
    for rules in (HIGH, MEDIUM, LOW):
        assert schedule.evidence_expires_on(soc2, rules) == date(2026, 6, 1)
    due = schedule.evidence_due(soc2, date(2026, 6, 2), LOW)
    assert due.stale and due.state == DueState.OVERDUE


def test_a_soc2_report_is_measured_from_the_end_of_its_audit_period():
    # Received in March for the calendar year 2024: stale on 2026-01-01, not in March.
    soc2 = Evidence(1, "soc2_type2", date(2025, 3, 15), period_end=date(2024, 12, 31))
    assert schedule.evidence_valid_through(soc2) == date(2025, 12, 31)
    assert schedule.evidence_due(soc2, date(2026, 1, 1), LOW).stale


def test_a_bridge_letter_extends_a_soc2_report_by_what_it_covers_three_months_at_most():
    end = date(2024, 12, 31)
    two = Evidence(
        1, "soc2_type2", date(2025, 3, 15), period_end=end, bridge_until=date(2025, 2, 28)
    )
    assert schedule.evidence_valid_through(two) == date(2026, 2, 28)
    six = Evidence(
        1, "soc2_type2", date(2025, 3, 15), period_end=end, bridge_until=date(2025, 6, 30)
    )
    assert schedule.evidence_valid_through(six) == date(2026, 3, 31)  # 3 months at most


@pytest.mark.parametrize(
    ("kind", "valid_until", "expected"),
    [
        ("pentest", None, date(2026, 1, 10)),
        ("questionnaire", None, date(2026, 1, 10)),
        ("safeguards_verification", None, date(2026, 1, 10)),
        ("hitrust", None, date(2027, 1, 10)),
        ("iso27001", None, date(2028, 1, 10)),
        ("iso27001", date(2027, 5, 1), date(2027, 5, 1)),  # the certificate's stated expiry
        ("iso27001", date(2030, 5, 1), date(2028, 1, 10)),  # never beyond the kind's maximum
        ("cyber_insurance", date(2025, 9, 30), date(2025, 9, 30)),  # the policy's expiry
        ("cyber_insurance", None, date(2026, 1, 10)),
    ],
)
def test_each_kind_has_its_own_maximum_validity(kind, valid_until, expected):
    ev = Evidence(1, kind, date(2025, 1, 10), valid_until=valid_until)
    assert schedule.evidence_valid_through(ev) == expected


def test_every_kind_of_evidence_has_a_validity_with_its_reason():
    from diligence.choices import DiligenceKind

    for kind in DiligenceKind.values:
        validity = schedule.EVIDENCE_VALIDITY[kind]
        assert validity.reason and validity.measured_from


def test_the_tier_decides_how_often_to_ask_not_how_long_evidence_stays_valid():
    iso = Evidence(1, "iso27001", date(2025, 1, 10))
    high = schedule.evidence_due(iso, date(2026, 2, 1), HIGH)
    assert high.due_on == date(2026, 1, 10) and high.requested_by_tier and not high.stale
    assert high.expires_on == date(2028, 1, 10)
    assert schedule.evidence_due(iso, date(2026, 2, 1), MEDIUM).state == DueState.OK


def test_stated_valid_until_wins_over_the_policy():
    iso = Evidence(1, "iso27001", date(2025, 6, 1), valid_until=date(2025, 9, 30))
    assert schedule.evidence_expires_on(iso, LOW) == date(2025, 9, 30)


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 4, 1), DueState.OK),
        (date(2026, 5, 2), DueState.DUE_SOON),
        (date(2026, 6, 1), DueState.DUE_SOON),  # last valid day
        (date(2026, 6, 2), DueState.OVERDUE),  # older than 12 months: stale
    ],
)
def test_soc2_older_than_twelve_months_is_stale(today, state):
    f = facts(evidence=(Evidence(1, "soc2_type2", date(2025, 6, 1)),))
    with time_machine.travel(today, tick=False):
        result = schedule.vendor_due(f, date.today(), HIGH)
    assert result.evidence[0].state == state
    assert bool(result.stale_evidence) == (state != DueState.OK)


def test_only_the_newest_record_of_each_kind_counts():
    old = Evidence(1, "soc2_type2", date(2024, 6, 1))
    new = Evidence(2, "soc2_type2", date(2026, 2, 1))
    pentest = Evidence(3, "pentest", date(2025, 1, 1))
    result = schedule.vendor_due(facts(evidence=(old, new, pentest)), date(2026, 3, 1), HIGH)
    assert [e.evidence.id for e in result.evidence] == [3, 2]
    assert [e.evidence.id for e in result.stale_evidence] == [3]


def test_evidence_follows_the_tier_after_a_tier_change():
    ev = Evidence(1, "iso27001", date(2025, 1, 1))
    as_medium = schedule.vendor_due(facts(tier="medium", evidence=(ev,)), date(2026, 3, 1), MEDIUM)
    as_high = schedule.vendor_due(facts(tier="high", evidence=(ev,)), date(2026, 3, 1), HIGH)
    assert as_medium.evidence[0].state == DueState.OK
    assert as_high.evidence[0].state == DueState.OVERDUE


def test_no_evidence_due_for_a_terminated_vendor():
    f = facts(status="terminated", evidence=(Evidence(1, "soc2_type2", date(2020, 1, 1)),))
    assert schedule.vendor_due(f, date(2026, 1, 1), HIGH).evidence == ()


def test_disposition_certificate_due_after_policy_days():
    assert schedule.certificate_due(date(2026, 1, 1), HIGH) == date(2026, 1, 31)
    custom = TierRules(12, (30,), 12, 7, 14, 10)
    assert schedule.certificate_due(date(2026, 1, 1), custom) == date(2026, 1, 11)
    assert schedule.state(date(2026, 1, 11), date(2026, 1, 12), custom) == DueState.OVERDUE


def test_offboarding_clocks_run_from_the_start_until_an_end_date_is_recorded():
    # 164.504(e)(2)(ii)(J): the vendor holds PHI until return or destruction, so its
    # offboarding is due from the day it starts, not only once it is terminated.
    started = date(2026, 5, 1)
    assert schedule.access_revocation_due(started, None) == started
    assert schedule.certificate_due(schedule.offboarding_base(started, None), HIGH) == date(
        2026, 5, 31
    )
    ended = date(2026, 6, 30)
    assert schedule.access_revocation_due(started, ended) == ended
    assert schedule.certificate_due(schedule.offboarding_base(started, ended), HIGH) == date(
        2026, 7, 30
    )
    assert "offboarding" in schedule.OFFBOARDING and "terminated" in schedule.OFFBOARDING


def test_vendor_that_needs_no_baa_has_nothing_due():
    f = facts(needs_baa=False, evidence=(Evidence(1, "soc2_type2", date(2020, 1, 1)),))
    assert schedule.next_review_due(f, HIGH) is None
    assert schedule.vendor_due(f, date(2026, 1, 1), HIGH).evidence == ()


def test_dates_at_the_end_of_the_calendar_do_not_crash():
    f = facts(engaged_on=date(9999, 6, 1))
    assert schedule.next_review_due(f, HIGH) == date.max
    late = Evidence(1, "soc2_type2", date(9999, 6, 1))
    assert schedule.evidence_expires_on(late, HIGH) == date.max
    assert schedule.certificate_due(date(9999, 12, 20), HIGH) == date.max

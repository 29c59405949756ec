"""The breach-notification clocks (incidents/clocks.py), on the issue's worked examples. Fixed
historical dates are inputs of a pure function: the answers do not depend on today."""

from datetime import date, timedelta

from incidents.clocks import (
    ClockState,
    Conclusion,
    DiscoveryBasis,
    IncidentFacts,
    LawEnforcementDelay,
    WindowUnit,
    all_deadlines,
    discovery_date,
    in_annual_log,
    practice_deadlines,
    vendor_report,
)


def kinds(facts):
    return {d.kind: d for d in practice_deadlines(facts)}


def test_five_business_days_over_labor_day_weekend():
    # Discovered Friday 2026-09-04; Monday 09-07 is Labor Day. Business days: Tue 8, Wed 9,
    # Thu 10, Fri 11, Mon 14.
    found = date(2026, 9, 4)
    base = dict(vendor_discovered=found, practice_discovered=None, window=5)
    on_day_3 = vendor_report(
        IncidentFacts(**base, window_unit=WindowUnit.BUSINESS, vendor_notified=date(2026, 9, 10))
    )
    assert on_day_3.due == date(2026, 9, 14)
    assert on_day_3.state(date(2026, 9, 20)) == ClockState.DONE
    assert not on_day_3.late
    assert "BAA" in on_day_3.cite
    last_day = vendor_report(
        IncidentFacts(**base, window_unit=WindowUnit.BUSINESS, vendor_notified=date(2026, 9, 14))
    )
    assert not last_day.late
    a_day_late = vendor_report(
        IncidentFacts(**base, window_unit=WindowUnit.BUSINESS, vendor_notified=date(2026, 9, 15))
    )
    assert a_day_late.late
    # The same report counted in calendar days would be late (due 09-09).
    calendar = vendor_report(
        IncidentFacts(**base, window_unit=WindowUnit.CALENDAR, vendor_notified=date(2026, 9, 10))
    )
    assert calendar.due == date(2026, 9, 9) and calendar.late


def test_vendor_window_in_hours_and_the_60_day_limit():
    found = date(2026, 3, 2)
    hours = vendor_report(IncidentFacts(found, None, window=72, window_unit=WindowUnit.HOURS))
    assert hours.due == date(2026, 3, 5)
    # A BAA window longer than 60 days does not outlast 164.410(b).
    long = vendor_report(IncidentFacts(found, None, window=90))
    assert long.due == found + timedelta(days=60) and long.cite == "45 CFR 164.410(b)"
    no_baa = vendor_report(IncidentFacts(found, None, vendor_notified=found + timedelta(days=61)))
    assert no_baa.late
    assert (
        vendor_report(IncidentFacts(found, None, vendor_notified=None)).state(
            found + timedelta(days=61)
        )
        == ClockState.OVERDUE
    )


def test_hhs_thresholds_499_500_501():
    found = date(2026, 4, 1)
    small = kinds(IncidentFacts(found, None, individuals=499))
    assert "hhs" not in small
    assert small["hhs_annual"].due == date(2027, 3, 1)
    assert small["hhs_annual"].cite == "45 CFR 164.408(c)"
    for count in (500, 501):
        big = kinds(IncidentFacts(found, None, individuals=count))
        assert "hhs_annual" not in big
        assert big["hhs"].due == found + timedelta(days=60) == big["individuals"].due
    # Not counted yet: the safe, contemporaneous deadline.
    assert "hhs" in kinds(IncidentFacts(found, None, individuals=None))


def test_media_for_more_than_500_residents_of_one_state():
    found = date(2026, 4, 1)
    two_states = kinds(IncidentFacts(found, None, individuals=1000, states={"NJ": 400, "NY": 600}))
    assert two_states["media"].due == found + timedelta(days=60)
    assert "NY" in two_states["media"].note and "NJ" not in two_states["media"].note
    assert "media" not in kinds(IncidentFacts(found, None, individuals=1000, states={"NY": 500}))
    assert "media" in kinds(IncidentFacts(found, None, individuals=501, states={"NY": 501}))
    # 1000 people, none of the states above 500: HHS now, no media.
    split = kinds(IncidentFacts(found, None, individuals=1000, states={"NJ": 500, "NY": 500}))
    assert "media" not in split and "hhs" in split


def test_a_law_enforcement_delay_moves_the_deadlines_inside_it():
    found = date(2026, 1, 10)  # 60 days: 2026-03-11
    delay = LawEnforcementDelay(requested_on=date(2026, 2, 1), until=date(2026, 4, 30))
    moved = kinds(IncidentFacts(found, None, individuals=20, delay=delay))
    assert moved["individuals"].due == date(2026, 5, 1)
    # The annual log (2027-03-01) falls after the delay: unchanged.
    assert moved["hhs_annual"].due == date(2027, 3, 1)
    # An oral statement holds 30 days at most (164.412(b)): until 03-03, before the deadline.
    oral = LawEnforcementDelay(date(2026, 2, 1), date(2026, 4, 30), in_writing=False)
    assert kinds(IncidentFacts(found, None, delay=oral))["individuals"].due == date(2026, 3, 11)
    oral_late = LawEnforcementDelay(date(2026, 3, 1), date(2026, 4, 30), in_writing=False)
    assert kinds(IncidentFacts(found, None, delay=oral_late))["individuals"].due == date(2026, 4, 1)


def test_a_breach_discovered_on_2026_12_20_goes_in_the_2027_log():
    found = date(2026, 12, 20)
    clocks = kinds(IncidentFacts(found, None, individuals=12))
    assert clocks["individuals"].due == date(2027, 2, 18)
    assert clocks["hhs_annual"].due == date(2027, 3, 1)
    # It is a breach of 2026 in the log that is due in 2027.
    assert in_annual_log(IncidentFacts(found, None, individuals=12), 2026)
    assert not in_annual_log(IncidentFacts(found, None, individuals=12), 2027)
    assert not in_annual_log(IncidentFacts(found, None, individuals=500), 2026)
    # A breach discovered in a year whose next year is a leap year: 60 days after 12-31.
    assert kinds(IncidentFacts(date(2027, 6, 1), None, individuals=3))["hhs_annual"].due == date(
        2028, 2, 29
    )


def test_discovery_dates_from_the_vendor_by_default():
    vendor, practice = date(2026, 5, 1), date(2026, 5, 20)
    facts = IncidentFacts(vendor, practice)
    assert discovery_date(facts) == vendor
    assert kinds(facts)["individuals"].due == date(2026, 6, 30)
    own = IncidentFacts(vendor, practice, basis=DiscoveryBasis.PRACTICE)
    assert kinds(own)["individuals"].due == date(2026, 7, 19)


def test_no_notice_when_not_a_breach_and_states_of_a_deadline():
    found = date(2026, 5, 1)
    low = IncidentFacts(found, None, conclusion=Conclusion.LOW_PROBABILITY)
    assert practice_deadlines(low) == []
    assert practice_deadlines(IncidentFacts(found, None, phi_secured=True)) == []
    assert practice_deadlines(IncidentFacts(found, None, exception_applies=True)) == []
    # The vendor's report is still judged.
    assert [d.kind for d in all_deadlines(IncidentFacts(found, None, phi_secured=True))] == [
        "vendor_report"
    ]
    individuals = kinds(IncidentFacts(found, None))["individuals"]  # due 06-30
    assert individuals.state(date(2026, 6, 1)) == ClockState.OK
    assert individuals.state(date(2026, 6, 25)) == ClockState.DUE_SOON
    assert individuals.state(date(2026, 7, 1)) == ClockState.OVERDUE
    given = kinds(IncidentFacts(found, None, notices_given={"individuals": date(2026, 6, 2)}))
    assert given["individuals"].state(date(2026, 7, 1)) == ClockState.DONE

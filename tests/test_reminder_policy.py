"""The reminder policy (``reminders/policy.py``): every kind, every tier, thresholds crossing,
re-send interval, escalation delay, recipients, digest timing and grouping, the practice's
timezone. Pure: no database."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from oversight.due import DueKind
from oversight.policy import DEFAULT_RULES
from reminders.choices import Stage
from reminders.policy import (
    Member,
    Urgency,
    forecast,
    group_by_urgency,
    next_digest_at,
    plan,
    stages_on,
    urgency,
    warning_thresholds,
)

from .reminders_factories import make_item

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
ADMIN1 = Member(1, "admin", "digest", "admin1@a.test")
ADMIN2 = Member(2, "admin", "immediate", "admin2@a.test")
MANAGER = Member(3, "manager", "digest", "manager@a.test")
EAGER_MANAGER = Member(4, "manager", "immediate", "eager@a.test")
MEMBERS = [ADMIN1, ADMIN2, MANAGER, EAGER_MANAGER]
DUE = date(2026, 6, 30)
TIERS = ["critical", "high", "medium", "low"]


def at(day: date, hour=10, tz=NY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz)


def run(items, now, members=MEMBERS, existing=(), tz=NY, digest_hour=7, rules=DEFAULT_RULES):
    return plan(
        items=items,
        rules=rules,
        members=members,
        tz=tz,
        digest_hour=digest_hour,
        existing=set(existing),
        now=now,
    )


def sent_as(result):
    return sorted((p.stage.value, p.threshold, p.recipient_id) for p in result.reminders)


# --- advance warnings ------------------------------------------------------------------------


@pytest.mark.parametrize("tier", TIERS)
@pytest.mark.parametrize("kind", [DueKind.BAA_EXPIRY, DueKind.RENEWAL_NOTICE])
def test_baa_warnings_at_each_threshold_of_the_tier(tier, kind):
    rules = DEFAULT_RULES[tier]
    item = make_item(kind=kind, tier=tier, due_date=DUE)
    thresholds = rules.expiry_warning_days
    assert warning_thresholds(kind, rules) == thresholds
    # The day before the first threshold: nothing yet.
    assert stages_on(item, DUE - timedelta(days=thresholds[0] + 1), rules) == []
    for t in thresholds:
        assert stages_on(item, DUE - timedelta(days=t), rules) == [(Stage.WARNING, t)]
    # Between two thresholds the latest crossed one stands (no new reminder).
    for bigger, smaller in zip(thresholds, thresholds[1:], strict=False):
        assert stages_on(item, DUE - timedelta(days=smaller + 1), rules) == [
            (Stage.WARNING, bigger)
        ]
    assert stages_on(item, DUE, rules) == [(Stage.WARNING, thresholds[-1])]


def test_critical_vendors_are_warned_more_often_than_low_ones():
    item = make_item(due_date=DUE)
    days = [(DUE - timedelta(days=n)) for n in range(0, 200)]

    def distinct(tier):
        rules = DEFAULT_RULES[tier]
        return {tuple(stages_on(item, d, rules)) for d in days} - {()}

    assert len(distinct("critical")) == 6 > len(distinct("high")) == 4
    assert len(distinct("medium")) == 3 > len(distinct("low")) == 2


def test_a_late_first_sweep_sends_only_the_latest_threshold():
    item = make_item(tier="high", due_date=DUE, owner=MANAGER.id)
    result = run([item], at(DUE - timedelta(days=50)))
    assert sent_as(result) == [("warning", 60, MANAGER.id)]


@pytest.mark.parametrize("kind", [DueKind.REVIEW, DueKind.EVIDENCE])
@pytest.mark.parametrize("tier", TIERS)
def test_review_and_evidence_due_soon_then_a_week_before(kind, tier):
    rules = DEFAULT_RULES[tier]
    item = make_item(kind=kind, tier=tier, due_date=DUE)
    assert stages_on(item, DUE - timedelta(days=31), rules) == []
    assert stages_on(item, DUE - timedelta(days=30), rules) == [(Stage.WARNING, 30)]
    assert stages_on(item, DUE - timedelta(days=7), rules) == [(Stage.WARNING, 7)]


def test_action_a_week_before_and_on_the_day():
    rules = DEFAULT_RULES["medium"]
    item = make_item(kind=DueKind.ACTION, due_date=DUE, tier="medium")
    assert stages_on(item, DUE - timedelta(days=8), rules) == []
    assert stages_on(item, DUE - timedelta(days=7), rules) == [(Stage.WARNING, 7)]
    assert stages_on(item, DUE, rules) == [(Stage.WARNING, 0)]
    assert stages_on(item, DUE + timedelta(days=1), rules) == [(Stage.OVERDUE, 0)]


def test_certificate_is_reminded_only_once_missing_after_the_delay():
    rules = DEFAULT_RULES["low"]
    item = make_item(kind=DueKind.CERTIFICATE, tier="low", due_date=DUE)
    assert stages_on(item, DUE - timedelta(days=1), rules) == []
    assert stages_on(item, DUE, rules) == []
    assert stages_on(item, DUE + timedelta(days=1), rules) == [(Stage.OVERDUE, 0)]


# --- overdue, re-send, escalation ------------------------------------------------------------


@pytest.mark.parametrize("tier", TIERS)
def test_overdue_is_resent_every_resend_days_of_the_tier(tier):
    rules = DEFAULT_RULES[tier]
    item = make_item(kind=DueKind.REVIEW, tier=tier, due_date=DUE)
    r = rules.resend_days
    assert stages_on(item, DUE + timedelta(days=1), rules)[0] == (Stage.OVERDUE, 1 // r)
    assert stages_on(item, DUE + timedelta(days=r - 1), rules)[0] == (Stage.OVERDUE, 0)
    assert stages_on(item, DUE + timedelta(days=r), rules)[0] == (Stage.OVERDUE, 1)
    assert stages_on(item, DUE + timedelta(days=2 * r), rules)[0] == (Stage.OVERDUE, 2)


def test_resend_cadence_critical_far_more_often_than_low():
    def count(tier):
        rules = DEFAULT_RULES[tier]
        item = make_item(kind=DueKind.ACTION, tier=tier, due_date=DUE)
        return len({stages_on(item, DUE + timedelta(days=n), rules)[0] for n in range(1, 91)})

    assert count("critical") == 31  # days 1-2 (period 0), then every 3 days
    assert count("low") == 4


@pytest.mark.parametrize("tier", TIERS)
def test_escalation_to_every_admin_after_the_tier_delay(tier):
    rules = DEFAULT_RULES[tier]
    item = make_item(kind=DueKind.REVIEW, tier=tier, due_date=DUE, owner=MANAGER.id)
    before = run([item], at(DUE + timedelta(days=rules.escalate_days - 1)))
    assert {p.stage for p in before.reminders} == {Stage.OVERDUE}
    assert {p.recipient_id for p in before.reminders} == {MANAGER.id}
    result = run([item], at(DUE + timedelta(days=rules.escalate_days)))
    escalations = [p for p in result.reminders if p.stage == Stage.ESCALATION]
    assert sorted(p.recipient_id for p in escalations) == [ADMIN1.id, ADMIN2.id]
    assert all(p.threshold == 0 and p.immediate for p in escalations)  # never waits for a digest
    # The owner still gets the overdue reminder.
    assert [(p.stage, p.recipient_id) for p in result.reminders if p.stage == Stage.OVERDUE] == [
        (Stage.OVERDUE, MANAGER.id)
    ]
    later = stages_on(item, DUE + timedelta(days=rules.escalate_days + rules.resend_days), rules)
    assert (Stage.ESCALATION, 1) in later


def test_an_admin_owner_gets_the_escalation_not_a_second_overdue_email():
    rules = DEFAULT_RULES["high"]
    item = make_item(kind=DueKind.ACTION, due_date=DUE, owner=ADMIN1.id)
    result = run([item], at(DUE + timedelta(days=rules.escalate_days)))
    assert sent_as(result) == [("escalation", 0, ADMIN1.id), ("escalation", 0, ADMIN2.id)]


def test_compliance_gap_is_urgent_from_day_one_and_never_muted():
    item = make_item(kind=DueKind.COMPLIANCE_GAP, tier="critical", due_date=DUE, owner=MANAGER.id)
    now = at(DUE, hour=10)
    result = run([item], now)
    assert sent_as(result) == [("gap", 0, MANAGER.id)]
    # MANAGER chose the digest; a gap goes out at once anyway.
    assert result.reminders[0].immediate and result.reminders[0].send_after == now
    assert result.reminders[0].urgency == Urgency.URGENT
    rules = DEFAULT_RULES["critical"]
    assert stages_on(item, DUE + timedelta(days=3), rules) == [(Stage.GAP, 1)]
    assert (Stage.ESCALATION, 0) in stages_on(item, DUE + timedelta(days=7), rules)


def test_expired_baa_is_overdue_from_its_first_day():
    rules = DEFAULT_RULES["high"]
    item = make_item(kind=DueKind.BAA_EXPIRED, due_date=DUE)
    assert stages_on(item, DUE, rules) == [(Stage.OVERDUE, 0)]
    assert stages_on(item, DUE + timedelta(days=7), rules) == [(Stage.OVERDUE, 1)]


# --- recipients, digest and immediate --------------------------------------------------------


def test_owner_receives_else_every_admin():
    owned = make_item(key="baa:1", due_date=DUE, owner=EAGER_MANAGER.id)
    orphan = make_item(key="baa:2", due_date=DUE, vendor_id=2, vendor_name="ClaimPath")
    stranger = make_item(key="baa:3", due_date=DUE, vendor_id=3, owner=999)  # not a member here
    result = run([owned, orphan, stranger], at(DUE - timedelta(days=30)))
    by_key = {}
    for p in result.reminders:
        by_key.setdefault(p.item.key, []).append(p.recipient_id)
    assert by_key == {"baa:1": [4], "baa:2": [1, 2], "baa:3": [1, 2]}


def test_digest_members_wait_for_the_digest_hour_immediate_members_do_not():
    item = make_item(due_date=DUE)  # no owner: both admins
    now = at(DUE - timedelta(days=30), hour=5)  # 05:00 in New York, digest at 07:00
    result = run([item], now)
    by_member = {p.recipient_id: p for p in result.reminders}
    assert by_member[ADMIN1.id].immediate is False
    assert by_member[ADMIN1.id].send_after == at(DUE - timedelta(days=30), hour=7)
    assert by_member[ADMIN2.id].immediate is True and by_member[ADMIN2.id].send_after == now


def test_next_digest_slot_in_the_practice_timezone():
    # 12:30 UTC is 07:30 in New York (EST): the 07:00 slot is still this hour's digest.
    now = datetime(2026, 1, 15, 12, 30, tzinfo=ZoneInfo("UTC"))
    assert next_digest_at(now, NY, 7) == datetime(2026, 1, 15, 7, tzinfo=NY)
    # ...and 04:30 in Los Angeles: today's 07:00.
    assert next_digest_at(now, LA, 7) == datetime(2026, 1, 15, 7, tzinfo=LA)
    # 08:00 local: tomorrow.
    assert next_digest_at(datetime(2026, 1, 15, 8, tzinfo=NY), NY, 7) == datetime(
        2026, 1, 16, 7, tzinfo=NY
    )
    # Across the spring DST change the slot stays 07:00 local (11:00 UTC, not 12:00).
    slot = next_digest_at(datetime(2026, 3, 7, 20, tzinfo=NY), NY, 7)
    assert slot.astimezone(ZoneInfo("UTC")).hour == 11 and slot.day == 8


def test_the_practice_local_date_decides_a_threshold_crossing():
    """At 02:00 UTC on the 31st-day-before it is still the previous evening in Los Angeles."""
    item = make_item(tier="high", due_date=DUE, owner=EAGER_MANAGER.id)
    crossing = DUE - timedelta(days=30)
    utc_now = datetime(crossing.year, crossing.month, crossing.day, 2, tzinfo=ZoneInfo("UTC"))
    assert sent_as(run([item], utc_now, tz=ZoneInfo("UTC"))) == [("warning", 30, 4)]
    assert sent_as(run([item], utc_now, tz=LA)) == [("warning", 60, 4)]


@time_machine.travel(datetime(2026, 5, 31, 9, 0, tzinfo=NY), tick=False)
def test_with_frozen_time_a_recorded_reminder_is_not_planned_again():
    item = make_item(due_date=DUE, owner=MANAGER.id)
    first = run([item], timezone.now())
    assert sent_as(first) == [("warning", 30, MANAGER.id)]
    again = run([item], timezone.now(), existing={p.identity for p in first.reminders})
    assert again.reminders == [] and again.errors == []


def test_a_renewed_baa_with_a_new_date_is_a_new_occurrence():
    old = make_item(due_date=DUE, owner=MANAGER.id)
    first = run([old], at(DUE - timedelta(days=7)))
    renewed = make_item(due_date=DUE.replace(year=2027), owner=MANAGER.id)
    result = run(
        [renewed],
        at(DUE.replace(year=2027) - timedelta(days=7)),
        existing={p.identity for p in first.reminders},
    )
    assert sent_as(result) == [("warning", 7, MANAGER.id)]


def test_a_bad_item_is_reported_and_the_others_still_planned():
    bad = make_item(key="baa:bad", tier="unknown-tier", due_date=DUE, vendor_name="Broken Inc")
    good = make_item(key="baa:good", due_date=DUE, owner=MANAGER.id)
    result = run([bad, good], at(DUE - timedelta(days=7)))
    assert [(e.key, e.vendor_name) for e in result.errors] == [("baa:bad", "Broken Inc")]
    assert sent_as(result) == [("warning", 7, MANAGER.id)]


def test_a_practice_without_admins_or_owner_is_reported_not_silently_dropped():
    item = make_item(due_date=DUE)
    result = run([item], at(DUE - timedelta(days=7)), members=[MANAGER])
    assert result.reminders == [] and "no admin" in result.errors[0].message


# --- grouping and forecast -------------------------------------------------------------------


def test_digest_groups_by_urgency_most_urgent_first():
    items = [
        make_item(key="a", kind=DueKind.REVIEW, due_date=DUE, owner=MANAGER.id),  # 30 days
        make_item(key="b", kind=DueKind.ACTION, due_date=DUE - timedelta(days=25)),  # 5 days
        make_item(key="c", kind=DueKind.EVIDENCE, due_date=DUE - timedelta(days=40)),  # overdue
    ]
    result = run(items, at(DUE - timedelta(days=30)), members=[ADMIN1, MANAGER])
    groups = group_by_urgency(result.reminders)
    assert [(u, [p.item.key for p in ps]) for u, ps in groups] == [
        (Urgency.URGENT, ["c"]),
        (Urgency.SOON, ["b"]),
        (Urgency.LATER, ["a"]),
    ]
    assert urgency(Stage.WARNING, 7) == Urgency.SOON and urgency(Stage.WARNING, 8) == Urgency.LATER


def test_forecast_says_when_the_next_reminder_of_each_item_goes_out():
    today = date(2026, 5, 1)
    baa = make_item(key="baa:1", due_date=DUE, tier="high")  # 60 days: the 30-day warning next
    action = make_item(key="action:1", kind=DueKind.ACTION, due_date=date(2026, 4, 29))  # overdue
    upcoming = forecast([baa, action], DEFAULT_RULES, today)
    assert [(u.item.key, u.on, u.stage, u.threshold) for u in upcoming] == [
        ("action:1", date(2026, 5, 6), Stage.OVERDUE, 1),  # re-sent 7 days after it fell due
        ("baa:1", DUE - timedelta(days=30), Stage.WARNING, 30),
    ]


@pytest.mark.parametrize("kind", [DueKind.BAA_EXPIRY, DueKind.RENEWAL_NOTICE])
def test_expiry_and_renewal_warnings_end_on_their_date(kind):
    rules = DEFAULT_RULES["critical"]
    item = make_item(kind=kind, tier="critical", due_date=DUE)
    assert stages_on(item, DUE, rules) == [(Stage.WARNING, 7)]
    assert stages_on(item, DUE + timedelta(days=1), rules) == []
    assert stages_on(item, DUE + timedelta(days=60), rules) == []


def test_an_expired_baa_of_a_vendor_with_a_gap_is_folded_into_the_gap():
    expired = make_item(key="baa:1:expired", kind=DueKind.BAA_EXPIRED, due_date=DUE, vendor_id=1)
    gap = make_item(key="gap:vendor:1", kind=DueKind.COMPLIANCE_GAP, due_date=DUE, vendor_id=1)
    other = make_item(key="baa:2:expired", kind=DueKind.BAA_EXPIRED, due_date=DUE, vendor_id=2)
    result = run([expired, gap, other], at(DUE + timedelta(days=1)), members=[ADMIN2])
    assert sorted(p.item.key for p in result.reminders) == ["baa:2:expired", "gap:vendor:1"]


def test_the_forecast_folds_an_expired_baa_into_the_gap_too():
    expired = make_item(key="baa:1:expired", kind=DueKind.BAA_EXPIRED, due_date=DUE, vendor_id=1)
    gap = make_item(key="gap:vendor:1", kind=DueKind.COMPLIANCE_GAP, due_date=DUE, vendor_id=1)
    upcoming = forecast([expired, gap], DEFAULT_RULES, DUE + timedelta(days=1))
    assert [u.item.key for u in upcoming] == ["gap:vendor:1"]


def _forecast_day_by_day(items, rules, today):
    """The forecast's definition, checked one day at a time (what ``forecast`` computed
    before it checked only the days on which an item's stages can change)."""
    from reminders.policy import FORECAST_DAYS, fold

    result = []
    for item in fold(items):
        current = set(stages_on(item, today, rules[item.tier]))
        for offset in range(1, FORECAST_DAYS):
            day = today + timedelta(days=offset)
            new = [s for s in stages_on(item, day, rules[item.tier]) if s not in current]
            if new:
                result.append((item.key, day, *new[0]))
                break
    return sorted(result, key=lambda r: (r[1], r[0]))


def test_the_forecast_checks_only_change_days_and_finds_the_same_day_as_a_daily_scan():
    today = date(2026, 5, 1)
    items = [
        make_item(
            key=f"{kind}:{tier}:{offset}",
            kind=kind,
            tier=tier,
            vendor_id=n,
            vendor_name="Same",
            due_date=today + timedelta(days=offset),
        )
        for n, (kind, tier, offset) in enumerate(
            (kind, tier, offset)
            for kind in DueKind
            for tier in TIERS
            for offset in (
                -500,
                -61,
                -30,
                -14,
                -8,
                -7,
                -3,
                -1,
                0,
                1,
                6,
                7,
                8,
                29,
                30,
                31,
                89,
                90,
                119,
                121,
                300,
                399,
                400,
                401,
            )
        )
    ]
    expected = _forecast_day_by_day(items, DEFAULT_RULES, today)
    got = forecast(items, DEFAULT_RULES, today)
    assert [(u.item.key, u.on, u.stage, u.threshold) for u in got] == expected
    # The page shows the first 100: the same 100 as the full forecast's.
    first = forecast(items, DEFAULT_RULES, today, limit=100)
    assert [(u.item.key, u.on) for u in first] == [(k, d) for k, d, *_ in expected[:100]]
    assert len(expected) > 100

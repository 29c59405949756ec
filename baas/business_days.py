"""Business days and US federal holidays, for converting a breach-notice window counted in
business days into calendar days. Pure: no ORM.

The federal holidays are the legal public holidays of 5 U.S.C. 6103(a), observed on the Friday
before when they fall on a Saturday and the Monday after when they fall on a Sunday (Executive
Order 11582). Juneteenth counts from 2021. (The ``holidays`` package would do this; it is not a
dependency of the project, and eleven rules do not need one.)

A contract's "N business days" after discovery can span more or fewer calendar days depending
on the day the breach is discovered: ``worst_case_calendar_days`` returns the longest span, so
that a window which *can* run past the 60 calendar days of 164.410(b) is flagged.
"""

from bisect import bisect_right
from datetime import date, timedelta
from functools import lru_cache

MONDAY, THURSDAY = 0, 3


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    last = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date) -> date:
    if day.weekday() == 5:  # Saturday -> Friday
        return day - timedelta(days=1)
    if day.weekday() == 6:  # Sunday -> Monday
        return day + timedelta(days=1)
    return day


@lru_cache(maxsize=64)
def federal_holidays(year: int) -> frozenset[date]:
    """The observed US federal holidays falling in ``year`` (5 U.S.C. 6103(a))."""
    days = set()
    for y in (year - 1, year, year + 1):  # New Year's Day may be observed on Dec 31
        fixed = [date(y, 1, 1), date(y, 7, 4), date(y, 11, 11), date(y, 12, 25)]
        if y >= 2021:
            fixed.append(date(y, 6, 19))
        days.update(_observed(d) for d in fixed)
        days.update(
            {
                _nth_weekday(y, 1, MONDAY, 3),  # Birthday of Martin Luther King, Jr.
                _nth_weekday(y, 2, MONDAY, 3),  # Washington's Birthday
                _last_weekday(y, 5, MONDAY),  # Memorial Day
                _nth_weekday(y, 9, MONDAY, 1),  # Labor Day
                _nth_weekday(y, 10, MONDAY, 2),  # Columbus Day
                _nth_weekday(y, 11, THURSDAY, 4),  # Thanksgiving Day
            }
        )
    return frozenset(d for d in days if d.year == year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in federal_holidays(day.year)


def add_business_days(start: date, n: int) -> date:
    """The ``n``-th business day after ``start``."""
    day = start
    while n > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            n -= 1
    return day


@lru_cache(maxsize=8)
def _business_days_from(year: int) -> tuple[date, ...]:
    """Every business day from Jan 1 of ``year`` to the end of ``year + 1`` (sorted)."""
    start, end = date(year, 1, 1), date(year + 2, 1, 1)
    days = (start + timedelta(days=i) for i in range((end - start).days))
    return tuple(d for d in days if is_business_day(d))


@lru_cache(maxsize=256)
def _worst_in_year(n: int, year: int) -> int:
    """Longest span of ``n`` business days starting on a day of ``year`` (n <= 100)."""
    business = _business_days_from(year)
    start = date(year, 1, 1)
    worst = 0
    for i in range((date(year + 1, 1, 1) - start).days):
        day = start + timedelta(days=i)
        deadline = business[bisect_right(business, day) + n - 1]
        worst = max(worst, (deadline - day).days)
    return worst


def worst_case_calendar_days(n: int, around: date) -> int:
    """The most calendar days ``n`` business days can take, whatever the day they start, over
    the year of ``around`` and the next (weekends and federal holidays skipped). Over 100
    business days the window is far past 60 calendar days anyway: weekends only are counted."""
    if n <= 0:
        return 0
    if n > 100:
        return -(-n * 7 // 5)
    return max(_worst_in_year(n, around.year), _worst_in_year(n, around.year + 1))

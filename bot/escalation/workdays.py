"""Dutch working days in Europe/Amsterdam, for acknowledgement deadlines and reminders.

Public holidays come from the `holidays` package (country NL). Note that it lists Good Friday
and 5 May only in lustrum years; we follow the package rather than keep our own list.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
OFFICE_START = time(9, 0)


@lru_cache(maxsize=16)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("NL", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def next_working_day(day: date) -> date:
    """The first working day strictly after `day`."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _at(day: date, clock: time) -> datetime:
    # zoneinfo resolves the local time; across a DST change the wall-clock time is kept.
    return datetime.combine(day, clock, tzinfo=AMSTERDAM)


def add_working_days(moment: datetime, days: int) -> datetime:
    """`days` working days after `moment`, at the same local wall-clock time, returned in UTC.

    Something raised on a weekend or holiday counts from 09:00 on the next working day.
    """
    if moment.tzinfo is None:
        raise ValueError("add_working_days needs a timezone-aware moment")
    local = moment.astimezone(AMSTERDAM)
    day, clock = local.date(), local.timetz().replace(tzinfo=None)
    if not is_working_day(day):
        day, clock = next_working_day(day), OFFICE_START
    for _ in range(days):
        day = next_working_day(day)
    return _at(day, clock).astimezone(moment.tzinfo)


def next_office_start(after: datetime) -> datetime:
    """The first 09:00 on a working day strictly after `after`."""
    local = after.astimezone(AMSTERDAM)
    day = local.date()
    if not (is_working_day(day) and _at(day, OFFICE_START) > local):
        day = next_working_day(day)
    return _at(day, OFFICE_START).astimezone(after.tzinfo)

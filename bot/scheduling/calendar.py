"""Calendar arithmetic the planner and the flows share: months after leaving, birthdays."""

from __future__ import annotations

import calendar
from datetime import date

from dateutil.relativedelta import relativedelta

DUTCH_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def add_months(start: date, months: int) -> date:
    """`start` plus whole calendar months, clamped to the month's end (31 Aug + 6 = 28/29 Feb)."""
    return start + relativedelta(months=months)


def months_since_leaving(leaving_date: date, on: date) -> int:
    """Whole months from the leaving date to `on`; negative before leaving.

    Defined as the largest n with add_months(leaving_date, n) <= on, so that on the day of the
    "maand 6" contact this says 6, also when the month end was clamped (31 Aug -> 28 Feb).
    """
    delta = relativedelta(on, leaving_date)
    months = delta.years * 12 + delta.months
    # relativedelta and clamped addition can disagree by one around month ends; settle it.
    while add_months(leaving_date, months + 1) <= on:
        months += 1
    while add_months(leaving_date, months) > on:
        months -= 1
    return months


def birthday(date_of_birth: date, age: int) -> date:
    """The day someone born on `date_of_birth` turns `age`.

    Someone born on 29 February turns a year older on 1 March in a common year: the day after
    28 February is when the full year has passed (the usual Dutch reading; it also never warns
    later than the wage step an employer applies).
    """
    year = date_of_birth.year + age
    if date_of_birth.month == 2 and date_of_birth.day == 29 and not calendar.isleap(year):
        return date(year, 3, 1)
    return date_of_birth.replace(year=year)


def days_until_birthday(date_of_birth: date, age: int = 21, *, on: date) -> int:
    """Days from `on` until the youth turns `age`: 0 on the day itself, negative afterwards."""
    return (birthday(date_of_birth, age) - on).days


def month_label(day: date) -> str:
    """'september 2026': how staff see a calendar-month contact."""
    return f"{DUTCH_MONTHS[day.month - 1]} {day.year}"


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on `day` (someone born on 29 February turns a year older on 1 March)."""
    had_birthday = (day.month, day.day) >= (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - (0 if had_birthday else 1)

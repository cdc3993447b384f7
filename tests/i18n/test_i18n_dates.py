"""Dates, times and numbers in the reader's locale and in Europe/Amsterdam, across DST."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import i18n
from bot.i18n import (
    format_datetime_local,
    format_day,
    format_day_with_year,
    format_number,
    format_time_local,
)

TUESDAY = date(2026, 3, 3)
ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")


def test_dutch_day() -> None:
    assert format_day(TUESDAY, "nl") == "dinsdag 3 maart"
    assert format_day_with_year(TUESDAY, "nl") == "dinsdag 3 maart 2026"


def test_english_day() -> None:
    assert format_day(TUESDAY, "en") == "Tuesday, March 3"
    assert format_day_with_year(TUESDAY, "en") == "Tuesday, March 3, 2026"


def test_other_languages_use_their_own_words() -> None:
    assert format_day(TUESDAY, "tr") == "3 Mart Salı"
    assert format_day(TUESDAY, "pl") == "wtorek, 3 marca"
    assert format_day(TUESDAY, "uk") == "вівторок, 3 березня"


def test_arabic_day_is_in_arabic_script() -> None:
    text = format_day(TUESDAY, "ar")
    assert "الثلاثاء" in text  # Tuesday
    assert "مارس" in text  # March
    assert not re.search(r"[A-Za-z]", text)
    assert ARABIC_LETTER.search(format_datetime_local(datetime(2026, 3, 3, 13, tzinfo=UTC), "ar"))


@pytest.mark.parametrize("lang", ["nl", "en", "ar", "tr", "pl", "uk"])
def test_day_pattern_has_no_year(lang: str) -> None:
    pattern = i18n.day_pattern(lang)
    assert "y" not in pattern.replace("'", "")
    assert "EEEE" in pattern and "MMMM" in pattern and "d" in pattern.replace("EEEE", "")


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        # Last Sunday of March 2026: clocks go from 02:00 CET to 03:00 CEST at 01:00 UTC.
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "zondag 29 maart, 01:30"),
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "zondag 29 maart, 03:30"),
        # Last Sunday of October 2026: back from 03:00 CEST to 02:00 CET at 01:00 UTC.
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "zondag 25 oktober, 02:30"),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "zondag 25 oktober, 02:30"),
        # Late evening UTC is already the next day in Amsterdam.
        (datetime(2026, 3, 2, 23, 30, tzinfo=UTC), "dinsdag 3 maart, 00:30"),
    ],
)
def test_dutch_date_time_across_dst(utc: datetime, expected: str) -> None:
    assert format_datetime_local(utc, "nl") == expected


def test_day_of_an_aware_datetime_is_the_amsterdam_day() -> None:
    late = datetime(2026, 7, 6, 22, 30, tzinfo=UTC)  # 00:30 on Tuesday 7 July in Amsterdam
    assert format_day(late, "nl") == "dinsdag 7 juli"
    assert format_day(late, "nl", ZoneInfo("UTC")) == "maandag 6 juli"


def test_english_time_and_other_zone() -> None:
    moment = datetime(2026, 7, 7, 12, 5, tzinfo=UTC)
    assert format_time_local(moment, "en") == "2:05\u202fPM"
    assert format_time_local(moment, "nl", ZoneInfo("Europe/Istanbul")) == "15:05"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        format_datetime_local(datetime(2026, 3, 3, 12, 0), "nl")


@pytest.mark.parametrize(
    ("lang", "expected"), [("nl", "1.234,5"), ("en", "1,234.5"), ("pl", "1\xa0234,5")]
)
def test_numbers(lang: str, expected: str) -> None:
    assert format_number(1234.5, lang) == expected


def test_zone_may_be_given_by_name() -> None:
    moment = datetime(2026, 7, 7, 12, 5, tzinfo=UTC)
    assert format_datetime_local(moment, "nl", "Europe/Amsterdam") == "dinsdag 7 juli, 14:05"
    assert format_day(moment, "nl", "Pacific/Kiritimati") == "woensdag 8 juli"

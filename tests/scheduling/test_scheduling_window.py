from datetime import UTC, date, datetime, time, timedelta

import pytest
from scheduling_helpers import AMS, local, utc

from bot.scheduling import DEFAULT_WINDOW, SendWindow, in_window, next_window_start
from bot.scheduling.window import window_start_on_or_after


def test_ten_oclock_local_is_eight_utc_in_summer_and_nine_in_winter():
    assert window_start_on_or_after(date(2026, 7, 14)) == utc(2026, 7, 14, 8, 0)
    assert window_start_on_or_after(date(2026, 11, 17)) == utc(2026, 11, 17, 9, 0)


def test_window_start_follows_the_clock_change_in_march():
    # Daylight saving starts on Sunday 29 March 2026: Saturday is still winter time, the next
    # allowed day (Monday) is summer time.
    assert window_start_on_or_after(date(2026, 3, 28)) == utc(2026, 3, 28, 9, 0)
    after_hours_saturday = local(2026, 3, 28, 19, 30)
    assert next_window_start(after_hours_saturday) == utc(2026, 3, 30, 8, 0)


def test_window_start_follows_the_clock_change_in_october():
    # Daylight saving ends on Sunday 25 October 2026.
    assert window_start_on_or_after(date(2026, 10, 24)) == utc(2026, 10, 24, 8, 0)
    assert next_window_start(local(2026, 10, 24, 20, 0)) == utc(2026, 10, 26, 9, 0)


def test_window_end_is_local_on_both_sides_of_the_change():
    assert in_window(local(2026, 3, 30, 18, 59))
    assert not in_window(local(2026, 3, 30, 19, 0))
    assert in_window(utc(2026, 3, 30, 16, 59))  # 18:59 CEST
    assert not in_window(utc(2026, 3, 27, 18, 0))  # 19:00 CET


def test_sunday_goes_to_monday():
    sunday = date(2026, 11, 15)
    assert sunday.weekday() == 6
    assert window_start_on_or_after(sunday) == utc(2026, 11, 16, 9, 0)
    assert not in_window(local(2026, 11, 15, 12, 0))


def test_kings_day_goes_to_the_next_day():
    assert window_start_on_or_after(date(2026, 4, 27)) == utc(2026, 4, 28, 8, 0)


def test_kings_day_on_the_26th_when_the_27th_is_a_sunday():
    # 27 April 2025 is a Sunday, so Koningsdag is Saturday 26 April; Monday 28 is the next day.
    assert date(2025, 4, 27).weekday() == 6
    assert not in_window(local(2025, 4, 26, 12, 0))
    assert window_start_on_or_after(date(2025, 4, 26)) == utc(2025, 4, 28, 8, 0)


def test_christmas_goes_past_both_days_and_the_sunday():
    # 25 December 2026 is a Friday, 26 a Saturday, 27 a Sunday.
    for day in (25, 26, 27):
        assert window_start_on_or_after(date(2026, 12, day)) == utc(2026, 12, 28, 9, 0)
    # In 2028 the 25th is a Monday: Wednesday the 27th is the first allowed day.
    assert window_start_on_or_after(date(2028, 12, 25)) == utc(2028, 12, 27, 9, 0)


def test_a_moment_inside_the_window_is_kept_as_is():
    moment = local(2026, 11, 17, 14, 37)
    assert next_window_start(moment) == moment
    assert next_window_start(moment).tzinfo is UTC


def test_before_opening_goes_to_opening_the_same_day_after_closing_to_the_next_day():
    assert next_window_start(local(2026, 11, 17, 6, 0)) == utc(2026, 11, 17, 9, 0)
    assert next_window_start(local(2026, 11, 17, 19, 0)) == utc(2026, 11, 18, 9, 0)
    # Saturday evening skips Sunday.
    assert next_window_start(local(2026, 11, 21, 23, 0)) == utc(2026, 11, 23, 9, 0)


def test_a_custom_window_without_holidays_and_with_sunday():
    window = SendWindow(
        days=("zo",), start=time(12, 0), end=time(13, 0), skip_public_holidays=False
    )
    # Sunday 27 December 2026 would be skipped by the default window (Sunday), not by this one.
    assert window_start_on_or_after(date(2026, 12, 21), window) == utc(2026, 12, 27, 11, 0)
    assert not in_window(local(2026, 12, 27, 13, 0), window)


def test_naive_moments_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        next_window_start(datetime(2026, 1, 5, 12, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        in_window(datetime(2026, 1, 5, 12, 0))


def test_next_window_start_is_always_inside_the_window_for_every_hour_of_a_year():
    moment = local(2026, 1, 1, 0, 0)
    end = moment + timedelta(days=366)
    while moment < end:
        start = next_window_start(moment)
        assert in_window(start), moment
        assert start >= moment
        # Nothing earlier than the returned start, from `moment` on, was inside the window.
        if start > moment:
            assert start.astimezone(AMS).time() == DEFAULT_WINDOW.start
        moment += timedelta(hours=1)

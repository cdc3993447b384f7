from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock, SystemClock


def test_manual_clock_moves_only_when_told():
    start = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    clock = ManualClock(start)
    assert clock.now() == start
    clock.advance(timedelta(days=90))
    assert clock.now() == start + timedelta(days=90)


def test_manual_clock_refuses_naive_and_backwards_time():
    with pytest.raises(ValueError):
        ManualClock(datetime(2026, 7, 1))
    clock = ManualClock(datetime(2026, 7, 1, tzinfo=UTC))
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))


def test_system_clock_is_aware_utc():
    assert SystemClock().now().tzinfo is UTC

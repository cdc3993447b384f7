"""Telegram's rate limits, driven by a fake monotonic clock instead of sleeping."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Bot
from telegram.error import RetryAfter

from bot.emulator import EmulatorServer, Limits, RateLimiter

from .helpers import retry_seconds

# PTB 22 itself reads the deprecated int retry_after when building RetryAfter; not our code.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


async def test_per_chat_limit_allows_a_burst_then_429_until_time_passes(
    emu: EmulatorServer, bot: Bot, sam: int, clock
):
    for n in range(3):  # default burst of 3
        await bot.send_message(sam, f"bericht {n}")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(sam, "te snel")
    assert retry_seconds(caught.value) == 1
    assert emu.control.counters()["rate_limited"] == 1
    clock.advance(1.0)
    await bot.send_message(sam, "weer op tijd")
    with pytest.raises(RetryAfter):
        await bot.send_message(sam, "weer te snel")
    assert [m["text"] for m in emu.control.bot_messages(sam)][-1] == "weer op tijd"
    assert emu.control.counters()["delivered"] == {str(sam): 4}


async def test_other_chats_are_not_slowed_by_one_busy_chat(emu: EmulatorServer, bot: Bot, clock):
    for user_id in (1, 2):
        emu.control.add_user(user_id, f"U{user_id}")
        emu.control.send_text(user_id, "hoi")
    emu.limits.per_chat_burst = 1
    await bot.send_message(1, "a")
    with pytest.raises(RetryAfter):
        await bot.send_message(1, "b")
    await bot.send_message(2, "a")


async def test_global_limit_of_30_per_second(emu: EmulatorServer, bot: Bot, clock):
    for user_id in range(1, 41):
        emu.control.add_user(user_id, f"U{user_id}")
        emu.control.send_text(user_id, "hoi")
    for user_id in range(1, 31):
        await bot.send_message(user_id, "x")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(31, "x")
    assert retry_seconds(caught.value) == 1
    clock.advance(0.1)  # 3 tokens back at 30/s
    for user_id in range(31, 34):
        await bot.send_message(user_id, "x")
    with pytest.raises(RetryAfter):
        await bot.send_message(34, "x")


async def test_limits_can_be_switched_off_one_by_one(emu: EmulatorServer, bot: Bot, sam: int):
    emu.limits.per_chat_enabled = False
    for n in range(30):
        await bot.send_message(sam, f"{n}")
    with pytest.raises(RetryAfter):  # the global bucket still holds
        await bot.send_message(sam, "31")
    emu.limits.update(Limits.off().to_dict())
    emu.control.block(sam)
    await bot.send_message(sam, "x" * 5000)  # no length check, no block check, no rate limit
    assert len(emu.control.bot_messages(sam)) == 31


def test_rate_limiter_retry_after_rounds_up():
    now = [0.0]
    limiter = RateLimiter(Limits(per_chat_rate=0.25, per_chat_burst=1), lambda: now[0])
    assert limiter.acquire(1) is None
    assert limiter.acquire(1) == 4
    now[0] = 3.5
    assert limiter.acquire(1) == 1  # half a second left: still a whole second
    now[0] = 4.0
    assert limiter.acquire(1) is None


def test_refused_messages_do_not_use_up_tokens():
    now = [0.0]
    limiter = RateLimiter(Limits(per_chat_burst=1, global_rate=1, global_burst=1), lambda: now[0])
    assert limiter.acquire(1) is None
    assert limiter.acquire(2) == 1  # global bucket empty; chat 2's token is kept
    now[0] = 1.0
    assert limiter.acquire(2) is None


def test_limits_update_refuses_bad_values():
    limits = Limits()
    with pytest.raises(ValueError, match="unknown limit"):
        limits.update({"per_chat_speed": 2})
    with pytest.raises(ValueError, match="positive number"):
        limits.update({"global_rate": 0})
    with pytest.raises(ValueError, match="true or false"):
        limits.update({"global_enabled": "no"})
    limits.update({"global_rate": 10, "blocked_enabled": False})
    assert limits.global_rate == 10 and not limits.blocked_enabled


@settings(max_examples=60, deadline=None)
@given(
    gaps=st.lists(st.floats(min_value=0, max_value=2, allow_nan=False), min_size=1, max_size=80),
    rate=st.sampled_from([0.5, 1.0, 2.0]),
    burst=st.integers(min_value=1, max_value=5),
)
def test_no_window_ever_lets_through_more_than_burst_plus_rate(gaps, rate, burst):
    now = [0.0]
    limiter = RateLimiter(
        Limits(per_chat_rate=rate, per_chat_burst=burst, global_enabled=False), lambda: now[0]
    )
    accepted: list[float] = []
    for gap in gaps:
        now[0] += gap
        retry_after = limiter.acquire(1)
        if retry_after is None:
            accepted.append(now[0])
        else:
            assert retry_after >= 1
    for i, start in enumerate(accepted):
        for j in range(i, len(accepted)):
            window = accepted[j] - start
            assert j - i + 1 <= burst + rate * window + 1e-9

from __future__ import annotations

import itertools

import pytest

from bot.channels.base import RetryLater
from bot.delivery.pacing import Pacer
from bot.delivery.retry import RetryKind, RetryPolicy, classify


def test_fixed_spacing_never_lets_two_sends_closer_than_one_over_rate():
    pacer = Pacer(rate_per_second=30, per_chat_interval=1.0)
    starts, now = [], 0.0
    for chat in range(90):
        now += pacer.global_wait(now)
        starts.append(now)
        pacer.take(chat, now)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) == pytest.approx(1 / 30)
    # any window of one second holds at most 30 starts (1e-9: float sums of 1/30)
    assert max(sum(1 for s in starts if t <= s < t + 1 - 1e-9) for t in starts) == 30


def test_per_chat_interval_and_untake():
    pacer = Pacer(rate_per_second=1000, per_chat_interval=1.0)
    previous = pacer.take(7, 10.0)
    assert pacer.chat_wait(7, 10.5) == pytest.approx(0.5)
    assert pacer.chat_wait(8, 10.5) == 0
    pacer.untake(7, previous)  # the send was cancelled: no wait for it
    assert pacer.chat_wait(7, 10.5) == 0


def test_a_global_pause_holds_everyone():
    pacer = Pacer(rate_per_second=30, per_chat_interval=1.0)
    pacer.pause_all(now=3.0, seconds=5.0)
    assert pacer.global_wait(3.0) == pytest.approx(5.0)
    assert pacer.global_wait(8.0) == 0


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="rate_per_second"):
        Pacer(rate_per_second=0, per_chat_interval=1.0)
    with pytest.raises(ValueError, match="per_chat_interval"):
        Pacer(rate_per_second=30, per_chat_interval=-1)


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("rate_limited", RetryKind.GLOBAL_RATE_LIMIT),
        ("rate_limited: retry after 7", RetryKind.GLOBAL_RATE_LIMIT),
        ("rate_limited_chat", RetryKind.CHAT_RATE_LIMIT),
        ("timeout", RetryKind.TRANSIENT),
        ("HTTP 502", RetryKind.TRANSIENT),
        ("rate_limitedness", RetryKind.TRANSIENT),
    ],
)
def test_classify(reason, kind):
    assert classify(RetryLater(1.0, reason)) is kind


def test_backoff_grows_is_capped_and_respects_the_floor():
    policy = RetryPolicy(base_seconds=2, cap_seconds=60, max_attempts=5)
    assert [policy.backoff(n, floor=0, jitter=0.999999) for n in (1, 2, 3)] == pytest.approx(
        [2, 4, 8]
    )
    assert policy.backoff(1, floor=0, jitter=0) == pytest.approx(1)  # equal jitter: half at least
    assert policy.backoff(20, floor=0, jitter=0.999999) == pytest.approx(60)
    assert policy.backoff(1, floor=30, jitter=0) == 30
    assert not policy.gives_up(4) and policy.gives_up(5)


def test_send_gate_spreads_a_bunch_that_arrives_after_a_stall():
    """Sends paced at the start but held up together (a slow database write) must not reach
    Telegram as one burst: at most `rate` network calls in any second."""
    pacer = Pacer(rate_per_second=30, per_chat_interval=1.0)
    sends, now = [], 0.0
    for chat in range(75):  # all 75 arrive at t=0; each waits its turn
        now += pacer.send_wait(chat, now)
        pacer.sent(chat, now)
        sends.append(now)
    assert max(sum(1 for s in sends if t <= s < t + 1 - 1e-9) for t in sends) == 30
    assert sends[29] == 0.0 and sends[30] == pytest.approx(1.0) and sends[60] == pytest.approx(2.0)


def test_send_gate_keeps_per_chat_spacing_and_global_pauses():
    pacer = Pacer(rate_per_second=30, per_chat_interval=1.0)
    assert pacer.send_wait(7, 10.0) == 0
    pacer.sent(7, 10.0)
    assert pacer.send_wait(7, 10.2) == pytest.approx(0.8)  # same chat: a second apart
    assert pacer.send_wait(8, 10.2) == 0
    pacer.pause_all(now=11.0, seconds=3.0)
    assert pacer.send_wait(8, 11.5) == pytest.approx(2.5)  # not inside a 429 pause


def test_late_wake_ups_do_not_lower_the_rate():
    """Timers fire a little late; the pacer keeps its grid so 30/s stays 30/s, not ~29/s."""
    pacer = Pacer(rate_per_second=30, per_chat_interval=1.0)
    starts, now = [], 0.0
    for chat in range(301):
        now += pacer.global_wait(now) + 0.002  # every wake-up 2 ms late
        starts.append(now)
        pacer.take(chat, now)
    assert starts[-1] - starts[0] == pytest.approx(10.0, abs=0.01)


def test_a_short_hold_up_is_caught_up_a_long_gap_is_not():
    pacer = Pacer(rate_per_second=30, per_chat_interval=1.0)
    starts, now = [], 0.0
    for chat in range(300):
        now += pacer.global_wait(now)
        if chat == 100:
            now += 0.3  # the loop was busy (a claim, a busy event loop)
        starts.append(now)
        pacer.take(chat, now)
    # the 0.3 s were made up: 300 starts in the same ten seconds as without the hold-up
    assert starts[-1] == pytest.approx(299 / 30)
    # after a gap longer than the catch-up, the grid starts again from now: no burst
    later = starts[-1] + 5.0
    pacer.take(999, later)
    assert pacer.global_wait(later) == pytest.approx(1 / 30)

"""Injected faults as PTB sees them: NetworkError, TimedOut, RetryAfter."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.emulator import EmulatorServer, FaultInjector

from .helpers import retry_seconds

# PTB 22 itself reads the deprecated int retry_after when building RetryAfter; not our code.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")


async def test_next_calls_get_502_then_normal_again(emu: EmulatorServer, bot: Bot, sam: int):
    emu.faults.next_calls("error", 2, methods=["sendMessage"])
    await bot.get_me()  # other methods are not affected
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(sam, "x")
    await bot.send_message(sam, "y")
    assert [m["text"] for m in emu.control.bot_messages(sam)] == ["y"]
    assert emu.control.counters()["faults_injected"] == {"error": 2}


async def test_dropped_connection_before_processing_sends_nothing(
    emu: EmulatorServer, bot: Bot, sam: int
):
    emu.faults.next_calls("drop")
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(sam, "x")
    assert not isinstance(caught.value, TimedOut)
    assert emu.control.bot_messages(sam) == []


async def test_dropped_after_processing_delivers_but_client_sees_an_error(
    emu: EmulatorServer, bot: Bot, sam: int
):
    emu.faults.next_calls("drop_after")
    with pytest.raises(NetworkError):
        await bot.send_message(sam, "toch aangekomen")
    assert [m["text"] for m in emu.control.bot_messages(sam)] == ["toch aangekomen"]


async def test_slow_answer_times_out_the_client_and_still_arrives(
    emu: EmulatorServer, bot_factory, sam: int
):
    emu.faults.next_calls("slow", seconds=0.4, methods=["sendMessage"])
    async with bot_factory(read_timeout=0.1) as impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(sam, "laat")
    message = await emu.control.wait_for_bot_message(sam, timeout=2)
    assert message["text"] == "laat"


async def test_429_storm_gives_retry_after_for_its_duration(
    emu: EmulatorServer, bot: Bot, sam: int, clock
):
    emu.faults.storm(retry_after=17, seconds=5, methods=["sendMessage"])
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(sam, "x")
    assert retry_seconds(caught.value) == 17
    clock.advance(5.1)
    await bot.send_message(sam, "na de storm")
    assert emu.control.counters()["rate_limited"] == 1


async def test_forced_single_429(emu: EmulatorServer, bot: Bot, sam: int):
    emu.faults.next_calls("storm", retry_after=3)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(sam, "x")
    assert retry_seconds(caught.value) == 3


def _pattern(seed: int) -> list[str | None]:
    injector = FaultInjector(seed=seed)
    injector.set_rates(error_rate=0.2, drop_rate=0.1, slow_rate=0.1, slow_seconds=0.01)
    return [(f.kind if (f := injector.decide("sendMessage")) else None) for _ in range(300)]


def test_rates_are_deterministic_per_seed_and_roughly_right():
    first, again, other = _pattern(1), _pattern(1), _pattern(2)
    assert first == again
    assert first != other
    errors = first.count("error") / len(first)
    assert 0.12 < errors < 0.28
    assert first.count(None) > 150


def test_rates_only_hit_listed_methods():
    injector = FaultInjector(seed=3)
    injector.set_rates(error_rate=1.0, methods=["sendMessage"])
    assert injector.decide("getUpdates") is None
    assert injector.decide("sendMessage").kind == "error"


def test_bad_fault_settings_are_refused():
    injector = FaultInjector()
    with pytest.raises(ValueError, match="between 0 and 1"):
        injector.set_rates(error_rate=1.5)
    with pytest.raises(ValueError, match="together"):
        injector.set_rates(error_rate=0.6, drop_rate=0.6)
    with pytest.raises(ValueError, match="5xx"):
        injector.set_rates(error_rate=0.1, error_status=404)
    with pytest.raises(ValueError, match="unknown fault kind"):
        injector.next_calls("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="method names"):
        injector.next_calls("error", methods="sendMessage")  # type: ignore[arg-type]


async def test_random_faults_under_load_never_break_the_emulator(
    emu: EmulatorServer, bot: Bot, sam: int
):
    emu.limits.update({"per_chat_enabled": False, "global_enabled": False})
    emu.faults.set_rates(error_rate=0.2, drop_rate=0.1, drop_after_rate=0.1)
    outcomes = await asyncio.gather(
        *(bot.send_message(sam, f"{n}") for n in range(40)), return_exceptions=True
    )
    assert all(not isinstance(o, Exception) or isinstance(o, NetworkError) for o in outcomes)
    ok = sum(not isinstance(o, Exception) for o in outcomes)
    injected = emu.control.counters()["faults_injected"]
    assert ok == 40 - sum(injected.values())
    assert len(emu.control.bot_messages(sam)) == ok + injected.get("drop_after", 0)


async def test_dropped_get_updates_answer_is_delivered_again(emu: EmulatorServer, bot: Bot):
    emu.control.add_user(2, "Yara")
    emu.control.send_text(2, "hoi")
    emu.faults.next_calls("drop_after", methods=["getUpdates"])
    with pytest.raises(NetworkError):
        await bot.get_updates()
    # The answer never arrived, so nothing was confirmed: the update comes again.
    assert [u.message.text for u in await bot.get_updates()] == ["hoi"]

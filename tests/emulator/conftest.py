from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.emulator import DEFAULT_TOKEN, EmulatorServer, WebhookTiming


class FakeMonotonic:
    """A monotonic clock the test moves by hand, so rate limits need no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
async def emu(clock: FakeMonotonic) -> AsyncIterator[EmulatorServer]:
    timing = WebhookTiming(request_timeout=2.0, backoff_initial=0.01, backoff_max=0.05)
    async with EmulatorServer(monotonic=clock, seed=7, webhook_timing=timing) as server:
        yield server


def make_bot(emu: EmulatorServer, token: str = DEFAULT_TOKEN, read_timeout: float = 5.0) -> Bot:
    """A real PTB Bot pointed at the emulator, as the service configures it."""
    return Bot(
        token,
        base_url=f"{emu.api_url}/bot",
        base_file_url=f"{emu.api_url}/file/bot",
        request=HTTPXRequest(read_timeout=read_timeout, connect_timeout=2.0),
    )


@pytest.fixture
def bot_factory(emu: EmulatorServer):
    return lambda **kwargs: make_bot(emu, **kwargs)


@pytest.fixture
async def bot(emu: EmulatorServer) -> AsyncIterator[Bot]:
    async with make_bot(emu) as client:
        yield client


@pytest.fixture
def sam(emu: EmulatorServer) -> int:
    """A youth who has already opened the chat with the bot."""
    emu.control.add_user(42, "Sam", "nl")
    emu.control.send_command(42, "start")
    return 42

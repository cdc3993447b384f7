"""The service's pieces for a benchmark: the composition root when it can be built, else the
same pieces put together here with a watcher that does nothing.

`bot.service.build.build_parts` needs `bot.watchers` (signals, escalations). Where that package
is not available yet, the benchmarks compose FlowRunner, PlanSync, InboundRouter, Dispatcher
and Outreach exactly as `build_parts` does, with `QuietWatchers` in place of the signals
service: none of the measured paths (a check-in wave, button answers, an idle tick) raises a
signal, so the watcher's work is not part of what is measured either way. `ServiceParts.composed`
says which of the two a run used; the README records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.channels.base import Channel
from bot.clock import Clock
from bot.conversations.commands import Commands
from bot.conversations.plans import PlanSync
from bot.conversations.router import InboundRouter
from bot.conversations.runner import FlowRunner
from bot.delivery.dispatcher import Dispatcher
from bot.outreach.holds import human_conversation_open
from bot.outreach.tick import Outreach
from bot.scheduling import load_programmes
from bot.storage.db import Database
from flows.loader import shipped_flows

TOKEN = "123456789:EMULATOR-bench-token"  # noqa: S105 - the emulator accepts any token


class QuietWatchers:
    """The `bot.conversations.hooks.Watchers` protocol, doing nothing (see the module doc)."""

    async def crisis(self, session: Any, youth: Any, text: str, now: Any) -> bool:
        return False

    async def answers_stored(self, session: Any, youth: Any, conversation: Any, now: Any) -> None:
        return None

    async def handoff(self, session: Any, youth: Any, reason: Any, text: Any, now: Any) -> None:
        return None

    async def youth_event(self, session: Any, youth: Any, kind: Any, now: Any) -> None:
        return None

    async def coordinator_task(self, session: Any, youth: Any, note: Any, now: Any) -> None:
        return None

    async def coordinator_update(self, session: Any, staff: Any, event: Any, now: Any) -> None:
        return None


@dataclass
class ServiceParts:
    database: Database
    router: InboundRouter
    dispatcher: Dispatcher
    outreach: Outreach
    composed: str  # "build_parts" or "bench (QuietWatchers)"


def watchers_available() -> bool:
    try:
        import bot.watchers  # noqa: F401
    except ImportError:
        return False
    return True


def make_parts(
    database: Database,
    clock: Clock,
    channel: Channel,
    *,
    worker_id: str = "bench",
    unpaced: bool = False,
) -> ServiceParts:
    """The router, dispatcher and tick over `database`, sending through `channel`.

    `unpaced` lifts the dispatcher's own pacing (30/s for the bot, 1/s per chat, which keeps
    Telegram's limits) to measure processing alone, as the delivery tests do.
    """
    parts = _compose(database, clock, channel, worker_id)
    if unpaced:
        parts.dispatcher = Dispatcher(
            parts.database,
            channel,
            clock,
            worker_id=worker_id,
            rate_per_second=100_000.0,
            per_chat_interval=0.0,
            hold_check=human_conversation_open,
        )
        if parts.router.handoff is not None:
            parts.router.handoff = parts.dispatcher
    return parts


def _compose(database: Database, clock: Clock, channel: Channel, worker_id: str) -> ServiceParts:
    if watchers_available():
        return _from_build_parts(database, clock, channel, worker_id)
    flows = shipped_flows()
    zone = clock_zone()
    plans = PlanSync(programmes=load_programmes(), flows=flows, zone=zone)
    runner = FlowRunner(flows, zone)
    watchers = QuietWatchers()
    commands = Commands(runner, plans, watchers)
    router = InboundRouter(database, clock, runner, commands, watchers, channel)
    dispatcher = Dispatcher(
        database, channel, clock, worker_id=worker_id, hold_check=human_conversation_open
    )
    outreach = Outreach(database, clock, runner, plans, watchers)
    return ServiceParts(database, router, dispatcher, outreach, "bench (QuietWatchers)")


def _from_build_parts(
    database: Database, clock: Clock, channel: Channel, worker_id: str
) -> ServiceParts:
    from bot.config import Settings
    from bot.service.build import build_parts

    settings = Settings(database_url=database.url, telegram_token=TOKEN)  # type: ignore[call-arg,arg-type]
    parts = build_parts(settings, clock, channel, None, worker_id=worker_id)
    built = parts.services.database
    return ServiceParts(built, parts.router, parts.dispatcher, parts.outreach, "build_parts")


def clock_zone():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Amsterdam")

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.channels.base import IncomingEvent
from bot.clock import ManualClock
from bot.conversations.commands import Commands
from bot.conversations.plans import PlanSync
from bot.conversations.router import InboundRouter
from bot.conversations.runner import FlowRunner
from bot.scheduling import load_programmes
from bot.storage.db import Database
from flows.loader import shipped_flows

ZONE = ZoneInfo("Europe/Amsterdam")


@dataclass
class RecordingWatchers:
    """Stands in for the signals service (bot.watchers) where a test looks only at the router."""

    calls: list[tuple[str, object]] = field(default_factory=list)
    crisis_words: tuple[str, ...] = ()

    async def crisis(self, session, youth, text, now) -> bool:
        hit = any(word in text.lower() for word in self.crisis_words)
        if hit:
            self.calls.append(("crisis", youth.id))
        return hit

    async def answers_stored(self, session, youth, conversation, now) -> None:
        self.calls.append(("answers", conversation.flow_id))

    async def handoff(self, session, youth, reason, text, now) -> None:
        self.calls.append(("handoff", reason))

    async def youth_event(self, session, youth, kind, now) -> None:
        self.calls.append(("event", kind))

    async def coordinator_task(self, session, youth, note, now) -> None:
        self.calls.append(("task", note))

    async def coordinator_update(self, session, staff, event, now) -> None:
        self.calls.append(("coordinator", event.kind))


@dataclass
class Harness:
    router: InboundRouter
    watchers: RecordingWatchers
    clock: ManualClock
    database: Database
    next_update: int = 1000

    async def send(self, user_id: int, kind: str, **fields) -> None:
        self.next_update += 1
        event = IncomingEvent(
            channel="test",
            update_id=self.next_update,
            chat_id=user_id,
            user_id=user_id,
            kind=kind,
            **fields,
        )
        await self.router.handle(event)


@pytest.fixture
def harness(database: Database, clock: ManualClock) -> Harness:
    flows = shipped_flows()
    plans = PlanSync(programmes=load_programmes(), flows=flows, zone=ZONE)
    runner = FlowRunner(flows, ZONE)
    watchers = RecordingWatchers(crisis_words=("zelfmoord",))
    commands = Commands(runner, plans, watchers)
    router = InboundRouter(database, clock, runner, commands, watchers)
    return Harness(router, watchers, clock, database)


def at(moment: datetime) -> datetime:
    return moment

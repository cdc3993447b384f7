"""One inbound event in, its effects committed in one transaction.

Order of checks: duplicate update, coordinator chat, block/unblock, crisis language (always,
whatever the consent), commands and stop words, then the open conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from sqlalchemy import bindparam
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import Channel, Document, IncomingEvent, OutgoingMessage
from bot.clock import Clock
from bot.conversations import texts
from bot.conversations.commands import Commands
from bot.conversations.consent import on_flow_finished
from bot.conversations.context import Facts, flow_context
from bot.conversations.hooks import Watchers
from bot.conversations.outbound import log_inbound, reply
from bot.conversations.prefetch import YOUTHS_BY_USERS, Known, Prefetched
from bot.conversations.runner import FlowRunner
from bot.conversations.updates import claim_updates
from bot.crisis import detect_crisis
from bot.crisis.replies import crisis_reply_for_stranger
from bot.delivery.outbox import ENQUEUED, PRIORITY_CRISIS
from bot.delivery.store import ClaimBatch
from bot.i18n import render
from bot.models import OutboxMessage, StaffUser, Youth
from bot.privacy.export import export_document, export_youth
from bot.storage.db import Database
from bot.storage.groupcommit import GroupCommit
from flows import callback, engine
from flows.events import ButtonEvent, Event, TextEvent, UnsupportedEvent
from flows.replies import is_handoff_request

log = logging.getLogger(__name__)

STOP_WORDS = frozenset({"stop", "stoppen", "hou op", "houop", "stop maar", "/stop"})
AfterCommit = Callable[[], Awaitable[None]]
# Events per shared transaction: big enough to spread a commit over many answers, small enough
# that the write lock (SQLite) and the first caller's wait stay short.
MAX_BATCH = 32
# Built once: see bot.storage.dialects.
STAFF_BY_CHAT = select(StaffUser).where(StaffUser.telegram_chat_id == bindparam("chat_id"))


def _normal(text: str) -> str:
    return " ".join(text.lower().strip().strip(".!").split())


class Handoff(Protocol):
    """This process's dispatcher (`bot.delivery.Dispatcher`): the replies an update's
    transaction enqueued are claimed for it in that transaction and handed over after commit,
    so it sends them without a claim transaction of its own."""

    async def claim_new(
        self, session: AsyncSession, ids: Sequence[int], now: datetime
    ) -> ClaimBatch: ...

    def offer(self, batch: ClaimBatch, *, complete: bool) -> None: ...


@dataclass
class Outcome:
    """Work to do after the transaction committed (sending a document directly, say)."""

    after_commit: list[AfterCommit] = field(default_factory=list)
    error: Exception | None = None  # the event failed in a transaction of its own
    # A youth's answer, message or button: it changed that youth's rows and no one else's.
    own_rows_only: bool = False


class InboundRouter:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        runner: FlowRunner,
        commands: Commands,
        watchers: Watchers,
        channel: Channel | None = None,
        handoff: Handoff | None = None,
    ) -> None:
        self.database = database
        self.handoff = handoff
        self.clock = clock
        self.runner = runner
        self.commands = commands
        self.watchers = watchers
        self.channel = channel
        self._batches: GroupCommit[IncomingEvent, Outcome] = GroupCommit(
            self._write_batch, max_batch=MAX_BATCH
        )

    async def handle(self, event: IncomingEvent) -> None:
        """Route one event; with a `handoff`, also wake the dispatcher (no `notify` needed).

        Events that arrive while a batch is being written share the next transaction (see
        `_write_batch`): under load, one commit, one flush and one outbox claim serve many
        answers instead of one each.
        """
        outcome = await self._batches.submit(event)
        if outcome.error is not None:
            raise outcome.error
        for action in outcome.after_commit:
            await action()

    async def _write_batch(self, events: list[IncomingEvent]) -> list[Outcome]:
        """All events in one transaction; if that fails, each in its own, so one broken update
        fails alone and the others lose nothing (nothing of the failed batch was committed)."""
        if len(events) > 1:
            try:
                return await self._in_one_transaction(events)
            except Exception:
                log.warning("batch of updates failed; handling them one by one")
        outcomes: list[Outcome] = []
        for event in events:
            try:
                outcomes += await self._in_one_transaction([event])
            except Exception as exc:
                outcomes.append(Outcome(error=exc))
        return outcomes

    async def _in_one_transaction(self, events: list[IncomingEvent]) -> list[Outcome]:
        now = self.clock.now()
        outcomes = [Outcome() for _ in events]
        batch: ClaimBatch | None = None
        complete = True
        async with self.database.transaction() as session:
            new = await claim_updates(session, events, now)
            fresh = [e for e in events if (e.channel, e.update_id) in new]
            prefetched = await Prefetched.load(session, fresh, self.runner)
            for event, outcome in zip(events, outcomes, strict=True):
                key = (event.channel, event.update_id)
                if key not in new:
                    log.info("duplicate update ignored", extra={"update_id": event.update_id})
                    continue
                new.discard(key)  # the same update twice in one batch: handle it once
                await self._route(session, event, now, outcome, prefetched.take(event.user_id))
                if not outcome.own_rows_only:
                    prefetched.forget()
            added: list[OutboxMessage] = session.info.pop(ENQUEUED, [])
            if self.handoff is not None and added:
                await session.flush()
                ids = [row.id for row in added if row.id is not None]
                batch = await self.handoff.claim_new(session, ids, now)
                complete = len(batch.messages) == len(ids)
        if batch is not None and self.handoff is not None:
            self.handoff.offer(batch, complete=complete)
        return outcomes

    async def _route(
        self,
        session: AsyncSession,
        event: IncomingEvent,
        now: datetime,
        outcome: Outcome,
        known: Known | None = None,
    ) -> None:
        """`known`: what this event's lookups find, fetched with its batch (else looked up)."""
        if known is not None:
            youth = known.youth
        else:
            by_user = {"user_ids": [event.user_id]}
            youth = (await session.exec(YOUTHS_BY_USERS, params=by_user)).first()  # type: ignore[call-overload]
        if youth is None and not _is_start(event):
            # Only a chat that is not a youth's can be a coordinator's: one lookup per answer.
            staff = (await session.exec(STAFF_BY_CHAT, params={"chat_id": event.chat_id})).first()
            if staff is not None:
                await self.watchers.coordinator_update(session, staff, event, now)
                return
        if event.kind in ("blocked", "unblocked"):
            if youth is not None:
                youth.unreachable_since = now if event.kind == "blocked" else None
                session.add(youth)
                if event.kind == "blocked":
                    await self.watchers.youth_event(session, youth, "blocked", now)
            return
        if youth is not None and youth.unreachable_since is not None:
            # They wrote to us (a command counts too), so they can be reached again.
            youth.unreachable_since = None
            session.add(youth)
        if event.kind == "command":
            await self.commands.run(session, event, youth, now)
            return
        if youth is None:
            language = _lang(event)
            if event.kind == "text" and detect_crisis(event.text or ""):
                # We do not know who this is, so nobody can be alerted: the hotlines at least.
                await reply(
                    session,
                    chat_id=event.chat_id,
                    text=crisis_reply_for_stranger(language),
                    now=now,
                    priority=PRIORITY_CRISIS,
                    language=language,
                )
                return
            await reply(
                session, chat_id=event.chat_id, text=render(texts.NOT_LINKED, language), now=now
            )
            return
        await self._from_youth(session, youth, event, now, outcome, known)

    async def _from_youth(
        self,
        session: AsyncSession,
        youth: Youth,
        event: IncomingEvent,
        now: datetime,
        outcome: Outcome,
        known: Known | None,
    ) -> None:
        outcome.own_rows_only = True
        text = event.text if event.kind == "text" else None
        await log_inbound(
            session,
            kind=event.unsupported_kind or event.kind,
            text=text if text is not None else event.button_data,
            youth_id=youth.id,
            now=now,
        )
        if text is not None:
            if await self.watchers.crisis(session, youth, text, now):
                return
            if _normal(text) in STOP_WORDS:
                await self.commands.stop(session, youth, now)
                return
            if text.lstrip().startswith("/"):
                # Typed like a command but not marked as one by Telegram (a lone "/", a space
                # before "/help"): the flow engine leaves it alone, so answer it as a command.
                outcome.own_rows_only = False
                await self.commands.run(session, _as_command(event, text), youth, now)
                return
        if (
            event.kind == "button"
            and event.button_data
            and not callback.is_conversation_callback(event.button_data)
        ):
            await self.commands.button(session, youth, event.button_data, now, outcome, self)
            return

        if known is not None:
            conversation = known.conversation
        else:
            conversation = await self.runner.active_conversation(session, youth)
        facts = known.facts if known is not None else None
        if conversation is None:
            await self._outside_conversation(session, youth, event, now, facts)
            return
        progress = await self.runner.advance(
            session, youth, conversation, _flow_event(event), now, facts
        )
        step = progress.step
        if engine.STOP_REQUESTED in step.intents:
            await self.commands.stop(session, youth, now)
            return
        if engine.HANDOFF_REQUESTED in step.intents:
            await self.watchers.handoff(session, youth, "asked_for_person", text, now)
        if step.finished:
            await on_flow_finished(
                session, youth, progress, now, self.commands.plans, self.watchers
            )
            await self.watchers.answers_stored(session, youth, progress.conversation, now)

    async def _outside_conversation(
        self,
        session: AsyncSession,
        youth: Youth,
        event: IncomingEvent,
        now: datetime,
        facts: Facts | None,
    ) -> None:
        context = await flow_context(session, youth, now, self.runner.zone, facts)
        chat = youth.telegram_chat_id or event.chat_id
        if event.kind == "button":
            message = engine.old_button_reply(context, translate=_gettext)
            await reply(
                session,
                chat_id=chat,
                text=message.text,
                youth_id=youth.id,
                now=now,
                language=youth.language,
            )
            return
        if event.kind == "unsupported":
            await reply(
                session,
                chat_id=chat,
                text=render(texts.ONLY_TEXT, youth.language),
                youth_id=youth.id,
                language=youth.language,
                now=now,
            )
            return
        reason = "asked_for_person" if is_handoff_request(event.text or "") else "message"
        await self.watchers.handoff(session, youth, reason, event.text, now)
        await reply(
            session,
            chat_id=chat,
            text=render(
                texts.RECEIVED_FOR_COORDINATOR, youth.language, coordinator=context["coordinator"]
            ),
            youth_id=youth.id,
            language=youth.language,
            now=now,
        )

    async def send_export(self, youth_id: int, chat_id: int, language: str) -> None:
        """Sent directly after commit: documents are never stored in the outbox."""
        if self.channel is None:
            return
        async with self.database.session() as session:
            data = await export_youth(session, youth_id)
        message = OutgoingMessage(
            chat_id=chat_id,
            text=render(texts.MY_DATA_EXPORT_CAPTION, language),
            document=Document(filename="mijn-gegevens.json", content=export_document(data)),
        )
        await self.channel.send(message)


def _gettext(text: str, language: str) -> str:
    from bot.i18n import gettext

    return gettext(text, language)


def _lang(event: IncomingEvent) -> str:
    from bot.i18n import normalize_language

    return normalize_language(event.language_code)


def _is_start(event: IncomingEvent) -> bool:
    return event.kind == "command" and event.command == "start"


def _as_command(event: IncomingEvent, text: str) -> IncomingEvent:
    words = text.strip()[1:].split()
    name = words[0].split("@", 1)[0].lower() if words else ""
    return replace(event, kind="command", command=name, args=tuple(words[1:]))


def _flow_event(event: IncomingEvent) -> Event:
    if event.kind == "text":
        return TextEvent(event.text or "")
    if event.kind == "button":
        return ButtonEvent(event.button_data or "")
    return UnsupportedEvent(event.unsupported_kind or "other")

"""The `Watchers` the inbound router and the tick call: signals, escalations, crisis, handoff.

Everything here runs inside the caller's transaction; messages to coordinators are queued in
the outbox (or, when urgent, sent directly right after the commit: see `direct.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import IncomingEvent, OutgoingMessage
from bot.clock import Clock
from bot.conversations.context import FALLBACK_COORDINATOR
from bot.crisis import crisis_reply, detect_crisis
from bot.delivery.outbox import PRIORITY_CRISIS, PRIORITY_REPLY, enqueue
from bot.escalation import (
    DEFAULT_POLICY,
    AckPolicy,
    EscalationError,
    EscalationState,
    plan_escalations,
)
from bot.events import record_event
from bot.i18n import gettext, render
from bot.models import (
    ChatMessage,
    Conversation,
    Escalation,
    OutboxMessage,
    Signal,
    StaffUser,
    Youth,
)
from bot.models.signals import EscalationMessage
from bot.signals import Event, Evidence, Rule, Severity, SignalContext, SignalHit, evaluate
from bot.signals.vocabulary import EVENT_BLOCKED, EVENT_CRISIS_LANGUAGE, EVENT_KINDS
from bot.storage.db import Database
from bot.watchers import lifecycle, texts
from bot.watchers.aftercommit import after_commit
from bot.watchers.answers import CHECKIN_FLOW, answer_set, previous_checkin
from bot.watchers.direct import DirectSender
from bot.watchers.notify import (
    ACK_PREFIX,
    HANDOFF_RULE,
    HANDOVER_PREFIX,
    Notifier,
    first_name,
)
from bot.watchers.signalstore import store_hits

if TYPE_CHECKING:
    from bot.watchers.tick import TickReport

log = logging.getLogger(__name__)

NOTE_KINDS = {"representative_needed": "representative", "erasure_requested": "erasure"}


class RelayError(EscalationError):
    """A staff message cannot reach the youth (no chat linked)."""


class WatchersService:
    """Implements `bot.conversations.hooks.Watchers`, plus the panel's escalation API."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        notifier: Notifier,
        direct: DirectSender | None,
        rules: Sequence[Rule],
        policy: AckPolicy = DEFAULT_POLICY,
    ) -> None:
        self.database = database
        self.clock = clock
        self.notifier = notifier
        self.direct = direct
        self.rules = tuple(rules)
        self.policy = policy
        self._tasks: set[asyncio.Task[object]] = set()

    # -- background work started after commits ----------------------------------------------

    def spawn(self, factory: Callable[[], Awaitable[object]]) -> None:
        async def run() -> object:
            try:
                return await factory()
            except Exception:
                log.exception("watchers background task failed")
                return None

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def running_tasks(self) -> set[asyncio.Task[object]]:
        return set(self._tasks)

    async def settle(self, exclude: set[asyncio.Task[object]] | None = None) -> None:
        """Wait for direct sends and e-mails started so far (tests, shutdown), except `exclude`."""
        while pending := self._tasks - (exclude or set()):
            await asyncio.gather(*pending, return_exceptions=True)

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Reminders, backups, blocked events, e-mail fallback: call it from the service tick."""
        from bot.watchers.tick import run_tick

        return await run_tick(self, now or self.clock.now())

    # -- crisis -----------------------------------------------------------------------------

    async def crisis(self, session: AsyncSession, youth: Youth, text: str, now: datetime) -> bool:
        found = detect_crisis(text)
        if found is None:
            return False
        log.warning("crisis language", extra={"youth_id": youth.id})
        coordinator = await self.notifier.coordinator_of(session, youth)
        name = coordinator.name if coordinator else gettext(FALLBACK_COORDINATOR, youth.language)
        reply_text = crisis_reply(youth.language, name)
        outbox: OutboxMessage | None = None
        if youth.telegram_chat_id is not None:
            message = OutgoingMessage(chat_id=youth.telegram_chat_id, text=reply_text)
            if self.direct is not None:
                outbox = await self.direct.prepare(
                    session, message, youth_id=youth.id, staff_user_id=None, now=now
                )
                row_id, direct = outbox.id, self.direct
                after_commit(
                    session,
                    lambda: self.spawn(lambda: direct.send(row_id, message)),  # type: ignore[arg-type]
                )
            else:
                outbox = await enqueue(
                    session,
                    message,
                    youth_id=youth.id,
                    priority=PRIORITY_CRISIS,
                    requires_consent=False,
                    now=now,
                )
        session.add(
            ChatMessage(
                youth_id=youth.id,
                direction="out",
                kind="crisis",
                text=reply_text,
                created_at=now,
                outbox=outbox,  # None without a chat: the timeline then shows no delivery
            )
        )
        event = record_event(
            session,
            EVENT_CRISIS_LANGUAGE,
            youth_id=youth.id,
            occurred_at=now,
            data={"category": found.category, "language": found.language},
        )
        event.handled_at = now
        await session.flush()
        await self._evaluate(
            session,
            youth,
            now,
            events=[
                Event(EVENT_CRISIS_LANGUAGE, str(event.id), now, detail=f"crisis:{found.category}")
            ],
        )
        return True

    # -- signals ------------------------------------------------------------------------------

    async def answers_stored(
        self, session: AsyncSession, youth: Youth, conversation: Conversation, now: datetime
    ) -> None:
        current = await answer_set(session, conversation.id)  # type: ignore[arg-type]
        if current is None:
            return
        previous = None
        if conversation.flow_id == CHECKIN_FLOW:
            previous = await previous_checkin(session, youth.id, conversation.id)  # type: ignore[arg-type]
        await self._evaluate(session, youth, now, current=current, previous=previous)

    async def youth_event(
        self, session: AsyncSession, youth: Youth, kind: str, now: datetime
    ) -> None:
        if kind in NOTE_KINDS:
            await self._note(session, youth, NOTE_KINDS[kind], now)
            return
        if kind not in EVENT_KINDS:
            log.info("youth event without a rule", extra={"kind": kind})
            return
        if kind == EVENT_BLOCKED and await self._block_already_signalled(session, youth):
            return
        event = record_event(session, kind, youth_id=youth.id, occurred_at=now)
        event.handled_at = now
        await session.flush()
        await self._evaluate(session, youth, now, events=[Event(kind, str(event.id), now)])

    async def _block_already_signalled(self, session: AsyncSession, youth: Youth) -> bool:
        """Telegram reports a block twice (the member update and a 403 on the next send): one
        signal per block, counted since the youth last wrote to us."""
        last_in = (
            await session.exec(
                select(ChatMessage.created_at)
                .where(ChatMessage.youth_id == youth.id, ChatMessage.direction == "in")
                .order_by(col(ChatMessage.created_at).desc())
                .limit(1)
            )
        ).first()
        statement = select(Signal.id).where(
            Signal.youth_id == youth.id, Signal.rule_id == "bot_geblokkeerd"
        )
        if last_in is not None:
            statement = statement.where(col(Signal.fired_at) >= last_in)
        return (await session.exec(statement.limit(1))).first() is not None

    async def _evaluate(
        self,
        session: AsyncSession,
        youth: Youth,
        now: datetime,
        *,
        current: object = None,
        previous: object = None,
        events: Iterable[Event] = (),
    ) -> None:
        hits = evaluate(
            self.rules,
            current,  # type: ignore[arg-type]
            previous,  # type: ignore[arg-type]
            list(events),
            SignalContext(birth_date=youth.date_of_birth),
            now,
        )
        await self.route_hits(session, youth, hits, now)

    async def route_hits(
        self, session: AsyncSession, youth: Youth, hits: Sequence[SignalHit], now: datetime
    ) -> list[Escalation]:
        """Store new hits and group them into escalations; alert where the policy says so.

        Returns the escalations that were opened (and alerted)."""
        if not hits:
            return []
        new = await store_hits(session, youth.id, list(hits), now)  # type: ignore[arg-type]
        if not new:
            return []
        by_key = {hit.idempotence_key: signal for signal, hit in new}
        open_rows = await lifecycle.collecting(session, youth.id)  # type: ignore[arg-type]
        plan = plan_escalations([hit for _, hit in new], [lifecycle.to_pure(r) for r in open_rows])
        for escalation_id, attached in plan.attach.items():
            for hit in attached:
                by_key[hit.idempotence_key].escalation_id = int(escalation_id)
                session.add(by_key[hit.idempotence_key])
        coordinator = await self.notifier.coordinator_of(session, youth)
        opened: list[Escalation] = []
        if plan.new_grouped:
            severity = (
                Severity.ATTENTION
                if any(h.severity is Severity.ATTENTION for h in plan.new_grouped)
                else Severity.INFO
            )
            handoff = all(h.rule_id == HANDOFF_RULE for h in plan.new_grouped)
            row = await self._open(session, youth, severity, coordinator, now, handoff)
            for hit in plan.new_grouped:
                by_key[hit.idempotence_key].escalation_id = row.id
                session.add(by_key[hit.idempotence_key])
            await session.flush()
            if coordinator is not None:
                await self.notifier.notify(session, "alert", youth, coordinator, row, now)
            opened.append(row)
        for hit in plan.new_urgent:
            row = await self._open(session, youth, Severity.URGENT, coordinator, now, False)
            by_key[hit.idempotence_key].escalation_id = row.id
            session.add(by_key[hit.idempotence_key])
            await session.flush()
            # Urgent: the coordinator AND the backup at once, directly.
            backup = await self.notifier.backup_of(session, coordinator)
            for staff in (coordinator, backup):
                if staff is not None:
                    await self.notifier.notify(
                        session, "alert", youth, staff, row, now, urgent=True
                    )
            if backup is not None:
                row.backup_alerted_at = now
                session.add(row)
            opened.append(row)
        if coordinator is None and (plan.new_grouped or plan.new_urgent):
            log.error("escalation without a coordinator to alert", extra={"youth_id": youth.id})
        return opened

    async def _open(
        self,
        session: AsyncSession,
        youth: Youth,
        severity: Severity,
        coordinator: StaffUser | None,
        now: datetime,
        conversation: bool,
    ) -> Escalation:
        return await lifecycle.open_row(
            session,
            youth_id=youth.id,  # type: ignore[arg-type]
            severity=severity,
            coordinator_id=coordinator.id if coordinator else None,
            now=now,
            conversation=conversation,
            policy=self.policy,
        )

    async def _note(self, session: AsyncSession, youth: Youth, kind: str, now: datetime) -> None:
        coordinator = await self.notifier.coordinator_of(session, youth)
        if coordinator is not None:
            await self.notifier.notify(session, kind, youth, coordinator, None, now)

    async def coordinator_task(
        self, session: AsyncSession, youth: Youth, note: str, now: datetime
    ) -> None:
        """A planned task or an in-person re-offer for the youth's coordinator (no escalation)."""
        coordinator = await self.notifier.coordinator_of(session, youth)
        if coordinator is None:
            log.error("coordinator task without a coordinator", extra={"youth_id": youth.id})
            return
        await self.notifier.notify(session, "task", youth, coordinator, None, now, text=note)

    # -- the youth wants a person --------------------------------------------------------------

    async def handoff(
        self, session: AsyncSession, youth: Youth, reason: str, text: str | None, now: datetime
    ) -> None:
        """Open (or reuse) an escalation marked as a conversation request; relay the message."""
        open_rows = await lifecycle.collecting(session, youth.id)  # type: ignore[arg-type]
        if not open_rows:
            description = gettext(texts.HANDOFF_REASONS.get(reason, texts.HANDOFF_OTHER), "nl")
            hit = SignalHit(
                rule_id=HANDOFF_RULE,
                description=description,
                severity=Severity.ATTENTION,
                evidence=(Evidence("event", "handoff", reason, now, f"handoff:{reason}"),),
                idempotence_key=f"{HANDOFF_RULE}:{reason}:{now.isoformat()}",
            )
            await self.route_hits(session, youth, [hit], now)
            open_rows = await lifecycle.collecting(session, youth.id)  # type: ignore[arg-type]
        elif reason != "message":
            row = open_rows[0]
            if row.conversation_requested_at is None:
                row.conversation_requested_at = now
                session.add(row)
                staff = await self.owner(session, row, youth)
                if staff is not None:
                    await self.notifier.notify(session, "conversation", youth, staff, row, now)
        if not open_rows:
            return
        row = open_rows[0]
        if row.conversation_requested_at is None:
            row.conversation_requested_at = now
            session.add(row)
        if text:
            staff = await self.owner(session, row, youth)
            if staff is not None:
                await self.notifier.notify(session, "relay", youth, staff, row, now, text=text)

    async def owner(self, session: AsyncSession, row: Escalation, youth: Youth) -> StaffUser | None:
        """Whoever picked the escalation up, else its coordinator, else the youth's coordinator."""
        for staff_id in (row.acknowledged_by, row.coordinator_id):
            if staff_id is not None:
                staff = await session.get(StaffUser, staff_id)
                if staff is not None and staff.disabled_at is None:
                    return staff
        return await self.notifier.coordinator_of(session, youth)

    # -- staff to youth ------------------------------------------------------------------------

    async def send_staff_message(
        self, session: AsyncSession, youth: Youth, staff: StaffUser, text: str, now: datetime
    ) -> OutboxMessage:
        """A coordinator writes to a youth (Telegram reply or the panel): outbox + timeline."""
        if youth.telegram_chat_id is None:
            raise RelayError(f"youth {youth.id} has no chat linked; contact them another way")
        if not text.strip():
            raise RelayError("an empty message cannot be sent")
        body = render(texts.FROM_COORDINATOR, youth.language, coordinator=staff.name, message=text)
        row = await enqueue(
            session,
            OutgoingMessage(chat_id=youth.telegram_chat_id, text=body[:4096]),
            youth_id=youth.id,
            staff_user_id=staff.id,
            priority=PRIORITY_REPLY,
            requires_consent=False,
            now=now,
        )
        session.add(
            ChatMessage(
                youth_id=youth.id,
                direction="out",
                kind="relay",
                text=text,
                author_staff_id=staff.id,
                created_at=now,
                outbox=row,
            )
        )
        return row

    # -- the coordinator's chat ----------------------------------------------------------------

    async def coordinator_update(
        self, session: AsyncSession, staff: StaffUser, event: IncomingEvent, now: datetime
    ) -> None:
        if event.kind == "button" and event.button_data:
            await self._staff_button(session, staff, event.button_data, now)
        elif event.kind == "text" and event.text:
            await self._staff_text(session, staff, event, now)
        elif event.kind in ("command", "text", "unsupported"):
            await self._tell(
                session,
                staff,
                render(texts.STAFF_HELP, staff.language, link=self.notifier.panel_url),
                now,
            )

    async def _staff_button(
        self, session: AsyncSession, staff: StaffUser, data: str, now: datetime
    ) -> None:
        lang = staff.language
        for prefix in (ACK_PREFIX, HANDOVER_PREFIX):
            if data.startswith(prefix) and data[len(prefix) :].isdigit():
                escalation_id = int(data[len(prefix) :])
                break
        else:
            await self._tell(session, staff, gettext(texts.UNKNOWN_ALERT, lang), now)
            return
        row = await session.get(Escalation, escalation_id)
        youth = await session.get(Youth, row.youth_id) if row else None
        if row is None or youth is None:
            await self._tell(session, staff, gettext(texts.UNKNOWN_ALERT, lang), now)
            return
        if not await self._may_handle(session, staff, row):
            await self._tell(session, staff, gettext(texts.NOT_FOR_YOU, lang), now)
            return
        if prefix == HANDOVER_PREFIX:
            link = self.notifier.youth_link(youth.id)  # type: ignore[arg-type]
            await self._tell(session, staff, render(texts.HANDOVER_HOW, lang, link=link), now)
            return
        if row.state != EscalationState.OPEN:
            who = await session.get(StaffUser, row.acknowledged_by) if row.acknowledged_by else None
            await self._tell(
                session,
                staff,
                render(texts.ALREADY_ACKNOWLEDGED, lang, name=who.name if who else "-"),
                now,
            )
            return
        try:
            await lifecycle.acknowledge(session, escalation_id, staff, now, policy=self.policy)
        except EscalationError as exc:
            # Refused by the lifecycle (a clock oddity, say): say so instead of failing the update,
            # which Telegram would redeliver forever.
            log.warning("acknowledge refused", extra={"escalation_id": escalation_id})
            await self._tell(session, staff, str(exc), now)
            return
        await self._tell(
            session, staff, render(texts.ACKNOWLEDGED, lang, first_name=first_name(youth)), now
        )

    async def _may_handle(self, session: AsyncSession, staff: StaffUser, row: Escalation) -> bool:
        if staff.role == "admin" or staff.id == row.coordinator_id:
            return True
        coordinator = (
            await session.get(StaffUser, row.coordinator_id) if row.coordinator_id else None
        )
        return coordinator is not None and coordinator.backup_id == staff.id

    async def _staff_text(
        self, session: AsyncSession, staff: StaffUser, event: IncomingEvent, now: datetime
    ) -> None:
        reply_to = event.extra.get("reply_to_message_id")
        target = None
        if isinstance(reply_to, int):
            target = (
                await session.exec(
                    select(EscalationMessage)
                    .join(OutboxMessage, col(OutboxMessage.id) == col(EscalationMessage.outbox_id))
                    .where(
                        OutboxMessage.chat_id == event.chat_id,
                        OutboxMessage.channel_message_id == reply_to,
                    )
                    .limit(1)
                )
            ).first()
        if target is None:
            await self._tell(session, staff, gettext(texts.NO_REPLY_TARGET, staff.language), now)
            return
        youth = await session.get(Youth, target.youth_id)
        assert youth is not None
        try:
            await self.send_staff_message(session, youth, staff, event.text or "", now)
        except RelayError:
            await self._tell(
                session,
                staff,
                render(texts.RELAY_FAILED, staff.language, first_name=first_name(youth)),
                now,
            )
            return
        row = await session.get(Escalation, target.escalation_id) if target.escalation_id else None
        # Answering the youth is picking the case up.
        if (
            row is not None
            and row.state == EscalationState.OPEN
            and await self._may_handle(session, staff, row)
        ):
            with contextlib.suppress(EscalationError):  # the message went; the state may lag
                await lifecycle.acknowledge(session, row.id, staff, now, policy=self.policy)  # type: ignore[arg-type]
        await self._tell(
            session, staff, render(texts.RELAYED, staff.language, first_name=first_name(youth)), now
        )

    async def _tell(
        self, session: AsyncSession, staff: StaffUser, text: str, now: datetime
    ) -> None:
        if staff.telegram_chat_id is None:
            return
        await enqueue(
            session,
            OutgoingMessage(chat_id=staff.telegram_chat_id, text=text),
            youth_id=None,
            staff_user_id=staff.id,
            priority=PRIORITY_REPLY,
            requires_consent=False,
            now=now,
        )

"""The check-in engine's tick: act on every due contact once, at the right moment, never in a burst.

One tick:
1. asks the database which youths have a planned contact due (one indexed query; nothing due
   means nothing else happens);
2. in short transactions of a few youths each (about 0.1 s of work; see `Outreach`), claims
   their due contacts (see `bot.outreach.due`), reads what they need (consent, holds, school)
   in a few queries for all of them, then per youth lets `bot.scheduling.resolve_missed`
   decide what is still worth doing (only the latest missed contact of a series; older and
   expired ones are skipped with a reason; contacts waiting for the send window stay planned);
3. acts per kind, checking the youth at act time (in the transaction that acts), and records
   the outcome on the row.

Decisions:
- Not linked yet (no Telegram chat): youth-facing contacts are skipped with "nog niet
  gekoppeld", not kept: the invitation card is how they join, and a pile of stale questions
  must not wait for the day they do. A re-offer that cannot go through the bot becomes a task
  for the coordinator, since the law's re-offer is a person's duty in the end.
- Paused: the contacts stay planned (and the due query leaves paused youths out, so a pause
  costs nothing per tick). When the pause ends, catch-up sends the latest one still worth
  sending and skips the rest; a silence check whose waiting time a pause cut into is skipped
  (no answer during a rest is not dropping out).
- A person is talking with the youth (`bot.outreach.holds`): youth-facing contacts stay planned
  and are retried next tick; once too late, catch-up skips them. A silence check is skipped:
  someone is in touch, so the youth is not out of view.
- Unreachable (blocked the bot) or no consent: skipped with the reason.
- Reminders and the silence check are checked at act time against the check-in's conversation
  (`Conversation.contact_id`), so answering a check-in needs no extra call to stop them.
- A re-offer gets no reminders (the runner asks consent for reminders, which a decliner has not
  given, and one personal offer is the law's ask); silence after it goes to the coordinator.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.consent.queries import ConsentSubject, active_consents, has_active_consent
from bot.conversations.context import flow_context
from bot.conversations.hooks import Watchers
from bot.conversations.outbound import reply
from bot.conversations.plans import PlanSync
from bot.conversations.runner import FlowRunner
from bot.delivery.outbox import PRIORITY_ROUTINE
from bot.i18n import gettext, render
from bot.models import Answer, Conversation, ScheduledContact, School, StaffUser, Youth
from bot.outreach import texts
from bot.outreach.due import claim_planned_many, due_youth_ids
from bot.outreach.holds import human_conversation_open
from bot.outreach.plans import consent_state, programme_for, to_contact, to_row
from bot.scheduling import (
    ConsentState,
    ContactKind,
    ContactStatus,
    Programme,
    plan_nudges,
    resolve_missed,
)
from bot.signals.vocabulary import EVENT_SILENT_AFTER_NUDGES
from bot.storage.db import Database
from flows import engine
from flows.state import FlowState

log = logging.getLogger("inbeeld.outreach")
_CONTACTS = ScheduledContact.__table__  # type: ignore[attr-defined]

STARTING_KINDS = frozenset({ContactKind.CHECKIN, ContactKind.REOFFER, ContactKind.INVITATION})
# A re-offer goes to someone who has not (or no longer) consented: the law asks us to offer again.
NEEDS_CONSENT = frozenset({ContactKind.CHECKIN, ContactKind.INVITATION, ContactKind.REMINDER})

# Share of the time left to other writers when nobody else in this process uses the database.
QUIET_SHARE = 0.1
PEEK_SECONDS = 0.005  # how often a tick that steps aside looks whether the others are done

SENT = "sent"
SKIPPED = "skipped"
WAITING = "waiting"  # due, but the window is closed or the youth is paused
HELD = "held"  # due, but a person is talking with the youth
FAILED = "failed"

# Skip reasons, as staff read them in `inbeeld schedule` and the panel.
NOT_LINKED = "overgeslagen: nog niet gekoppeld"
UNREACHABLE = "overgeslagen: onbereikbaar (bot geblokkeerd)"
NO_CONSENT = "overgeslagen: geen toestemming"
CONSENT_WITHDRAWN = "overgeslagen: toestemming ingetrokken"
ANSWERED = "overgeslagen: al beantwoord"
PARTLY_ANSWERED = "overgeslagen: deels beantwoord, gesprek gesloten"
CLOSED = "overgeslagen: gesprek al gesloten"
NO_CONVERSATION = "overgeslagen: geen gesprek gevonden"
IN_HUMAN_CONVERSATION = "overgeslagen: in gesprek met een begeleider"
PAUSED_MEANWHILE = "overgeslagen: pauze na het contact"

# Staff notes for the coordinator (Dutch, no answers, no message texts).
REOFFER_IN_PERSON = "Het heraanbod kon niet via de bot ({why}). Doe het heraanbod persoonlijk."
NO_ANSWER_IN_PERSON = "Geen antwoord op {label}. Neem persoonlijk contact op."


@dataclass
class TickReport:
    """What one tick did, in counts only (safe to log)."""

    youths: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    sent_by_kind: Counter[str] = field(default_factory=Counter)

    def count(self, outcome: str, kind: str | None = None, n: int = 1) -> None:
        if n <= 0:
            return
        self.outcomes[outcome] += n
        if outcome == SENT and kind is not None:
            self.sent_by_kind[kind] += n

    @property
    def sent(self) -> int:
        return self.outcomes[SENT]

    @property
    def skipped(self) -> int:
        return self.outcomes[SKIPPED]

    def as_log(self) -> dict[str, int]:
        return {
            "youths": self.youths,
            **{f"n_{name}": n for name, n in sorted(self.outcomes.items())},
            **{f"sent_{kind}": n for kind, n in sorted(self.sent_by_kind.items())},
        }


@dataclass(frozen=True)
class _Result:
    outcome: str
    reason: str | None = None


class _YouthFailed(Exception):
    """A youth's work failed; the `handled` first youths of the transaction are to be redone."""

    def __init__(self, handled: int) -> None:
        super().__init__(handled)
        self.handled = handled


@dataclass
class _Known:
    """Facts about one youth read for the whole batch at its start (after the claim, so
    current). A watcher may change anything, so after one runs the facts are asked again."""

    consent: bool | None = None
    held: bool | None = None
    keys: set[str] | None = None  # the youth's ScheduledContact keys

    def forget(self) -> None:
        self.consent = self.held = self.keys = None


class Outreach:
    """Acts on due contacts. Run `tick()` from one interval job per process (any number of
    processes may tick one database: claims keep each contact to one of them).

    Due youths are handled in short transactions of up to `chunk_size` youths and about
    `chunk_seconds` of work each (one bad youth is rolled back and retried next tick, the
    others are kept: see `_chunk`). Between two transactions the tick steps aside on
    SQLite, where one writer at a time holds the whole database: while another connection of
    this process is in use (the dispatcher's, waiting for the lock), until it is done or for
    `yield_share` of the time at most; else only briefly (`QUIET_SHARE`, for other processes).
    So a wave of thousands of check-ins neither starves sending nor waits for nobody.
    """

    def __init__(
        self,
        database: Database,
        clock: Clock,
        runner: FlowRunner,
        plans: PlanSync,
        watchers: Watchers,
        *,
        batch_size: int = 200,
        chunk_size: int = 50,
        chunk_seconds: float = 0.1,
        yield_share: float | None = None,
        monotonic: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if batch_size < 1 or chunk_size < 1:
            raise ValueError("batch_size and chunk_size must be at least 1")
        if yield_share is not None and not 0 <= yield_share < 1:
            raise ValueError("yield_share must be in [0, 1)")
        self.database = database
        self.clock = clock
        self.runner = runner
        self.plans = plans
        self.watchers = watchers
        self.batch_size = batch_size
        self.chunk_size = chunk_size
        self.chunk_seconds = chunk_seconds
        if yield_share is None:
            # PostgreSQL locks rows, not the database: only give the event loop a turn.
            yield_share = 0.5 if database.dialect == "sqlite" else 0.0
        self.yield_share = yield_share
        self._monotonic = monotonic
        self._sleep = sleep

    async def tick(self) -> TickReport:
        now = self.clock.now()
        today = self._today(now)
        report = TickReport()
        after = 0
        while True:
            async with self.database.session() as session:
                youth_ids = await due_youth_ids(
                    session, now, today, after=after, limit=self.batch_size
                )
            pending = youth_ids
            while pending:
                started = self._monotonic()
                handled = await self._chunk(pending[: self.chunk_size], now, report)
                pending = pending[handled:]
                if pending or len(youth_ids) == self.batch_size:
                    await self._step_aside(self._monotonic() - started)
            if len(youth_ids) < self.batch_size:
                break
            after = youth_ids[-1]
        if report.youths:
            log.info("outreach.tick", extra=report.as_log())
        return report

    async def _step_aside(self, busy: float) -> None:
        share = self.yield_share
        if not share:
            await self._sleep(0)  # PostgreSQL: only give the event loop a turn
            return
        longest = busy * share / (1 - share)
        if not self._others_connected():
            # Nobody else in this process is at the database: a short gap still lets another
            # process's writer in, without slowing the tick down for nobody.
            await self._sleep(longest * QUIET_SHARE / share)
            return
        # Someone here waits (the dispatcher, say): leave the lock until they are done, or
        # for `yield_share` of the time at most. A writer waiting in SQLite's busy handler
        # only looks again after a sleep of up to 100 ms, so a blink of a gap is not enough.
        waited = 0.0
        while waited < longest and self._others_connected():
            pause = min(PEEK_SECONDS, longest - waited)
            await self._sleep(pause)
            waited += pause

    def _others_connected(self) -> bool:
        """Whether another connection of this process is in use (e.g. the dispatcher's,
        waiting for the write lock); our own went back to the pool with the commit."""
        checkedout = getattr(self.database.engine.pool, "checkedout", None)
        return checkedout is None or checkedout() > 0

    # -- one transaction ----------------------------------------------------------------------

    async def _chunk(self, youth_ids: list[int], now: datetime, report: TickReport) -> int:
        """Act on the first of `youth_ids` in one transaction; how many were handled (>= 1).

        When one youth fails, the whole transaction is rolled back and the youths up to and
        including that one are done again one transaction each, so one bad row keeps only
        itself back (cheaper than a savepoint per youth, since failures are rare).
        """
        mine = TickReport()
        try:
            handled = await self._together(youth_ids, now, mine)
        except _YouthFailed as failed:
            log.info("outreach.batch_retried_per_youth", extra={"youths": failed.handled})
            for youth_id in youth_ids[: failed.handled]:
                await self._alone(youth_id, now, report)
            return failed.handled
        except Exception:
            # The transaction itself failed (claim, commit): none of its work is kept.
            report.youths += 1
            report.count(FAILED)
            log.exception("outreach.batch_failed", extra={"youths": len(youth_ids)})
            return 1
        report.youths += mine.youths
        report.outcomes.update(mine.outcomes)
        report.sent_by_kind.update(mine.sent_by_kind)
        return handled

    async def _alone(self, youth_id: int, now: datetime, report: TickReport) -> None:
        mine = TickReport()
        try:
            await self._together([youth_id], now, mine)
        except Exception as exc:
            # One bad row must not block everyone else; the next tick retries it.
            report.youths += 1
            report.count(FAILED)
            cause = exc.__cause__ if isinstance(exc, _YouthFailed) else exc
            log.error("outreach.youth_failed", extra={"youth_id": youth_id}, exc_info=cause)
            return
        report.youths += mine.youths
        report.outcomes.update(mine.outcomes)
        report.sent_by_kind.update(mine.sent_by_kind)

    async def _together(self, youth_ids: list[int], now: datetime, report: TickReport) -> int:
        """One transaction for the first youths of `youth_ids`, about `chunk_seconds` of work."""
        started = self._monotonic()
        handled = 0
        async with self.database.transaction() as session:
            claimed = await self._claim(session, youth_ids, now)
            known = await self._know(session, claimed)
            for youth_id in youth_ids:
                handled += 1
                report.youths += 1
                try:
                    await self._youth(
                        session, youth_id, claimed.get(youth_id, []), now, report, known
                    )
                except Exception as exc:
                    raise _YouthFailed(handled) from exc
                if self._monotonic() - started >= self.chunk_seconds:
                    break
        return handled

    async def _claim(
        self, session: AsyncSession, youth_ids: list[int], now: datetime
    ) -> dict[int, list[ScheduledContact]]:
        return await claim_planned_many(session, youth_ids, due_by=now)

    async def _know(
        self, session: AsyncSession, claimed: dict[int, list[ScheduledContact]]
    ) -> dict[int, _Known]:
        """Read what the claimed youths need in a few queries instead of a few per youth.

        Youths, schools and coordinators land in the session, where `session.get` finds them.
        """
        ids = sorted(claimed)
        if not ids:
            return {}
        youths = list((await session.exec(select(Youth).where(col(Youth.id).in_(ids)))).all())
        school_ids = {y.school_id for y in youths}
        schools = (await session.exec(select(School).where(col(School.id).in_(school_ids)))).all()
        staff_ids = {y.coordinator_id for y in youths if y.coordinator_id is not None}
        staff = (
            await session.exec(select(StaffUser).where(col(StaffUser.id).in_(staff_ids)))
        ).all()
        # The session's identity map holds objects weakly: keep them until the commit.
        session.info.setdefault("outreach.loaded", []).extend([*youths, *schools, *staff])
        subjects = [
            ConsentSubject(y.id, y.date_of_birth, y.representative_required)  # type: ignore[arg-type]
            for y in youths
        ]
        consent = await active_consents(session, subjects)
        held = await human_conversation_open(session, ids)
        keys: dict[int, set[str]] = {youth_id: set() for youth_id in ids}
        stored = select(ScheduledContact.youth_id, ScheduledContact.key).where(
            col(ScheduledContact.youth_id).in_(ids)
        )
        for youth_id, key in (await session.exec(stored)).all():
            keys[youth_id].add(key)
        return {
            youth_id: _Known(
                consent=consent.get(youth_id), held=youth_id in held, keys=keys[youth_id]
            )
            for youth_id in ids
        }

    # -- one youth --------------------------------------------------------------------------------

    async def _youth(
        self,
        session: AsyncSession,
        youth_id: int,
        planned: list[ScheduledContact],
        now: datetime,
        report: TickReport,
        known: dict[int, _Known],
    ) -> None:
        due = [row for row in planned if row.due_at <= now]
        if not due:
            return  # another process had them, or they were handled meanwhile
        youth = await session.get(Youth, youth_id)
        if youth is None:
            return
        facts = known.get(youth_id) or _Known()
        programme = await programme_for(session, youth, self.plans.programmes)
        by_key = {row.key: row for row in due}
        resolution = resolve_missed(
            [to_contact(row) for row in due], now, window=programme.send_window
        )
        for skipped in resolution.skipped:
            _finish(
                session, by_key[skipped.contact.key], ContactStatus.SKIPPED, skipped.reason, now
            )
        report.count(SKIPPED, n=len(resolution.skipped))
        report.count(WAITING, n=len(resolution.waiting))

        acting = [by_key[contact.key] for contact in resolution.send_now]
        newest_start = max(
            (row for row in acting if row.kind in STARTING_KINDS),
            key=lambda row: (row.due_at, row.key),
            default=None,
        )
        for row in acting:
            if row.kind == ContactKind.REMINDER and newest_start is not None:
                # A new conversation starts now: reminding of the old question would confuse.
                result = _Result(SKIPPED, f"overgeslagen: ingehaald door {newest_start.label}")
            else:
                result = await self._act(session, youth, programme, row, now, facts)
            if result.outcome in (SENT, SKIPPED):
                status = ContactStatus.SENT if result.outcome == SENT else ContactStatus.SKIPPED
                _finish(session, row, status, result.reason, now)
            report.count(result.outcome, row.kind)

    async def _act(
        self,
        session: AsyncSession,
        youth: Youth,
        programme: Programme,
        row: ScheduledContact,
        now: datetime,
        facts: _Known,
    ) -> _Result:
        kind = ContactKind(row.kind)
        if kind is ContactKind.COORDINATOR_TASK:
            if await consent_state(session, youth) is ConsentState.WITHDRAWN:
                return _Result(SKIPPED, CONSENT_WITHDRAWN)
            facts.forget()
            await self.watchers.coordinator_task(session, youth, row.note or row.label, now)
            return _Result(SENT)
        if kind is ContactKind.SILENCE_CHECK:
            return await self._silence(session, youth, row, now, facts)
        blocker = await self._blocker(session, youth, kind, now, facts)
        if blocker is not None:
            if kind is ContactKind.REOFFER and blocker.reason in (NOT_LINKED, UNREACHABLE):
                why = blocker.reason.removeprefix("overgeslagen: ")
                facts.forget()
                await self.watchers.coordinator_task(
                    session, youth, REOFFER_IN_PERSON.format(why=why), now
                )
            return blocker
        if kind is ContactKind.REMINDER:
            return await self._remind(session, youth, row, now)
        return await self._start(session, youth, programme, row, now, facts)

    async def _blocker(
        self, session: AsyncSession, youth: Youth, kind: ContactKind, now: datetime, facts: _Known
    ) -> _Result | None:
        """Why a youth-facing contact cannot go out now, re-checked at act time."""
        if youth.telegram_chat_id is None:
            return _Result(SKIPPED, NOT_LINKED)
        if youth.unreachable_since is not None:
            return _Result(SKIPPED, UNREACHABLE)
        if youth.paused_until is not None and self._today(now) <= youth.paused_until:
            return _Result(WAITING)
        if kind in NEEDS_CONSENT and not await _consents(session, youth, facts):
            return _Result(SKIPPED, NO_CONSENT)
        if await _held(session, youth, facts):
            return _Result(HELD)
        return None

    async def _start(
        self,
        session: AsyncSession,
        youth: Youth,
        programme: Programme,
        row: ScheduledContact,
        now: datetime,
        facts: _Known,
    ) -> _Result:
        flow_id = self._flow_id(row.flow_id)
        if flow_id is None:
            log.warning("outreach.flow_missing", extra={"flow": row.flow_id, "kind": row.kind})
            return _Result(SKIPPED, f"overgeslagen: gesprek {row.flow_id!r} bestaat niet")
        progress = await self.runner.start(
            session, youth, flow_id, now, contact_id=row.id, automated=True
        )
        nudges = plan_nudges(
            to_contact(row), now, programme, answered=progress.step.state.status != "active"
        )
        if row.kind == ContactKind.REOFFER:
            nudges = [n for n in nudges if n.kind is not ContactKind.REMINDER]
        await _add_new(session, youth.id, nudges, facts)  # type: ignore[arg-type]
        return _Result(SENT)

    async def _remind(
        self, session: AsyncSession, youth: Youth, row: ScheduledContact, now: datetime
    ) -> _Result:
        parent, conversation = await self._parent_conversation(session, youth, row)
        if parent is None or conversation is None:
            return _Result(SKIPPED, NO_CONVERSATION)
        if conversation.status != "active":
            return _Result(SKIPPED, ANSWERED if conversation.status == "finished" else CLOSED)
        last_asked = await _last_asked(session, parent)
        if await _last_answer_at(session, conversation, after=last_asked) is not None:
            return _Result(SKIPPED, ANSWERED)
        if not await self._has_open_question(session, youth, conversation, now):
            return _Result(SKIPPED, CLOSED)
        await reply(
            session,
            chat_id=youth.telegram_chat_id,  # type: ignore[arg-type]
            text=render(texts.REMINDER_INTRO, youth.language, first_name=youth.first_name),
            youth_id=youth.id,
            now=now,
            priority=PRIORITY_ROUTINE,
            requires_consent=True,
            automated=True,
        )
        await self.runner.resend_question(session, youth, conversation, now)
        return _Result(SENT)

    async def _silence(
        self,
        session: AsyncSession,
        youth: Youth,
        row: ScheduledContact,
        now: datetime,
        facts: _Known,
    ) -> _Result:
        parent, conversation = await self._parent_conversation(session, youth, row)
        if parent is None or conversation is None:
            return _Result(SKIPPED, NO_CONVERSATION)
        if await _held(session, youth, facts):
            return _Result(SKIPPED, IN_HUMAN_CONVERSATION)
        facts.forget()  # every way on from here may run a watcher
        paused = youth.paused_until
        if paused is not None and parent.handled_at and paused >= self._today(parent.handled_at):
            # A pause began after we asked: not answering then is no sign of dropping out.
            if conversation.status == "active":
                await self.runner.expire(session, conversation, now)
            return _Result(SKIPPED, PAUSED_MEANWHILE)
        if await _last_answer_at(session, conversation) is not None:
            if conversation.status != "active":
                return _Result(SKIPPED, ANSWERED)
            # Stuck half-way for the whole silence period: close it so its answers count.
            await self.runner.expire(session, conversation, now)
            await self.watchers.answers_stored(session, youth, conversation, now)
            return _Result(SKIPPED, PARTLY_ANSWERED)
        if conversation.status == "active":
            await self.runner.expire(session, conversation, now)
        if parent.kind == ContactKind.CHECKIN:
            await self.watchers.youth_event(session, youth, EVENT_SILENT_AFTER_NUDGES, now)
        else:
            note = NO_ANSWER_IN_PERSON.format(label=parent.label)
            await self.watchers.coordinator_task(session, youth, note, now)
        return _Result(SENT)

    # -- helpers ----------------------------------------------------------------------------------

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.runner.zone).date()

    def _flow_id(self, wanted: str | None) -> str | None:
        return wanted if wanted and wanted in self.runner.flows else None

    async def _parent_conversation(
        self, session: AsyncSession, youth: Youth, row: ScheduledContact
    ) -> tuple[ScheduledContact | None, Conversation | None]:
        parent = (
            await session.exec(
                select(ScheduledContact).where(
                    ScheduledContact.youth_id == youth.id,
                    ScheduledContact.key == row.parent_key,
                )
            )
        ).first()
        if parent is None:
            return None, None
        conversation = (
            await session.exec(
                select(Conversation)
                .where(Conversation.contact_id == parent.id)
                .order_by(col(Conversation.id).desc())
                .limit(1)
            )
        ).first()
        return parent, conversation

    async def _has_open_question(
        self, session: AsyncSession, youth: Youth, conversation: Conversation, now: datetime
    ) -> bool:
        flow = self.runner.flows.get(conversation.flow_id)
        if flow is None:
            return False
        context = await flow_context(session, youth, now, self.runner.zone)
        state = FlowState.from_json(conversation.state)
        return engine.current_question(flow, state, context, translate=gettext) is not None


def _finish(
    session: AsyncSession,
    row: ScheduledContact,
    status: ContactStatus,
    reason: str | None,
    now: datetime,
) -> None:
    row.status = status.value
    row.reason = reason
    row.handled_at = now
    session.add(row)


async def _consents(session: AsyncSession, youth: Youth, facts: _Known) -> bool:
    if facts.consent is None:
        facts.consent = await has_active_consent(session, youth.id)  # type: ignore[arg-type]
    return facts.consent


async def _held(session: AsyncSession, youth: Youth, facts: _Known) -> bool:
    if facts.held is None:
        facts.held = youth.id in await human_conversation_open(session, [youth.id])  # type: ignore[list-item]
    return facts.held


async def _add_new(
    session: AsyncSession,
    youth_id: int,
    contacts: list,  # type: ignore[type-arg]
    facts: _Known,
) -> None:
    """Store contacts whose key the youth does not have yet ((youth, key) is unique)."""
    if not contacts:
        return
    existing = facts.keys
    if existing is None:
        keys = [contact.key for contact in contacts]
        statement = select(ScheduledContact.key).where(
            ScheduledContact.youth_id == youth_id, col(ScheduledContact.key).in_(keys)
        )
        existing = set((await session.exec(statement)).all())
    rows = []
    for contact in contacts:
        if contact.key not in existing:
            existing.add(contact.key)
            rows.append(to_row(youth_id, contact).model_dump(exclude={"id"}))
    if rows:
        # One statement for the youth's reminders and silence check, not one each.
        await session.exec(insert(_CONTACTS), params=rows)


async def _last_asked(session: AsyncSession, parent: ScheduledContact) -> datetime:
    """When we last asked: the contact itself or its latest sent reminder."""
    latest = (
        await session.exec(
            select(func.max(ScheduledContact.handled_at)).where(
                ScheduledContact.youth_id == parent.youth_id,
                ScheduledContact.parent_key == parent.key,
                ScheduledContact.kind == ContactKind.REMINDER.value,
                ScheduledContact.status == ContactStatus.SENT.value,
            )
        )
    ).one()
    candidates = [moment for moment in (parent.handled_at, latest) if moment is not None]
    return max(candidates) if candidates else parent.due_at


async def _last_answer_at(
    session: AsyncSession, conversation: Conversation, *, after: datetime | None = None
) -> datetime | None:
    statement = select(func.max(Answer.answered_at)).where(
        Answer.conversation_id == conversation.id
    )
    if after is not None:
        statement = statement.where(col(Answer.answered_at) >= after)
    return (await session.exec(statement)).one()

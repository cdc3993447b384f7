"""The dispatcher's SQL: claim, check-and-mark-sending, record results, reconcile.

Every function is one short transaction that starts with a write, so on SQLite it takes the write
lock first (a deferred transaction that reads and then writes can fail when another connection
wrote in between). On PostgreSQL claims use `FOR UPDATE SKIP LOCKED`, so several workers never
wait on (or take) each other's rows; on SQLite, where `FOR UPDATE` is silently dropped, the claim
is one `UPDATE ... WHERE id IN (SELECT ...) RETURNING` and SQLite's single writer makes it atomic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, bindparam, case, exists, func, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.consent.queries import ConsentSubject, active_consents
from bot.consent.rules import local_day
from bot.events import BOT_BLOCKED, record_event
from bot.models.consent import Purpose
from bot.models.delivery import OutboxMessage
from bot.models.youth import Youth
from bot.storage.db import Database
from bot.storage.types import UTCDateTime

from .outbox import PRIORITY_CRISIS, Status

OUTBOX = OutboxMessage.__table__
YOUTH = Youth.__table__

# The columns of a claimed row, in the order of `Claimed`'s fields.
CLAIMED_COLUMNS = (
    OUTBOX.c.id,
    OUTBOX.c.chat_id,
    OUTBOX.c.youth_id,
    OUTBOX.c.priority,
    OUTBOX.c.not_before,
    OUTBOX.c.attempts,
    OUTBOX.c.payload,
)

HoldCheck = Callable[[AsyncSession, frozenset[int]], Awaitable[set[int]]]
"""Given youth ids, return those whose automated messages must wait (an open human conversation).

Called inside the send-time check transaction; must only read.
"""


class Cancel:
    NO_CONSENT = "no_consent"
    PAUSED = "paused"
    UNREACHABLE = "unreachable"
    NO_YOUTH = "youth_missing"


@dataclass(frozen=True)
class Claimed:
    id: int
    chat_id: int
    youth_id: int | None
    priority: int
    not_before: datetime
    attempts: int
    payload: dict[str, Any]

    @property
    def order(self) -> tuple[int, datetime, int]:
        return (-self.priority, self.not_before, self.id)


@dataclass(frozen=True)
class ClaimBatch:
    messages: list[Claimed]
    # The last recorded send per claimed chat within the per-chat interval (another worker's too).
    last_sent: dict[int, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class Sent:
    id: int
    channel_message_id: int


@dataclass(frozen=True)
class Retry:
    id: int
    not_before: datetime
    error: str


@dataclass(frozen=True)
class Failure:
    id: int
    error: str
    blocked_youth_id: int | None = None  # set when the youth blocked the bot


@dataclass(frozen=True)
class Check:
    """Unanswered: find out whether it arrived before sending it again (stays ours)."""

    id: int
    error: str
    until: datetime  # the lease while checking


@dataclass(frozen=True)
class Unsure:
    """Maybe delivered and it cannot be found out: not sent again."""

    id: int
    error: str


Result = Sent | Retry | Failure | Check | Unsure


@dataclass(frozen=True)
class ProbePlan:
    low: int  # the message's id is above this
    recorded: frozenset[int]  # ids of ours up to the ceiling, accounted for
    safe: bool  # no other message of the chat is unaccounted for


@dataclass(frozen=True)
class Reconciled:
    resent: int  # crisis rows left in `sending`: back to pending
    uncertain: int  # other rows left in `sending`: maybe delivered, not resent
    released: int  # this worker's claimed rows: back to pending
    to_check: list[Claimed] = field(default_factory=list)  # left unanswered: ours to check


async def _execute(
    session: AsyncSession,
    statement: Any,
    parameters: Mapping[str, Any] | list[dict[str, Any]] | None = None,
) -> Any:
    """Core statements on the session's connection, inside its transaction (a list of
    parameter sets: executemany)."""
    connection = await session.connection()
    return await connection.execute(statement, parameters)


def _clip(text: str) -> str:
    return text[:300]


def _due() -> Any:
    """Ids of claimable rows, oldest first within priority (parameters `now`, `limit`)."""
    now = bindparam("now", type_=UTCDateTime())
    other = OUTBOX.alias("other")
    chat_busy = exists().where(
        other.c.chat_id == OUTBOX.c.chat_id,
        other.c.id != OUTBOX.c.id,
        or_(
            # in flight elsewhere (or here): one message per chat at a time; a message whose
            # send went unanswered counts until we know whether it arrived
            other.c.status.in_((Status.SENDING, Status.CHECKING)),
            and_(other.c.status == Status.CLAIMED, other.c.claimed_until >= now),
            # an earlier message that is due or being retried goes first
            and_(
                other.c.id < OUTBOX.c.id,
                other.c.status.in_((Status.PENDING, Status.CLAIMED)),
                or_(other.c.attempts > 0, other.c.not_before <= now),
            ),
        ),
    )
    claimable = or_(
        and_(OUTBOX.c.status == Status.PENDING, OUTBOX.c.not_before <= now),
        # a crashed worker's claim: its lease has run out
        and_(OUTBOX.c.status == Status.CLAIMED, OUTBOX.c.claimed_until < now),
    )
    return (
        select(OUTBOX.c.id)
        .where(claimable, ~chat_busy)
        .order_by(OUTBOX.c.priority.desc(), OUTBOX.c.not_before, OUTBOX.c.id)
        .limit(bindparam("limit", type_=Integer()))
    )


def _claim(chosen: Any) -> Any:
    """Mark the chosen rows claimed (parameters `worker`, `claimed_until`), returning them."""
    return (
        update(OUTBOX)
        .where(chosen)
        .values(
            status=Status.CLAIMED,
            claimed_by=bindparam("worker"),
            claimed_until=bindparam("claimed_until", type_=UTCDateTime()),
        )
        .returning(*CLAIMED_COLUMNS)
    )


# Built once: constructing these (an alias, an EXISTS, a subquery) cost more CPU than running
# them, and a claim runs for every reply the router hands to the dispatcher.
CLAIM = _claim(OUTBOX.c.id.in_(_due().scalar_subquery()))
CLAIM_SKIP_LOCKED = _claim(
    OUTBOX.c.id.in_(
        select(
            (
                _due()
                .with_for_update(skip_locked=True, of=OUTBOX)
                .cte("due")
                # evaluated once, so each chosen row is locked once
                .prefix_with("MATERIALIZED")
            ).c.id
        )
    )
)
IDS = bindparam("ids", expanding=True)
CLAIM_NEW = _claim(OUTBOX.c.id.in_(_due().where(OUTBOX.c.id.in_(IDS)).scalar_subquery()))
# With Telegram's pacing on, the claim of every reply asks when its chat last got a message.
LAST_SENT = (
    select(OUTBOX.c.chat_id, func.max(OUTBOX.c.sent_at))
    .where(
        OUTBOX.c.chat_id.in_(bindparam("chats", expanding=True)),
        OUTBOX.c.status == Status.SENT,
        OUTBOX.c.sent_at > bindparam("since", type_=UTCDateTime()),
    )
    .group_by(OUTBOX.c.chat_id)
)

# The send-time check and the results run for every message: built once too.
_CLAIMED_BY_WORKER = and_(
    OUTBOX.c.id.in_(IDS),
    OUTBOX.c.status == Status.CLAIMED,
    OUTBOX.c.claimed_by == bindparam("worker"),
)
RENEW_LEASE = (
    update(OUTBOX)
    .where(_CLAIMED_BY_WORKER)
    .values(claimed_until=bindparam("until", type_=UTCDateTime()))
    .returning(OUTBOX.c.id)
)
RELEASE = (
    update(OUTBOX)
    .where(_CLAIMED_BY_WORKER)
    .values(status=Status.PENDING, claimed_by=None, claimed_until=None)
)
SEND_FACTS = (
    select(
        OUTBOX.c.id,
        OUTBOX.c.youth_id,
        OUTBOX.c.requires_consent,
        OUTBOX.c.automated,
        YOUTH.c.id.label("found"),
        YOUTH.c.date_of_birth,
        YOUTH.c.representative_required,
        YOUTH.c.paused_until,
        YOUTH.c.unreachable_since,
    )
    .select_from(OUTBOX.outerjoin(YOUTH, YOUTH.c.id == OUTBOX.c.youth_id))
    .where(OUTBOX.c.id.in_(IDS))
)
# Where a check for the message would start (`bot.delivery.checking`): above every message id
# recorded so far and every id the sender has seen (not yet recorded); NULL: no checks.
_SEEN = bindparam("probe_from", type_=Integer())
_RECORDED = func.coalesce(select(func.max(OUTBOX.c.channel_message_id)).scalar_subquery(), 0)
MARK_SENDING = (
    update(OUTBOX)
    .where(OUTBOX.c.id.in_(IDS))
    .values(
        status=Status.SENDING,
        probe_from=case((_SEEN.is_(None), None), (_RECORDED > _SEEN, _RECORDED), else_=_SEEN),
    )
)
HOLD = (
    update(OUTBOX)
    .where(OUTBOX.c.id.in_(IDS))
    .values(
        status=Status.PENDING,
        not_before=bindparam("nb", type_=UTCDateTime()),
        claimed_by=None,
        claimed_until=None,
    )
)
CANCEL = (
    update(OUTBOX)
    .where(OUTBOX.c.id.in_(IDS))
    .values(
        status=Status.CANCELLED, last_error=bindparam("err"), claimed_by=None, claimed_until=None
    )
)
_SENDING_BY_WORKER = and_(
    OUTBOX.c.id == bindparam("oid"),
    # (not `in_`: an expanding parameter cannot go into an executemany)
    or_(OUTBOX.c.status == Status.SENDING, OUTBOX.c.status == Status.CHECKING),
    OUTBOX.c.claimed_by == bindparam("worker"),
)
_RELEASED = {"claimed_by": None, "claimed_until": None, "attempts": OUTBOX.c.attempts + 1}


def _result(**values: Any) -> Any:
    """Record a send result on a row this worker is sending, releasing it."""
    return update(OUTBOX).where(_SENDING_BY_WORKER).values(**values, **_RELEASED)


RECORD_SENT = _result(
    status=Status.SENT,
    sent_at=bindparam("at", type_=UTCDateTime()),
    channel_message_id=bindparam("mid"),
    last_error=None,
)
RECORD_RETRY = _result(
    status=Status.PENDING,
    not_before=bindparam("nb", type_=UTCDateTime()),
    last_error=bindparam("err"),
)
RECORD_FAILED = _result(status=Status.FAILED, last_error=bindparam("err"))
RECORD_UNCERTAIN = _result(status=Status.UNCERTAIN, last_error=bindparam("err"))
# Unanswered: still this worker's, for as long as it takes to find out whether it arrived.
RECORD_CHECK = (
    update(OUTBOX)
    .where(_SENDING_BY_WORKER)
    .values(
        status=Status.CHECKING,
        claimed_until=bindparam("until", type_=UTCDateTime()),
        last_error=bindparam("err"),
    )
)
# Message ids of ours already accounted for in a probe's range: never probed.
RECORDED_IDS = select(OUTBOX.c.channel_message_id).where(
    OUTBOX.c.channel_message_id > bindparam("low"),
    OUTBOX.c.channel_message_id < bindparam("high"),
)
# Another message of this chat whose arrival we cannot account for: a probe could meet it.
_other = OUTBOX.alias("unsettled")
UNSETTLED_NEIGHBOUR = (
    select(_other.c.id)
    .where(
        _other.c.chat_id == bindparam("chat"),
        _other.c.id != bindparam("oid"),
        or_(
            _other.c.status.in_((Status.SENDING, Status.CHECKING, Status.UNCERTAIN)),
            # a direct sender's row is `claimed` while it is on the wire
            and_(_other.c.status == Status.CLAIMED, _other.c.claimed_by != bindparam("worker")),
        ),
    )
    .limit(1)
)


class OutboxStore:
    def __init__(self, database: Database, *, worker_id: str, lease: timedelta) -> None:
        self.database = database
        self.worker_id = worker_id
        self.lease = lease

    # -- claiming -------------------------------------------------------------------------------

    async def claim_new(
        self, session: AsyncSession, ids: Sequence[int], *, now: datetime, per_chat_interval: float
    ) -> ClaimBatch:
        """Claim rows the caller's transaction just added, in that transaction.

        For a reply committed in this process: the dispatcher gets it without a claim of its
        own. The same rule as `claim` decides which rows are claimable (due, and their chat not
        busy: a reply never overtakes an earlier message of its chat); the rest stay pending
        for the dispatcher's next claim. The new rows are invisible to other workers until
        commit, so no `FOR UPDATE` is needed; if the transaction rolls back, so does the claim.
        """
        if not ids:
            return ClaimBatch([])
        parameters = self._claim_parameters(now, len(ids))
        rows = (await _execute(session, CLAIM_NEW, {**parameters, "ids": list(ids)})).all()
        messages = sorted((Claimed(*row) for row in rows), key=lambda m: m.order)
        last_sent = await self._last_sent(session, messages, now, per_chat_interval)
        return ClaimBatch(messages, last_sent)

    async def claim(self, *, limit: int, now: datetime, per_chat_interval: float) -> ClaimBatch:
        statement = CLAIM_SKIP_LOCKED if self.database.dialect == "postgresql" else CLAIM
        async with self.database.transaction() as session:
            rows = (await _execute(session, statement, self._claim_parameters(now, limit))).all()
            messages = sorted((Claimed(*row) for row in rows), key=lambda m: m.order)
            last_sent = await self._last_sent(session, messages, now, per_chat_interval)
        return ClaimBatch(messages, last_sent)

    def _claim_parameters(self, now: datetime, limit: int) -> dict[str, Any]:
        return {
            "now": now,
            "limit": limit,
            "worker": self.worker_id,
            "claimed_until": now + self.lease,
        }

    async def _last_sent(
        self,
        session: AsyncSession,
        messages: Sequence[Claimed],
        now: datetime,
        per_chat_interval: float,
    ) -> dict[int, datetime]:
        if not messages or per_chat_interval <= 0:
            return {}
        parameters = {
            "chats": sorted({m.chat_id for m in messages}),
            "since": now - timedelta(seconds=per_chat_interval),
        }
        rows = (await _execute(session, LAST_SENT, parameters)).all()
        return {chat: sent_at for chat, sent_at in rows}

    # -- the send-time check --------------------------------------------------------------------

    async def begin_sending(
        self,
        ids: Sequence[int],
        *,
        now: datetime,
        hold_check: HoldCheck | None,
        hold_for: timedelta,
        probe_from: int | None = None,
    ) -> dict[int, str | None]:
        """Check consent, pause, reachability and holds, then mark the sendable rows `sending`.

        Returns, per id this worker still owns, None (send it now) or why it is not sent.
        Rows not in the answer were taken over by another worker (our lease ran out).
        """
        async with self.database.transaction() as session:
            lease = {"ids": list(ids), "worker": self.worker_id, "until": now + self.lease}
            owned_ids = list((await _execute(session, RENEW_LEASE, lease)).scalars())
            if not owned_ids:
                return {}
            facts = (await _execute(session, SEND_FACTS, {"ids": owned_ids})).all()
            subjects = {
                f.youth_id: ConsentSubject(f.youth_id, f.date_of_birth, f.representative_required)
                for f in facts
                if f.requires_consent and f.found is not None
            }
            consent = await active_consents(session, list(subjects.values()), Purpose.CHECKINS)
            automated_youths = frozenset(
                f.youth_id for f in facts if f.automated and f.found is not None
            )
            held: set[int] = set()
            if hold_check is not None and automated_youths:
                held = set(await hold_check(session, automated_youths))

            today = local_day(now)
            verdicts: dict[int, str | None] = {}
            to_hold: list[int] = []
            for f in facts:
                verdict: str | None = None
                if f.youth_id is not None and f.found is None:
                    verdict = Cancel.NO_YOUTH
                elif f.youth_id is not None and f.unreachable_since is not None:
                    verdict = Cancel.UNREACHABLE
                elif f.requires_consent and not consent.get(f.youth_id, False):
                    verdict = Cancel.NO_CONSENT
                elif f.automated and f.paused_until is not None and today <= f.paused_until:
                    verdict = Cancel.PAUSED
                elif f.automated and f.youth_id in held:
                    verdict = "held"
                    to_hold.append(f.id)
                verdicts[f.id] = verdict

            sending = [i for i, v in verdicts.items() if v is None]
            if sending:
                await _execute(session, MARK_SENDING, {"ids": sending, "probe_from": probe_from})
            if to_hold:
                await _execute(session, HOLD, {"ids": to_hold, "nb": now + hold_for})
            by_reason: dict[str, list[int]] = defaultdict(list)
            for i, v in verdicts.items():
                if v is not None and v != "held":
                    by_reason[v].append(i)
            for reason, cancelled in by_reason.items():
                await _execute(session, CANCEL, {"ids": cancelled, "err": reason})
        return verdicts

    # -- results --------------------------------------------------------------------------------

    async def record(self, results: Sequence[Result], *, now: datetime, channel: str) -> None:
        """Record many send results in one transaction."""
        worker = self.worker_id
        sent = [
            {"oid": r.id, "mid": r.channel_message_id, "at": now, "worker": worker}
            for r in results
            if isinstance(r, Sent)
        ]
        retry = [
            {"oid": r.id, "nb": r.not_before, "err": _clip(r.error), "worker": worker}
            for r in results
            if isinstance(r, Retry)
        ]
        failed = [
            {"oid": r.id, "err": _clip(r.error), "worker": worker}
            for r in results
            if isinstance(r, Failure)
        ]
        unsure = [
            {"oid": r.id, "err": _clip(r.error), "worker": worker}
            for r in results
            if isinstance(r, Unsure)
        ]
        check = [
            {"oid": r.id, "err": _clip(r.error), "until": r.until, "worker": worker}
            for r in results
            if isinstance(r, Check)
        ]
        blocked = [r for r in results if isinstance(r, Failure) and r.blocked_youth_id]
        async with self.database.transaction() as session:
            for statement, parameters in (
                (RECORD_SENT, sent),
                (RECORD_RETRY, retry),
                (RECORD_FAILED, failed),
                (RECORD_UNCERTAIN, unsure),
                (RECORD_CHECK, check),
            ):
                if parameters:
                    await _execute(session, statement, parameters)
            for failure in blocked:
                newly = await _execute(
                    session,
                    update(YOUTH)
                    .where(
                        YOUTH.c.id == failure.blocked_youth_id,
                        YOUTH.c.unreachable_since.is_(None),
                    )
                    .values(unreachable_since=now, updated_at=now),
                )
                if newly.rowcount:  # one event per blocking, not per message
                    record_event(
                        session,
                        BOT_BLOCKED,
                        youth_id=failure.blocked_youth_id,
                        occurred_at=now,
                        data={"outbox_id": failure.id, "channel": channel},
                    )

    # -- stopping and crashes -------------------------------------------------------------------

    async def release(self, ids: Sequence[int]) -> int:
        """Give back claimed rows this worker will not send (a clean stop)."""
        if not ids:
            return 0
        async with self.database.transaction() as session:
            result = await _execute(session, RELEASE, {"ids": list(ids), "worker": self.worker_id})
            return result.rowcount

    async def reconcile(
        self,
        *,
        now: datetime,
        own_rows: bool,
        probing: bool = False,
        resend_priority: int = PRIORITY_CRISIS,
    ) -> Reconciled:
        """Settle rows a crashed worker left behind (see the policy in `bot.delivery`).

        `own_rows`: also take this worker id's rows whatever their lease (call it only at start,
        before this worker claims anything: they belong to a previous, dead incarnation).
        `probing`: this worker's channel can find out whether a message arrived: rows left
        unanswered become this worker's to check (`to_check`); rows from before such checks
        existed (no `probe_from`) are settled as without.
        """
        abandoned = OUTBOX.c.claimed_until < now
        if own_rows:
            abandoned = or_(abandoned, OUTBOX.c.claimed_by == self.worker_id)
        left_unanswered = and_(OUTBOX.c.status.in_((Status.SENDING, Status.CHECKING)), abandoned)
        to_check: list[Claimed] = []
        async with self.database.transaction() as session:
            if probing:
                adopted = await _execute(
                    session,
                    update(OUTBOX)
                    .where(left_unanswered, OUTBOX.c.probe_from.is_not(None))
                    .values(
                        status=Status.CHECKING,
                        claimed_by=self.worker_id,
                        claimed_until=now + self.lease,
                        last_error="a worker stopped while sending it; checking whether it arrived",
                    )
                    .returning(*CLAIMED_COLUMNS),
                )
                to_check = [Claimed(*row) for row in adopted.all()]
                # The rest (from before `probe_from` existed) as without checks; not these.
                left_unanswered = and_(left_unanswered, OUTBOX.c.probe_from.is_(None))
            resent = await _execute(
                session,
                update(OUTBOX)
                .where(left_unanswered, OUTBOX.c.priority >= resend_priority)
                .values(
                    status=Status.PENDING,
                    not_before=now,
                    claimed_by=None,
                    claimed_until=None,
                    attempts=OUTBOX.c.attempts + 1,
                    last_error="resent: a worker stopped while sending it",
                ),
            )
            uncertain = await _execute(
                session,
                update(OUTBOX)
                .where(left_unanswered)
                .values(
                    status=Status.UNCERTAIN,
                    claimed_by=None,
                    claimed_until=None,
                    last_error="a worker stopped while sending it; maybe delivered",
                ),
            )
            released = 0
            if own_rows:
                mine = await _execute(
                    session,
                    update(OUTBOX)
                    .where(
                        OUTBOX.c.status == Status.CLAIMED,
                        OUTBOX.c.claimed_by == self.worker_id,
                    )
                    .values(status=Status.PENDING, claimed_by=None, claimed_until=None),
                )
                released = mine.rowcount
        return Reconciled(resent.rowcount, uncertain.rowcount, released, to_check)

    # -- checking whether an unanswered message arrived -----------------------------------------

    async def probe_plan(self, message: Claimed, high: int) -> ProbePlan:
        """Where a probe for `message` below id `high` starts, what it may skip, and whether
        it may run at all."""
        async with self.database.session() as session:
            low = (
                await _execute(
                    session, select(OUTBOX.c.probe_from).where(OUTBOX.c.id == message.id)
                )
            ).scalar()
            low = int(low or 0)
            recorded = frozenset(
                (await _execute(session, RECORDED_IDS, {"low": low, "high": high})).scalars()
            )
            neighbour = (
                await _execute(
                    session,
                    UNSETTLED_NEIGHBOUR,
                    {"chat": message.chat_id, "oid": message.id, "worker": self.worker_id},
                )
            ).first()
        return ProbePlan(low, recorded, safe=neighbour is None)

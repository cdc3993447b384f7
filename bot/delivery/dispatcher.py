"""The dispatcher: claims due outbox rows, paces them, sends them, records what happened.

See `bot.delivery` for the guarantees and the one crash window.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import (
    Blocked,
    Channel,
    Delivered,
    Failed,
    Marker,
    OutgoingMessage,
    Probe,
    ProbeOutcome,
    ProbingChannel,
    RetryLater,
    SendOutcome,
)
from bot.clock import Clock
from bot.storage.db import Database
from bot.storage.groupcommit import GroupCommit

from .checking import PendingCheck, candidates, resends_unchecked, settle_unchecked
from .pacing import Pacer
from .retry import RetryKind, RetryPolicy, classify
from .store import (
    Check,
    ClaimBatch,
    Claimed,
    Failure,
    HoldCheck,
    OutboxStore,
    Reconciled,
    Result,
    Retry,
    Sent,
)

logger = logging.getLogger("inbeeld.delivery")

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

HELD = "held"
TAKEN_OVER = "taken_over"  # our lease ran out and another worker claimed the row
# Recording a send's result when the database is away: up to 0.5, 1, 2, 4, 5, 5 ... s apart.
RECORD_RETRY = RetryPolicy(base_seconds=0.5, cap_seconds=5.0)
RECORD_TRIES_WHILE_STOPPING = 3
CHECK_RETRY_WAIT = 1.0  # the send-time check failed (the database is away): again after this
PROBE_RETRY_WAIT = 2.0  # a delivery probe met a transient error: probe again after this
# Markers go to a group, where Telegram allows about 20 messages a minute.
MARK_INTERVAL = 3.0
MARKER_REST = 600.0  # the check chat refused a marker: settle checks without it for this long


@dataclass
class DispatchStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    blocked: int = 0
    held: int = 0
    cancelled: Counter[str] = field(default_factory=Counter)
    # Unanswered sends checked with the network (`bot.delivery.checking`): found delivered,
    # found missing (sent again), or settled without a check.
    found: int = 0
    missing: int = 0
    unchecked: int = 0
    probes: int = 0
    marks: int = 0  # markers sent to the check chat, for a bound when nothing else was sent


class Dispatcher:
    """Sends the outbox through one channel; run one per process, with a unique `worker_id`.

    `rate_per_second` is this process's share of the bot's global limit: when N workers send
    for one bot, give each 30/N. Per-chat spacing also holds across workers (the last recorded
    send per chat is read at claim time). `max_in_flight` matches the Telegram channel's
    connection pool: a row marked `sending` should be on the wire, not queued for a connection,
    because a crash in between leaves it `uncertain`.

    With a `ProbingChannel`, a send that goes unanswered is checked before it is sent again
    (`bot.delivery.checking`): `check_grace` is how long a request that timed out may still be
    carried out by the network, `check_patience` how long a check waits for a later send to
    bound it, `max_probes` the widest range it searches. With a `marker`, a check that no send
    bounded within its patience makes its own bound instead of being settled unchecked.
    """

    def __init__(
        self,
        database: Database,
        channel: Channel,
        clock: Clock,
        *,
        worker_id: str,
        rate_per_second: float = 30.0,
        per_chat_interval: float = 1.0,
        max_in_flight: int = 16,
        batch_size: int = 200,
        lease: timedelta = timedelta(seconds=120),
        poll_interval: float = 1.0,
        retry_policy: RetryPolicy | None = None,
        hold_check: HoldCheck | None = None,
        hold_for: timedelta = timedelta(minutes=15),
        check_grace: float = 20.0,
        check_patience: float = 60.0,
        max_probes: int = 64,
        marker: Marker | None = None,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if max_in_flight < 1 or batch_size < 1:
            raise ValueError("max_in_flight and batch_size must be at least 1")
        self.channel = channel
        self.clock = clock
        self.worker_id = worker_id
        self.per_chat_interval = per_chat_interval
        self.max_in_flight = max_in_flight
        self.batch_size = batch_size
        self.lease = lease
        self.poll_interval = poll_interval
        self.retry_policy = retry_policy or RetryPolicy()
        self.hold_check = hold_check
        self.hold_for = hold_for
        self.stats = DispatchStats()
        self._store = OutboxStore(database, worker_id=worker_id, lease=lease)
        self._pacer = Pacer(rate_per_second, per_chat_interval)
        self._monotonic = monotonic
        self._sleep = sleep
        self._jitter = jitter
        self._starter: GroupCommit[int, str | None] = GroupCommit(self._begin_sending)
        self._recorder: GroupCommit[Result, None] = GroupCommit(self._record)
        self._ready: list[Claimed] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._changes = 0  # bumped whenever rows leave flight, which may unblock their chats
        self._at_gate = 0  # sends checked in the database and waiting for their network slot
        # Offered rows whose transaction enqueued nothing else: once sent, they unblock nothing
        # we know of (rows another process adds meanwhile are found by the next poll).
        self._quiet: set[int] = set()
        self._short_claim_at: tuple[int, float] | None = None
        self._running = False
        self._stopping = False
        self._wake = asyncio.Event()
        self._finished = asyncio.Event()
        self._prober = channel if isinstance(channel, ProbingChannel) else None
        self.check_grace = check_grace
        self.check_patience = check_patience
        self.max_probes = max_probes
        self._checks: dict[int, PendingCheck] = {}
        self._next_unchecked_resend = -math.inf  # one at a time: each may bound the others
        self.marker = marker if self._prober is not None else None
        self._marking = False
        self._next_mark_at = -math.inf
        self._marker_rests_until = -math.inf
        # The highest message id this process has seen; marking a row `sending` takes the
        # higher of it and the highest recorded one as the row's `probe_from`.
        self._highest_id = 0

    # -- public ---------------------------------------------------------------------------------

    @property
    def check_chat_ok(self) -> bool | None:
        """None without a check chat (`marker`); False while it refuses markers."""
        return None if self.marker is None else self._can_mark(self._monotonic())

    async def drain(self) -> DispatchStats:
        """Send everything due now (and what becomes due while doing so), then return."""
        await self._run(until_idle=True)
        return self.stats

    async def run_forever(self) -> None:
        """Keep sending until `stop()`; polls every `poll_interval` when idle (or on `notify`)."""
        await self._run(until_idle=False)

    async def stop(self) -> None:
        """Stop claiming; in-flight sends finish and are recorded; the rest is released."""
        self._stopping = True
        self._wake.set()
        if self._running:
            await self._finished.wait()

    def notify(self) -> None:
        """Something was enqueued in this process: look now instead of at the next poll."""
        self._short_claim_at = None
        self._wake.set()

    async def claim_new(
        self, session: AsyncSession, ids: Sequence[int], now: datetime
    ) -> ClaimBatch:
        """In the caller's transaction, claim rows it just added, for `offer` after its commit.

        Saves the dispatcher a claim transaction per reply. Nothing is claimed while this
        dispatcher is not running (the rows wait for its next claim, as without this).
        """
        if not self._running or self._stopping:
            return ClaimBatch([])
        return await self._store.claim_new(
            session, ids, now=now, per_chat_interval=self.per_chat_interval
        )

    def offer(self, batch: ClaimBatch, *, complete: bool) -> None:
        """Take rows `claim_new` claimed, now committed. `complete`: nothing else was enqueued
        (else look in the database too, as `notify` does)."""
        if not complete:
            self._short_claim_at = None
        if not self._running or self._stopping:
            # Stopped after `claim_new`: the rows are ours until the lease ends or the next
            # start's reconcile releases them.
            self._wake.set()
            return
        if complete:
            self._quiet.update(m.id for m in batch.messages)
        self._take(batch, self._monotonic())
        self._wake.set()

    async def reconcile(self) -> Reconciled:
        """Settle what a previous incarnation of this worker (or a dead one) left behind."""
        report = await self._store.reconcile(
            now=self.clock.now(), own_rows=True, probing=self._prober is not None
        )
        self._adopt(report.to_check)
        if report.resent or report.uncertain or report.released or report.to_check:
            logger.warning(
                "outbox.reconciled",
                extra={
                    "worker": self.worker_id,
                    "resent": report.resent,
                    "uncertain": report.uncertain,
                    "released": report.released,
                    "checking": len(report.to_check),
                },
            )
        return report

    def _adopt(self, rows: Sequence[Claimed], fallback: Result | None = None) -> None:
        """Check these rows (now `checking` and ours) once a later send bounds their ids."""
        now, wall_now = self._monotonic(), self.clock.now()
        for row in rows:
            self._checks[row.id] = PendingCheck(
                row,
                fallback=fallback,
                adopted_at=wall_now,
                bound_after=now + self.check_grace,
                give_up_at=now + self.check_grace + self.check_patience,
            )

    # -- the loop -------------------------------------------------------------------------------

    async def _run(self, *, until_idle: bool) -> None:
        if self._running:
            raise RuntimeError("this dispatcher is already running")
        self._running, self._stopping = True, False
        self._short_claim_at = None
        self._finished.clear()
        try:
            await self.reconcile()
            next_reap = self._monotonic() + self.lease.total_seconds()
            while not self._stopping:
                if len(self._tasks) >= self.max_in_flight:
                    await self._wait_for_a_send()
                    continue
                now = self._monotonic()
                try:
                    if now >= next_reap:
                        reaped = await self._store.reconcile(
                            now=self.clock.now(),
                            own_rows=False,
                            probing=self._prober is not None,
                        )
                        self._adopt(reaped.to_check)
                        next_reap = now + self.lease.total_seconds()
                    if len(self._ready) <= self.batch_size // 2 and self._worth_claiming(now):
                        await self._claim(now)
                except Exception:
                    if until_idle:
                        raise
                    # The database may be back in a moment; sends in flight carry on meanwhile.
                    logger.exception("outbox.claim_failed", extra={"worker": self.worker_id})
                    await self._pause(self.poll_interval)
                    continue
                self._start_checks(now)
                if not self._ready:
                    if self._tasks:
                        await self._wait_for_a_send()
                    elif (
                        until_idle
                        and not self._checks  # a check waits for a later send, or its patience
                        and not self._worth_claiming(now, idle=True)
                    ):
                        break
                    else:
                        await self._pause(min(self.poll_interval, self._next_check_due(now)))
                    continue
                wait = self._pacer.global_wait(now)
                if self._at_gate:  # sends wait for the network gate: don't add to that queue
                    wait = max(wait, self._pacer.spacing)
                if wait > 0:
                    await self._pause(wait)
                    continue
                message = self._next_ready(now)
                if message is None:
                    waits = [self._pacer.chat_wait(m.chat_id, now) for m in self._ready]
                    await self._pause(min(waits))
                    continue
                self._ready.remove(message)
                previous = self._pacer.take(message.chat_id, now)
                self._spawn(self._deliver(message, previous))
        finally:
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
            leftover, self._ready = self._ready, []
            # Rows still being checked stay `checking` and ours: the next start takes them up.
            self._checks.clear()
            try:
                await self._store.release([m.id for m in leftover])
            finally:
                self._running = False
                self._finished.set()

    def _worth_claiming(self, now: float, *, idle: bool = False) -> bool:
        """Skip a claim when the last one came back short and nothing has changed since."""
        if self._short_claim_at is None:
            return True
        changes, at = self._short_claim_at
        if changes != self._changes:
            return True
        return not idle and now - at >= self.poll_interval

    async def _claim(self, now: float) -> None:
        limit = self.batch_size - len(self._ready)
        batch: ClaimBatch = await self._store.claim(
            limit=limit, now=self.clock.now(), per_chat_interval=self.per_chat_interval
        )
        self._short_claim_at = (self._changes, now) if len(batch.messages) < limit else None
        self._take(batch, now)

    def _take(self, batch: ClaimBatch, now: float) -> None:
        # After a long pause our own expired claims can come back: keep one copy of each.
        known = {m.id for m in self._ready}
        fresh = [m for m in batch.messages if m.id not in known]
        if not fresh:
            return
        wall_now = self.clock.now()
        for chat_id, sent_at in batch.last_sent.items():
            ready_at = now + (sent_at - wall_now).total_seconds() + self.per_chat_interval
            self._pacer.hold_chat(chat_id, ready_at)
        self._ready.extend(fresh)
        self._ready.sort(key=lambda m: m.order)
        logger.debug("outbox.claimed", extra={"worker": self.worker_id, "count": len(fresh)})

    def _next_ready(self, now: float) -> Claimed | None:
        for message in self._ready:
            if self._pacer.chat_wait(message.chat_id, now) <= 0:
                return message
        return None

    async def _wait_for_a_send(self) -> None:
        await asyncio.wait(set(self._tasks), return_when=asyncio.FIRST_COMPLETED)

    async def _pause(self, seconds: float) -> None:
        """Sleep (through the injected sleep) unless `stop()` or `notify()` comes first."""
        if self._stopping:
            return
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        _, pending = await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        self._wake.clear()

    # -- one message ----------------------------------------------------------------------------

    async def _deliver(self, message: Claimed, chat_was_ready_at: float) -> None:
        try:
            await self._deliver_one(message, chat_was_ready_at)
        except Exception:
            # Never let one message stop the loop; its row is settled by the lease/reconcile.
            logger.exception("outbox.deliver_failed", extra={"outbox_id": message.id})

    async def _deliver_one(self, message: Claimed, chat_was_ready_at: float) -> None:
        try:
            verdict = await self._starter.submit(message.id)
        except Exception:
            logger.exception("outbox.check_failed", extra={"outbox_id": message.id})
            self._check_again(message, chat_was_ready_at)
            return
        if verdict is not None:
            self._pacer.untake(message.chat_id, chat_was_ready_at)
            self._count_not_sent(verdict)
            return
        outgoing = OutgoingMessage.from_payload(message.chat_id, message.payload)
        # Paced again at the network call (see `bot.delivery.pacing` for why once is not
        # enough); this also waits out a global 429 that arrived since the send was paced.
        self._at_gate += 1
        try:
            while (wait := self._pacer.send_wait(message.chat_id, self._monotonic())) > 0:
                await self._sleep(wait)
        finally:
            self._at_gate -= 1
        started = self._monotonic()
        self._pacer.sent(message.chat_id, started)
        try:
            outcome: SendOutcome = await self.channel.send(outgoing)
        except Exception as exc:
            # A channel should answer with an outcome; an exception is treated as transient.
            logger.exception("outbox.channel_error", extra={"outbox_id": message.id})
            outcome = RetryLater(0.0, f"channel error: {type(exc).__name__}", maybe_delivered=True)
        if isinstance(outcome, Delivered):
            self._saw(outcome.message_id, started)
        result = self._interpret(message, outcome)
        if isinstance(result, Retry) and self._prober is not None and self._maybe_there(outcome):
            # Unanswered, maybe delivered: find out before sending it again.
            retry, until = result, self.clock.now() + self.lease
            result = Check(message.id, f"unanswered ({retry.error}); checking", until)
            await self._record_result(result)
            self._adopt([message], fallback=retry)
            return
        await self._record_result(result)

    @staticmethod
    def _maybe_there(outcome: SendOutcome) -> bool:
        return (
            isinstance(outcome, RetryLater)
            and outcome.maybe_delivered
            and classify(outcome) is RetryKind.TRANSIENT
        )

    def _saw(self, message_id: int, started: float) -> None:
        self._highest_id = max(self._highest_id, message_id)
        for check in self._checks.values():
            check.saw(message_id, started)

    def _check_again(self, message: Claimed, chat_was_ready_at: float) -> None:
        """The send-time check failed (the database is away): the row is still ours, so check
        again in a moment rather than leave it, and with it its chat, waiting for the lease."""
        self._pacer.untake(message.chat_id, chat_was_ready_at)
        self._pacer.hold_chat(message.chat_id, self._monotonic() + CHECK_RETRY_WAIT)
        self._ready.append(message)
        self._ready.sort(key=lambda m: m.order)

    def _interpret(self, message: Claimed, outcome: SendOutcome) -> Result:
        if isinstance(outcome, Delivered):
            self.stats.sent += 1
            return Sent(message.id, outcome.message_id)
        if isinstance(outcome, Blocked):
            self.stats.blocked += 1
            return Failure(message.id, f"blocked: {outcome.reason}", message.youth_id)
        if isinstance(outcome, Failed):
            self.stats.failed += 1
            return Failure(message.id, outcome.reason)
        if isinstance(outcome, RetryLater):
            return self._retry(message, outcome)
        raise TypeError(f"unknown send outcome {outcome!r}")

    def _retry(self, message: Claimed, outcome: RetryLater) -> Result:
        kind = classify(outcome)
        now = self._monotonic()
        delay = max(0.0, outcome.after_seconds)
        if kind is RetryKind.GLOBAL_RATE_LIMIT:
            self._pacer.pause_all(now, delay)
            logger.warning("outbox.rate_limited", extra={"retry_after": delay})
        elif kind is RetryKind.CHAT_RATE_LIMIT:
            self._pacer.hold_chat(message.chat_id, now + delay)
        else:
            attempts = message.attempts + 1
            if self.retry_policy.gives_up(attempts):
                self.stats.failed += 1
                return Failure(message.id, f"gave up after {attempts} attempts: {outcome.reason}")
            delay = self.retry_policy.backoff(attempts, floor=delay, jitter=self._jitter())
        self.stats.retried += 1
        not_before = self.clock.now() + timedelta(seconds=delay)
        return Retry(message.id, not_before, outcome.reason)

    async def _record_result(self, result: Result) -> None:
        """Retried until the database answers again, for as long as our lease on the row lasts.

        Giving up sooner would leave a message that went out `sending`: its chat waits for the
        lease to run out and reconcile then marks the message "may not have arrived". After the
        lease the row is reconcile's anyway; while stopping, a few tries only.
        """
        give_up_at = self._monotonic() + self.lease.total_seconds()
        for attempt in itertools.count(1):
            try:
                await self._recorder.submit(result)
                return
            except Exception:
                logger.exception(
                    "outbox.record_failed", extra={"outbox_id": result.id, "attempt": attempt}
                )
            wait = RECORD_RETRY.backoff(attempt, floor=0.0, jitter=self._jitter())
            if self._monotonic() + wait > give_up_at or (
                self._stopping and attempt >= RECORD_TRIES_WHILE_STOPPING
            ):
                break
            await self._sleep(wait)
        # Left in `sending`: after the lease, reconcile treats it as maybe delivered.

    # -- checking unanswered sends (`bot.delivery.checking`) -----------------------------------

    def _start_checks(self, now: float) -> None:
        """Probe the checks a later send has bounded; for those none bounded in time, send a
        marker for a bound, or settle them unchecked when there is no marker to send."""
        needs_bound = False
        for check in list(self._checks.values()):
            if check.busy or len(self._tasks) >= self.max_in_flight:
                continue
            if check.ready(now):
                self._spawn_check(check, self._probe(check))
            elif check.ceiling is None and now >= self._give_up_at(check, now):
                if self._can_mark(now):
                    needs_bound = True
                    continue
                if resends_unchecked(check):
                    self._next_unchecked_resend = now + self.check_patience
                self._spawn_check(check, self._settle_unchecked(check, "no later send bounded it"))
        if needs_bound and not self._marking and len(self._tasks) < self.max_in_flight:
            self._marking = True
            self._spawn(self._mark())

    def _can_mark(self, now: float) -> bool:
        return self.marker is not None and now >= self._marker_rests_until

    def _give_up_at(self, check: PendingCheck, now: float) -> float:
        """When `check` stops waiting for a send to bound it."""
        if self._can_mark(now):
            return max(check.give_up_at, self._next_mark_at)
        if resends_unchecked(check):
            return max(check.give_up_at, self._next_unchecked_resend)
        return check.give_up_at

    def _next_check_due(self, now: float) -> float:
        """Seconds until a waiting check can go on (a probe retry, a marker, or giving up)."""
        waits = [
            (c.retry_at if c.ceiling is not None else self._give_up_at(c, now)) - now
            for c in self._checks.values()
            if not c.busy
        ]
        return max(0.0, min(waits, default=math.inf))

    def _spawn_check(self, check: PendingCheck, work: Awaitable[Result | None]) -> None:
        check.busy = True
        self._spawn(self._run_check(check, work))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` as one of the tasks in flight (counted against `max_in_flight`)."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_check(self, check: PendingCheck, work: Awaitable[Result | None]) -> None:
        try:
            result = await work
        except Exception:
            logger.exception("outbox.probe_failed", extra={"outbox_id": check.id})
            result = None
            check.retry_at = self._monotonic() + PROBE_RETRY_WAIT
        if result is None:
            check.busy = False
            return
        await self._record_result(result)
        self._checks.pop(check.id, None)
        self._changes += 1

    async def _probe(self, check: PendingCheck) -> Result | None:
        """Probe every unaccounted id the check's range holds; None: try again later."""
        assert self._prober is not None and check.ceiling is not None
        message = check.message
        plan = await self._store.probe_plan(message, check.ceiling)
        if not plan.safe:
            return self._unchecked(check, "another message of the chat is unaccounted for")
        ids = candidates(plan.low, check.ceiling, plan.recorded)
        if len(ids) > self.max_probes:
            return self._unchecked(check, f"{len(ids)} message ids to search")
        outgoing = OutgoingMessage.from_payload(message.chat_id, message.payload)
        for message_id in ids:
            while (wait := self._pacer.send_wait(message.chat_id, self._monotonic())) > 0:
                await self._sleep(wait)
            self._pacer.sent(message.chat_id, self._monotonic())
            self.stats.probes += 1
            outcome: ProbeOutcome = await self._prober.probe(outgoing, message_id)
            if outcome is Probe.FOUND:
                self.stats.found += 1
                self.stats.sent += 1
                return Sent(message.id, message_id)
            if isinstance(outcome, Blocked):
                self.stats.blocked += 1
                return Failure(message.id, f"blocked: {outcome.reason}", message.youth_id)
            if isinstance(outcome, RetryLater):
                now = self._monotonic()
                if classify(outcome) is RetryKind.GLOBAL_RATE_LIMIT:
                    self._pacer.pause_all(now, outcome.after_seconds)
                check.retry_at = now + max(outcome.after_seconds, PROBE_RETRY_WAIT)
                return None
        self.stats.missing += 1
        return Retry(message.id, self.clock.now(), "checked: it never arrived; sent again")

    async def _mark(self) -> None:
        """Send a marker: its id bounds every check whose doubt arose before it was sent."""
        assert self.marker is not None
        chat_id = self.marker.chat_id
        try:
            while (wait := self._pacer.send_wait(chat_id, self._monotonic())) > 0:
                await self._sleep(wait)
            started = self._monotonic()
            self._pacer.sent(chat_id, started)
            self.stats.marks += 1
            try:
                outcome = await self.marker.mark()
            except Exception as exc:
                logger.exception("outbox.marker_error")
                outcome = RetryLater(0.0, f"marker error: {type(exc).__name__}")
            now = self._monotonic()
            self._next_mark_at = now + MARK_INTERVAL
            if isinstance(outcome, Delivered):
                self._saw(outcome.message_id, started)
            elif isinstance(outcome, RetryLater):
                # A 429 here is the group's own limit (the pacer keeps the bot's): it delays
                # markers only, not every send.
                self._next_mark_at = now + max(outcome.after_seconds, MARK_INTERVAL)
            else:
                # Removed from the group, or the group became a supergroup: an operator has to
                # act. Meanwhile unanswered sends are settled as without a check chat.
                self._marker_rests_until = now + MARKER_REST
                logger.error(
                    "outbox.check_chat_refused",
                    extra={"chat_id": chat_id, "reason": getattr(outcome, "reason", "")},
                )
        finally:
            self._marking = False

    async def _settle_unchecked(self, check: PendingCheck, why: str) -> Result:
        return self._unchecked(check, why)

    def _unchecked(self, check: PendingCheck, why: str) -> Result:
        self.stats.unchecked += 1
        logger.warning("outbox.not_checked", extra={"outbox_id": check.id, "why": why})
        return settle_unchecked(check, self.clock.now(), why)

    def _count_not_sent(self, verdict: str) -> None:
        if verdict == HELD:
            self.stats.held += 1
        elif verdict != TAKEN_OVER:
            self.stats.cancelled[verdict] += 1

    # -- group writes ---------------------------------------------------------------------------

    async def _begin_sending(self, ids: list[int]) -> Sequence[str | None]:
        probe_from = self._highest_id if self._prober is not None else None
        verdicts = await self._store.begin_sending(
            ids,
            now=self.clock.now(),
            hold_check=self.hold_check,
            hold_for=self.hold_for,
            probe_from=probe_from,
        )
        answers = [verdicts.get(i, TAKEN_OVER) for i in ids]
        if any(a is not None for a in answers):
            self._quiet.difference_update(i for i, a in zip(ids, answers, strict=True) if a)
            self._changes += 1
        return answers

    async def _record(self, results: list[Result]) -> Sequence[None]:
        await self._store.record(results, now=self.clock.now(), channel=self.channel.name)
        quiet = all(isinstance(r, Sent) and r.id in self._quiet for r in results)
        self._quiet.difference_update(r.id for r in results)
        if not quiet:
            self._changes += 1
        return [None] * len(results)

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.channels.base import Blocked, Failed, OutgoingMessage, RetryLater
from bot.channels.memory import MemoryChannel
from bot.delivery import PRIORITY_CRISIS, PRIORITY_REPLY, RetryPolicy, enqueue
from bot.delivery.store import OutboxStore
from bot.events import BOT_BLOCKED, unhandled_events
from bot.models import DomainEvent, OutboxMessage, Youth
from bot.storage.db import Database

from .conftest import Recorder, consent_event, dispatcher, make_youths, put

pytestmark = pytest.mark.db


async def rows(database: Database) -> dict[int, OutboxMessage]:
    async with database.session() as session:
        return {r.id: r for r in (await session.exec(select(OutboxMessage))).all()}


async def test_enqueue_joins_the_callers_transaction(database, clock):
    (youth,) = await make_youths(database, clock, 1)
    with pytest.raises(RuntimeError):
        async with database.transaction() as session:
            await enqueue(
                session, OutgoingMessage(chat_id=1, text="hoi"), youth_id=youth.id, now=clock.now()
            )
            raise RuntimeError("the answer failed to save")
    assert await rows(database) == {}


async def test_enqueue_refuses_what_it_cannot_send(database, clock):
    async with database.transaction() as session:
        with pytest.raises(ValueError, match="youth_id"):
            await enqueue(
                session, OutgoingMessage(chat_id=1, text="x"), youth_id=None, now=clock.now()
            )
        with pytest.raises(ValueError, match="timezone-aware"):
            await enqueue(
                session,
                OutgoingMessage(chat_id=1, text="x"),
                youth_id=None,
                staff_user_id=1,
                requires_consent=False,
                now=clock.now().replace(tzinfo=None),
            )


async def test_priority_then_not_before_then_id_across_chats(database, clock, fake_time):
    youths = await make_youths(database, clock, 4)
    await put(
        database, clock, youths[0], "routine-late", not_before=clock.now() - timedelta(minutes=1)
    )
    await put(
        database, clock, youths[1], "routine-early", not_before=clock.now() - timedelta(hours=1)
    )
    await put(
        database, clock, youths[2], "crisis", priority=PRIORITY_CRISIS, requires_consent=False
    )
    await put(database, clock, youths[3], "reply", priority=PRIORITY_REPLY)
    recorder = Recorder(fake_time)
    channel = MemoryChannel(recorder)
    await dispatcher(database, channel, clock, fake_time).drain()
    assert [m.text for m in channel.sent] == ["crisis", "reply", "routine-early", "routine-late"]


async def test_global_rate_and_per_chat_spacing_give_exact_send_times(database, clock, fake_time):
    a, b, c = await make_youths(database, clock, 3)
    for text in ("a1", "a2", "a3"):
        await put(database, clock, a, text)
    await put(database, clock, b, "b1")
    await put(database, clock, c, "c1")
    recorder = Recorder(fake_time)
    channel = MemoryChannel(recorder)
    await dispatcher(database, channel, clock, fake_time, rate_per_second=10.0).drain()
    times = {text: at for at, _, text in recorder.attempts}
    assert list(times) == ["a1", "b1", "c1", "a2", "a3"]
    assert times["a1"] == pytest.approx(0.0)
    assert times["b1"] == pytest.approx(0.1)  # 1/rate after the previous send
    assert times["c1"] == pytest.approx(0.2)
    assert times["a2"] == pytest.approx(1.0)  # per_chat_interval after a1
    assert times["a3"] == pytest.approx(2.0)


async def test_a_crisis_reply_does_not_overtake_an_earlier_message_in_its_chat(
    database, clock, fake_time
):
    a, b = await make_youths(database, clock, 2)
    await put(database, clock, b, "b-routine")
    await put(database, clock, a, "a-first")
    await put(database, clock, a, "a-crisis", priority=PRIORITY_CRISIS, requires_consent=False)
    channel = MemoryChannel(Recorder(fake_time))
    await dispatcher(database, channel, clock, fake_time, per_chat_interval=0.0).drain()
    assert channel.texts_to(a.telegram_chat_id) == ["a-first", "a-crisis"]


async def test_global_retry_after_holds_every_chat(database, clock, fake_time):
    youths = await make_youths(database, clock, 3)
    for i, youth in enumerate(youths):
        await put(database, clock, youth, f"m{i}")

    def script(message, tries):
        if message.text == "m0" and tries == 1:
            return RetryLater(5.0, "rate_limited")
        return None

    recorder = Recorder(fake_time, script)
    channel = MemoryChannel(recorder)
    await dispatcher(database, channel, clock, fake_time).drain()
    assert sorted(m.text for m in channel.sent) == ["m0", "m1", "m2"]
    first, *later = recorder.attempts
    assert first[2] == "m0"
    assert later, "the others were sent in the same drain"
    assert all(at >= 5.0 for at, _, _ in later), later
    stored = await rows(database)
    assert {r.status for r in stored.values()} == {"sent"}
    m0 = next(r for r in stored.values() if r.payload["text"] == "m0")
    assert m0.attempts == 2


async def test_a_chat_rate_limit_holds_only_that_chat(database, clock, fake_time):
    a, b, c = await make_youths(database, clock, 3)
    held = await put(database, clock, a, "a1")
    await put(database, clock, b, "b1")
    await put(database, clock, c, "c1")
    start = clock.now()
    recorder = Recorder(
        fake_time,
        lambda m, tries: (
            RetryLater(3.0, "rate_limited_chat") if m.text == "a1" and tries == 1 else None
        ),
    )
    worker = dispatcher(database, MemoryChannel(recorder), clock, fake_time)
    await worker.drain()
    assert [(round(t, 3), text) for t, _, text in recorder.attempts] == [
        (0.0, "a1"),
        (0.1, "b1"),
        (0.2, "c1"),
    ]
    row = (await rows(database))[held]
    assert (row.status, row.attempts, row.not_before) == (
        "pending",
        1,
        start + timedelta(seconds=3),
    )

    clock.advance(timedelta(seconds=3))
    await worker.drain()
    assert [text for _, _, text in recorder.attempts][-1] == "a1"
    assert (await rows(database))[held].status == "sent"


async def test_transient_errors_back_off_then_deliver_once(database, clock, fake_time):
    (youth,) = await make_youths(database, clock, 1)
    message_id = await put(database, clock, youth, "vraag")
    recorder = Recorder(
        fake_time, lambda m, tries: RetryLater(0.0, "timeout") if tries <= 2 else None
    )
    channel = MemoryChannel(recorder)
    worker = dispatcher(
        database, channel, clock, fake_time, retry_policy=RetryPolicy(base_seconds=2)
    )

    start = clock.now()
    await worker.drain()
    row = (await rows(database))[message_id]
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "timeout")
    assert row.not_before == start + timedelta(seconds=1)  # 2 s base, jitter 0 → half

    clock.advance(timedelta(seconds=1))
    await worker.drain()
    row = (await rows(database))[message_id]
    assert (row.status, row.attempts) == ("pending", 2)
    assert row.not_before - clock.now() == timedelta(seconds=2)  # doubled

    clock.advance(timedelta(seconds=2))
    await worker.drain()
    row = (await rows(database))[message_id]
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)
    assert row.sent_at is not None and row.channel_message_id == 1
    assert channel.texts_to(youth.telegram_chat_id) == ["vraag"]


async def test_transient_errors_give_up_after_max_attempts(database, clock, fake_time):
    (youth,) = await make_youths(database, clock, 1)
    message_id = await put(database, clock, youth, "vraag")
    channel = MemoryChannel(lambda m: RetryLater(0.0, "server error 502"))
    worker = dispatcher(
        database, channel, clock, fake_time, retry_policy=RetryPolicy(max_attempts=3)
    )
    for _ in range(5):
        await worker.drain()
        clock.advance(timedelta(hours=1))
    row = (await rows(database))[message_id]
    assert row.status == "failed"
    assert row.attempts == 3
    assert row.last_error == "gave up after 3 attempts: server error 502"
    assert len(channel.attempts) == 3


async def test_blocked_makes_the_youth_unreachable_and_records_one_event(
    database, clock, fake_time
):
    (youth,) = await make_youths(database, clock, 1)
    first = await put(database, clock, youth, "een")
    second = await put(database, clock, youth, "twee")
    channel = MemoryChannel(lambda m: Blocked("Forbidden: bot was blocked by the user"))
    blocked_at = clock.now()
    await dispatcher(database, channel, clock, fake_time).drain()

    stored = await rows(database)
    assert stored[first].status == "failed"
    assert stored[first].last_error.startswith("blocked")
    assert (stored[second].status, stored[second].last_error) == ("cancelled", "unreachable")
    assert len(channel.attempts) == 1
    async with database.session() as session:
        assert (await session.get(Youth, youth.id)).unreachable_since == blocked_at
        events = await unhandled_events(session, BOT_BLOCKED)
    assert [(e.youth_id, e.data["outbox_id"]) for e in events] == [(youth.id, first)]


async def test_a_permanent_failure_is_not_retried(database, clock, fake_time):
    (youth,) = await make_youths(database, clock, 1)
    message_id = await put(database, clock, youth, "x")
    channel = MemoryChannel(lambda m: Failed("Bad Request: message is too long"))
    worker = dispatcher(database, channel, clock, fake_time)
    await worker.drain()
    clock.advance(timedelta(days=1))
    await worker.drain()
    row = (await rows(database))[message_id]
    assert (row.status, row.last_error) == ("failed", "Bad Request: message is too long")
    assert len(channel.attempts) == 1
    async with database.session() as session:
        assert (await session.exec(select(DomainEvent))).all() == []


async def test_consent_withdrawn_after_enqueue_means_not_sent(database, clock, fake_time):
    (youth,) = await make_youths(database, clock, 1)
    question = await put(database, clock, youth, "Hoe gaat het?", automated=True)
    goodbye = await put(
        database, clock, youth, "Je krijgt geen vragen meer.", requires_consent=False
    )
    async with database.transaction() as session:
        session.add(consent_event(youth.id, "withdrawn", clock.now()))
    channel = MemoryChannel()
    await dispatcher(database, channel, clock, fake_time).drain()
    stored = await rows(database)
    assert (stored[question].status, stored[question].last_error) == ("cancelled", "no_consent")
    assert stored[goodbye].status == "sent"
    assert channel.texts_to(youth.telegram_chat_id) == ["Je krijgt geen vragen meer."]


async def test_a_pause_cancels_automated_messages_and_lets_replies_through(
    database, clock, fake_time
):
    (youth,) = await make_youths(database, clock, 1)
    async with database.transaction() as session:
        stored_youth = await session.get(Youth, youth.id)
        stored_youth.paused_until = (clock.now() + timedelta(days=90)).date()
    checkin = await put(database, clock, youth, "Hoe gaat het?", automated=True)
    reply = await put(database, clock, youth, "Fijn dat je het laat weten.")
    channel = MemoryChannel()
    await dispatcher(database, channel, clock, fake_time).drain()
    stored = await rows(database)
    assert (stored[checkin].status, stored[checkin].last_error) == ("cancelled", "paused")
    assert stored[reply].status == "sent"


async def test_an_open_human_conversation_holds_automated_messages(database, clock, fake_time):
    (youth,) = await make_youths(database, clock, 1)
    talking: set[int] = {youth.id}

    async def hold_check(session, youth_ids):
        return youth_ids & talking

    checkin = await put(database, clock, youth, "Hoe gaat het?", automated=True)
    relay = await put(database, clock, youth, "Bericht van je coach.")
    channel = MemoryChannel()
    worker = dispatcher(database, channel, clock, fake_time, hold_check=hold_check)
    start = clock.now()
    await worker.drain()
    assert fake_time.now == pytest.approx(0.1)  # the held message did not delay the relay
    stored = await rows(database)
    assert stored[checkin].status == "pending"
    assert stored[checkin].not_before == start + timedelta(minutes=15)
    assert stored[checkin].attempts == 0
    assert channel.texts_to(youth.telegram_chat_id) == ["Bericht van je coach."]
    assert stored[relay].status == "sent"

    talking.clear()
    clock.advance(timedelta(minutes=15))
    await worker.drain()
    assert channel.texts_to(youth.telegram_chat_id) == ["Bericht van je coach.", "Hoe gaat het?"]


async def test_an_expired_claim_is_claimed_again_and_sent_once(database, clock, fake_time):
    youths = await make_youths(database, clock, 3)
    for i, youth in enumerate(youths):
        await put(database, clock, youth, f"m{i}")
    crashed = OutboxStore(database, worker_id="crashed", lease=timedelta(seconds=120))
    batch = await crashed.claim(limit=2, now=clock.now(), per_chat_interval=1.0)
    assert len(batch.messages) == 2

    channel = MemoryChannel()
    worker = dispatcher(database, channel, clock, fake_time)
    await worker.drain()
    assert [m.text for m in channel.sent] == ["m2"]  # the crashed worker's lease still runs

    clock.advance(timedelta(seconds=121))
    await worker.drain()
    assert sorted(m.text for m in channel.sent) == ["m0", "m1", "m2"]
    assert {r.status for r in (await rows(database)).values()} == {"sent"}


async def test_reconcile_settles_rows_left_in_sending(database, clock, fake_time):
    a, b = await make_youths(database, clock, 2)
    routine = await put(database, clock, a, "vraag")
    crisis = await put(database, clock, b, "113", priority=PRIORITY_CRISIS, requires_consent=False)
    crashed = OutboxStore(database, worker_id="w1", lease=timedelta(seconds=120))
    batch = await crashed.claim(limit=10, now=clock.now(), per_chat_interval=1.0)
    verdicts = await crashed.begin_sending(
        [m.id for m in batch.messages], now=clock.now(), hold_check=None, hold_for=timedelta(0)
    )
    assert verdicts == {routine: None, crisis: None}

    # The same worker id starts again (the process restarted): its rows are settled at once.
    channel = MemoryChannel()
    worker = dispatcher(database, channel, clock, fake_time)
    await worker.drain()
    stored = await rows(database)
    assert stored[routine].status == "uncertain"  # maybe delivered: not shown twice
    assert stored[crisis].status == "sent"  # a duplicate crisis reply beats none
    assert [m.text for m in channel.sent] == ["113"]


async def test_two_dispatchers_deliver_every_message_exactly_once(database, clock, tmp_path):
    youths = await make_youths(database, clock, 30)
    expected = {}
    async with database.transaction() as session:
        for round_ in range(3):
            for youth in youths:
                text = f"{youth.telegram_chat_id}-{round_}"
                expected.setdefault(youth.telegram_chat_id, []).append(text)
                await enqueue(
                    session,
                    OutgoingMessage(chat_id=youth.telegram_chat_id, text=text),
                    youth_id=youth.id,
                    now=clock.now(),
                )

    class SlowChannel(MemoryChannel):
        async def send(self, message):
            await asyncio.sleep(0.001)
            return await super().send(message)

    channel = SlowChannel()
    second_database = Database(database.url)
    try:
        workers = [
            dispatcher(
                db,
                channel,
                clock,
                None,
                worker_id=f"w{i}",
                rate_per_second=10_000,
                per_chat_interval=0.0,
                max_in_flight=8,
                batch_size=20,
            )
            for i, db in enumerate((database, second_database))
        ]
        await asyncio.gather(*(w.drain() for w in workers))
    finally:
        await second_database.dispose()
    assert sorted(m.text for m in channel.attempts) == sorted(
        t for ts in expected.values() for t in ts
    )
    for chat_id, texts in expected.items():
        assert channel.texts_to(chat_id) == texts
    assert sum(w.stats.sent for w in workers) == len(channel.attempts)
    if database.dialect == "postgresql":
        # SKIP LOCKED lets both claim at once. On SQLite one writer at a time may well take
        # every batch (its write transactions queue): nothing is sent twice either way.
        assert all(w.stats.sent > 0 for w in workers), [w.stats for w in workers]
    assert {r.status for r in (await rows(database)).values()} == {"sent"}


async def test_drain_sends_two_thousand_messages_once(database, clock, fake_time):
    youths = await make_youths(database, clock, 2000)
    async with database.transaction() as session:
        for youth in youths:
            await enqueue(
                session,
                OutgoingMessage(chat_id=youth.telegram_chat_id, text=str(youth.id)),
                youth_id=youth.id,
                now=clock.now(),
            )
    called_at: list[float] = []

    def record_time(_message: OutgoingMessage) -> None:
        called_at.append(fake_time.now)

    channel = MemoryChannel(record_time)
    worker = dispatcher(database, channel, clock, fake_time, rate_per_second=30.0, max_in_flight=40)
    stats = await worker.drain()
    assert stats.sent == 2000
    assert len(channel.attempts) == 2000
    assert len({m.chat_id for m in channel.sent}) == 2000
    # Paced in (fake) time, never sleeping for real: no second holds more than 30 network calls.
    assert called_at == sorted(called_at)
    assert all(b - a >= 1 - 1e-9 for a, b in zip(called_at, called_at[30:], strict=False))
    assert called_at[-1] >= 1999 / 30 - 1e-9
    async with database.session() as session:
        statuses = (await session.exec(select(OutboxMessage.status))).all()
    assert set(statuses) == {"sent"}


async def test_stop_lets_in_flight_sends_finish_and_leaves_the_rest_pending(database, clock):
    youths = await make_youths(database, clock, 5)
    for youth in youths:
        await put(database, clock, youth, f"m{youth.id}")
    started = asyncio.Event()
    release = asyncio.Event()

    class HangingChannel(MemoryChannel):
        async def send(self, message):
            started.set()
            await release.wait()
            return await super().send(message)

    channel = HangingChannel()
    worker = dispatcher(
        database,
        channel,
        clock,
        None,
        rate_per_second=1.0,
        max_in_flight=5,
        monotonic=asyncio.get_running_loop().time,
        sleep=asyncio.sleep,
    )
    running = asyncio.create_task(worker.run_forever())
    await asyncio.wait_for(started.wait(), 5)
    stopping = asyncio.create_task(worker.stop())
    await asyncio.sleep(0.01)
    assert not stopping.done()  # waits for the send in flight
    release.set()
    await asyncio.wait_for(stopping, 5)
    await asyncio.wait_for(running, 5)
    statuses = sorted(r.status for r in (await rows(database)).values())
    assert statuses == ["pending"] * 4 + ["sent"]
    assert len(channel.sent) == 1


async def test_run_forever_sends_new_work_and_settles_a_dead_workers_rows(database, clock):
    a, b = await make_youths(database, clock, 2)
    orphan = await put(database, clock, a, "half sent")
    dead = OutboxStore(database, worker_id="dead", lease=timedelta(seconds=1))
    batch = await dead.claim(limit=1, now=clock.now(), per_chat_interval=1.0)
    await dead.begin_sending(
        [m.id for m in batch.messages], now=clock.now(), hold_check=None, hold_for=timedelta(0)
    )
    channel = MemoryChannel()
    worker = dispatcher(
        database, channel, clock, None, poll_interval=0.02, lease=timedelta(seconds=0.2)
    )
    running = asyncio.create_task(worker.run_forever())
    try:
        later = await put(database, clock, b, "nieuw")
        worker.notify()
        clock.advance(timedelta(seconds=2))  # the dead worker's lease runs out
        for _ in range(200):
            stored = await rows(database)
            if stored[later].status == "sent" and stored[orphan].status == "uncertain":
                break
            await asyncio.sleep(0.02)
    finally:
        await asyncio.wait_for(worker.stop(), 5)
        await asyncio.wait_for(running, 5)
    stored = await rows(database)
    assert stored[later].status == "sent"
    assert stored[orphan].status == "uncertain"
    assert channel.texts_to(b.telegram_chat_id) == ["nieuw"]
    assert channel.texts_to(a.telegram_chat_id) == []


async def test_a_worker_whose_lease_ran_out_does_not_send_a_row_taken_over(database, clock):
    (youth,) = await make_youths(database, clock, 1)
    message_id = await put(database, clock, youth, "x")
    slow = OutboxStore(database, worker_id="slow", lease=timedelta(seconds=10))
    fast = OutboxStore(database, worker_id="fast", lease=timedelta(seconds=10))
    assert [
        m.id for m in (await slow.claim(limit=5, now=clock.now(), per_chat_interval=1)).messages
    ] == [message_id]
    clock.advance(timedelta(seconds=11))
    assert [
        m.id for m in (await fast.claim(limit=5, now=clock.now(), per_chat_interval=1)).messages
    ] == [message_id]
    check = {"now": clock.now(), "hold_check": None, "hold_for": timedelta(0)}
    assert await slow.begin_sending([message_id], **check) == {}
    assert await fast.begin_sending([message_id], **check) == {message_id: None}


async def test_a_channel_exception_is_retried_not_lost(database, clock, fake_time):
    (youth,) = await make_youths(database, clock, 1)
    message_id = await put(database, clock, youth, "x")

    def explode(message):
        raise ConnectionResetError("peer reset")

    worker = dispatcher(database, MemoryChannel(explode), clock, fake_time)
    await worker.drain()
    row = (await rows(database))[message_id]
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "channel error: ConnectionResetError"

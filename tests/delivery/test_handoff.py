"""Replies handed to the dispatcher in the transaction that enqueued them (no claim of its own)."""

from __future__ import annotations

import asyncio

import pytest
from sqlmodel import select

from bot.channels.base import OutgoingMessage
from bot.channels.memory import MemoryChannel
from bot.delivery import PRIORITY_REPLY, Dispatcher, enqueue
from bot.delivery.store import ClaimBatch
from bot.models import OutboxMessage
from bot.storage.db import Database

from .conftest import dispatcher, make_youths, put

pytestmark = pytest.mark.db


def running_worker(database: Database, channel: MemoryChannel, clock) -> Dispatcher:  # type: ignore[no-untyped-def]
    # A poll an hour apart: whatever is sent within the test came through the handoff or a
    # claim the dispatcher was told to make, never through polling.
    return dispatcher(
        database,
        channel,
        clock,
        None,
        per_chat_interval=0.0,
        poll_interval=3600.0,
        monotonic=asyncio.get_running_loop().time,
        sleep=asyncio.sleep,
    )


async def reply_in_transaction(
    database: Database,
    worker: Dispatcher,
    clock,
    youth,
    text: str,  # type: ignore[no-untyped-def]
) -> tuple[int, ClaimBatch]:
    async with database.transaction() as session:
        row = await enqueue(
            session,
            OutgoingMessage(chat_id=youth.telegram_chat_id, text=text),
            youth_id=youth.id,
            priority=PRIORITY_REPLY,
            now=clock.now(),
        )
        batch = await worker.claim_new(session, [row.id], clock.now())
    return row.id, batch


async def status(database: Database, row_id: int) -> str:
    async with database.session() as session:
        row = (await session.exec(select(OutboxMessage).where(OutboxMessage.id == row_id))).one()
        return row.status


async def wait_until_sent(database: Database, row_id: int) -> None:
    for _ in range(250):
        if await status(database, row_id) == "sent":
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"row {row_id} was not sent")


async def started(worker: Dispatcher) -> asyncio.Task[None]:
    task = asyncio.create_task(worker.run_forever())
    for _ in range(100):
        if worker._running:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)  # its first claim (nothing due) is done
    return task


async def test_a_reply_claimed_in_its_transaction_is_sent_without_a_claim(database, clock):
    (youth,) = await make_youths(database, clock, 1)
    channel = MemoryChannel()
    worker = running_worker(database, channel, clock)
    task = await started(worker)
    claims = 0
    original = worker._store.claim

    async def counting_claim(**kwargs):  # type: ignore[no-untyped-def]
        nonlocal claims
        claims += 1
        return await original(**kwargs)

    worker._store.claim = counting_claim  # type: ignore[method-assign]
    try:
        row_id, batch = await reply_in_transaction(database, worker, clock, youth, "dank je")
        assert [m.id for m in batch.messages] == [row_id]
        assert await status(database, row_id) == "claimed"
        worker.offer(batch, complete=True)
        await wait_until_sent(database, row_id)
        await asyncio.sleep(0.05)  # a claim after the send would show here
    finally:
        await asyncio.wait_for(worker.stop(), 5)
        await asyncio.wait_for(task, 5)
    assert channel.texts_to(youth.telegram_chat_id) == ["dank je"]
    assert claims == 0


async def test_a_reply_does_not_overtake_an_earlier_message_of_its_chat(database, clock):
    (youth,) = await make_youths(database, clock, 1)
    channel = MemoryChannel()
    worker = running_worker(database, channel, clock)
    task = await started(worker)
    try:
        # Due, but the dispatcher was not told: only its next claim would find it.
        earlier = await put(database, clock, youth, "eerst")
        row_id, batch = await reply_in_transaction(database, worker, clock, youth, "daarna")
        assert batch.messages == []
        assert await status(database, row_id) == "pending"
        worker.offer(batch, complete=False)  # something stayed pending: the dispatcher claims
        await wait_until_sent(database, row_id)
        assert await status(database, earlier) == "sent"
    finally:
        await asyncio.wait_for(worker.stop(), 5)
        await asyncio.wait_for(task, 5)
    assert channel.texts_to(youth.telegram_chat_id) == ["eerst", "daarna"]


async def test_nothing_is_claimed_for_a_dispatcher_that_is_not_running(database, clock):
    (youth,) = await make_youths(database, clock, 1)
    channel = MemoryChannel()
    worker = running_worker(database, channel, clock)
    row_id, batch = await reply_in_transaction(database, worker, clock, youth, "hoi")
    assert batch.messages == []
    assert await status(database, row_id) == "pending"
    worker.offer(batch, complete=True)
    await worker.drain()
    assert channel.texts_to(youth.telegram_chat_id) == ["hoi"]

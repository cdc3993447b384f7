"""A send that goes unanswered is checked with Telegram before it is sent again.

Against the Bot API emulator, whose message ids come from one counter for all of a bot's
private chats (as Telegram's do) and whose faults drop a call before or after carrying it out.
The design and its limits: `bot.delivery.checking`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.channels.base import Delivered, OutgoingMessage
from bot.channels.telegram import TelegramChannel, make_bot
from bot.channels.telegram.marker import TelegramMarker
from bot.clock import SystemClock
from bot.delivery import Dispatcher, RetryPolicy, Status
from bot.delivery.store import OutboxStore
from bot.emulator import EmulatorServer, Limits
from bot.models import OutboxMessage
from bot.storage.db import Database
from tests.faults.helpers import Tally, consenting_youths, drain_until_settled, tally, wave

pytestmark = pytest.mark.db

TOKEN = "777003:checking-token"


@pytest.fixture
async def emulator():
    async with EmulatorServer(token=TOKEN, limits=Limits.off()) as emu:
        yield emu


@pytest.fixture
async def channel(emulator):
    bot = make_bot(TOKEN, emulator.api_url)
    await bot.initialize()
    yield TelegramChannel(bot)
    await bot.shutdown()


@pytest.fixture
def check_chat(emulator) -> int:
    """A basic group of an operator's with the bot in it: the check chat."""
    operator = emulator.control.add_user(first_name="Operator")
    return emulator.control.add_group(operator.id, "In Beeld checks").id


async def cohort(database: Database, emulator: EmulatorServer, youths: int) -> list[int]:
    """`youths` consenting youths with one message each in the outbox; their chats."""
    now = datetime.now(UTC)
    pairs = await consenting_youths(database, now, youths)
    await wave(database, now, pairs, 1)
    for _, chat in pairs:
        emulator.control.add_user(chat, "Test").started = True
    return [chat for _, chat in pairs]


def dispatcher(database: Database, channel: TelegramChannel, **options: object) -> Dispatcher:
    settings: dict[str, object] = {
        "worker_id": "checker",
        "rate_per_second": 200.0,
        "per_chat_interval": 0.0,
        "max_in_flight": 1,  # one at a time: the faulty call is the first
        "retry_policy": RetryPolicy(base_seconds=0.05, cap_seconds=0.2),
        "check_grace": 0.0,
        "check_patience": 1.0,
    }
    return Dispatcher(database, channel, SystemClock(), **(settings | options))  # type: ignore[arg-type]


async def faulty_wave(
    database: Database,
    emulator: EmulatorServer,
    channel: TelegramChannel,
    *,
    youths: int,
    fault: str,
    faults: int = 1,
    **options: object,
) -> tuple[Dispatcher, list[int], Tally]:
    """One message to each of `youths` chats; the first `faults` sends meet `fault`. Sends
    until settled (retries included) and tallies what the phones show."""
    chats = await cohort(database, emulator, youths)
    emulator.faults.next_calls(fault, faults, methods=["sendMessage"])  # type: ignore[arg-type]
    worker = dispatcher(database, channel, **options)
    await drain_until_settled(worker, database)
    return worker, chats, await tally(database, emulator.control, chats)


async def test_an_answer_lost_after_delivery_is_found_not_sent_again(database, emulator, channel):
    worker, chats, result = await faulty_wave(
        database, emulator, channel, youths=3, fault="drop_after"
    )

    assert (result.delivered_once, result.duplicates, dict(result.status)) == (3, 0, {"sent": 3})
    assert (worker.stats.found, worker.stats.missing, worker.stats.unchecked) == (1, 0, 0)
    first = emulator.control.state.chat(chats[0]).messages[-1]
    async with database.session() as session:
        row = await session.get(OutboxMessage, 1)
    assert row is not None and row.channel_message_id == first.message_id
    assert first.history == []  # the probe changed nothing on the phone


async def test_a_call_dropped_before_it_was_carried_out_is_sent_again_once(
    database, emulator, channel
):
    worker, _, result = await faulty_wave(database, emulator, channel, youths=3, fault="drop")

    assert (result.delivered_once, result.duplicates, dict(result.status)) == (3, 0, {"sent": 3})
    assert (worker.stats.found, worker.stats.missing, worker.stats.unchecked) == (0, 1, 0)


async def test_with_nothing_sent_after_it_an_unanswered_send_is_retried_as_before(
    database, emulator, channel
):
    # The documented limit: only a later send bounds the ids to search. The last message of
    # all that goes unanswered waits `check_patience` for one, then is sent again.
    worker, _, result = await faulty_wave(
        database, emulator, channel, youths=1, fault="drop_after", check_patience=0.2
    )

    assert (result.delivered_once, result.duplicates, dict(result.status)) == (1, 1, {"sent": 1})
    assert (worker.stats.found, worker.stats.missing, worker.stats.unchecked) == (0, 0, 1)


async def test_of_unbounded_sends_one_is_sent_again_and_bounds_the_others(
    database, emulator, channel
):
    # Patience above the dispatcher's one-second poll, which picks up the first one's retry.
    worker, _, result = await faulty_wave(
        database, emulator, channel, youths=3, fault="drop_after", faults=3, check_patience=3.0
    )

    assert (result.delivered_once, result.duplicates, dict(result.status)) == (3, 1, {"sent": 3})
    assert (worker.stats.found, worker.stats.missing, worker.stats.unchecked) == (2, 0, 1)


async def test_a_chat_with_another_message_unaccounted_for_is_not_probed(
    database, emulator, channel
):
    chats = await cohort(database, emulator, 3)
    async with database.transaction() as session:
        # An earlier message of the first chat, maybe delivered: a probe could meet it.
        session.add(
            OutboxMessage(
                chat_id=chats[0],
                status=Status.UNCERTAIN,
                not_before=datetime.now(UTC),
                created_at=datetime.now(UTC),
                requires_consent=False,
                payload={"text": "eerder", "buttons": []},
            )
        )
    emulator.faults.next_calls("drop_after", 1, methods=["sendMessage"])

    worker = dispatcher(database, channel)
    await drain_until_settled(worker, database)

    assert (worker.stats.probes, worker.stats.unchecked) == (0, 1)
    shown = [m["text"] for m in emulator.control.bot_messages(chats[0])]
    assert shown == ["wave 1", "wave 1"]  # sent again, as without checks


@pytest.mark.parametrize("delivered", [True, False], ids=["it-arrived", "it-never-left"])
async def test_a_dead_workers_unanswered_send_is_checked_by_the_next(
    database, emulator, channel, delivered
):
    chats = await cohort(database, emulator, 3)
    now = datetime.now(UTC)
    dead = OutboxStore(database, worker_id="dead", lease=timedelta(milliseconds=1))
    claimed = await dead.claim(limit=1, now=now, per_chat_interval=0.0)
    (row,) = claimed.messages
    await dead.begin_sending(
        [row.id], now=now, hold_check=None, hold_for=timedelta(0), probe_from=0
    )
    if delivered:  # it died after Telegram carried the call out, before the answer came
        outgoing = OutgoingMessage.from_payload(row.chat_id, row.payload)
        assert isinstance(await channel.send(outgoing), Delivered)

    worker = dispatcher(database, channel, worker_id="heir")
    await worker.drain()

    result = await tally(database, emulator.control, chats)
    assert (result.delivered_once, result.duplicates, dict(result.status)) == (3, 0, {"sent": 3})
    expected = (1, 0) if delivered else (0, 1)
    assert (worker.stats.found, worker.stats.missing) == expected


async def test_rows_from_before_checks_existed_are_settled_the_old_way(database, emulator, channel):
    chats = await cohort(database, emulator, 2)
    dead = OutboxStore(database, worker_id="dead", lease=timedelta(milliseconds=1))
    now = datetime.now(UTC)
    (row,) = (await dead.claim(limit=1, now=now, per_chat_interval=0.0)).messages
    await dead.begin_sending([row.id], now=now, hold_check=None, hold_for=timedelta(0))
    async with database.transaction() as session:  # `probe_from` unknown, as before 0016
        await session.exec(update(OutboxMessage).values(probe_from=None))  # type: ignore[call-overload]

    worker = dispatcher(database, channel, worker_id="heir")
    await worker.drain()

    result = await tally(database, emulator.control, chats)
    assert dict(result.status) == {"sent": 1, "uncertain": 1}
    assert worker.stats.probes == 0


# -- with a check chat: a marker bounds the search when nothing else is sent --------------------


@pytest.mark.parametrize(
    ("fault", "found"), [("drop_after", 1), ("drop", 0)], ids=["it-arrived", "it-never-left"]
)
async def test_with_a_check_chat_a_send_nothing_follows_is_checked_too(
    database, emulator, channel, check_chat, fault, found
):
    marker = TelegramMarker(channel.bot, check_chat)
    worker, _, result = await faulty_wave(
        database, emulator, channel, youths=1, fault=fault, check_patience=0.2, marker=marker
    )

    assert (result.delivered_once, result.duplicates, dict(result.status)) == (1, 0, {"sent": 1})
    assert (worker.stats.found, worker.stats.missing, worker.stats.unchecked) == (
        found,
        1 - found,
        0,
    )
    assert worker.stats.marks == 1 and worker.check_chat_ok is True
    # The marker was sent silently and deleted: the group shows nothing.
    assert emulator.control.bot_messages(check_chat) == []
    assert len(emulator.control.bot_messages(check_chat, include_deleted=True)) == 1


async def test_one_marker_bounds_every_send_left_without_a_bound(
    database, emulator, channel, check_chat
):
    marker = TelegramMarker(channel.bot, check_chat)
    worker, _, result = await faulty_wave(
        database,
        emulator,
        channel,
        youths=3,
        fault="drop_after",
        faults=3,
        max_in_flight=3,  # all three unanswered together, nothing sent after them
        check_patience=0.2,
        marker=marker,
    )

    assert (result.delivered_once, result.duplicates, dict(result.status)) == (3, 0, {"sent": 3})
    assert (worker.stats.found, worker.stats.unchecked, worker.stats.marks) == (3, 0, 1)


async def test_a_dead_workers_last_send_is_checked_with_a_marker(
    database, emulator, channel, check_chat
):
    (chat,) = await cohort(database, emulator, 1)
    now = datetime.now(UTC)
    dead = OutboxStore(database, worker_id="dead", lease=timedelta(milliseconds=1))
    (row,) = (await dead.claim(limit=1, now=now, per_chat_interval=0.0)).messages
    await dead.begin_sending(
        [row.id], now=now, hold_check=None, hold_for=timedelta(0), probe_from=0
    )
    outgoing = OutgoingMessage.from_payload(row.chat_id, row.payload)
    assert isinstance(await channel.send(outgoing), Delivered)  # it arrived; then the crash

    marker = TelegramMarker(channel.bot, check_chat)
    worker = dispatcher(database, channel, worker_id="heir", check_patience=0.2, marker=marker)
    await worker.drain()

    result = await tally(database, emulator.control, [chat])
    assert (result.delivered_once, result.duplicates, dict(result.status)) == (1, 0, {"sent": 1})
    assert (worker.stats.found, worker.stats.marks) == (1, 1)


@pytest.mark.parametrize("trouble", ["kicked", "upgraded"])
async def test_a_check_chat_that_refuses_markers_falls_back_to_retrying(
    database, emulator, channel, check_chat, trouble, caplog
):
    if trouble == "kicked":
        emulator.control.kick_bot(check_chat)
    else:
        emulator.control.upgrade_group(check_chat)
    marker = TelegramMarker(channel.bot, check_chat)
    worker, _, result = await faulty_wave(
        database, emulator, channel, youths=1, fault="drop_after", check_patience=0.2, marker=marker
    )

    # As without a check chat: sent again, shown twice; and the operator is told.
    assert (result.delivered_once, result.duplicates, dict(result.status)) == (1, 1, {"sent": 1})
    assert (worker.stats.marks, worker.stats.unchecked) == (1, 1)
    assert any(r.getMessage() == "outbox.check_chat_refused" for r in caplog.records)
    assert worker.check_chat_ok is False  # /healthz says so

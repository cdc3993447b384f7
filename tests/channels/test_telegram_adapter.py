"""The Telegram adapter through the real python-telegram-bot client and the Bot API emulator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from bot.channels.base import (
    Blocked,
    Button,
    Delivered,
    Failed,
    IncomingEvent,
    OutgoingMessage,
    Probe,
    RetryLater,
)
from bot.channels.telegram import TelegramChannel, make_bot
from bot.channels.telegram.inbound import Poller, UpdateProcessor, webhook_route
from bot.channels.telegram.marker import CheckChatError, TelegramMarker
from bot.emulator import EmulatorServer

TOKEN = "1000:adapter-test"


@pytest.fixture
async def emulator():
    async with EmulatorServer(token=TOKEN) as emu:
        yield emu


@pytest.fixture
async def bot(emulator):
    bot = make_bot(TOKEN, emulator.api_url)
    await bot.initialize()
    yield bot
    await bot.shutdown()


@contextlib.asynccontextmanager
async def webhook_app(processor: UpdateProcessor) -> AsyncIterator[str]:
    """Our webhook route (secret "s3cret") on a free local port; yields its URL."""
    app = web.Application()
    route = webhook_route(processor, "s3cret")
    app.router.add_route(route.method, route.path, route.handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/telegram/webhook"
    finally:
        await runner.cleanup()


async def _updates(bot, processor: UpdateProcessor) -> None:
    updates = await bot.get_updates(timeout=0)
    await processor.process_batch(updates)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)


async def test_every_kind_of_update_becomes_an_incoming_event(emulator, bot):
    seen: list[IncomingEvent] = []

    async def handle(event: IncomingEvent) -> None:
        seen.append(event)

    processor = UpdateProcessor(bot, handle)
    control = emulator.control
    control.add_user(11, "Sem", "ar")
    control.send_command(11, "start", "Tok_en-123")
    control.send_text(11, "hallo")
    control.send_sticker(11)
    sent = await bot.send_message(11, "Kies", reply_markup=_one_button())
    control.tap_button(11, sent.message_id, "c:abc:mood:3")
    control.edit_message(11, 2, "hallo!")
    control.block(11)
    await _updates(bot, processor)
    kinds = [(e.kind, e.command or e.text or e.button_data or e.unsupported_kind) for e in seen]
    assert kinds == [
        ("command", "start"),
        ("text", "hallo"),
        ("unsupported", "sticker"),
        ("button", "c:abc:mood:3"),
        ("unsupported", "edited"),
        ("blocked", None),
    ]
    assert seen[0].args == ("Tok_en-123",)
    assert seen[0].language_code == "ar"
    assert control.callback_answer(seen[3].extra["callback_query_id"]) is not None


def _one_button():
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    return InlineKeyboardMarkup([[InlineKeyboardButton("3", callback_data="c:abc:mood:3")]])


async def test_a_sent_keyboard_keeps_every_button_and_the_outcome_names_telegrams_message(
    emulator, bot
):
    channel = TelegramChannel(bot)
    emulator.control.add_user(21, "Sem")
    emulator.control.send_command(21, "start")
    buttons = (
        (Button("Ja", "c:x:y:ja"), Button("Nee", "c:x:y:nee")),
        (Button("Meer info", url="https://example.org/hulp"),),
    )

    outcome = await channel.send(OutgoingMessage(21, "Gaat het goed?", buttons=buttons))

    shown = emulator.control.bot_messages(21)[-1]
    assert outcome == Delivered(message_id=shown["message_id"])
    assert shown["text"] == "Gaat het goed?"
    assert shown["buttons"] == [
        [
            {"text": "Ja", "callback_data": "c:x:y:ja"},
            {"text": "Nee", "callback_data": "c:x:y:nee"},
        ],
        [{"text": "Meer info", "url": "https://example.org/hulp"}],
    ]


async def test_send_outcomes_map_every_answer_telegram_gives(emulator, bot):
    channel = TelegramChannel(bot)
    emulator.control.add_user(21, "Sem")
    emulator.control.send_command(21, "start")
    outcome = await channel.send(OutgoingMessage(21, "Hoi", buttons=((Button("Ja", "c:x:y:ja"),),)))
    assert isinstance(outcome, Delivered)
    assert emulator.control.bot_messages(21)[-1]["buttons"][0][0]["text"] == "Ja"

    too_long = await channel.send(OutgoingMessage(21, "x" * 4097))
    assert isinstance(too_long, Failed)

    emulator.faults.storm(retry_after=7, seconds=0.5, methods=["sendMessage"])
    limited = await channel.send(OutgoingMessage(21, "Hoi"))
    assert limited == RetryLater(after_seconds=7, reason="rate_limited")
    emulator.faults.clear()

    emulator.faults.next_calls("error", 1, status=502, methods=["sendMessage"])
    broken = await channel.send(OutgoingMessage(21, "Hoi"))
    assert isinstance(broken, RetryLater) and broken.reason != "rate_limited"

    emulator.control.block(21)
    assert isinstance(await channel.send(OutgoingMessage(21, "Hoi")), Blocked)


async def test_a_failing_update_is_retried_and_a_poison_one_does_not_stop_polling(emulator, bot):
    calls: dict[str, int] = {}

    async def handle(event: IncomingEvent) -> None:
        calls[event.text] = calls.get(event.text, 0) + 1
        if event.text == "flaky" and calls["flaky"] < 2:
            raise RuntimeError("deadlock detected")
        if event.text == "poison":
            raise RuntimeError("always broken")

    import bot.channels.telegram.inbound as inbound

    inbound.RETRY_DELAY_SECONDS = 0.01
    emulator.control.add_user(31, "Sem")
    for text in ("flaky", "poison", "after"):
        emulator.control.send_text(31, text)
    poller = Poller(bot, UpdateProcessor(bot, handle), timeout=0)
    stopping = asyncio.Event()
    task = asyncio.create_task(poller.run(stopping))
    for _ in range(100):
        if calls.get("after"):
            break
        await asyncio.sleep(0.05)
    stopping.set()
    await asyncio.wait_for(task, 5)
    assert calls == {"flaky": 2, "poison": inbound.PROCESS_ATTEMPTS, "after": 1}


async def test_webhook_checks_the_secret_and_answers_200_only_after_processing(
    emulator, bot, unused_tcp_port_factory=None
):
    handled: list[IncomingEvent] = []
    fail = {"now": True}

    async def handle(event: IncomingEvent) -> None:
        if fail["now"]:
            raise RuntimeError("database down")
        handled.append(event)

    update = {
        "update_id": 5,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 41, "type": "private"},
            "from": {"id": 41, "is_bot": False, "first_name": "Sem"},
            "text": "hoi",
        },
    }
    async with webhook_app(UpdateProcessor(bot, handle)) as url, aiohttp.ClientSession() as client:
        wrong = await client.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"}
        )
        assert wrong.status == 403
        down = await client.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        )
        assert down.status == 503  # Telegram will deliver it again
        fail["now"] = False
        ok = await client.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        )
        assert ok.status == 200
        garbage = await client.post(
            url, data=b"{not json", headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        )
        assert garbage.status == 400
    assert [e.text for e in handled] == ["hoi"]


async def test_webhook_answers_a_tapped_button_in_its_reply_not_with_a_call(emulator, bot):
    handled: list[IncomingEvent] = []

    async def handle(event: IncomingEvent) -> None:
        handled.append(event)

    control = emulator.control
    async with webhook_app(UpdateProcessor(bot, handle)) as url:
        control.add_user(43, "Noor")
        control.send_text(43, "hoi")
        sent = await bot.send_message(43, "Kies", reply_markup=_one_button())
        await bot.set_webhook(url, secret_token="s3cret")
        control.tap_button(43, sent.message_id, "c:abc:mood:3")
        changed = control.state.chats_changed  # notified when a query is answered
        async with asyncio.timeout(5):
            while not any(q.answered for q in control.state.callbacks.values()):
                await changed.wait(None)
        info = await bot.get_webhook_info()
    assert [e.kind for e in handled] == ["text", "button"]
    assert info.pending_update_count == 0
    counters = control.counters()
    assert counters["webhook_replies"] == 1  # the tap's answer; the text got a plain 200
    assert counters["requests"].get("answerCallbackQuery", 0) == 0


async def test_a_probe_finds_only_the_message_itself_and_changes_nothing(emulator, bot):
    channel = TelegramChannel(bot)
    for user in (21, 22):
        emulator.control.add_user(user, "Sem")
        emulator.control.send_command(user, "start")
    question = OutgoingMessage(21, "Gaat het goed?", buttons=((Button("Ja", "c:x:y:ja"),),))
    sent = await channel.send(question)
    other = await channel.send(OutgoingMessage(22, "Gaat het goed?"))
    assert isinstance(sent, Delivered) and isinstance(other, Delivered)
    said = emulator.control.send_text(21, "Gaat het goed?")["message"]["message_id"]
    # One counter for all of the bot's private chats, as Telegram's.
    assert other.message_id == sent.message_id + 1 and said == other.message_id + 1

    assert await channel.probe(question, sent.message_id) is Probe.FOUND
    assert await channel.probe(question, other.message_id) is Probe.ABSENT  # another chat's
    assert await channel.probe(question, said) is Probe.ABSENT  # the person's own message
    assert await channel.probe(question, said + 1) is Probe.ABSENT  # not used yet
    without_buttons = OutgoingMessage(21, question.text)
    # Same text, other buttons: not the message we look for. (This one the edit does change;
    # the dispatcher never probes where another message of ours could be: bot.delivery.checking)
    assert await channel.probe(without_buttons, sent.message_id) is Probe.ABSENT
    stored = emulator.control.state.chat(21).message(sent.message_id)
    assert stored is not None and len(stored.history) == 1

    emulator.control.block(21)
    assert await channel.probe(question, sent.message_id) == Blocked()


async def test_a_marker_in_a_basic_group_takes_the_next_id_and_is_deleted(emulator, bot):
    channel = TelegramChannel(bot)
    emulator.control.add_user(31, "Sem")
    emulator.control.send_command(31, "start")
    group = emulator.control.add_group(31, "In Beeld checks")
    marker = TelegramMarker(bot, group.id)
    await marker.verify()

    before = await channel.send(OutgoingMessage(31, "Hoi"))
    marked = await marker.mark()
    after = await channel.send(OutgoingMessage(31, "Hoi"))

    # A basic group shares the bot's message counter with its private chats.
    assert isinstance(before, Delivered) and isinstance(after, Delivered)
    assert marked == Delivered(before.message_id + 1)
    assert after.message_id == before.message_id + 2
    assert emulator.control.bot_messages(group.id) == []
    (kept,) = emulator.control.bot_messages(group.id, include_deleted=True)
    assert kept["deleted"] and kept["message_id"] == marked.message_id


async def test_a_chat_that_cannot_give_the_counter_is_refused_as_check_chat(emulator, bot):
    emulator.control.add_user(32, "Sem")
    supergroup = emulator.control.add_group(32, "Big group", supergroup=True)
    with pytest.raises(CheckChatError, match="supergroup, not a basic group"):
        await TelegramMarker(bot, supergroup.id).verify()
    with pytest.raises(CheckChatError, match=r"(?i)chat not found"):
        await TelegramMarker(bot, -999).verify()


async def test_a_marker_that_cannot_be_sent_says_why(emulator, bot):
    emulator.control.add_user(33, "Sem")
    upgraded = emulator.control.add_group(33, "Upgraded")
    emulator.control.upgrade_group(upgraded.id)
    kicked = emulator.control.add_group(33, "Kicked")
    emulator.control.kick_bot(kicked.id)

    assert await TelegramMarker(bot, upgraded.id).mark() == Failed(
        "the group was upgraded to a supergroup"
    )
    assert await TelegramMarker(bot, kicked.id).mark() == Blocked()


async def test_being_added_to_a_group_is_no_event_but_tells_the_operator_its_id(
    emulator, bot, caplog
):
    seen: list[IncomingEvent] = []

    async def handle(event: IncomingEvent) -> None:
        seen.append(event)

    emulator.control.add_user(34, "Sem")
    group = emulator.control.add_group(34, "In Beeld checks")
    with caplog.at_level("WARNING"):
        await _updates(bot, UpdateProcessor(bot, handle))

    assert seen == []
    (record,) = [r for r in caplog.records if r.getMessage() == "telegram.added_to_group"]
    assert (record.chat_id, record.type) == (group.id, "group")
    assert "INBEELD_TELEGRAM_CHECK_CHAT_ID" in record.hint

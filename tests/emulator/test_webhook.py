"""Webhook delivery: secret header, retry until 200, order per chat."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from telegram import Bot, Update

from bot.emulator import SECRET_HEADER, EmulatorServer


class Receiver:
    """A bot-side webhook endpoint that can be told to fail its first answers."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[tuple[str | None, dict]] = []
        self.accepted: list[dict] = []
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append((request.headers.get(SECRET_HEADER), body))
        if self.failures > 0:
            self.failures -= 1
            return web.Response(status=500)
        self.accepted.append(body)
        self.arrived.set()
        return web.Response(status=200)

    async def wait_for(self, count: int, timeout: float = 3.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while len(self.accepted) < count:
                self.arrived.clear()
                await self.arrived.wait()


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield hook, str(server.make_url("/hook"))
    await server.close()


async def test_webhook_posts_with_secret_and_retries_after_500(
    emu: EmulatorServer, bot: Bot, receiver
):
    hook, url = receiver
    hook.failures = 2
    assert await bot.set_webhook(url, secret_token="s3cret-Token_1")
    emu.control.add_user(9, "Lina")
    emu.control.send_command(9, "start", "XYZ")
    await hook.wait_for(1)
    assert len(hook.calls) == 3
    assert {secret for secret, _ in hook.calls} == {"s3cret-Token_1"}
    assert hook.calls[0][1] == hook.calls[2][1]  # the same update, retried
    update = Update.de_json(hook.accepted[0], bot)
    assert update.message.text == "/start XYZ"
    info = await bot.get_webhook_info()
    assert info.url == url and info.pending_update_count == 0
    assert "500" in info.last_error_message
    counters = emu.control.counters()
    assert counters["webhook_posts"] == 3 and counters["webhook_failures"] == 2


async def test_webhook_keeps_order_per_chat(emu: EmulatorServer, bot: Bot, receiver):
    hook, url = receiver
    hook.failures = 1
    for user_id in (1, 2):
        emu.control.add_user(user_id, f"U{user_id}")
    for n in range(5):
        for user_id in (1, 2):
            emu.control.send_text(user_id, f"{user_id}-{n}")
    await bot.set_webhook(url)
    await hook.wait_for(10)
    for user_id in (1, 2):
        texts = [
            u["message"]["text"] for u in hook.accepted if u["message"]["chat"]["id"] == user_id
        ]
        assert texts == [f"{user_id}-{n}" for n in range(5)]
    assert hook.calls[0][0] is None  # no secret was set


async def test_delete_webhook_returns_pending_updates_to_polling(emu: EmulatorServer, bot: Bot):
    await bot.set_webhook("http://127.0.0.1:9/nobody-listens")
    emu.control.add_user(4, "Ali")
    emu.control.send_text(4, "hallo?")
    await asyncio.sleep(0.1)
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1 and info.last_error_message
    await bot.delete_webhook()
    assert [u.message.text for u in await bot.get_updates()] == ["hallo?"]
    await bot.set_webhook("http://127.0.0.1:9/nobody-listens", drop_pending_updates=True)
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_bad_secret_token_is_refused(bot: Bot):
    from telegram.error import BadRequest

    with pytest.raises(BadRequest, match=r"(?i)unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="spaces are not ok")


class ReplyingReceiver(Receiver):
    """Answers every update with 200 and the body `reply(update)` gives (None: no body)."""

    def __init__(self, reply) -> None:
        super().__init__()
        self.reply = reply

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.calls.append((request.headers.get(SECRET_HEADER), body))
        self.accepted.append(body)
        self.arrived.set()
        answer = self.reply(body)
        if answer is None:
            return web.Response(status=200)
        if isinstance(answer, str):
            return web.Response(status=200, text=answer, content_type="application/json")
        return web.json_response(answer)


async def _serve(hook: Receiver) -> TestServer:
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


async def test_a_webhook_answer_can_carry_one_bot_api_call(emu: EmulatorServer, bot: Bot):
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    def answer_callbacks(update: dict):
        query = update.get("callback_query")
        if query is None:
            return None
        return {"method": "answerCallbackQuery", "callback_query_id": query["id"]}

    hook = ReplyingReceiver(answer_callbacks)
    server = await _serve(hook)
    try:
        emu.control.add_user(5, "Noor")
        emu.control.send_command(5, "start")
        await bot.set_webhook(str(server.make_url("/hook")))
        await hook.wait_for(1)
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="yes")]])
        sent = await bot.send_message(5, "Goed?", reply_markup=keyboard)
        emu.control.tap_button(5, sent.message_id, "yes")
        await hook.wait_for(2)
        changed = emu.control.state.chats_changed  # notified when a query is answered
        async with asyncio.timeout(3):
            while not any(q.answered for q in emu.control.state.callbacks.values()):
                await changed.wait(None)
    finally:
        await server.close()
    counters = emu.control.counters()
    assert counters["webhook_replies"] == 1
    # Answered through the webhook's answer, not by a call of its own.
    assert counters["requests"].get("answerCallbackQuery", 0) == 0


@pytest.mark.parametrize(
    "reply",
    [
        "not json at all",
        '["a list"]',
        '{"method": "noSuchMethod"}',
        '{"method": "answerCallbackQuery", "callback_query_id": "unknown"}',
    ],
)
async def test_a_bad_webhook_answer_is_ignored_as_telegram_does(
    emu: EmulatorServer, bot: Bot, reply: str
):
    hook = ReplyingReceiver(lambda _update: reply)
    server = await _serve(hook)
    try:
        emu.control.add_user(6, "Sem")
        for n in range(2):
            emu.control.send_text(6, f"bericht {n}")
        await bot.set_webhook(str(server.make_url("/hook")))
        await hook.wait_for(2)
        info = await bot.get_webhook_info()
    finally:
        await server.close()
    # Delivered once each and acknowledged: the answer's body changes nothing about delivery.
    assert [u["message"]["text"] for u in hook.accepted] == ["bericht 0", "bericht 1"]
    assert len(hook.calls) == 2
    assert info.pending_update_count == 0

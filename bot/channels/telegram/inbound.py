"""Receiving updates: long polling or a webhook route, both ending in the same `process` call.

An update is confirmed to Telegram (the next getUpdates offset, or the webhook's 200) only after
`process` returned, that is after its effects were committed. Processing is idempotent on
update_id, so a redelivery after a crash is harmless.

A tapped button's spinner is stopped with answerCallbackQuery: a call of its own when polling,
and in webhook mode inside the webhook's 200 (Telegram performs a Bot API call carried in a
webhook answer), which saves one request per tap and stops the spinner once the tap is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web
from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, TimedOut
from telegram.ext import Application, TypeHandler

from bot.channels.base import IncomingEvent
from bot.channels.telegram.convert import joined_group, to_incoming_event

log = logging.getLogger(__name__)

EventHandler = Callable[[IncomingEvent], Awaitable[None]]
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
PROCESS_ATTEMPTS = 3
RETRY_DELAY_SECONDS = 0.5
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


class UpdateProcessor:
    """Hands updates to a python-telegram-bot `Application` (without its Updater: we fetch and
    confirm updates ourselves, only after they are committed), whose one handler converts them
    and calls the domain, in order per chat, different chats in parallel."""

    def __init__(self, bot: Bot, handle: EventHandler) -> None:
        self.bot = bot
        self._handle = handle
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.application = Application.builder().bot(bot).updater(None).job_queue(None).build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        # PTB hands handler errors to error handlers and carries on; we need them back, so
        # the update is not confirmed (webhook 503, polling retry).
        self._failures: dict[int, BaseException] = {}
        # Updates whose callback query is answered in the webhook's reply: id -> query id.
        self._answer_in_reply: dict[int, str | None] = {}
        self._ready = asyncio.Lock()
        self._initialized = False
        self._callbacks: set[asyncio.Task[None]] = set()

    async def process_webhook(self, update: Update) -> dict[str, str] | None:
        """`process`, then the Bot API call for the webhook's answer (None: answer with none)."""
        self._answer_in_reply[id(update)] = None
        try:
            await self.process(update)
            query_id = self._answer_in_reply.get(id(update))
        finally:
            self._answer_in_reply.pop(id(update), None)
        if query_id is None:
            return None
        return {"method": "answerCallbackQuery", "callback_query_id": query_id}

    async def process(self, update: Update) -> None:
        async with self._ready:
            if not self._initialized:
                await self.application.initialize()
                self._initialized = True
        await self.application.process_update(update)
        failure = self._failures.pop(id(update), None)
        if failure is not None:
            raise failure

    async def _on_update(self, update: Update, _context: object) -> None:
        event = to_incoming_event(update)
        if event is None:
            _log_joined_group(update)
            return
        try:
            async with self._locks[event.chat_id]:
                await self._handle(event)
        except Exception as exc:
            self._failures[id(update)] = exc
            return
        query_id = event.extra.get("callback_query_id")
        if query_id and id(update) in self._answer_in_reply:
            self._answer_in_reply[id(update)] = query_id
        elif query_id:
            # Off the update's path: the next getUpdates (and this chat's next update) need not
            # wait for a cosmetic round trip to Telegram.
            task = asyncio.create_task(self._answer_callback(query_id))
            self._callbacks.add(task)
            task.add_done_callback(self._callbacks.discard)

    async def process_batch(self, updates: Iterable[Update]) -> None:
        by_chat: defaultdict[int, list[Update]] = defaultdict(list)
        for update in updates:
            chat = update.effective_chat
            by_chat[chat.id if chat else 0].append(update)

        async def one_chat(items: list[Update]) -> None:
            for item in items:
                await self._process_resiliently(item)

        await asyncio.gather(*(one_chat(items) for items in by_chat.values()))

    async def _process_resiliently(self, update: Update) -> None:
        """Retry a failing update (a deadlock, a lost connection) a few times; a poison update
        is logged and dropped so one broken update never stops every youth's conversation."""
        for attempt in range(1, PROCESS_ATTEMPTS + 1):
            try:
                await self.process(update)
                return
            except Exception:
                if attempt == PROCESS_ATTEMPTS:
                    log.exception(
                        "update dropped after retries", extra={"update_id": update.update_id}
                    )
                    return
                log.warning(
                    "update failed; retrying",
                    extra={"update_id": update.update_id, "attempt": attempt},
                )
                await asyncio.sleep(RETRY_DELAY_SECONDS * attempt)

    async def _answer_callback(self, query_id: str) -> None:
        # Only stops the spinner on the button; the real answer is already in the outbox.
        try:
            await self.bot.answer_callback_query(query_id)
        except Exception as exc:  # a cosmetic call, never worth failing the update for
            log.info("answerCallbackQuery failed", extra={"error": type(exc).__name__})


class Poller:
    def __init__(self, bot: Bot, processor: UpdateProcessor, *, timeout: int = 25) -> None:
        self.bot = bot
        self.processor = processor
        self.timeout = timeout
        self.last_ok: bool | None = None

    async def run(self, stopping: asyncio.Event) -> None:
        await self.bot.delete_webhook(drop_pending_updates=False)
        offset: int | None = None
        backoff = 1.0
        while not stopping.is_set():
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=self.timeout, allowed_updates=ALLOWED_UPDATES
                )
            except TimedOut:
                continue
            except InvalidToken:
                self.last_ok = False
                raise
            except NetworkError as exc:
                self.last_ok = False
                log.warning("getUpdates failed", extra={"error": type(exc).__name__})
                await _sleep_or_stop(stopping, backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            self.last_ok = True
            backoff = 1.0
            if updates:
                await self.processor.process_batch(updates)
                offset = max(u.update_id for u in updates) + 1


async def _sleep_or_stop(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)


def webhook_route(processor: UpdateProcessor, secret: str) -> web.RouteDef:
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            data = await request.json()
            update = Update.de_json(data, processor.bot)
        except (json.JSONDecodeError, ValueError, TypeError, KeyError):
            return web.Response(status=400)
        if update is None:
            return web.Response(status=400)
        try:
            reply = await processor.process_webhook(update)
        except Exception:
            # Telegram retries a non-2xx answer, so a failed commit loses nothing.
            log.exception("update not processed; Telegram will redeliver it")
            return web.Response(status=503)
        if reply is not None:
            return web.json_response(reply)
        return web.Response(status=200)

    return web.post("/telegram/webhook", receive)


def _log_joined_group(update: Update) -> None:
    """Tell the operator setting up a check chat its id (README: "The check chat")."""
    joined = joined_group(update)
    if joined is None:
        return
    chat_id, kind = joined
    hint = (
        "to use it as the check chat, set INBEELD_TELEGRAM_CHECK_CHAT_ID to this chat_id"
        if kind == "group"
        else "a supergroup numbers its own messages: it cannot be the check chat"
    )
    log.warning("telegram.added_to_group", extra={"chat_id": chat_id, "type": kind, "hint": hint})

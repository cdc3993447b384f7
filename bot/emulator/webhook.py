"""Webhook delivery: POST each pending update to the bot's URL until it answers 2xx.

Order is kept per chat (one update per chat in flight, always the oldest), while different chats
are delivered in parallel up to the webhook's `max_connections`, as Telegram does. Failed
deliveries are retried with exponential backoff; the error shows in getWebhookInfo.

A 2xx answer may carry one Bot API call as JSON (`{"method": "answerCallbackQuery", ...}`),
which Telegram then performs; like Telegram, we never tell the bot whether it succeeded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from .model import JSON, EmulatorState, WebhookConfig, update_chat_key

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)

# Runs one Bot API method by name with its parameters (the same handlers the HTTP API uses).
MethodRunner = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass
class WebhookTiming:
    request_timeout: float = 10.0
    backoff_initial: float = 0.05
    backoff_max: float = 2.0


class WebhookDispatcher:
    def __init__(
        self,
        state: EmulatorState,
        timing: WebhookTiming | None = None,
        run_method: MethodRunner | None = None,
    ) -> None:
        self.state = state
        self.timing = timing or WebhookTiming()
        self.run_method = run_method
        self._session: aiohttp.ClientSession | None = None
        self._runner: asyncio.Task[None] | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}  # chat key -> delivery

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        self._runner = asyncio.create_task(self._run(), name="emulator-webhook")

    async def stop(self) -> None:
        tasks = [t for t in (self._runner, *self._in_flight.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._in_flight.clear()
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        while True:
            version = self.state.updates_changed.version
            self._start_ready()
            if self.state.updates_changed.version == version:
                await self.state.updates_changed.wait(None)

    def _start_ready(self) -> None:
        hook = self.state.webhook
        if hook is None:
            return
        seen: set[int] = set()
        for update in list(self.state.pending):
            if len(self._in_flight) >= hook.max_connections:
                return
            key = update_chat_key(update)
            if key in seen or key in self._in_flight:
                seen.add(key)
                continue
            seen.add(key)
            self._in_flight[key] = asyncio.create_task(self._deliver(key, update, hook))

    async def _deliver(self, key: int, update: JSON, hook: WebhookConfig) -> None:
        assert self._session is not None
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        timeout = aiohttp.ClientTimeout(total=self.timing.request_timeout)
        delay = self.timing.backoff_initial
        try:
            while self.state.webhook is hook:
                self.state.counters.webhook_posts += 1
                try:
                    async with self._session.post(
                        hook.url, json=update, headers=headers, timeout=timeout
                    ) as response:
                        body = await response.read()
                        status = response.status
                        is_json = response.content_type == "application/json"
                        error = f"Wrong response from the webhook: {status} {response.reason}"
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status, body, is_json = 0, b"", False
                    error = f"Connection failed: {type(exc).__name__}"
                if 200 <= status <= 299:
                    self.state.ack(update["update_id"])
                    if is_json and body:
                        await self._run_reply(body)
                    return
                self.state.counters.webhook_failures += 1
                hook.last_error_date = self.state.now()
                hook.last_error_message = error
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.timing.backoff_max)
        finally:
            self._in_flight.pop(key, None)
            # Wake the runner: this chat may have a next update waiting.
            self.state.updates_changed.notify()

    async def _run_reply(self, body: bytes) -> None:
        """The Bot API call in a webhook's answer; its failure is silent, as at Telegram."""
        if self.run_method is None:
            return
        try:
            reply = json.loads(body)
        except ValueError:
            return
        if not isinstance(reply, dict) or not isinstance(reply.get("method"), str):
            return
        params = {k: v for k, v in reply.items() if k != "method"}
        self.state.counters.webhook_replies += 1
        try:
            await self.run_method(reply["method"], params)
        except Exception as exc:  # an unknown method or a bad request: Telegram says nothing
            log.debug("emulator.webhook_reply_failed", extra={"error": type(exc).__name__})

"""/healthz: database reachable, scheduler alive, last Telegram call ok (Docker, uptime checks),
and whether the check chat takes markers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.clock import Clock
from bot.service.ticker import Ticker
from bot.storage.db import Database


class Health:
    def __init__(
        self,
        database: Database,
        ticker: Ticker | None,
        clock: Clock,
        telegram_ok: Callable[[], bool | None] = lambda: None,
        check_chat_ok: Callable[[], bool | None] = lambda: None,
    ) -> None:
        self.database = database
        self.ticker = ticker
        self.clock = clock
        self.telegram_ok = telegram_ok
        self.check_chat_ok = check_chat_ok

    async def report(self) -> dict[str, Any]:
        database_ok = await self.database.ping()
        scheduler_ok = self.ticker.alive(self.clock.now()) if self.ticker else False
        telegram = self.telegram_ok()
        healthy = database_ok and scheduler_ok and telegram is not False
        return {
            "status": "ok" if healthy else "unhealthy",
            "database": database_ok,
            "scheduler": scheduler_ok,
            # None until the first call: a fresh process is not unhealthy for having said nothing.
            "telegram": telegram,
            # None without a check chat; False while it refuses markers. Not a reason to
            # restart: sends are then retried unchecked (README: The check chat).
            "check_chat": self.check_chat_ok(),
        }

    async def handle(self, _request: web.Request) -> web.Response:
        report = await self.report()
        return web.json_response(report, status=200 if report["status"] == "ok" else 503)

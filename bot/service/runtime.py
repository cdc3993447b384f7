"""Wires one process together: web server (panel, /healthz, webhook), Telegram receiver, ticker,
dispatcher. Start: migrate, then accept work. Stop: in reverse, finishing in-flight work.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from sqlalchemy.exc import OperationalError

from bot.context import Services
from bot.delivery.retry import RetryPolicy
from bot.service.health import Health
from bot.service.ticker import Ticker
from bot.storage import migrate

log = logging.getLogger(__name__)


SHUTDOWN_SECONDS = 5.0
DATABASE_RETRY = RetryPolicy(base_seconds=1.0, cap_seconds=15.0)


class PortUnavailable(RuntimeError):
    """The web server's address is taken or not ours; said in one line, not a traceback."""


@dataclass
class BackgroundTask:
    """A long-running coroutine owned by the runtime, e.g. the poller or the dispatcher."""

    name: str
    run: Callable[[asyncio.Event], Awaitable[None]]


@dataclass
class Runtime:
    services: Services
    web_app: web.Application
    ticker: Ticker | None = None
    tasks: list[BackgroundTask] = field(default_factory=list)
    on_stop: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    _running: list[asyncio.Task[None]] = field(default_factory=list)
    port: int | None = None
    # The built pieces (router, dispatcher, ...), for the demo and tests to reach into.
    parts: Any = None

    async def start(self, host: str, port: int) -> None:
        await self._migrate_when_reachable()
        self._runner = web.AppRunner(self.web_app, access_log=None)
        await self._runner.setup()
        # Long-polling pages (the demo phone) must not hold a stop for a minute.
        site = web.TCPSite(self._runner, host, port, shutdown_timeout=SHUTDOWN_SECONDS)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise PortUnavailable(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        server = site._server  # aiohttp keeps the bound port there when port=0
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        if self.ticker is not None:
            self.ticker.start()
        for task in self.tasks:
            self._running.append(asyncio.create_task(self._supervise(task), name=task.name))
        log.info("service started", extra={"host": host, "port": self.port})

    async def _supervise(self, task: BackgroundTask) -> None:
        try:
            await task.run(self.stopping)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task stopped with an error", extra={"task": task.name})
            self.stopping.set()

    async def _migrate_when_reachable(self) -> None:
        """A database server that is not up yet (or away) is waited for, as it is while
        running; a SQLite file that cannot be opened is a setting to fix and stops at once."""
        database = self.services.database
        for attempt in itertools.count(1):
            try:
                await migrate.upgrade(database)
                return
            except OperationalError as exc:
                if database.dialect == "sqlite":
                    raise
                wait = DATABASE_RETRY.backoff(attempt, floor=0.0, jitter=random.random())
                log.warning(
                    "database.unreachable_at_start",
                    extra={
                        "attempt": attempt,
                        "retry_in": round(wait, 1),
                        "error": type(exc.orig).__name__,
                    },
                )
                await asyncio.sleep(wait)

    async def wait(self) -> None:
        await self.stopping.wait()

    async def stop(self) -> None:
        self.stopping.set()
        if self.ticker is not None:
            self.ticker.shutdown()
        # Tasks watch `stopping` and finish what they hold; give them a moment, then cancel.
        if self._running:
            _done, pending = await asyncio.wait(self._running, timeout=10)
            for task in pending:
                task.cancel()
            for task in pending:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._runner is not None:
            await self._runner.cleanup()
        for callback in self.on_stop:
            await callback()
        await self.services.database.dispose()
        log.info("service stopped")


def install_signal_handlers(runtime: Runtime) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, runtime.stopping.set)


def service_routes(app: web.Application, health: Health) -> None:
    app.router.add_get("/healthz", health.handle)

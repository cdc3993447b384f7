"""Assembling the emulator: the aiohttp application and a ready-to-use local server."""

from __future__ import annotations

import time
from types import TracebackType

from aiohttp import web

from .botapi import BotApi, add_bot_api_routes
from .control import EmulatorControl, add_control_routes
from .faults import FaultInjector
from .model import EmulatorState, WallClock
from .ratelimit import Limits, Monotonic, RateLimiter
from .webhook import WebhookDispatcher, WebhookTiming

# Not a secret: the emulator accepts whatever token it is created with.
DEFAULT_TOKEN = "123456789:EMULATOR-test-token"  # noqa: S105

MAX_UPLOAD_BYTES = 50 * 1024 * 1024

CONTROL_KEY = web.AppKey("emulator_control", EmulatorControl)


def create_app(
    token: str = DEFAULT_TOKEN,
    *,
    limits: Limits | None = None,
    seed: int = 0,
    monotonic: Monotonic = time.monotonic,
    wall_clock: WallClock = time.time,
    bot_username: str = "InBeeldTestBot",
    webhook_timing: WebhookTiming | None = None,
) -> web.Application:
    """The emulator as an aiohttp application; `app[CONTROL_KEY]` is its user-side API.

    Serves `/bot{token}/{method}`, `/file/bot{token}/{path}` and the `/_emulator/` control API.
    Webhook delivery starts and stops with the application.
    """
    state = EmulatorState(token, bot_username=bot_username, seed=seed, wall_clock=wall_clock)
    limiter = RateLimiter(limits or Limits(), monotonic)
    faults = FaultInjector(seed=seed, monotonic=monotonic)
    control = EmulatorControl(state, limiter, faults)
    api = BotApi(state, limiter, faults)
    dispatcher = WebhookDispatcher(state, webhook_timing, run_method=api.call)

    # Telegram accepts uploads up to 50 MB; aiohttp's default body limit is 1 MB.
    app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
    app[CONTROL_KEY] = control
    add_bot_api_routes(app, api)
    add_control_routes(app, control)

    async def start_webhooks(app: web.Application) -> None:
        await dispatcher.start()

    async def stop_webhooks(app: web.Application) -> None:
        await dispatcher.stop()

    async def end_long_polls(app: web.Application) -> None:
        state.closing = True
        state.updates_changed.notify()

    app.on_startup.append(start_webhooks)
    app.on_shutdown.append(end_long_polls)
    app.on_cleanup.append(stop_webhooks)
    return app


class EmulatorServer:
    """`async with EmulatorServer() as emu:` binds 127.0.0.1 (a free port unless given).

    Use `emu.api_url` as TELEGRAM_API_URL (PTB: `Bot(token, base_url=f"{api_url}/bot",
    base_file_url=f"{api_url}/file/bot")`) and `emu.control` to play the users.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: Limits | None = None,
        seed: int = 0,
        monotonic: Monotonic = time.monotonic,
        wall_clock: WallClock = time.time,
        bot_username: str = "InBeeldTestBot",
        webhook_timing: WebhookTiming | None = None,
    ) -> None:
        self.token = token
        self.host = host
        self.app = create_app(
            token,
            limits=limits,
            seed=seed,
            monotonic=monotonic,
            wall_clock=wall_clock,
            bot_username=bot_username,
            webhook_timing=webhook_timing,
        )
        self.control: EmulatorControl = self.app[CONTROL_KEY]
        self._port = port
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        if self._runner is None:
            raise RuntimeError("the emulator is not running; use `async with EmulatorServer()`")
        return self._port

    @property
    def api_url(self) -> str:
        """The value for TELEGRAM_API_URL."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.api_url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.api_url}/file/bot"

    @property
    def limits(self) -> Limits:
        return self.control.limiter.limits

    @property
    def faults(self) -> FaultInjector:
        return self.control.faults

    async def start(self) -> None:
        # handler_cancellation stays off (aiohttp's default): a request whose client gave up
        # still completes, like Telegram delivering a message after the client timed out.
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._port)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> EmulatorServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

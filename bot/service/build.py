"""Composition root: builds the whole service from settings (like PTB's examples' `main()`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sys
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from telegram import Bot, BotCommand
from telegram.error import TelegramError

from admin.app import create_admin_app
from admin.housekeeping import purge_panel_records
from bot.channels.base import Channel, Marker
from bot.channels.telegram import TelegramChannel, make_bot
from bot.channels.telegram.inbound import Poller, UpdateProcessor, webhook_route
from bot.channels.telegram.marker import CheckChatError, TelegramMarker
from bot.clock import Clock
from bot.config import Settings
from bot.context import Services
from bot.conversations.commands import COMMAND_MENU, Commands
from bot.conversations.plans import PlanSync
from bot.conversations.router import InboundRouter
from bot.conversations.runner import FlowRunner
from bot.delivery.dispatcher import Dispatcher
from bot.i18n import SUPPORTED_LANGUAGES, CatalogError, get_translator, gettext
from bot.outreach.holds import human_conversation_open
from bot.outreach.tick import Outreach
from bot.privacy.retention import retention_sweep
from bot.scheduling import ProgrammeError, load_programmes
from bot.service.health import Health
from bot.service.periodic import Periodic, Step
from bot.service.runtime import BackgroundTask, Runtime, service_routes
from bot.service.ticker import Ticker
from bot.storage.db import Database
from bot.watchers import build_watchers
from bot.watchers.service import WatchersService
from flows.loader import FlowLoadError, shipped_flows

log = logging.getLogger(__name__)

TICK_SECONDS = 30.0
DAILY = timedelta(days=1)
DISPATCHER_RESTART_SECONDS = 2.0


@dataclass
class Parts:
    """The pieces of a built service, for tests and the demo to reach into."""

    services: Services
    plans: PlanSync
    router: InboundRouter
    dispatcher: Dispatcher
    outreach: Outreach
    watchers: WatchersService
    periodic: Periodic
    processor: UpdateProcessor | None


def load_content() -> tuple[dict, dict]:
    """Flows, programmes, catalogs; a broken file stops start-up with one clear message (exit 2)."""
    try:
        get_translator().verify()
        return shipped_flows(), load_programmes()
    except (FlowLoadError, ProgrammeError, CatalogError) as exc:
        print(f"inbeeld: content error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def build_parts(
    settings: Settings,
    clock: Clock,
    channel: Channel,
    bot: Bot | None,
    *,
    worker_id: str,
    marker: Marker | None = None,
) -> Parts:
    flows, programmes = load_content()
    database = Database(settings.database_url)
    services = Services(settings=settings, database=database, clock=clock, channel=channel)
    zone = settings.zone
    plans = PlanSync(programmes=programmes, flows=flows, zone=zone)
    runner = FlowRunner(flows, zone)
    watchers = build_watchers(services, runner)
    commands = Commands(runner, plans, watchers)
    dispatcher = Dispatcher(
        database,
        channel,
        clock,
        worker_id=worker_id,
        hold_check=human_conversation_open,
        marker=marker,
    )
    # The router hands its replies to the dispatcher itself (claimed in the update's
    # transaction, then woken): no separate claim per reply, no `notify` needed.
    router = InboundRouter(database, clock, runner, commands, watchers, channel, dispatcher)
    outreach = Outreach(database, clock, runner, plans, watchers)
    processor = UpdateProcessor(bot, router.handle) if bot is not None else None
    periodic = Periodic(
        clock,
        [
            Step("outreach", outreach.tick),
            Step("escalations", watchers.tick),
            Step("panel-housekeeping", lambda: purge_panel_records(database, clock), DAILY),
            Step(
                "retention",
                lambda: retention_sweep(
                    database, clock, programmes, months=settings.retention_months, zone=zone
                ),
                timedelta(hours=1),
            ),
        ],
    )
    return Parts(services, plans, router, dispatcher, outreach, watchers, periodic, processor)


async def announce_commands(bot: Bot) -> None:
    """The command menu in every language the bot speaks."""
    for language in SUPPORTED_LANGUAGES:
        commands = [BotCommand(name, gettext(text, language)) for name, text in COMMAND_MENU]
        await bot.set_my_commands(commands, language_code=None if language == "nl" else language)


def default_worker_id(worker: bool) -> str:
    """Host name and process id: unique among processes on one host (several `inbeeld run`
    behind a load balancer may share one), and the same after a container restart, where the
    host name is the container's and the service runs as process 1. A restarted process with
    the same id settles its predecessor's claims at once instead of waiting out their lease;
    elsewhere set `INBEELD_WORKER_ID` for that."""
    kind = "worker" if worker else "main"
    return f"{socket.gethostname()}-{kind}-{os.getpid()}"


async def build_runtime(
    settings: Settings, *, clock: Clock, worker: bool = False, tick_seconds: float = TICK_SECONDS
) -> Runtime:
    assert settings.telegram_token is not None
    bot = make_bot(settings.telegram_token.get_secret_value(), settings.telegram_api_url)
    channel = TelegramChannel(bot)
    marker = None
    if settings.telegram_check_chat_id is not None:
        marker = TelegramMarker(bot, settings.telegram_check_chat_id)
    parts = build_parts(
        settings,
        clock,
        channel,
        bot,
        worker_id=settings.worker_id or default_worker_id(worker),
        marker=marker,
    )
    services = parts.services
    ticker = (
        None
        if worker
        else Ticker(parts.periodic.tick, clock, zone=settings.zone, interval_seconds=tick_seconds)
    )
    health = Health(
        services.database,
        ticker,
        clock,
        telegram_ok=lambda: channel.last_call_ok,
        check_chat_ok=lambda: parts.dispatcher.check_chat_ok,
    )
    app = create_admin_app(services, parts.watchers)
    service_routes(app, health)
    tasks = [BackgroundTask("dispatcher", _dispatch_until_stopped(parts.dispatcher))]
    # Direct crisis replies and alerts in flight finish before the bot's connection closes.
    on_stop = [parts.watchers.settle, bot.shutdown]
    if not worker:
        assert parts.processor is not None
        if settings.webhook_url:
            assert settings.webhook_secret is not None
            app.router.add_route(
                *_route_args(
                    webhook_route(parts.processor, settings.webhook_secret.get_secret_value())
                )
            )
            tasks.append(BackgroundTask("webhook", _register_webhook(bot, settings)))
        else:
            tasks.append(BackgroundTask("commands", _announce_once(bot)))
            tasks.append(BackgroundTask("poller", Poller(bot, parts.processor).run))
    runtime = Runtime(
        services=services, web_app=app, ticker=ticker, tasks=tasks, on_stop=on_stop, parts=parts
    )
    await bot.initialize()
    if marker is not None:
        await _verify_check_chat(marker)
    return runtime


async def _verify_check_chat(marker: TelegramMarker) -> None:
    """A wrong check chat stops start-up; an unreachable Telegram does not (it may be right)."""
    try:
        await marker.verify()
    except CheckChatError as exc:
        await marker.bot.shutdown()
        print(f"inbeeld: INBEELD_TELEGRAM_CHECK_CHAT_ID: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except TelegramError as exc:
        log.warning("check chat not verified", extra={"error": type(exc).__name__})


def _route_args(route: web.RouteDef) -> tuple[str, str, object]:
    return route.method, route.path, route.handler


def _dispatch_until_stopped(dispatcher: Dispatcher):  # type: ignore[no-untyped-def]
    async def run(stopping: asyncio.Event) -> None:
        # A dispatcher that dies (a locked database during reconcile, say) would silently stop
        # every message: restart it until the service stops.
        while not stopping.is_set():
            worker = asyncio.create_task(_reconcile_then_dispatch(dispatcher))
            stop_wait = asyncio.create_task(stopping.wait())
            await asyncio.wait({worker, stop_wait}, return_when=asyncio.FIRST_COMPLETED)
            if stopping.is_set():
                await dispatcher.stop()
                with contextlib.suppress(Exception):
                    await worker
                return
            stop_wait.cancel()
            if worker.exception() is not None:
                log.error(
                    "dispatcher stopped with an error; restarting",
                    extra={"error": type(worker.exception()).__name__},
                )
            await asyncio.sleep(DISPATCHER_RESTART_SECONDS)

    return run


def _announce_once(bot: Bot):  # type: ignore[no-untyped-def]
    async def run(_stopping: asyncio.Event) -> None:
        try:
            await announce_commands(bot)
        except Exception:  # the menu is a nicety: never a reason to stop the service
            log.warning("setMyCommands failed; the menu stays as it was")

    return run


async def _reconcile_then_dispatch(dispatcher: Dispatcher) -> None:
    await dispatcher.reconcile()
    await dispatcher.run_forever()


def _register_webhook(bot: Bot, settings: Settings):  # type: ignore[no-untyped-def]
    async def run(stopping: asyncio.Event) -> None:
        assert settings.webhook_url is not None and settings.webhook_secret is not None
        await bot.set_webhook(
            url=settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value(),
            allowed_updates=["message", "edited_message", "callback_query", "my_chat_member"],
        )
        await announce_commands(bot)
        await stopping.wait()

    return run


async def serve(runtime: Runtime, host: str, port: int) -> None:
    from bot.service.runtime import install_signal_handlers

    await runtime.start(host, port)
    install_signal_handlers(runtime)
    print(f"In Beeld is running on http://{host}:{runtime.port}", flush=True)
    try:
        await runtime.wait()
    finally:
        await runtime.stop()

"""`inbeeld run` and `inbeeld demo`."""

from __future__ import annotations

import argparse
import sys

from bot.clock import SystemClock
from bot.config import load_settings_or_exit, require


def register_run(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("run", help="run the service: web, Telegram, ticker, dispatcher")
    parser.add_argument(
        "--worker",
        action="store_true",
        help="dispatch only: no Telegram receiver and no ticker (PostgreSQL, several processes)",
    )
    parser.set_defaults(handler=_run)


def register_demo(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("demo", help="the whole product offline, with the Bot API emulator")
    parser.add_argument("--data-dir", default="demo-data", help="where the demo keeps its files")
    parser.add_argument("--port", type=int, default=None, help="panel port (default 8080)")
    # The demo keeps its own data key in its data folder.
    parser.set_defaults(handler=_demo, needs_data_key=False)


async def _run(args: argparse.Namespace) -> int:
    from bot.service.build import build_runtime, serve
    from bot.service.runtime import PortUnavailable

    settings = load_settings_or_exit()
    require(settings, "telegram_token")
    runtime = await build_runtime(settings, clock=SystemClock(), worker=args.worker)
    try:
        await serve(runtime, settings.admin_host, settings.admin_port)
    except PortUnavailable as exc:
        print(f"inbeeld: {exc} (set INBEELD_ADMIN_PORT)", file=sys.stderr)
        return 2
    return 0


async def _demo(args: argparse.Namespace) -> int:
    from bot.demo.run import run_demo
    from bot.service.runtime import PortUnavailable

    try:
        return await run_demo(data_dir=args.data_dir, port=args.port)
    except PortUnavailable as exc:
        print(f"inbeeld: {exc} (try: inbeeld demo --port 8081)", file=sys.stderr)
        return 2

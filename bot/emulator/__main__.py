"""`python -m bot.emulator --port 8081 --token 123:ABC`: run the emulator standalone."""

from __future__ import annotations

import argparse
import logging

from aiohttp import web

from .ratelimit import Limits
from .server import DEFAULT_TOKEN, create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-limits", action="store_true", help="switch off all Telegram limits")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    app = create_app(args.token, limits=Limits.off() if args.no_limits else None, seed=args.seed)
    print(f"TELEGRAM_API_URL=http://{args.host}:{args.port}", flush=True)
    # No access log: request paths carry the bot token.
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()

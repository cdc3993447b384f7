"""`inbeeld demo`: SQLite in its own folder, the emulator in-process, a seeded demo region."""

from __future__ import annotations

import secrets
from pathlib import Path

from cryptography.fernet import Fernet

from bot.clock import SystemClock
from bot.config import Settings
from bot.demo import cast
from bot.demo.seed import seed_demo
from bot.demo.web import add_demo_routes
from bot.emulator import EmulatorServer
from bot.privacy.crypto import configure_data_keys
from bot.service.build import build_runtime
from bot.service.runtime import install_signal_handlers
from bot.storage import migrate

DEMO_TOKEN = "123456789:demo-token-offline"  # noqa: S105 - the emulator's, not a real bot's
DEMO_HOST = "127.0.0.1"
DEMO_TICK_SECONDS = 5.0


def _secret_file(path: Path, make: callable) -> str:  # type: ignore[valid-type]
    if not path.exists():
        path.write_text(make(), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def demo_settings(
    data_dir: Path, api_url: str, port: int, check_chat_id: int | None = None
) -> Settings:
    return Settings(
        database_url=f"sqlite:///{data_dir / 'inbeeld-demo.db'}",
        telegram_token=DEMO_TOKEN,
        telegram_api_url=api_url,
        admin_host=DEMO_HOST,
        admin_port=port,
        data_key=_secret_file(data_dir / "data.key", lambda: Fernet.generate_key().decode()),
        public_url=f"http://{DEMO_HOST}:{port}",
        telegram_check_chat_id=check_chat_id,
    )


async def run_demo(data_dir: str = "demo-data", port: int | None = None) -> int:
    folder = Path(data_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    clock = SystemClock()
    # A fresh emulator per run, but the database stays: new update ids keep redelivery checks sane.
    seed = secrets.randbits(31)
    async with EmulatorServer(
        token=DEMO_TOKEN, bot_username="InBeeldDemoBot", seed=seed
    ) as emulator:
        emulator.control.add_user(cast.COORDINATOR_TELEGRAM_ID, cast.COORDINATOR_NAME, "nl")
        # Set up as README's "The check chat" says: a basic group with the bot in it.
        check_chat = emulator.control.add_group(cast.COORDINATOR_TELEGRAM_ID, "In Beeld checks")
        settings = demo_settings(folder, emulator.api_url, port or 8080, check_chat.id)
        configure_data_keys(settings)
        runtime = await build_runtime(settings, clock=clock, tick_seconds=DEMO_TICK_SECONDS)
        parts = runtime.parts
        await migrate.upgrade(parts.services.database)
        state = await seed_demo(
            parts.services.database, settings, parts.plans, clock.now(), folder / "demo-state.json"
        )
        for person in cast.YOUTHS:
            if person.telegram_id not in {u.id for u in emulator.control.users()}:
                emulator.control.add_user(person.telegram_id, person.first_name, person.language)
        add_demo_routes(runtime.web_app, emulator.control, state, clock.now, parts)
        await runtime.start(settings.admin_host, settings.admin_port)
        install_signal_handlers(runtime)
        # The coordinator connects Telegram through their own deep link, as in production.
        emulator.control.send_command(
            cast.COORDINATOR_TELEGRAM_ID, "start", state.coordinator_token
        )
        base = f"http://{settings.admin_host}:{runtime.port}"
        print(
            f"\nIn Beeld demo is running.\n"
            f"  Start here:   {base}/demo   (the phone page and today's login code)\n"
            f"  Admin panel:  {base}/login\n"
            f"  Demo login:   {cast.COORDINATOR_EMAIL} / {cast.DEMO_PASSWORD}"
            " (+ the code on /demo)\n"
            f"  Data folder:  {folder}\n"
            f"Stop with Ctrl+C.\n",
            flush=True,
        )
        try:
            await runtime.wait()
        finally:
            await runtime.stop()
    return 0

"""`inbeeld run` as a real process against the Bot API emulator, in polling and webhook mode."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest
from cryptography.fernet import Fernet

from bot.emulator import EmulatorServer
from bot.storage import migrate
from bot.storage.db import Database
from tests import factories

pytestmark = [pytest.mark.db, pytest.mark.slow]

TOKEN = "424242:e2e-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _seed(url: str, now) -> str:
    database = Database(url)
    await migrate.upgrade(database)
    async with database.transaction() as session:
        region = await factories.region(session)
        school = await factories.school(session, region)
        coordinator = await factories.coordinator(session, now, region)
        youth = await factories.youth(session, now, school, coordinator_row=coordinator)
        token = await factories.invitation(session, now, youth_row=youth)
    await database.dispose()
    return token


async def _wait_healthy(port: int, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as client:
        for _ in range(200):
            if process.returncode is not None:
                _out, err = await process.communicate()
                raise AssertionError(
                    f"inbeeld run exited with {process.returncode}: {err[-2000:]!r}"
                )
            try:
                async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the service never became healthy")


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_inbeeld_run_talks_to_telegram(database_url, clock, tmp_path: Path, mode: str):
    from datetime import UTC, datetime

    token = await _seed(database_url, datetime.now(UTC))
    async with EmulatorServer(token=TOKEN) as emulator:
        port = free_port()
        env = {
            **os.environ,
            "INBEELD_DATABASE_URL": database_url,
            "INBEELD_TELEGRAM_TOKEN": TOKEN,
            "INBEELD_TELEGRAM_API_URL": emulator.api_url,
            "INBEELD_ADMIN_PORT": str(port),
            "INBEELD_DATA_KEY": Fernet.generate_key().decode(),
        }
        if mode == "webhook":
            env["INBEELD_WEBHOOK_URL"] = f"http://127.0.0.1:{port}/telegram/webhook"
            env["INBEELD_WEBHOOK_SECRET"] = "e2e-webhook-secret"
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await _wait_healthy(port, process)
            emulator.control.add_user(5150, "Sem", "nl")
            emulator.control.send_command(5150, "start", token)
            greeting = await emulator.control.wait_for_bot_message(5150, timeout=15)
            assert greeting["text"].startswith("Hoi Sem!")
            question = greeting
            while not question.get("buttons"):
                question = await emulator.control.wait_for_bot_message(5150, timeout=15)
            yes = next(
                b for row in question["buttons"] for b in row if b["text"] == "Ja, dat is goed"
            )
            emulator.control.tap_button(5150, question["message_id"], yes["callback_data"])
            thanks = await emulator.control.wait_for_bot_message(5150, timeout=15)
            assert "dank je" in thanks["text"].lower()
            requests = emulator.control.counters()["requests"]
            assert requests.get("setMyCommands", 0) >= 6, "the command menu in every language"
            if mode == "webhook":
                assert requests.get("setWebhook", 0) >= 1
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=20)
            except TimeoutError:
                process.kill()
                raise
            _out, err = await process.communicate()
        assert process.returncode == 0, err.decode()[-3000:]
        assert token not in err.decode(), "the invitation token leaked into the logs"
        assert TOKEN not in err.decode(), "the bot token leaked into the logs"

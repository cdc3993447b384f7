"""`python -m bot.emulator` runs on its own and speaks the Bot API."""

from __future__ import annotations

import asyncio
import socket
import sys

import aiohttp
import pytest
from telegram import Bot
from telegram.error import Conflict

from bot.emulator import EmulatorServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_module_runs_standalone():
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.emulator", "--port", str(port), "--token", "42:standalone",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        line = await asyncio.wait_for(process.stdout.readline(), 10)
        assert line.decode().strip() == f"TELEGRAM_API_URL=http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            for _ in range(50):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/bot42:standalone/getMe") as r:
                        body = await r.json()
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                pytest.fail("the standalone emulator never answered")
        assert body["ok"] and body["result"]["id"] == 42
    finally:
        process.terminate()
        await process.wait()


async def test_a_newer_get_updates_call_ends_the_older_one(bot: Bot, bot_factory):
    older = asyncio.create_task(bot.get_updates(timeout=3))
    await asyncio.sleep(0.05)
    async with bot_factory() as second_instance:
        newer = asyncio.create_task(second_instance.get_updates(timeout=0.2))
        with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
            await asyncio.wait_for(older, 2)
        assert await newer == ()


def test_deep_link_payload_is_checked_like_telegram(emu: EmulatorServer):
    emu.control.add_user(1, "A")
    emu.control.send_command(1, "start", "A-z_09")
    with pytest.raises(ValueError, match="deep-link payload"):
        emu.control.send_command(1, "start", "met spatie")
    with pytest.raises(ValueError, match="deep-link payload"):
        emu.control.send_command(1, "start", "x" * 65)
    with pytest.raises(ValueError, match="not a bot command"):
        emu.control.send_command(1, "st art")

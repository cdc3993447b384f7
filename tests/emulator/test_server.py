"""Packaging: mounting the app inside another aiohttp app, fixed ports, injected clocks."""

from __future__ import annotations

import socket

import pytest
from aiohttp import web
from telegram import Bot

from bot.emulator import CONTROL_KEY, DEFAULT_TOKEN, EmulatorServer, create_app


async def test_app_can_be_mounted_under_a_prefix_like_the_demo_does():
    emulator_app = create_app()
    control = emulator_app[CONTROL_KEY]
    host = web.Application()
    host.add_subapp("/telegram", emulator_app)
    runner = web.AppRunner(host)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        control.add_user(8, "Iris")
        control.send_text(8, "hoi")
        bot = Bot(DEFAULT_TOKEN, base_url=f"http://127.0.0.1:{port}/telegram/bot")
        async with bot:
            (update,) = await bot.get_updates()
            assert update.message.text == "hoi"
            await bot.send_message(8, "Hoi Iris")
        assert control.bot_messages(8)[0]["text"] == "Hoi Iris"
    finally:
        await runner.cleanup()


async def test_fixed_port_and_injected_wall_clock():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with EmulatorServer(port=port, wall_clock=lambda: 1_800_000_000.5) as emu:
        assert emu.api_url == f"http://127.0.0.1:{port}"
        emu.control.add_user(1, "A")
        update = emu.control.send_text(1, "hoi")
        assert update["message"]["date"] == 1_800_000_000
        async with Bot(DEFAULT_TOKEN, base_url=emu.base_url) as bot:
            sent = await bot.send_message(1, "x")
        assert sent.date.timestamp() == 1_800_000_000
        assert emu.control.counters()["requests"]["sendMessage"] == 1
        emu.control.reset_counters()
        assert emu.control.counters()["requests"] == {}


def test_port_needs_a_running_server_and_tokens_are_checked():
    with pytest.raises(RuntimeError, match="not running"):
        _ = EmulatorServer().api_url
    with pytest.raises(ValueError, match="bot token"):
        create_app("no-colon-token")


def test_user_side_refuses_impossible_actions():
    control = create_app()[CONTROL_KEY]
    with pytest.raises(KeyError, match="unknown user 5"):
        control.send_text(5, "hoi")
    control.add_user(5, "Bo")
    with pytest.raises(ValueError, match="empty"):
        control.send_text(5, "  ")
    with pytest.raises(ValueError, match="4096"):
        control.send_text(5, "x" * 4097)
    with pytest.raises(ValueError, match="latitude"):
        control.send_location(5, 91, 0)
    with pytest.raises(ValueError, match="no message 3"):
        control.edit_message(5, 3, "nieuw")
    with pytest.raises(ValueError, match="no message 9"):
        control.send_text(5, "antwoord", reply_to=9)
    assert not control.user(5).started  # a refused action leaves no trace
    control.send_text(5, "eerste")
    reply = control.send_text(5, "tweede", reply_to=1)
    assert reply["message"]["reply_to_message"]["text"] == "eerste"
    with pytest.raises(ValueError, match="first_name"):
        control.add_user(6, " ")
    with pytest.raises(ValueError, match="positive integer"):
        control.add_user(-1, "X")

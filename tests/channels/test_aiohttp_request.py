"""PTB's networking on aiohttp: every transport failure maps to the error PTB's own httpx
backend raises, against real local servers (the emulator, and small aiohttp apps)."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from telegram.error import NetworkError, TimedOut

from bot.channels.base import Delivered, Document, OutgoingMessage
from bot.channels.telegram import TelegramChannel, make_bot
from bot.channels.telegram.request import AiohttpRequest
from bot.emulator import EmulatorServer

TOKEN = "1000:request-test-SECRET"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[str]:
    """A one-route aiohttp app on a free local port; yields its base URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def request_() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(connection_pool_size=1, read_timeout=0.3, pool_timeout=0.2)
    await request.initialize()
    yield request
    await request.shutdown()


async def test_any_answer_returns_its_status_and_body(request_: AiohttpRequest) -> None:
    async def handler(_request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error_code": 400}, status=400)

    async with serve(handler) as base:
        status, body = await request_.do_request(f"{base}/bot{TOKEN}/sendMessage", "POST")
    # An error status is PTB's to interpret (BadRequest, RetryAfter, ...), not a transport error.
    assert status == 400
    assert json.loads(body) == {"ok": False, "error_code": 400}


async def test_no_answer_within_the_read_timeout_is_timed_out(request_: AiohttpRequest) -> None:
    async def slow(_request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    async with serve(slow) as base:
        with pytest.raises(TimedOut):
            await request_.do_request(f"{base}/bot{TOKEN}/getMe", "POST")


async def test_a_per_call_read_timeout_overrides_the_default(request_: AiohttpRequest) -> None:
    async def slowish(_request: web.Request) -> web.Response:
        await asyncio.sleep(0.5)
        return web.json_response({"ok": True, "result": True})

    async with serve(slowish) as base:
        # getUpdates long-polls longer than the default read timeout: PTB passes its own.
        status, _ = await request_.do_request(
            f"{base}/bot{TOKEN}/getUpdates", "POST", read_timeout=2.0
        )
    assert status == 200


async def test_a_dropped_connection_is_a_network_error_without_the_token(
    request_: AiohttpRequest,
) -> None:
    async def drop(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        await asyncio.sleep(1)
        return web.Response()

    async with serve(drop) as base:
        with pytest.raises(NetworkError) as caught:
            await request_.do_request(f"{base}/bot{TOKEN}/sendMessage", "POST")
    assert not isinstance(caught.value, TimedOut)
    assert "SECRET" not in str(caught.value)


async def test_a_refused_connection_is_a_network_error_without_the_token(
    request_: AiohttpRequest,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(NetworkError) as caught:
        await request_.do_request(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe", "POST")
    assert "SECRET" not in str(caught.value)


async def test_a_request_waiting_longer_than_the_pool_timeout_is_timed_out(
    request_: AiohttpRequest,
) -> None:
    release = asyncio.Event()

    async def held(_request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({"ok": True, "result": True})

    async with serve(held) as base:
        url = f"{base}/bot{TOKEN}/getMe"
        first = asyncio.create_task(request_.do_request(url, "POST", read_timeout=5.0))
        await asyncio.sleep(0.1)  # the pool's one connection is now busy
        with pytest.raises(TimedOut):
            await request_.do_request(url, "POST", read_timeout=5.0, connect_timeout=0.1)
        release.set()
        status, _ = await first
    assert status == 200


async def test_an_uninitialized_request_says_so() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:1/x", "POST")


def test_a_pool_needs_a_connection() -> None:
    with pytest.raises(ValueError, match="connection_pool_size"):
        AiohttpRequest(connection_pool_size=0)


async def test_messages_and_documents_reach_the_emulator_through_ptb() -> None:
    async with EmulatorServer(token=TOKEN) as emulator:
        emulator.control.add_user(21, "Noor", "nl").started = True
        bot = make_bot(TOKEN, emulator.api_url)
        assert isinstance(bot.request, AiohttpRequest)
        await bot.initialize()
        try:
            channel = TelegramChannel(bot)
            text = await channel.send(OutgoingMessage(21, "Hoi Noor"))
            document = await channel.send(
                OutgoingMessage(
                    21,
                    "Je gegevens",
                    document=Document("mijn-gegevens.json", b'{"naam": "Noor"}'),
                )
            )
        finally:
            await bot.shutdown()
        sent = [m.api for m in emulator.control.state.chat(21).messages if m.sender == "bot"]
    assert isinstance(text, Delivered) and isinstance(document, Delivered)
    assert sent[0]["text"] == "Hoi Noor"
    assert sent[1]["caption"] == "Je gegevens"
    assert sent[1]["document"]["file_name"] == "mijn-gegevens.json"

"""The JSON control API the demo's phone page calls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.emulator import CONTROL_PREFIX, EmulatorServer


@pytest.fixture
async def http(emu: EmulatorServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=emu.api_url) as session:
        yield session


async def call(http: aiohttp.ClientSession, method: str, path: str, **kwargs) -> tuple[int, dict]:
    async with http.request(method, f"{CONTROL_PREFIX}{path}", **kwargs) as response:
        return response.status, await response.json()


async def test_phone_flow_over_http(emu: EmulatorServer, bot: Bot, http):
    status, body = await call(http, "POST", "/users", json={"id": 11, "first_name": "Sara"})
    assert status == 200 and body["result"]["id"] == 11
    status, body = await call(
        http, "POST", "/users/11/command", json={"command": "start", "payload": "T0K3N"}
    )
    assert body["result"]["message"]["text"] == "/start T0K3N"
    (update,) = await bot.get_updates()
    assert update.message.text == "/start T0K3N"

    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Goed", callback_data="mood:good")]])
    sent = await bot.send_message(11, "Hoe gaat het?", reply_markup=markup)
    status, body = await call(http, "GET", "/chats/11")
    messages = body["result"]["messages"]
    assert [m["sender"] for m in messages] == ["user", "bot"]
    assert messages[1]["buttons"][0][0] == {"text": "Goed", "callback_data": "mood:good"}

    status, body = await call(
        http, "POST", "/users/11/tap", json={"message_id": sent.message_id, "text": "Goed"}
    )
    query_id = body["result"]["callback_query"]["id"]
    status, body = await call(http, "GET", f"/callbacks/{query_id}")
    assert body["result"] is None
    await (await bot.get_updates(offset=update.update_id + 1))[0].callback_query.answer("Top")
    status, body = await call(http, "GET", f"/callbacks/{query_id}")
    assert body["result"]["text"] == "Top"

    # Long poll: wakes when the bot edits its message.
    version = (await call(http, "GET", "/chats/11"))[1]["result"]["version"]
    status, body = await call(http, "GET", f"/chats/11?since_version={version}&wait=0.05")
    assert body["result"]["version"] == version  # nothing changed: timed out
    waiting = asyncio.create_task(call(http, "GET", f"/chats/11?since_version={version}&wait=3"))
    await asyncio.sleep(0.05)
    await bot.edit_message_text("Fijn!", chat_id=11, message_id=sent.message_id)
    status, body = await asyncio.wait_for(waiting, 2)
    assert body["result"]["messages"][-1]["text"] == "Fijn!"


async def test_other_user_actions_over_http(emu: EmulatorServer, bot: Bot, http):
    await call(http, "POST", "/users", json={"id": 12, "first_name": "Tim"})
    for path, payload in [
        ("text", {"text": "hoi"}),
        ("sticker", {"emoji": "🙂"}),
        ("photo", {}),
        ("voice", {"duration": 2}),
        ("location", {"latitude": 52.1, "longitude": 5.1}),
        ("contact", {"phone_number": "+31611111111", "first_name": "Tim"}),
        ("edit", {"message_id": 1, "text": "hoi!"}),
        ("block", {}),
        ("unblock", {}),
    ]:
        status, body = await call(http, "POST", f"/users/12/{path}", json=payload)
        assert status == 200, (path, body)
    kinds = [next(k for k in u.to_dict() if k != "update_id") for u in await bot.get_updates()]
    assert kinds == ["message"] * 6 + ["edited_message", "my_chat_member", "my_chat_member"]
    sent = await bot.send_document(12, b"abc", filename="x.txt")
    async with http.get(f"{CONTROL_PREFIX}/chats/12/documents/{sent.message_id}") as response:
        assert await response.read() == b"abc"
        assert "x.txt" in response.headers["Content-Disposition"]


async def test_bad_input_gets_clear_errors(http):
    status, body = await call(http, "POST", "/users/77/text", json={"text": "hoi"})
    assert status == 404 and "unknown user 77" in body["error"]
    await call(http, "POST", "/users", json={"id": 13, "first_name": "Ed"})
    status, body = await call(http, "POST", "/users", json={"id": 13, "first_name": "Ed"})
    assert status == 400 and "already exists" in body["error"]
    status, body = await call(http, "POST", "/users", json={"first_name": "Ed", "age": 17})
    assert status == 400 and "age" in body["error"]
    status, body = await call(http, "POST", "/users/13/text", json={"txt": "hoi"})
    assert status == 400 and "'text'" in body["error"]
    status, body = await call(http, "POST", "/users/13/text", data=b"{not json")
    assert status == 400 and "JSON object" in body["error"]
    status, body = await call(http, "POST", "/users/13/tap", json={"message_id": 5})
    assert status == 400 and "no bot message 5" in body["error"]
    status, body = await call(http, "POST", "/users/abc/text", json={"text": "x"})
    assert status == 400
    status, body = await call(http, "POST", "/faults/next", json={"kind": "meteor"})
    assert status == 400 and "unknown fault kind" in body["error"]
    status, body = await call(http, "PATCH", "/limits", json={"global_rate": -1})
    assert status == 400


async def test_limits_faults_and_counters_over_http(emu: EmulatorServer, http):
    status, body = await call(http, "PATCH", "/limits", json={"per_chat_enabled": False})
    assert body["result"]["per_chat_enabled"] is False and not emu.limits.per_chat_enabled
    await call(http, "PUT", "/faults/rates", json={"error_rate": 0.5, "methods": ["sendMessage"]})
    await call(http, "POST", "/faults/next", json={"kind": "drop", "count": 2})
    await call(http, "POST", "/faults/storm", json={"retry_after": 5, "seconds": 10})
    status, body = await call(http, "GET", "/faults")
    assert body["result"]["rates"]["error_rate"] == 0.5
    assert len(body["result"]["queued"]) == 2 and body["result"]["storm"]["retry_after"] == 5
    status, body = await call(http, "DELETE", "/faults")
    assert body["result"]["queued"] == [] and body["result"]["storm"] is None
    status, body = await call(http, "GET", "/counters")
    assert status == 200 and "requests" in body["result"]
    status, body = await call(http, "GET", "/state")
    assert body["result"]["bot"]["username"] == "InBeeldTestBot"

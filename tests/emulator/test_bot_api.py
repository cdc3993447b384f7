"""The real PTB Bot against the emulator: the Bot API methods and Telegram's answers."""

from __future__ import annotations

import json

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.constants import ChatAction, MessageEntityType
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken

from bot.emulator import DEFAULT_TOKEN, EmulatorServer


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in pairs])


async def test_get_me_describes_the_bot(bot: Bot):
    me = await bot.get_me()
    assert me.id == 123456789
    assert me.is_bot
    assert me.username == "InBeeldTestBot"


async def test_wrong_token_is_401_and_unknown_method_is_404(emu: EmulatorServer, bot_factory):
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.api_url}/bot123:wrong/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{emu.api_url}/bot{DEFAULT_TOKEN}/sendCarrierPigeon") as response:
            assert response.status == 404
            assert (await response.json())["description"] == "Not Found"
    with pytest.raises(InvalidToken):
        await bot_factory(token="123:wrong").get_me()


async def test_text_both_ways_with_realistic_update(emu: EmulatorServer, bot: Bot, sam: int):
    emu.control.send_text(sam, "hoi bot")
    updates = await bot.get_updates(timeout=0)
    texts = [u.message.text for u in updates]
    assert texts == ["/start", "hoi bot"]
    message = updates[1].message
    assert message.from_user.id == sam and message.from_user.first_name == "Sam"
    assert message.chat.type == "private" and message.chat.id == sam
    assert message.message_id == 2 and message.date is not None
    assert updates[1].update_id == updates[0].update_id + 1

    sent = await bot.send_message(sam, "Hoi Sam!", parse_mode="HTML")
    assert sent.message_id == 3 and sent.text == "Hoi Sam!" and sent.from_user.is_bot
    seen = await emu.control.wait_for_bot_message(sam, timeout=1)
    assert seen["text"] == "Hoi Sam!" and seen["message_id"] == 3 and seen["date"] > 0
    assert emu.control.counters()["delivered"] == {"42": 1}


async def test_start_with_payload_is_a_command_with_args(emu: EmulatorServer, bot: Bot):
    emu.control.add_user(7, "Noor")
    emu.control.send_command(7, "start", "abc-DEF_123")
    (update,) = await bot.get_updates()
    message = update.message
    assert message.text == "/start abc-DEF_123"
    assert message.entities[0].type == MessageEntityType.BOT_COMMAND
    assert (message.entities[0].offset, message.entities[0].length) == (0, 6)
    assert message.parse_entity(message.entities[0]) == "/start"


async def test_inline_buttons_tap_and_answer(emu: EmulatorServer, bot: Bot, sam: int):
    sent = await bot.send_message(sam, "Gaat het goed?", reply_markup=keyboard(("Ja", "ok:1")))
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "ok:1"
    await bot.get_updates()
    last = (await bot.get_updates())[-1].update_id
    await bot.get_updates(offset=last + 1)

    emu.control.tap_button(sam, sent.message_id, text="Ja")
    (update,) = await bot.get_updates(offset=last + 1)
    query = update.callback_query
    assert query.data == "ok:1"
    assert query.from_user.id == sam
    assert query.message.message_id == sent.message_id
    assert await query.answer("Dank je!")
    assert emu.control.callback_answer(query.id)["text"] == "Dank je!"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer()
    with pytest.raises(ValueError, match=r"(?i)no such button"):
        emu.control.tap_button(sam, sent.message_id, "nope")


async def test_callback_data_limit_counts_bytes_not_characters(bot: Bot, sam: int):
    # 32 two-byte characters = 64 bytes: allowed. One more byte: refused.
    await bot.send_message(sam, "a", reply_markup=keyboard(("x", "é" * 32)))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(sam, "b", reply_markup=keyboard(("x", "é" * 32 + "a")))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        # 22 characters but 66 bytes
        await bot.send_message(sam, "c", reply_markup=keyboard(("x", "€" * 22)))


async def test_text_length_and_empty_text(bot: Bot, sam: int):
    await bot.send_message(sam, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(sam, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(sam, "   ")


async def test_unknown_chat_and_never_started_user(emu: EmulatorServer, bot: Bot):
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(999, "hallo")
    emu.control.add_user(5, "Lieke")
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await bot.send_message(5, "hallo")


async def test_block_gives_403_and_my_chat_member_kicked(emu: EmulatorServer, bot: Bot, sam: int):
    await bot.get_updates(offset=-1)
    first = (await bot.get_updates())[0].update_id
    emu.control.block(sam)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(sam, "Ben je er nog?")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(sam, ChatAction.TYPING)
    (update,) = await bot.get_updates(offset=first + 1)
    member = update.my_chat_member
    assert member.new_chat_member.status == "kicked"
    assert member.old_chat_member.status == "member"
    assert member.from_user.id == sam and member.chat.id == sam
    emu.control.unblock(sam)
    await bot.send_message(sam, "Welkom terug")
    assert emu.control.bot_messages(sam)[-1]["text"] == "Welkom terug"


async def test_sticker_photo_voice_location_contact_and_edit(emu: EmulatorServer, bot: Bot):
    c = emu.control
    c.add_user(3, "Mo")
    text_update = c.send_text(3, "ik ben er")
    c.send_sticker(3, "😀")
    c.send_photo(3, caption="kijk")
    c.send_voice(3, duration=4)
    c.send_location(3, 52.37, 4.89)
    c.send_contact(3, "+31600000000", "Mo")
    c.edit_message(3, text_update["message"]["message_id"], "ik ben er weer")
    updates = await bot.get_updates()
    messages = [u.message for u in updates[:-1]]
    assert messages[1].sticker.emoji == "😀"
    assert messages[2].photo[-1].width == 1280 and messages[2].caption == "kijk"
    assert messages[3].voice.mime_type == "audio/ogg" and messages[3].voice.file_size == 16000
    assert messages[4].location.latitude == pytest.approx(52.37)
    assert messages[5].contact.phone_number == "+31600000000"
    edited = updates[-1].edited_message
    assert edited.text == "ik ben er weer" and edited.message_id == messages[0].message_id
    assert edited.edit_date is not None and updates[-1].message is None


async def test_edit_and_delete_bot_messages(emu: EmulatorServer, bot: Bot, sam: int):
    sent = await bot.send_message(sam, "Kies", reply_markup=keyboard(("A", "a"), ("B", "b")))
    edited = await bot.edit_message_text("Gekozen: A", chat_id=sam, message_id=sent.message_id)
    assert edited.text == "Gekozen: A" and edited.reply_markup is None  # edit drops keyboard
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Gekozen: A", chat_id=sam, message_id=sent.message_id)
    again = await bot.edit_message_reply_markup(
        sam, sent.message_id, reply_markup=keyboard(("C", "c"))
    )
    assert again.reply_markup.inline_keyboard[0][0].text == "C"
    view = emu.control.bot_messages(sam)[-1]
    assert (
        view["text"] == "Gekozen: A" and view["edits"] == 2 and view["buttons"][0][0]["text"] == "C"
    )
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=sam, message_id=999)
    assert await bot.delete_message(sam, sent.message_id)
    assert emu.control.bot_messages(sam) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(sam, sent.message_id)


async def test_custom_keyboard_shows_on_the_phone_until_removed(
    emu: EmulatorServer, bot: Bot, sam: int
):
    shown = await bot.send_message(sam, "Kies", reply_markup=ReplyKeyboardMarkup([["Ja", "Nee"]]))
    assert shown.reply_markup is None  # not part of the Message, like Telegram
    keyboard_rows = emu.control.chat_view(sam)["reply_keyboard"]["keyboard"]
    assert [[b["text"] if isinstance(b, dict) else b for b in row] for row in keyboard_rows] == [
        ["Ja", "Nee"]
    ]
    await bot.send_message(sam, "Oké", reply_markup=ReplyKeyboardRemove())
    assert emu.control.chat_view(sam)["reply_keyboard"] is None


async def test_reply_parameters_and_reply_keyboard_remove(emu: EmulatorServer, bot: Bot, sam: int):
    reply = await bot.send_message(
        sam,
        "Antwoord",
        reply_parameters=ReplyParameters(message_id=1),
        reply_markup=ReplyKeyboardRemove(),
    )
    assert reply.reply_to_message.message_id == 1 and reply.reply_to_message.text == "/start"
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(sam, "x", reply_to_message_id=77)
    assert emu.control.bot_messages(sam)[-1]["reply_to_message_id"] == 1


async def test_send_document_keeps_name_and_bytes(emu: EmulatorServer, bot: Bot, sam: int):
    sent = await bot.send_document(sam, b"%PDF-1.4 test", filename="plan.pdf", caption="Je plan")
    assert sent.document.file_name == "plan.pdf" and sent.document.file_size == 13
    assert sent.caption == "Je plan"
    assert emu.control.document(sam, sent.message_id) == ("plan.pdf", b"%PDF-1.4 test")
    again = await bot.send_document(sam, sent.document.file_id)
    assert again.document.file_id == sent.document.file_id
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"%PDF-1.4 test"
    big = bytes(range(256)) * 8192  # 2 MiB: above aiohttp's default body limit
    large = await bot.send_document(sam, big, filename="groot.bin")
    assert emu.control.document(sam, large.message_id) == ("groot.bin", big)


async def test_commands_chat_action_close_and_logout(bot: Bot, sam: int):
    assert await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("stop", "Stop")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "stop"]
    assert await bot.get_my_commands(language_code="en") == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start Now", "x")])
    assert await bot.send_chat_action(sam, ChatAction.TYPING)
    assert await bot.close() and await bot.log_out()


async def test_get_updates_offset_confirms(emu: EmulatorServer, bot: Bot):
    emu.control.add_user(1, "A")
    for text in ("een", "twee", "drie"):
        emu.control.send_text(1, text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["een", "twee"]
    # Not confirmed yet: asked again, they come again.
    assert [u.message.text for u in await bot.get_updates(limit=2)] == ["een", "twee"]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["drie"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0) == ()


async def test_long_poll_wakes_on_new_update(emu: EmulatorServer, bot: Bot):
    import asyncio

    emu.control.add_user(1, "A")
    poll = asyncio.create_task(bot.get_updates(timeout=3))
    await asyncio.sleep(0.05)
    emu.control.send_text(1, "nu")
    updates = await asyncio.wait_for(poll, 1.5)
    assert [u.message.text for u in updates] == ["nu"]


async def test_allowed_updates_filters_kinds(emu: EmulatorServer, bot: Bot, sam: int):
    await bot.get_updates(offset=-1)
    last = (await bot.get_updates())[-1].update_id
    await bot.get_updates(offset=last + 1, allowed_updates=["callback_query"])
    emu.control.send_text(sam, "wordt niet bezorgd")
    assert await bot.get_updates(offset=last + 1) == ()


async def test_form_and_json_bodies_are_both_understood(emu: EmulatorServer, sam: int):
    url = f"{emu.api_url}/bot{DEFAULT_TOKEN}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "Ja", "callback_data": "y"}]]}
    async with aiohttp.ClientSession() as http:
        async with http.post(
            url, json={"chat_id": sam, "text": "json", "reply_markup": markup}
        ) as r:
            body = await r.json()
            assert body["ok"] and body["result"]["reply_markup"] == markup
        form = {"chat_id": str(sam), "text": "form", "reply_markup": json.dumps(markup)}
        async with http.post(url, data=form) as r:
            assert (await r.json())["result"]["text"] == "form"
        async with http.get(url, params={"chat_id": str(sam), "text": "get"}) as r:
            assert (await r.json())["result"]["text"] == "get"
        async with http.post(url, data={"chat_id": "abc", "text": "x"}) as r:
            assert r.status == 400 and "Integer" in (await r.json())["description"]


async def test_get_updates_conflicts_with_webhook(emu: EmulatorServer, bot: Bot):
    assert await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()

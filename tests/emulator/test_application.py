"""A full PTB Application polling the emulator, with handlers, as the service will run it."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.emulator import DEFAULT_TOKEN, EmulatorServer


async def test_polling_application_handles_commands_buttons_and_stickers(emu: EmulatorServer):
    seen: list[str] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(f"start:{context.args}")
        buttons = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="ja")]])
        await update.message.reply_text("Welkom! Doe je mee?", reply_markup=buttons)

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(f"tap:{update.callback_query.data}")
        await update.callback_query.answer("Top")
        await update.callback_query.edit_message_text("Je doet mee.")

    async def sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(f"sticker:{update.message.sticker.emoji}")
        await update.message.reply_text("Leuke sticker!")

    app = (
        Application.builder()
        .token(DEFAULT_TOKEN)
        .base_url(f"{emu.api_url}/bot")
        .base_file_url(f"{emu.api_url}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(tapped))
    app.add_handler(MessageHandler(filters.Sticker.ALL, sticker))
    control = emu.control
    control.add_user(21, "Sem")
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            control.send_command(21, "start", "abc123")
            welcome = await control.wait_for_bot_message(21, timeout=3)
            assert welcome["text"] == "Welkom! Doe je mee?"
            query = control.tap_button(21, welcome["message_id"], "ja")
            for _ in range(100):
                if control.bot_messages(21)[0]["text"] == "Je doet mee.":
                    break
                await asyncio.sleep(0.02)
            assert control.bot_messages(21)[0]["buttons"] == []
            assert control.callback_answer(query["callback_query"]["id"])["text"] == "Top"
            control.send_sticker(21, "🎉")
            reply = await control.wait_for_bot_message(21, timeout=3)
            assert reply["text"] == "Leuke sticker!"
        finally:
            await app.updater.stop()
            await app.stop()
    assert seen == ["start:['abc123']", "tap:ja", "sticker:🎉"]
    assert emu.control.counters()["requests"]["getUpdates"] >= 1

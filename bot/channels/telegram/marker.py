"""The check chat: a basic group of the bot's own, where it posts a marker nobody needs to read.

A marker's message id bounds the delivery checks of unanswered sends when nothing else is sent
(`bot.delivery.checking`). That works only because a basic group numbers its messages with the
bot's own counter, like its private chats ("all basic groups and all private chats share the
same, single message ID and PTS sequence": https://core.telegram.org/api/channel); a
supergroup or channel has a counter of its own, so `verify` refuses one. The marker is sent
silently and deleted at once: the group stays empty.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.channels.base import Delivered, SendOutcome
from bot.channels.telegram.outbound import send_outcome, send_text

log = logging.getLogger(__name__)

MARKER_TEXT = "In Beeld: bezorgcontrole. Dit bericht wordt meteen verwijderd."
BASIC_GROUP = "group"


class CheckChatError(Exception):
    """The configured check chat cannot give the bot's message counter."""


class TelegramMarker:
    def __init__(self, bot: Bot, chat_id: int) -> None:
        self.bot = bot
        self.chat_id = chat_id

    async def verify(self) -> None:
        """Raise `CheckChatError` unless the chat is a basic group the bot can post in.

        Telegram's own errors other than "not found" and "forbidden" (it is unreachable, say)
        pass through: the chat may well be right.
        """
        try:
            chat = await self.bot.get_chat(self.chat_id)
        except (BadRequest, Forbidden) as exc:
            raise CheckChatError(f"chat {self.chat_id}: {exc.message}") from None
        if chat.type != BASIC_GROUP:
            raise CheckChatError(
                f"chat {self.chat_id} is a {chat.type}, not a basic group: only a basic group "
                "shares the bot's message numbering with its private chats"
            )

    async def mark(self) -> SendOutcome:
        parameters = {"chat_id": self.chat_id, "text": MARKER_TEXT, "disable_notification": True}
        outcome = await send_outcome(send_text(self.bot, parameters))
        if isinstance(outcome, Delivered):
            await self._tidy(outcome.message_id)
        return outcome

    async def _tidy(self, message_id: int) -> None:
        try:
            await self.bot.delete_message(self.chat_id, message_id)
        except TelegramError as exc:  # a marker left behind is harmless
            log.info("marker not deleted", extra={"error": type(exc).__name__})

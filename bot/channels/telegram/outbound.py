"""Sending through the Bot API, with every failure mapped to a `SendOutcome`."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.channels.base import (
    Blocked,
    Delivered,
    Failed,
    OutgoingMessage,
    RetryLater,
    SendOutcome,
)
from bot.channels.telegram.request import AiohttpRequest

log = logging.getLogger(__name__)

# The dispatcher keeps several sends in flight; one connection would serialise them. At 30
# messages/s even a slow Bot API (0.3 s a call) keeps fewer than 10 busy; the dispatcher keeps
# no more in flight than this, so a row marked `sending` never waits for a connection.
SEND_POOL_SIZE = 16
TRANSIENT_RETRY_SECONDS = 2.0


def make_bot(token: str, api_url: str, *, pool_size: int = SEND_POOL_SIZE) -> Bot:
    """A PTB bot that calls ``{api_url}/bot{token}/{method}`` over aiohttp (see `request`)."""
    api_url = api_url.rstrip("/")
    return Bot(
        token=token,
        base_url=f"{api_url}/bot",
        base_file_url=f"{api_url}/file/bot",
        request=AiohttpRequest(connection_pool_size=pool_size, read_timeout=10, write_timeout=10),
        get_updates_request=AiohttpRequest(connection_pool_size=1, read_timeout=40),
    )


def _keyboard(message: OutgoingMessage) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(text=b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(text=b.label, callback_data=b.data)
                for b in row
            ]
            for row in message.buttons
        ]
    )


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    name = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.last_call_ok: bool | None = None

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        try:
            if message.document is not None:
                sent = await self.bot.send_document(
                    chat_id=message.chat_id,
                    document=InputFile(
                        message.document.content, filename=message.document.filename
                    ),
                    caption=message.text or None,
                    reply_markup=_keyboard(message),
                )
            else:
                sent = await self.bot.send_message(
                    chat_id=message.chat_id, text=message.text, reply_markup=_keyboard(message)
                )
        except RetryAfter as exc:
            self.last_call_ok = True
            # Telegram does not say which limit was hit; honouring it for every chat is safe.
            return RetryLater(after_seconds=_seconds(exc.retry_after), reason="rate_limited")
        except Forbidden:
            self.last_call_ok = True
            return Blocked()
        except BadRequest as exc:
            self.last_call_ok = True
            log.warning("telegram rejected a message", extra={"error": type(exc).__name__})
            return Failed(reason=f"bad request: {exc.message[:120]}")
        except TimedOut:
            self.last_call_ok = False
            return RetryLater(after_seconds=TRANSIENT_RETRY_SECONDS, reason="timeout")
        except NetworkError as exc:
            self.last_call_ok = False
            return RetryLater(after_seconds=TRANSIENT_RETRY_SECONDS, reason=f"network: {exc}"[:120])
        except TelegramError as exc:
            self.last_call_ok = False
            return RetryLater(after_seconds=TRANSIENT_RETRY_SECONDS, reason=type(exc).__name__)
        self.last_call_ok = True
        return Delivered(message_id=sent.message_id)

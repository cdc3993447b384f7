"""Sending through the Bot API, with every failure mapped to a `SendOutcome`.

Text messages go out through `Bot.do_api_request`, PTB's documented call for a raw result,
rather than `Bot.send_message`: that one parses every sent message, keyboard and all, into a
`Message` we would only read the id of, and on a busy bot that parsing was a tenth of the CPU
of each answer (`bench/README.md`, session 9). The request, its errors and its retries are
PTB's either way. PTB advises the typed method for a known endpoint; we decline that advice
for this one call, so its warning is silenced for exactly that.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from telegram import Bot, InputFile
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBUserWarning

from bot.channels.base import (
    Blocked,
    Delivered,
    Failed,
    OutgoingMessage,
    Probe,
    ProbeOutcome,
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
SEND_MESSAGE = "sendMessage"
EDIT_MESSAGE_TEXT = "editMessageText"
# Telegram's answer to an edit that changes nothing: the message is there, exactly as given.
NOT_MODIFIED = "message is not modified"

warnings.filterwarnings(
    "ignore",
    message=rf"Please use 'Bot\.({SEND_MESSAGE}|{EDIT_MESSAGE_TEXT})'",
    category=PTBUserWarning,
)


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


def _reply_markup(message: OutgoingMessage) -> dict[str, Any]:
    """The message's buttons as the Bot API's `reply_markup` parameter (none: empty)."""
    if not message.buttons:
        return {}
    rows = [
        [
            {"text": b.label, "url": b.url} if b.url else {"text": b.label, "callback_data": b.data}
            for b in row
        ]
        for row in message.buttons
    ]
    return {"reply_markup": {"inline_keyboard": rows}}


def _unanswered(reason: str) -> RetryLater:
    return RetryLater(after_seconds=TRANSIENT_RETRY_SECONDS, reason=reason, maybe_delivered=True)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def send_text(bot: Bot, parameters: dict[str, Any]) -> int:
    """sendMessage with these parameters; the new message's id (see the module docstring)."""
    sent = await bot.do_api_request(SEND_MESSAGE, api_kwargs=parameters)
    return int(sent["message_id"])


async def send_outcome(call: Awaitable[int]) -> SendOutcome:
    """Await a send that returns the new message's id; every failure becomes an outcome."""
    try:
        message_id = await call
    except RetryAfter as exc:
        # Telegram does not say which limit was hit; honouring it for every chat is safe.
        return RetryLater(after_seconds=_seconds(exc.retry_after), reason="rate_limited")
    except Forbidden:
        return Blocked()
    except BadRequest as exc:
        log.warning("telegram rejected a message", extra={"error": type(exc).__name__})
        return Failed(reason=f"bad request: {exc.message[:120]}")
    except ChatMigrated:  # a basic group became a supergroup: a different chat now
        return Failed(reason="the group was upgraded to a supergroup")
    # No answer, or a gateway's instead of Telegram's: the message may have gone out.
    except TimedOut:
        return _unanswered("timeout")
    except NetworkError as exc:
        return _unanswered(f"network: {exc}"[:120])
    except TelegramError as exc:
        return _unanswered(type(exc).__name__)
    return Delivered(message_id=message_id)


class TelegramChannel:
    name = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.last_call_ok: bool | None = None

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        if message.document is not None:
            call = self._send_document(message)
        else:
            parameters = {"chat_id": message.chat_id, "text": message.text}
            call = send_text(self.bot, parameters | _reply_markup(message))
        outcome = await send_outcome(call)
        self.last_call_ok = not (isinstance(outcome, RetryLater) and outcome.maybe_delivered)
        return outcome

    async def _send_document(self, message: OutgoingMessage) -> int:
        assert message.document is not None
        document = await self.bot.send_document(
            chat_id=message.chat_id,
            document=InputFile(message.document.content, filename=message.document.filename),
            caption=message.text or None,
            api_kwargs=_reply_markup(message),
        )
        return document.message_id

    async def probe(self, message: OutgoingMessage, message_id: int) -> ProbeOutcome:
        """Is `message_id` in this chat our `message`? Asked by editing it into itself.

        Telegram refuses an edit that changes nothing with "message is not modified": that
        answer means the id holds exactly this text and these buttons, and nothing changes on
        the phone. Any other refusal (not found, the person's own message, a message without
        text) means it is not the one we look for.
        """
        parameters = {"chat_id": message.chat_id, "message_id": message_id, "text": message.text}
        try:
            await self.bot.do_api_request(
                EDIT_MESSAGE_TEXT, api_kwargs=parameters | _reply_markup(message)
            )
        except RetryAfter as exc:
            return RetryLater(after_seconds=_seconds(exc.retry_after), reason="rate_limited")
        except Forbidden:
            return Blocked()
        except BadRequest as exc:
            return Probe.FOUND if NOT_MODIFIED in exc.message.lower() else Probe.ABSENT
        except TelegramError as exc:
            reason = f"probe: {type(exc).__name__}"
            return RetryLater(after_seconds=TRANSIENT_RETRY_SECONDS, reason=reason)
        # The edit went through, so the id held another text of ours. The dispatcher rules
        # that out (`bot.delivery.checking`): say so loudly rather than count it as found.
        log.error("a delivery probe changed a message", extra={"message_id": message_id})
        return Probe.ABSENT

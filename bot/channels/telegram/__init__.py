"""The Telegram adapter: python-telegram-bot behind our `Channel` and `IncomingEvent` types.

This package (and the web/service wiring) is the only place that imports `telegram`.
"""

from bot.channels.telegram.convert import to_incoming_event
from bot.channels.telegram.outbound import TelegramChannel, make_bot

__all__ = ["TelegramChannel", "make_bot", "to_incoming_event"]

"""What every part of the running service shares: settings, database, clock, channel."""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.base import Channel
from bot.clock import Clock
from bot.config import Settings
from bot.storage.db import Database


@dataclass
class Services:
    settings: Settings
    database: Database
    clock: Clock
    channel: Channel | None = None

"""Normalized inbound items the service feeds the engine (channel-independent)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

UnsupportedKind = Literal[
    "sticker", "photo", "voice", "video", "document", "location", "contact", "edited", "other"
]


@dataclass(frozen=True, slots=True)
class TextEvent:
    text: str


@dataclass(frozen=True, slots=True)
class ButtonEvent:
    data: str | bytes  # the raw callback_data, as received


@dataclass(frozen=True, slots=True)
class CommandEvent:
    name: str  # without the slash: "stop", "help", "start"
    args: str = ""


@dataclass(frozen=True, slots=True)
class UnsupportedEvent:
    kind: UnsupportedKind | str = "other"


Event = TextEvent | ButtonEvent | CommandEvent | UnsupportedEvent

"""An in-memory channel for domain tests, like httpx.MockTransport: scripted outcomes, no network.

The Telegram path itself is always tested through the Bot API emulator, never with this.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.channels.base import Delivered, OutgoingMessage, Probe, ProbeOutcome, SendOutcome

Responder = Callable[[OutgoingMessage], SendOutcome]


class MemoryChannel:
    name = "memory"

    def __init__(self, responder: Responder | None = None) -> None:
        self.sent: list[OutgoingMessage] = []
        self.attempts: list[OutgoingMessage] = []
        self._responder = responder
        self._next_id = 1
        self._by_id: dict[int, OutgoingMessage] = {}

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        self.attempts.append(message)
        outcome = self._responder(message) if self._responder else None
        if outcome is None:
            outcome = Delivered(message_id=self._next_id)
            self._next_id += 1
        if isinstance(outcome, Delivered):
            self.sent.append(message)
            self._by_id[outcome.message_id] = message
        return outcome

    async def probe(self, message: OutgoingMessage, message_id: int) -> ProbeOutcome:
        return Probe.FOUND if self._by_id.get(message_id) == message else Probe.ABSENT

    def marker(self, chat_id: int = -1) -> MemoryMarker:
        """A `Marker` whose messages take their ids from this channel's counter."""
        return MemoryMarker(self, chat_id)

    def texts_to(self, chat_id: int) -> list[str]:
        return [m.text for m in self.sent if m.chat_id == chat_id]


class MemoryMarker:
    def __init__(self, channel: MemoryChannel, chat_id: int) -> None:
        self.channel = channel
        self.chat_id = chat_id

    async def mark(self) -> SendOutcome:
        return await self.channel.send(OutgoingMessage(self.chat_id, "marker"))

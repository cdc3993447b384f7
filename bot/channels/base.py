"""The one interface between the domain and a messaging network (like httpx's transports).

Outbound: the domain builds an `OutgoingMessage` and a `Channel` answers with a `SendOutcome`.
Inbound: an adapter turns a network update into an `IncomingEvent`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol, runtime_checkable


@dataclass(frozen=True)
class Button:
    label: str
    data: str = ""  # callback data; at most 64 bytes (checked by the flow loader)
    url: str | None = None  # a link button instead (e.g. "Open in panel"); `data` is then unused


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes


@dataclass(frozen=True)
class OutgoingMessage:
    chat_id: int
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: Document | None = None

    def to_payload(self) -> dict[str, Any]:
        """The JSON kept in the outbox (documents are rendered at send time, not stored)."""
        return {
            "text": self.text,
            "buttons": [[_button_payload(b) for b in row] for row in self.buttons],
        }

    @classmethod
    def from_payload(cls, chat_id: int, payload: dict[str, Any]) -> OutgoingMessage:
        rows = tuple(
            tuple(Button(label=b["label"], data=b.get("data", ""), url=b.get("url")) for b in row)
            for row in payload.get("buttons", [])
        )
        return cls(chat_id=chat_id, text=payload["text"], buttons=rows)


def _button_payload(button: Button) -> dict[str, str]:
    # "url" only when set, so payloads written before link buttons existed read the same.
    if button.url:
        return {"label": button.label, "data": button.data, "url": button.url}
    return {"label": button.label, "data": button.data}


@dataclass(frozen=True)
class Delivered:
    message_id: int


@dataclass(frozen=True)
class RetryLater:
    """The network asked us to wait (HTTP 429) or failed transiently (5xx, timeout, reset).

    `maybe_delivered`: the call may have been carried out although no answer came (a timeout,
    a dropped connection, a gateway error); a 429 is a refusal and leaves it False.
    """

    after_seconds: float
    reason: str
    maybe_delivered: bool = False


@dataclass(frozen=True)
class Blocked:
    """The person blocked the bot or deleted the chat; sending again is pointless."""

    reason: str = "blocked"


@dataclass(frozen=True)
class Failed:
    """A permanent error for this message (bad request); it will not succeed when retried."""

    reason: str


SendOutcome = Delivered | RetryLater | Blocked | Failed


class Probe(StrEnum):
    """Whether the chat holds `message` under one message id (see `ProbingChannel`)."""

    FOUND = "found"  # this id is that message, unchanged
    ABSENT = "absent"  # this id is not that message (another chat's, the person's, or unused)


ProbeOutcome = Probe | RetryLater | Blocked


class Channel(Protocol):
    name: str

    async def send(self, message: OutgoingMessage) -> SendOutcome: ...


@runtime_checkable
class ProbingChannel(Channel, Protocol):
    """A channel that can tell, without changing anything the person sees, whether a message
    whose send went unanswered arrived after all.

    Its message ids come from one counter per bot that grows with every message (Telegram's:
    a bot account numbers the messages of all its private chats together), so a message sent
    after the doubt arose bounds the ids the doubtful one can have; `probe` asks about one id.
    The dispatcher guarantees that no other message of ours in that chat is unaccounted for
    in that range, so a probe never meets a message of ours other than the one it looks for.
    """

    async def probe(self, message: OutgoingMessage, message_id: int) -> ProbeOutcome: ...


class Marker(Protocol):
    """Sends a message that no youth sees, for its message id alone: a bound for the checks of
    a `ProbingChannel` when no other send gives one (`bot.delivery.checking`).

    Its chat must share the bot's message counter with the youths' chats (on Telegram: a basic
    group, not a supergroup or channel, which number their own messages). `chat_id` is paced
    like any other chat.
    """

    chat_id: int

    async def mark(self) -> SendOutcome: ...


EventKind = Literal["text", "command", "button", "unsupported", "blocked", "unblocked"]


@dataclass(frozen=True)
class IncomingEvent:
    """One update from a phone, with nothing network-specific left in it."""

    channel: str
    update_id: int
    chat_id: int
    user_id: int
    kind: EventKind
    text: str | None = None
    command: str | None = None  # without the slash, lower case
    args: tuple[str, ...] = ()
    button_data: str | None = None
    unsupported_kind: str | None = None  # sticker, photo, voice, location, edited, ...
    language_code: str | None = None
    first_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

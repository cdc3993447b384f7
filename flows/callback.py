"""The callback_data carried by every button the engine sends.

Format: ``c:<conversation_id>:<node_id>:<button_id>``. The conversation id lets the engine
recognise a button from an older check-in (or an older question in this one) and answer it
kindly instead of storing a stale answer. Telegram allows 1-64 *bytes*; every part is limited
to ASCII so that characters and bytes are the same, and the worst case is asserted below and
again for every node when a flow is loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "c"
SEPARATOR = ":"
TELEGRAM_CALLBACK_MAX_BYTES = 64

CONVERSATION_ID_MAX = 16
NODE_ID_MAX = 24
BUTTON_ID_MAX = 16

CONVERSATION_ID_RE = re.compile(rf"[A-Za-z0-9_-]{{1,{CONVERSATION_ID_MAX}}}")
NODE_ID_RE = re.compile(rf"[a-z][a-z0-9_]{{0,{NODE_ID_MAX - 1}}}")
# Flow buttons never start with "_": that prefix is reserved for the engine's own buttons.
BUTTON_ID_RE = re.compile(rf"[a-z0-9][a-z0-9_]{{0,{BUTTON_ID_MAX - 1}}}")
ENGINE_BUTTON_ID_RE = re.compile(rf"_[a-z0-9_]{{1,{BUTTON_ID_MAX - 1}}}")

WORST_CASE_BYTES = (
    len(PREFIX) + 3 * len(SEPARATOR) + CONVERSATION_ID_MAX + NODE_ID_MAX + BUTTON_ID_MAX
)
assert WORST_CASE_BYTES <= TELEGRAM_CALLBACK_MAX_BYTES, WORST_CASE_BYTES


@dataclass(frozen=True, slots=True)
class CallbackData:
    conversation_id: str
    node_id: str
    button_id: str


def encode(conversation_id: str, node_id: str, button_id: str) -> str:
    data = SEPARATOR.join((PREFIX, conversation_id, node_id, button_id))
    if len(data.encode()) > TELEGRAM_CALLBACK_MAX_BYTES:
        raise ValueError(f"callback_data {data!r} is longer than 64 bytes")
    return data


def decode(data: str | bytes) -> CallbackData | None:
    """Parse callback_data from outside; anything malformed gives None, never an exception."""
    if isinstance(data, bytes):
        if len(data) > TELEGRAM_CALLBACK_MAX_BYTES:
            return None
        data = data.decode("utf-8", errors="replace")
    if not isinstance(data, str) or len(data) > TELEGRAM_CALLBACK_MAX_BYTES:
        return None
    parts = data.split(SEPARATOR)
    if len(parts) != 4 or parts[0] != PREFIX:
        return None
    _, conversation_id, node_id, button_id = parts
    if not CONVERSATION_ID_RE.fullmatch(conversation_id) or not NODE_ID_RE.fullmatch(node_id):
        return None
    if not (BUTTON_ID_RE.fullmatch(button_id) or ENGINE_BUTTON_ID_RE.fullmatch(button_id)):
        return None
    return CallbackData(conversation_id, node_id, button_id)


def is_conversation_callback(data: str | bytes) -> bool:
    """True when callback_data looks like ours (for the service to route it); no validation."""
    prefix = PREFIX + SEPARATOR
    if isinstance(data, bytes):
        return data.startswith(prefix.encode())
    return isinstance(data, str) and data.startswith(prefix)

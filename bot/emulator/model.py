"""The emulator's world: the bot, the users, their private chats and the queue of updates.

Pure Python (no aiohttp): the Bot API handlers and the user-side control both change this state.
Message and update dicts are shaped exactly like Telegram's JSON so PTB parses them unchanged.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import random
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

WallClock = Callable[[], float]
JSON = dict[str, Any]

# Telegram's default when allowed_updates is empty: everything except these three.
NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# A bot command anywhere in a text: "/start", "/help@SomeBot" (at a word boundary).
_COMMAND = re.compile(r"(?<![^\s])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[JSON]:
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND.finditer(text)
    ]


class Notifier:
    """Wakes every waiter when something changed; `version` lets pollers skip stale states."""

    def __init__(self) -> None:
        self.version = 0
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        self.version += 1
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self, timeout: float | None) -> bool:  # noqa: ASYNC109
        """True when notified, False on timeout."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            async with asyncio.timeout(timeout):
                await waiter
            return True
        except TimeoutError:
            return False
        finally:
            self._waiters.discard(waiter)


class ApiError(Exception):
    """A Bot API error answer: {"ok": false, "error_code": ..., "description": ...}."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass
class User:
    id: int
    first_name: str
    language_code: str | None = "nl"
    last_name: str | None = None
    username: str | None = None
    blocked: bool = False  # the user blocked the bot
    started: bool = False  # the user ever wrote to the bot; until then the bot may not write

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def chat_api(self) -> JSON:
        data: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def to_control(self) -> JSON:
        return {**self.to_api(), "blocked": self.blocked, "started": self.started}


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    filename: str | None
    mime_type: str | None
    content: bytes | None  # None when the bot sent a URL or an unknown file_id


@dataclass
class StoredMessage:
    """One message in a private chat, from either side, kept as Telegram JSON plus history."""

    chat_id: int
    message_id: int
    sender: Literal["bot", "user"]
    api: JSON
    kind: str
    deleted: bool = False
    history: list[JSON] = field(default_factory=list)  # earlier versions, oldest first
    file: StoredFile | None = None

    def to_control(self) -> JSON:
        api = self.api
        markup = api.get("reply_markup") or {}
        out: JSON = {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "sender": self.sender,
            "kind": self.kind,
            "date": api["date"],
            "text": api.get("text", api.get("caption")),
            "buttons": markup.get("inline_keyboard", []),
            "edit_date": api.get("edit_date"),
            "edits": len(self.history),
            "deleted": self.deleted,
            "reply_to_message_id": (api.get("reply_to_message") or {}).get("message_id"),
        }
        for key in ("sticker", "photo", "voice", "location", "contact"):
            if key in api:
                out[key] = api[key]
        if self.file is not None:
            out["document"] = {
                "file_id": self.file.file_id,
                "filename": self.file.filename,
                "mime_type": self.file.mime_type,
                "size": len(self.file.content) if self.file.content is not None else None,
            }
        return out


@dataclass
class Group:
    """A group the bot was added to. A basic group numbers its messages with each member's own
    counter, the bot's included (like its private chats); a supergroup has one of its own."""

    id: int  # negative, as Telegram's
    title: str
    kind: Literal["group", "supergroup"]
    bot_member: bool = True
    migrated_to: int | None = None  # a basic group upgraded to this supergroup
    next_message_id: int = 1  # a supergroup's own counter

    def chat_api(self) -> JSON:
        return {"id": self.id, "type": self.kind, "title": self.title}


@dataclass
class Chat:
    user: User  # the person of a private chat; of a group, its creator
    messages: list[StoredMessage] = field(default_factory=list)
    reply_keyboard: JSON | None = None  # the custom keyboard the bot last showed, if any
    last_action: str | None = None
    read_cursor: int = 0  # message_id up to which `wait_for_bot_message` has handed out
    group: Group | None = None

    @property
    def id(self) -> int:
        return self.group.id if self.group is not None else self.user.id

    def api(self) -> JSON:
        return self.group.chat_api() if self.group is not None else self.user.chat_api()

    def message(self, message_id: int) -> StoredMessage | None:
        for stored in self.messages:
            if stored.message_id == message_id:
                return stored
        return None


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class CallbackRecord:
    id: str
    user_id: int
    message_id: int
    data: str
    answered: bool = False
    answer: JSON | None = None


@dataclass
class Counters:
    requests: Counter[str] = field(default_factory=Counter)
    rate_limited: int = 0
    delivered: Counter[int] = field(default_factory=Counter)  # bot messages per chat
    webhook_posts: int = 0
    webhook_failures: int = 0
    webhook_replies: int = 0  # Bot API calls carried in webhook answers

    def to_dict(self) -> JSON:
        return {
            "requests": dict(self.requests),
            "rate_limited": self.rate_limited,
            "delivered": {str(k): v for k, v in self.delivered.items()},
            "delivered_total": sum(self.delivered.values()),
            "webhook_posts": self.webhook_posts,
            "webhook_failures": self.webhook_failures,
            "webhook_replies": self.webhook_replies,
        }


def update_type(update: JSON) -> str:
    return next(key for key in update if key != "update_id")


def update_chat_key(update: JSON) -> int:
    """The chat an update belongs to; webhook delivery keeps order per this key."""
    body = update[update_type(update)]
    if "chat" in body:
        return int(body["chat"]["id"])
    if "message" in body:
        return int(body["message"]["chat"]["id"])
    return int(body["from"]["id"])


class EmulatorState:
    def __init__(
        self,
        token: str,
        *,
        bot_username: str = "InBeeldTestBot",
        bot_first_name: str = "In Beeld",
        seed: int = 0,
        wall_clock: WallClock = time.time,
    ) -> None:
        bot_id, sep, secret = token.partition(":")
        if not (sep and bot_id.isdigit() and secret):
            raise ValueError("a bot token looks like '123456:ABC-secret'")
        self.token = token
        self.bot_id = int(bot_id)
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.wall_clock = wall_clock
        self.rng = random.Random(seed)
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.pending: deque[JSON] = deque()  # updates not yet confirmed / delivered
        self.allowed_updates: frozenset[str] | None = None  # None = Telegram's default set
        self.webhook: WebhookConfig | None = None
        self.callbacks: dict[str, CallbackRecord] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.counters = Counters()
        # Like Telegram's: a bot account numbers the messages of all its private chats and
        # basic groups with one counter, the others' messages and its own alike.
        self.next_message_id = 1
        self.updates_changed = Notifier()
        self.chats_changed = Notifier()
        self.poll_generation = 0
        self.closing = False  # set on shutdown so long polls return at once
        self._next_update_id = self.rng.randint(100_000_000, 900_000_000)
        self._next_user_id = itertools.count(7_000_000_001)
        self._next_group_id = itertools.count(4_000_000_001)
        self._next_file = itertools.count(1)

    # -- basics --------------------------------------------------------------------------------
    def now(self) -> int:
        return int(self.wall_clock())

    def bot_api(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def new_file_ids(self) -> tuple[str, str]:
        number = next(self._next_file)
        noise = self.rng.getrandbits(48)
        return f"BQACAgQAAxkBAAI{number:06d}{noise:012x}", f"AgAD{number:06d}"

    def add_user(
        self,
        user_id: int | None = None,
        first_name: str = "Sam",
        language_code: str | None = "nl",
        last_name: str | None = None,
        username: str | None = None,
    ) -> User:
        if user_id is None:
            user_id = next(self._next_user_id)
            while user_id in self.users:
                user_id = next(self._next_user_id)
        if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
            raise ValueError(f"a user id is a positive integer, got {user_id!r}")
        if not first_name or not first_name.strip():
            raise ValueError("a user needs a non-empty first_name")
        if user_id in self.users:
            raise ValueError(f"user {user_id} already exists")
        user = User(user_id, first_name, language_code, last_name, username)
        self.users[user_id] = user
        self.chats[user_id] = Chat(user)
        self.chats_changed.notify()
        return user

    def add_group(self, creator: User, title: str, *, supergroup: bool = False) -> Group:
        """A group `creator` made with the bot in it."""
        number = next(self._next_group_id)
        chat_id = -(1_000_000_000_000 + number) if supergroup else -number
        group = Group(chat_id, title, "supergroup" if supergroup else "group")
        self.chats[chat_id] = Chat(creator, group=group)
        self.chats_changed.notify()
        return group

    def user(self, user_id: int) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise KeyError(f"unknown user {user_id}; create it with add_user first") from None

    def chat(self, chat_id: int) -> Chat:
        try:
            return self.chats[chat_id]
        except KeyError:
            raise KeyError(f"unknown chat {chat_id}") from None

    # -- updates -------------------------------------------------------------------------------
    def allows(self, kind: str) -> bool:
        """Whether the bot asked for this kind of update (allowed_updates)."""
        allowed = self.webhook.allowed_updates if self.webhook else None
        allowed_set = frozenset(allowed) if allowed else self.allowed_updates
        if allowed_set is None:
            return kind not in NOT_DEFAULT_UPDATES
        return kind in allowed_set

    def emit(self, kind: str, body: JSON) -> JSON | None:
        """Queue an update; returns it, or None when the bot's allowed_updates filters it out."""
        if not self.allows(kind):
            return None
        update = {"update_id": self._next_update_id, kind: body}
        self._next_update_id += 1
        self.pending.append(update)
        self.updates_changed.notify()
        return update

    def set_allowed_updates(self, allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        self.allowed_updates = frozenset(allowed) if allowed else None

    def confirm(self, offset: int) -> None:
        """getUpdates offset semantics: updates below `offset` are confirmed and forgotten;
        a negative offset keeps only the last -offset updates."""
        before = len(self.pending)
        if offset < 0:
            while len(self.pending) > -offset:
                self.pending.popleft()
        else:
            while self.pending and self.pending[0]["update_id"] < offset:
                self.pending.popleft()
        if len(self.pending) != before:
            self.updates_changed.notify()

    def ack(self, update_id: int) -> None:
        """A webhook receiver accepted this update."""
        for index, update in enumerate(self.pending):
            if update["update_id"] == update_id:
                del self.pending[index]
                self.updates_changed.notify()
                return

    def drop_pending(self) -> None:
        self.pending.clear()
        self.updates_changed.notify()

    # -- chat contents -------------------------------------------------------------------------
    def add_message(
        self,
        chat: Chat,
        sender: Literal["bot", "user"],
        kind: str,
        content: JSON,
        file: StoredFile | None = None,
    ) -> StoredMessage:
        if chat.group is not None and chat.group.kind == "supergroup":
            message_id = chat.group.next_message_id
            chat.group.next_message_id += 1
        else:
            message_id = self.next_message_id
            self.next_message_id += 1
        api: JSON = {
            "message_id": message_id,
            "from": self.bot_api() if sender == "bot" else chat.user.to_api(),
            "chat": chat.api(),
            "date": self.now(),
            **content,
        }
        stored = StoredMessage(chat.id, message_id, sender, api, kind, file=file)
        chat.messages.append(stored)
        if sender == "bot":
            self.counters.delivered[chat.id] += 1
        self.chats_changed.notify()
        return stored

    def edit_message(
        self, stored: StoredMessage, changes: JSON, remove: Iterable[str] = ()
    ) -> None:
        stored.history.append(copy.deepcopy(stored.api))
        for key in remove:
            stored.api.pop(key, None)
        stored.api.update(changes)
        stored.api["edit_date"] = self.now()
        self.chats_changed.notify()

    def message_api(self, stored: StoredMessage) -> JSON:
        return copy.deepcopy(stored.api)

    def new_callback_id(self) -> str:
        return str(self.rng.getrandbits(63))

    def chat_instance(self, chat_id: int) -> str:
        return str((chat_id * 2654435761 + self.bot_id) % (2**63))

    def summary(self) -> JSON:
        return {
            "bot": self.bot_api(),
            "users": [u.to_control() for u in self.users.values()],
            "pending_updates": len(self.pending),
            "webhook": self.webhook.url if self.webhook else None,
            "counters": self.counters.to_dict(),
        }

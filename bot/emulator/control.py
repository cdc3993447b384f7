"""The user side: what a youth's phone does, as a Python API and as a JSON HTTP API.

`EmulatorControl` is the Python API (tests, benchmarks); `add_control_routes` exposes the same
operations under `/_emulator/` for the demo's phone page. See the package docstring for routes.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .faults import FaultInjector
from .model import (
    JSON,
    CallbackRecord,
    Chat,
    Counters,
    EmulatorState,
    Group,
    StoredMessage,
    User,
    command_entities,
)
from .ratelimit import RateLimiter

CONTROL_PREFIX = "/_emulator"
_DEEP_LINK = re.compile(r"[A-Za-z0-9_-]{1,64}")


class EmulatorControl:
    """Play users: create them, let them write, tap, block; read what the bot sent them."""

    def __init__(self, state: EmulatorState, limiter: RateLimiter, faults: FaultInjector) -> None:
        self.state = state
        self.limiter = limiter
        self.faults = faults

    # -- users ---------------------------------------------------------------------------------
    def add_user(
        self,
        user_id: int | None = None,
        first_name: str = "Sam",
        language_code: str | None = "nl",
        last_name: str | None = None,
        username: str | None = None,
    ) -> User:
        return self.state.add_user(user_id, first_name, language_code, last_name, username)

    def user(self, user_id: int) -> User:
        return self.state.user(user_id)

    def users(self) -> list[User]:
        return list(self.state.users.values())

    # -- the user writes -----------------------------------------------------------------------
    def _write(self, user_id: int, kind: str, content: JSON, reply_to: int | None = None) -> JSON:
        """Post a user message; returns the queued update (or the message if it was filtered)."""
        user = self.state.user(user_id)
        chat = self.state.chat(user_id)
        if reply_to is not None:
            target = chat.message(reply_to)
            if target is None or target.deleted:
                raise ValueError(f"no message {reply_to} in chat {user_id} to reply to")
            quoted = self.state.message_api(target)
            quoted.pop("reply_to_message", None)
            content = {**content, "reply_to_message": quoted}
        if user.blocked:
            # The Telegram apps only let a user write again after unblocking ("Restart").
            self.unblock(user_id)
        user.started = True
        stored = self.state.add_message(chat, "user", kind, content)
        update = self.state.emit("message", self.state.message_api(stored))
        return update if update is not None else {"message": self.state.message_api(stored)}

    def send_text(self, user_id: int, text: str, *, reply_to: int | None = None) -> JSON:
        if not text or not text.strip():
            raise ValueError("Telegram does not send an empty message")
        if len(text) > 4096:
            raise ValueError("a Telegram message holds at most 4096 characters")
        content: JSON = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return self._write(user_id, "text", content, reply_to)

    def send_command(self, user_id: int, command: str, payload: str | None = None) -> JSON:
        """`/start TOKEN` as sent by a deep link: a text with a bot_command entity."""
        name = command.removeprefix("/")
        if not name or not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
            raise ValueError(f"not a bot command: {command!r}")
        if name == "start" and payload is not None and not _DEEP_LINK.fullmatch(payload):
            # Telegram only carries A-Z a-z 0-9 _ - (at most 64) through a t.me deep link.
            raise ValueError("a deep-link payload holds 1-64 of A-Z a-z 0-9 _ - only")
        text = f"/{name}" + (f" {payload}" if payload else "")
        return self.send_text(user_id, text)

    def send_sticker(self, user_id: int, emoji: str = "👍") -> JSON:
        file_id, unique_id = self.state.new_file_ids()
        sticker = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "EmulatorStickers",
            "file_size": 20480,
        }
        return self._write(user_id, "sticker", {"sticker": sticker})

    def send_photo(self, user_id: int, caption: str | None = None) -> JSON:
        sizes = []
        for width, height, size in ((90, 67, 1200), (320, 240, 15000), (1280, 960, 120000)):
            file_id, unique_id = self.state.new_file_ids()
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": width,
                    "height": height,
                    "file_size": size,
                }
            )
        content: JSON = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return self._write(user_id, "photo", content)

    def send_voice(self, user_id: int, duration: int = 3) -> JSON:
        if duration < 1:
            raise ValueError("a voice message lasts at least 1 second")
        file_id, unique_id = self.state.new_file_ids()
        voice = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": 4000 * duration,
        }
        return self._write(user_id, "voice", {"voice": voice})

    def send_location(self, user_id: int, latitude: float, longitude: float) -> JSON:
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise ValueError("latitude must be in -90..90 and longitude in -180..180")
        return self._write(
            user_id, "location", {"location": {"latitude": latitude, "longitude": longitude}}
        )

    def send_contact(
        self,
        user_id: int,
        phone_number: str,
        first_name: str,
        *,
        contact_user_id: int | None = None,
    ) -> JSON:
        if not phone_number or not first_name:
            raise ValueError("a contact needs a phone_number and a first_name")
        contact: JSON = {"phone_number": phone_number, "first_name": first_name}
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return self._write(user_id, "contact", {"contact": contact})

    def edit_message(self, user_id: int, message_id: int, text: str) -> JSON:
        """The user edits one of their own earlier text messages: an edited_message update."""
        if not text or not text.strip():
            raise ValueError("an edited message cannot be empty")
        chat = self.state.chat(user_id)
        stored = chat.message(message_id)
        if stored is None or stored.sender != "user" or stored.deleted:
            raise ValueError(f"user {user_id} has no message {message_id} to edit")
        if "text" not in stored.api:
            raise ValueError(f"message {message_id} has no text to edit")
        self.state.edit_message(stored, {"text": text, "entities": command_entities(text)})
        if not stored.api["entities"]:
            del stored.api["entities"]
        update = self.state.emit("edited_message", self.state.message_api(stored))
        return update if update is not None else {}

    def tap_button(
        self,
        user_id: int,
        message_id: int,
        callback_data: str | None = None,
        *,
        text: str | None = None,
    ) -> JSON:
        """Tap an inline button of a bot message, chosen by its callback_data or its label."""
        chat = self.state.chat(user_id)
        stored = chat.message(message_id)
        if stored is None or stored.sender != "bot" or stored.deleted:
            raise ValueError(f"chat {user_id} has no bot message {message_id}")
        rows = (stored.api.get("reply_markup") or {}).get("inline_keyboard", [])
        buttons = [b for row in rows for b in row if "callback_data" in b]
        match = [
            b
            for b in buttons
            if (callback_data is not None and b["callback_data"] == callback_data)
            or (text is not None and b["text"] == text)
        ]
        if not match:
            labels = [b["text"] for b in buttons]
            raise ValueError(f"message {message_id} has no such button; it has {labels}")
        user = self.state.user(user_id)
        data = match[0]["callback_data"]
        query_id = self.state.new_callback_id()
        self.state.callbacks[query_id] = CallbackRecord(query_id, user_id, message_id, data)
        body = {
            "id": query_id,
            "from": user.to_api(),
            "message": self.state.message_api(stored),
            "chat_instance": self.state.chat_instance(user_id),
            "data": data,
        }
        update = self.state.emit("callback_query", body)
        return update if update is not None else {"callback_query": body}

    def callback_answer(self, query_id: str) -> JSON | None:
        """What the bot answered to a tap (None while unanswered)."""
        record = self.state.callbacks.get(query_id)
        if record is None:
            raise KeyError(f"unknown callback query {query_id}")
        return record.answer

    def _member_update(
        self, user: User, old: str, new: str, chat: JSON | None = None
    ) -> JSON | None:
        """The bot's membership changed, by `user`'s doing: in their private chat, or `chat`."""
        bot = self.state.bot_api()

        def member(status: str) -> JSON:
            # "kicked" (ChatMemberBanned) always carries until_date; 0 means forever.
            return {
                "status": status,
                "user": bot,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        return self.state.emit(
            "my_chat_member",
            {
                "chat": chat if chat is not None else user.chat_api(),
                "from": user.to_api(),
                "date": self.state.now(),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    def block(self, user_id: int) -> JSON | None:
        user = self.state.user(user_id)
        if user.blocked:
            return None
        user.blocked = True
        self.state.chats_changed.notify()
        return self._member_update(user, "member", "kicked")

    def unblock(self, user_id: int) -> JSON | None:
        user = self.state.user(user_id)
        if not user.blocked:
            return None
        user.blocked = False
        self.state.chats_changed.notify()
        return self._member_update(user, "kicked", "member")

    # -- groups --------------------------------------------------------------------------------
    def add_group(self, creator_id: int, title: str, *, supergroup: bool = False) -> Group:
        """`creator_id` makes a group and adds the bot; the bot hears of it (my_chat_member)."""
        creator = self.state.user(creator_id)
        group = self.state.add_group(creator, title, supergroup=supergroup)
        self._member_update(creator, "left", "member", group.chat_api())
        return group

    def kick_bot(self, group_id: int) -> JSON | None:
        group = self._group(group_id)
        group.bot_member = False
        return self._member_update(
            self.state.chat(group_id).user, "member", "left", group.chat_api()
        )

    def upgrade_group(self, group_id: int) -> Group:
        """The basic group becomes a supergroup (a new chat, with its own message counter)."""
        old = self._group(group_id)
        chat = self.state.chat(group_id)
        new = self.state.add_group(chat.user, old.title, supergroup=True)
        old.migrated_to = new.id
        return new

    def _group(self, group_id: int) -> Group:
        group = self.state.chat(group_id).group
        if group is None:
            raise KeyError(f"chat {group_id} is not a group")
        return group

    # -- reading what the bot sent -------------------------------------------------------------
    def transcript(self, chat_id: int, *, include_deleted: bool = False) -> list[JSON]:
        chat = self.state.chat(chat_id)
        return [m.to_control() for m in chat.messages if include_deleted or not m.deleted]

    def bot_messages(self, chat_id: int, *, include_deleted: bool = False) -> list[JSON]:
        """Messages the bot sent to this chat, in order, with edits applied."""
        return [
            m
            for m in self.transcript(chat_id, include_deleted=include_deleted)
            if m["sender"] == "bot"
        ]

    def document(self, chat_id: int, message_id: int) -> tuple[str | None, bytes]:
        stored = self.state.chat(chat_id).message(message_id)
        if stored is None or stored.file is None or stored.file.content is None:
            raise KeyError(f"no uploaded document in message {message_id} of chat {chat_id}")
        return stored.file.filename, stored.file.content

    # A timeout argument (not the caller's asyncio.timeout) keeps test code short and readable.
    async def wait_for_bot_message(self, chat_id: int, timeout: float = 5.0) -> JSON:  # noqa: ASYNC109
        """The next bot message to this chat not yet handed out by this helper.

        A read cursor per chat (like a phone marking messages read) avoids the race where the
        bot answered before the test started waiting. Raises TimeoutError.
        """
        chat = self.state.chat(chat_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            fresh = self._unread(chat)
            if fresh is not None:
                chat.read_cursor = fresh.message_id
                return fresh.to_control()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no new bot message for chat {chat_id} within {timeout}s")
            await self.state.chats_changed.wait(remaining)

    @staticmethod
    def _unread(chat: Chat) -> StoredMessage | None:
        for stored in chat.messages:
            if stored.sender == "bot" and stored.message_id > chat.read_cursor:
                return stored
        return None

    async def wait_for_change(self, version: int, timeout: float) -> int:  # noqa: ASYNC109
        """Wait until any chat changed after `version`; returns the current version."""
        if self.state.chats_changed.version <= version:
            await self.state.chats_changed.wait(timeout)
        return self.state.chats_changed.version

    def chat_view(self, chat_id: int) -> JSON:
        chat = self.state.chat(chat_id)
        return {
            "user": chat.user.to_control(),
            "messages": self.transcript(chat_id),
            "reply_keyboard": chat.reply_keyboard,
            "last_action": chat.last_action,
            "version": self.state.chats_changed.version,
        }

    # -- counters ------------------------------------------------------------------------------
    def counters(self) -> JSON:
        return {**self.state.counters.to_dict(), "faults_injected": dict(self.faults.injected)}

    def reset_counters(self) -> None:
        """Start counting afresh, e.g. after a benchmark's warm-up."""
        self.state.counters = Counters()
        self.faults.injected.clear()


# -- JSON HTTP control API ---------------------------------------------------------------------
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


async def _body(request: web.Request) -> JSON:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(
            text=json.dumps({"ok": False, "error": "the body must be a JSON object"}),
            content_type="application/json",
        ) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text=json.dumps({"ok": False, "error": "the body must be a JSON object"}),
            content_type="application/json",
        )
    return body


def _user_id(request: web.Request) -> int:
    raw = request.match_info["user_id"]
    if not raw.isdigit():
        raise ValueError(f"a user id is a number, got {raw!r}")
    return int(raw)


def _guarded(handler: Handler) -> Handler:
    """Turn bad input into a clear 4xx JSON error instead of a 500."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except KeyError as exc:
            return _error(404, str(exc.args[0]) if exc.args else "not found")
        except (ValueError, TypeError) as exc:
            return _error(400, str(exc))

    return wrapped


def add_control_routes(app: web.Application, control: EmulatorControl) -> None:
    routes = web.RouteTableDef()
    p = CONTROL_PREFIX

    @routes.get(f"{p}/state")
    async def state(request: web.Request) -> web.Response:
        return _ok(control.state.summary())

    @routes.get(f"{p}/users")
    async def list_users(request: web.Request) -> web.Response:
        return _ok([u.to_control() for u in control.users()])

    @routes.post(f"{p}/users")
    async def create_user(request: web.Request) -> web.Response:
        body = await _body(request)
        allowed = {"id", "first_name", "language_code", "last_name", "username"}
        if unknown := set(body) - allowed:
            raise ValueError(f"unknown fields {sorted(unknown)}; allowed: {sorted(allowed)}")
        user = control.add_user(
            body.get("id"),
            body.get("first_name", "Sam"),
            body.get("language_code", "nl"),
            body.get("last_name"),
            body.get("username"),
        )
        return _ok(user.to_control())

    def user_action(name: str, action: Callable[[int, JSON], Any]) -> None:
        async def handler(request: web.Request) -> web.Response:
            user_id = _user_id(request)
            control.user(user_id)
            return _ok(action(user_id, await _body(request)))

        routes.post(f"{p}/users/{{user_id}}/{name}")(handler)

    def need(body: JSON, key: str, kind: type | tuple[type, ...]) -> Any:
        value = body.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            name = kind.__name__ if isinstance(kind, type) else "number"
            raise ValueError(f"field {key!r} is required and must be a {name}")
        return value

    def text(u: int, b: JSON) -> JSON:
        return control.send_text(u, need(b, "text", str), reply_to=b.get("reply_to"))

    def command(u: int, b: JSON) -> JSON:
        return control.send_command(u, need(b, "command", str), b.get("payload"))

    def tap(u: int, b: JSON) -> JSON:
        message_id = need(b, "message_id", int)
        return control.tap_button(u, message_id, b.get("callback_data"), text=b.get("text"))

    def location(u: int, b: JSON) -> JSON:
        number = (int, float)
        return control.send_location(u, need(b, "latitude", number), need(b, "longitude", number))

    def contact(u: int, b: JSON) -> JSON:
        return control.send_contact(u, need(b, "phone_number", str), need(b, "first_name", str))

    def edit(u: int, b: JSON) -> JSON:
        return control.edit_message(u, need(b, "message_id", int), need(b, "text", str))

    user_action("text", text)
    user_action("command", command)
    user_action("tap", tap)
    user_action("sticker", lambda u, b: control.send_sticker(u, b.get("emoji", "👍")))
    user_action("photo", lambda u, b: control.send_photo(u, b.get("caption")))
    user_action("voice", lambda u, b: control.send_voice(u, b.get("duration", 3)))
    user_action("location", location)
    user_action("contact", contact)
    user_action("edit", edit)
    user_action("block", lambda u, b: control.block(u))
    user_action("unblock", lambda u, b: control.unblock(u))

    @routes.get(f"{p}/chats/{{user_id}}")
    async def chat(request: web.Request) -> web.Response:
        user_id = _user_id(request)
        control.user(user_id)
        since = int(request.query.get("since_version", "-1"))
        wait = min(float(request.query.get("wait", "0")), 60.0)
        if wait > 0:
            await control.wait_for_change(since, wait)
        return _ok(control.chat_view(user_id))

    @routes.get(f"{p}/chats/{{user_id}}/documents/{{message_id}}")
    async def document(request: web.Request) -> web.StreamResponse:
        filename, content = control.document(
            _user_id(request), int(request.match_info["message_id"])
        )
        headers = {"Content-Disposition": f'attachment; filename="{filename or "document"}"'}
        return web.Response(body=content, content_type="application/octet-stream", headers=headers)

    @routes.get(f"{p}/callbacks/{{query_id}}")
    async def callback(request: web.Request) -> web.Response:
        return _ok(control.callback_answer(request.match_info["query_id"]))

    @routes.get(f"{p}/counters")
    async def counters(request: web.Request) -> web.Response:
        return _ok(control.counters())

    @routes.delete(f"{p}/counters")
    async def reset_counters(request: web.Request) -> web.Response:
        control.reset_counters()
        return _ok(control.counters())

    @routes.get(f"{p}/limits")
    async def get_limits(request: web.Request) -> web.Response:
        return _ok(control.limiter.limits.to_dict())

    @routes.patch(f"{p}/limits")
    async def set_limits(request: web.Request) -> web.Response:
        control.limiter.limits.update(await _body(request))
        return _ok(control.limiter.limits.to_dict())

    @routes.get(f"{p}/faults")
    async def get_faults(request: web.Request) -> web.Response:
        return _ok(control.faults.to_dict())

    @routes.put(f"{p}/faults/rates")
    async def set_rates(request: web.Request) -> web.Response:
        control.faults.set_rates(**await _body(request))
        return _ok(control.faults.to_dict())

    @routes.post(f"{p}/faults/next")
    async def next_faults(request: web.Request) -> web.Response:
        body = await _body(request)
        control.faults.next_calls(
            need(body, "kind", str), **{k: v for k, v in body.items() if k != "kind"}
        )
        return _ok(control.faults.to_dict())

    @routes.post(f"{p}/faults/storm")
    async def storm(request: web.Request) -> web.Response:
        control.faults.storm(**await _body(request))
        return _ok(control.faults.to_dict())

    @routes.delete(f"{p}/faults")
    async def clear_faults(request: web.Request) -> web.Response:
        control.faults.clear()
        return _ok(control.faults.to_dict())

    for route in routes:
        assert isinstance(route, web.RouteDef)
        app.router.add_route(route.method, route.path, _guarded(route.handler))  # type: ignore[arg-type]

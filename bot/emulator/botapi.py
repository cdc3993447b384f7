"""The Bot API side: `/bot{token}/{method}` handlers speaking Telegram's HTTP protocol.

Requests may be GET with a query string, JSON, form-encoded or multipart (PTB sends form fields
whose non-string values are JSON-encoded, and files as multipart parts). Answers are always
`{"ok": true, "result": ...}` or `{"ok": false, "error_code": N, "description": ...}`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .faults import FaultInjector
from .model import (
    JSON,
    ApiError,
    Chat,
    EmulatorState,
    StoredFile,
    StoredMessage,
    WebhookConfig,
    bad_request,
)
from .ratelimit import RateLimiter

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
TEXT_BUTTON_ERROR = (
    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
)
BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
UPDATE_KINDS = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


class Params:
    """Typed access to Bot API parameters whatever the encoding of the request."""

    def __init__(self, values: dict[str, Any], files: dict[str, web.FileField]) -> None:
        self.values = values
        self.files = files

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, (dict, list)):
            raise bad_request(f'field "{name}" must be of type String')
        return str(value)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Integer')
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be of type Integer') from None

    def get_float(self, name: str, default: float | None = None) -> float | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be of type Float') from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def get_json(self, name: str) -> Any:
        """Objects arrive as JSON strings in form bodies and as objects in JSON bodies."""
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value


async def read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    files: dict[str, web.FileField] = {}
    if request.method == "POST" and request.can_read_body:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("request body must be a JSON object")
            values.update(body)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = value
                else:
                    values[key] = value
    return Params(values, files)


@dataclass
class BotApi:
    state: EmulatorState
    limiter: RateLimiter
    faults: FaultInjector

    # -- shared checks -------------------------------------------------------------------------
    def _chat(self, params: Params, *, for_sending: bool = True) -> Chat:
        if not params.has("chat_id"):
            raise bad_request("chat_id is empty")
        raw = params.get_str("chat_id") or ""
        if raw.startswith("@"):
            raise bad_request("chat not found")
        chat_id = params.get_int("chat_id")
        chat = self.state.chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise bad_request("chat not found")
        group = chat.group
        if group is not None:
            if group.migrated_to is not None:
                raise ApiError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": group.migrated_to},
                )
            if not group.bot_member:
                raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        elif for_sending:
            limits = self.limiter.limits
            if chat.user.blocked and limits.blocked_enabled:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not chat.user.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _throttle(self, chat: Chat) -> None:
        retry_after = self.limiter.acquire(chat.id)
        if retry_after is not None:
            self.state.counters.rate_limited += 1
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )

    def _text(self, params: Params, name: str = "text", *, required: bool = True) -> str | None:
        text = params.get_str(name)
        if text is None or text.strip() == "":
            if required:
                raise bad_request("message text is empty")
            return None
        limit = MAX_TEXT if name == "text" else MAX_CAPTION
        if len(text) > limit and self.limiter.limits.text_length_enabled:
            raise bad_request(
                "message is too long" if name == "text" else "message caption is too long"
            )
        return text

    def _markup(self, params: Params) -> JSON | None:
        """The validated reply_markup: an inline keyboard, a custom keyboard or a removal."""
        markup = params.get_json("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request('field "inline_keyboard" must be an Array of Arrays')
            for row in rows:
                for button in row:
                    self._check_button(button)
        return markup

    def _check_button(self, button: Any) -> None:
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request(TEXT_BUTTON_ERROR)
        if not BUTTON_ACTIONS & button.keys():
            raise bad_request(TEXT_BUTTON_ERROR)
        data = button.get("callback_data")
        if data is not None:
            size = len(str(data).encode("utf-8"))
            if (
                self.limiter.limits.callback_data_enabled
                and not 1 <= size <= MAX_CALLBACK_DATA_BYTES
            ):
                raise bad_request("BUTTON_DATA_INVALID")

    def _reply_to(self, params: Params, chat: Chat) -> JSON:
        reply = params.get_json("reply_parameters")
        message_id = params.get_int("reply_to_message_id")
        allow_missing = params.get_bool("allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
        if message_id is None:
            return {}
        target = chat.message(int(message_id))
        if target is None or target.deleted:
            if allow_missing:
                return {}
            raise bad_request("message to be replied not found")
        quoted = self.state.message_api(target)
        quoted.pop("reply_to_message", None)
        return {"reply_to_message": quoted}

    def _send(
        self,
        chat: Chat,
        kind: str,
        content: JSON,
        markup: JSON | None,
        reply: JSON,
        file: StoredFile | None = None,
    ) -> JSON:
        self._throttle(chat)
        chat.last_action = None
        body = {**content, **reply}
        markup = markup or {}
        if "inline_keyboard" in markup:
            body["reply_markup"] = markup  # only inline keyboards belong to the Message
        elif "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        stored = self.state.add_message(chat, "bot", kind, body, file)
        return self.state.message_api(stored)

    def _own_message(self, params: Params, chat: Chat, verb: str) -> StoredMessage:
        if params.has("inline_message_id"):
            raise bad_request("inline messages are not emulated")
        message_id = params.get_int("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        stored = chat.message(message_id)
        if stored is None or stored.deleted:
            raise bad_request(f"message to {verb} not found")
        if stored.sender != "bot" and verb == "edit":
            raise bad_request("message can't be edited")
        return stored

    # -- methods -------------------------------------------------------------------------------
    async def get_me(self, params: Params) -> Any:
        return {
            **self.state.bot_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_updates(self, params: Params) -> Any:
        state = self.state
        if state.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get_int("offset")
        limit = min(max(params.get_int("limit", 100) or 100, 1), 100)
        timeout = max(params.get_float("timeout", 0.0) or 0.0, 0.0)
        allowed = params.get_json("allowed_updates")
        if allowed is not None:
            if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
                raise bad_request("can't parse allowed_updates JSON array")
            state.set_allowed_updates(a for a in allowed if a in UPDATE_KINDS)
        if offset is not None:
            state.confirm(offset)
        state.poll_generation += 1
        generation = state.poll_generation
        state.updates_changed.notify()  # wakes an older long poll so it can step aside
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != state.poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure "
                    "that only one bot instance is running",
                )
            if state.webhook is not None or state.closing:
                return []
            ready = [u for u in state.pending if self._polled_kind_allowed(u)][:limit]
            if ready:
                return ready
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await state.updates_changed.wait(remaining)

    def _polled_kind_allowed(self, update: JSON) -> bool:
        kind = next(k for k in update if k != "update_id")
        return self.state.allows(kind)

    async def set_webhook(self, params: Params) -> Any:
        url = params.get_str("url", "") or ""
        if not url:
            return await self.delete_webhook(params)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get_str("secret_token")
        if secret is not None and (
            not 1 <= len(secret) <= 256
            or not all(c.isascii() and (c.isalnum() or c in "_-") for c in secret)
        ):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.get_json("allowed_updates")
        if allowed is not None and not isinstance(allowed, list):
            raise bad_request("can't parse allowed_updates JSON array")
        max_connections = params.get_int("max_connections", 40) or 40
        if params.get_bool("drop_pending_updates"):
            self.state.drop_pending()
        self.state.webhook = WebhookConfig(
            url=url,
            secret_token=secret,
            max_connections=min(max(max_connections, 1), 100),
            allowed_updates=allowed or None,
        )
        self.state.updates_changed.notify()
        return True

    async def delete_webhook(self, params: Params) -> Any:
        self.state.webhook = None
        if params.get_bool("drop_pending_updates"):
            self.state.drop_pending()
        self.state.updates_changed.notify()
        return True

    async def get_webhook_info(self, params: Params) -> Any:
        hook = self.state.webhook
        info: JSON = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.pending),
        }
        if hook:
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    async def send_message(self, params: Params) -> Any:
        text = self._text(params)
        chat = self._chat(params)
        markup = self._markup(params)
        reply = self._reply_to(params, chat)
        entities = params.get_json("entities")
        content: JSON = {"text": text}
        if isinstance(entities, list) and entities:
            content["entities"] = entities
        return self._send(chat, "text", content, markup, reply)

    async def send_document(self, params: Params) -> Any:
        caption = self._text(params, "caption", required=False)
        chat = self._chat(params)
        markup = self._markup(params)
        reply = self._reply_to(params, chat)
        stored_file = self._document(params)
        document: JSON = {
            "file_id": stored_file.file_id,
            "file_unique_id": stored_file.file_unique_id,
        }
        if stored_file.filename:
            document["file_name"] = stored_file.filename
        if stored_file.mime_type:
            document["mime_type"] = stored_file.mime_type
        if stored_file.content is not None:
            document["file_size"] = len(stored_file.content)
        content: JSON = {"document": document}
        if caption:
            content["caption"] = caption
        return self._send(chat, "document", content, markup, reply, stored_file)

    def _document(self, params: Params) -> StoredFile:
        upload = params.files.get("document")
        if upload is None:
            reference = params.get_str("document", "") or ""
            if reference.startswith("attach://"):
                upload = params.files.get(reference.removeprefix("attach://"))
            elif reference in self.state.files:
                return self.state.files[reference]
            elif reference.startswith(("http://", "https://")):
                file_id, unique_id = self.state.new_file_ids()
                stored = StoredFile(file_id, unique_id, reference.rsplit("/", 1)[-1], None, None)
                self.state.files[file_id] = stored
                return stored
            elif reference:
                raise bad_request("wrong file identifier/HTTP URL specified")
        if upload is None:
            raise bad_request("there is no document in the request")
        content = upload.file.read()
        if not content:
            raise bad_request("file must be non-empty")
        file_id, unique_id = self.state.new_file_ids()
        stored = StoredFile(file_id, unique_id, upload.filename, upload.content_type, content)
        self.state.files[file_id] = stored
        return stored

    async def edit_message_text(self, params: Params) -> Any:
        text = self._text(params)
        chat = self._chat(params)
        stored = self._own_message(params, chat, "edit")
        if "text" not in stored.api:
            raise bad_request("there is no text in the message to edit")
        markup = self._markup(params)
        return self._apply_edit(stored, {"text": text}, markup)

    async def edit_message_reply_markup(self, params: Params) -> Any:
        chat = self._chat(params)
        stored = self._own_message(params, chat, "edit")
        markup = self._markup(params)
        return self._apply_edit(stored, {}, markup)

    def _apply_edit(self, stored: StoredMessage, changes: JSON, markup: JSON | None) -> Any:
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        new_markup = markup
        same = all(stored.api.get(k) == v for k, v in changes.items())
        if same and stored.api.get("reply_markup") == new_markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        if new_markup is None:
            self.state.edit_message(stored, changes, remove=("reply_markup",))
        else:
            self.state.edit_message(stored, {**changes, "reply_markup": new_markup})
        return self.state.message_api(stored)

    async def delete_message(self, params: Params) -> Any:
        chat = self._chat(params, for_sending=False)
        stored = self._own_message(params, chat, "delete")
        stored.deleted = True
        self.state.chats_changed.notify()
        return True

    async def answer_callback_query(self, params: Params) -> Any:
        query_id = params.get_str("callback_query_id")
        record = self.state.callbacks.get(query_id or "")
        if record is None or record.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get_str("text")
        if text is not None and len(text) > 200 and self.limiter.limits.text_length_enabled:
            raise bad_request("MESSAGE_TOO_LONG")
        record.answered = True
        record.answer = {
            "text": text,
            "show_alert": params.get_bool("show_alert"),
            "url": params.get_str("url"),
        }
        self.state.chats_changed.notify()
        return True

    async def send_chat_action(self, params: Params) -> Any:
        action = params.get_str("action")
        if not action:
            raise bad_request("action is empty")
        chat = self._chat(params)
        chat.last_action = action
        self.state.chats_changed.notify()
        return True

    def _scope_key(self, params: Params) -> tuple[str, str]:
        scope = params.get_json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        return json.dumps(scope, sort_keys=True), params.get_str("language_code", "") or ""

    async def set_my_commands(self, params: Params) -> Any:
        commands = params.get_json("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON array")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        for command in commands:
            name = command.get("command", "") if isinstance(command, dict) else ""
            name = name.removeprefix("/")
            if not (
                1 <= len(name) <= 32 and all(c.islower() or c.isdigit() or c == "_" for c in name)
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise bad_request("command description must be non-empty")
        self.state.commands[self._scope_key(params)] = [
            {"command": c["command"].removeprefix("/"), "description": c["description"]}
            for c in commands
        ]
        return True

    async def get_my_commands(self, params: Params) -> Any:
        return self.state.commands.get(self._scope_key(params), [])

    async def delete_my_commands(self, params: Params) -> Any:
        self.state.commands.pop(self._scope_key(params), None)
        return True

    async def get_chat(self, params: Params) -> Any:
        chat = self._chat(params, for_sending=False)
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            True,
        )
        return {
            **chat.api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    async def get_file(self, params: Params) -> Any:
        stored = self.state.files.get(params.get_str("file_id", "") or "")
        if stored is None or stored.content is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": f"documents/{stored.file_id}",
        }

    async def close(self, params: Params) -> Any:
        return True

    async def log_out(self, params: Params) -> Any:
        return True

    async def call(self, method: str, values: dict[str, Any]) -> None:
        """Run one method outside HTTP: a call carried in a webhook's answer."""
        entry = self.methods().get(method.lower())
        if entry is None:
            raise ApiError(404, "Not Found")
        _name, handler = entry
        await handler(Params(values, {}))

    def methods(self) -> dict[str, tuple[str, Callable[[Params], Awaitable[Any]]]]:
        """Lower-cased method name -> (canonical name, handler); Telegram ignores case."""
        table = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "sendDocument": self.send_document,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "sendChatAction": self.send_chat_action,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "getChat": self.get_chat,
            "getFile": self.get_file,
            "close": self.close,
            "logOut": self.log_out,
        }
        return {name.lower(): (name, handler) for name, handler in table.items()}


def _json(body: JSON, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


def _drop_connection(request: web.Request) -> web.Response:
    """Close the socket without any answer: the client sees a dropped connection."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    # aiohttp cannot write to an aborted transport; this response goes nowhere.
    return web.Response(status=204)


def add_bot_api_routes(app: web.Application, api: BotApi) -> None:
    methods = api.methods()
    state = api.state

    async def handle(request: web.Request) -> web.Response:
        if request.match_info["token"] != state.token:
            return _json(ApiError(401, "Unauthorized").to_json(), 401)
        entry = methods.get(request.match_info["method"].lower())
        if entry is None:
            return _json(ApiError(404, "Not Found").to_json(), 404)
        name, handler = entry
        state.counters.requests[name] += 1
        try:
            # Read the whole body first: a slow answer must still be processed after the
            # client gave up and closed the connection.
            params = await read_params(request)
        except ApiError as error:
            return _json(error.to_json(), error.code)
        fault = api.faults.decide(name)
        if fault is not None:
            log.debug("emulator.fault", extra={"method": name, "fault": fault.kind})
            if fault.kind == "error":
                return _json(ApiError(fault.status, "Bad Gateway").to_json(), fault.status)
            if fault.kind == "drop":
                return _drop_connection(request)
            if fault.kind == "storm":
                state.counters.rate_limited += 1
                error = ApiError(
                    429,
                    f"Too Many Requests: retry after {fault.retry_after}",
                    {"retry_after": fault.retry_after},
                )
                return _json(error.to_json(), 429)
            if fault.kind == "slow":
                await asyncio.sleep(fault.seconds)
        try:
            result = await handler(params)
        except ApiError as error:
            return _json(error.to_json(), error.code)
        if fault is not None and fault.kind == "drop_after":
            return _drop_connection(request)
        return _json({"ok": True, "result": result})

    async def download(request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != state.token:
            return _json(ApiError(401, "Unauthorized").to_json(), 401)
        file_id = request.match_info["path"].removeprefix("documents/")
        stored = state.files.get(file_id)
        if stored is None or stored.content is None:
            return _json(ApiError(404, "Not Found").to_json(), 404)
        return web.Response(body=stored.content, content_type="application/octet-stream")

    app.router.add_route("GET", "/bot{token}/{method}", handle)
    app.router.add_route("POST", "/bot{token}/{method}", handle)
    app.router.add_get("/file/bot{token}/{path:.+}", download)

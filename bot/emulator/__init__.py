"""A Telegram Bot API emulator for tests, fault tests, benchmarks and the offline demo.

The real python-telegram-bot client talks to it unmodified::

    async with EmulatorServer(token) as emu:          # binds 127.0.0.1 on a free port
        bot = Bot(token, base_url=f"{emu.api_url}/bot", base_file_url=f"{emu.api_url}/file/bot")
        emu.control.add_user(42, "Sam")
        emu.control.send_command(42, "start", "TOKEN")   # the youth taps a deep link
        reply = await emu.control.wait_for_bot_message(42)

`emu.api_url` is the value for TELEGRAM_API_URL. PTB 22 builds the request URL as
`{base_url}{token}/{method}`, so `base_url=f"{api_url}/bot"` gives `/bot{token}/{method}`;
files are served at `{api_url}/file/bot{token}/{file_path}`. `create_app()` returns the aiohttp
application (mount it or run it in-process); `python -m bot.emulator --port N --token T` runs it
standalone. This package is test/demo infrastructure: it never imports the project's domain code.

Python side: `emu.control` (`EmulatorControl`): add_user, send_text, send_command, tap_button,
send_sticker / send_photo / send_voice / send_location / send_contact, edit_message, block,
unblock; bot_messages, transcript, chat_view, document, callback_answer; async
wait_for_bot_message (a read cursor per chat, so an answer that came before the wait is not
missed); counters, reset_counters. `emu.limits` (`Limits`) and `emu.faults` (`FaultInjector`:
set_rates, next_calls, storm, clear) can be changed while running. Note: like Telegram, the bot
cannot write to a user who never wrote to it (403); let the user send /start first.

Modules: `model` (users, chats, updates), `ratelimit` (token buckets, `Limits`), `faults`
(`FaultInjector`), `botapi` (the `/bot{token}/...` handlers), `webhook` (delivery),
`control` (user side, Python and HTTP), `server` (`create_app`, `EmulatorServer`).

What is emulated
- Methods: getMe, getUpdates (long polling `timeout`, `offset` confirms, negative offsets,
  `limit`, `allowed_updates`; 409 when a webhook is set or a newer getUpdates call takes over),
  setWebhook / deleteWebhook (`drop_pending_updates`) / getWebhookInfo, sendMessage,
  sendDocument (multipart upload, filename and bytes kept; or a known file_id / URL),
  editMessageText, editMessageReplyMarkup (an edit without reply_markup removes the inline
  keyboard; an identical edit is 400 "message is not modified"), deleteMessage,
  answerCallbackQuery, sendChatAction, setMyCommands / getMyCommands / deleteMyCommands, getChat,
  getFile, close, logOut. Method names are case-insensitive. Request bodies: query string, JSON,
  form-encoded or multipart. Unknown method: 404 "Not Found"; wrong token: 401 "Unauthorized".
- Private chats only. message_id counts per chat across both sides; update_id increases from a
  seeded random start; dates come from the injectable wall clock. Commands get `bot_command`
  entities (UTF-16 offsets) like Telegram.
- Limits (`Limits`, each switchable, `Limits.off()` for the demo): per-chat bucket (1/s, burst 3)
  and global bucket (30/s, burst 30) on send* methods, answered 429 with
  `parameters.retry_after`; 403 "Forbidden: bot was blocked by the user"; 400
  "BUTTON_DATA_INVALID" for callback_data outside 1..64 UTF-8 bytes; 400 "message is too long"
  over 4096 characters (captions 1024). Always on: 400 "message text is empty", 400 "chat not
  found", 403 "bot can't initiate conversation with a user" before the user ever wrote.
- Webhooks: updates are POSTed as JSON with `X-Telegram-Bot-Api-Secret-Token`, retried with
  exponential backoff until a 2xx, one in flight per chat (order per chat kept), chats in
  parallel up to max_connections. Errors show in getWebhookInfo.
- Faults (`emu.faults`, seeded): rates or "next N calls" of `error` (5xx, default 502), `slow`
  (sleep then process: the message IS delivered late), `drop` (connection closed unanswered,
  nothing done), `drop_after` (processed, then closed unanswered: delivered but the client sees
  an error), and a 429 `storm` for a duration. Each can be limited to some methods.
- Counters (`emu.control.counters()`): requests per method, 429s served, bot messages per chat,
  webhook posts/failures, faults injected.

What is NOT emulated
- Groups, channels, inline mode, payments, business, reactions, polls, media other than the
  user-side sticker/photo/voice/location/contact and the bot-side document (sendPhoto etc. give
  404 here), inline_message_id edits, message entities validation / parse_mode rendering
  (parse_mode is accepted and ignored), the 48-hour delete rule, rate limits on edits or
  callback answers, the "random update_id after a week idle" quirk, HTTPS. Text length is
  counted in Python characters, not UTF-16 units. The control API has no authentication: bind
  it to 127.0.0.1 or put it behind the admin panel.

Control API (JSON; every answer is `{"ok": true, "result": ...}` or `{"ok": false, "error": ...}`
with 400 for bad input and 404 for unknown users/messages)
- `GET  /_emulator/state` bot, users, pending update count, webhook url, counters.
- `GET  /_emulator/users`; `POST /_emulator/users` `{"id"?, "first_name", "language_code"?,
  "last_name"?, "username"?}` creates a user (and its private chat).
- `POST /_emulator/users/{id}/text` `{"text", "reply_to"?}`; `.../command` `{"command",
  "payload"?}`; `.../tap` `{"message_id", "callback_data"? | "text"?}`; `.../sticker`
  `{"emoji"?}`; `.../photo` `{"caption"?}`; `.../voice` `{"duration"?}`; `.../location`
  `{"latitude", "longitude"}`; `.../contact` `{"phone_number", "first_name"}`; `.../edit`
  `{"message_id", "text"}`; `.../block`; `.../unblock`. Each returns the update it queued.
  A button of a custom (reply) keyboard is "tapped" by sending its label as text.
- `GET  /_emulator/chats/{id}?since_version=V&wait=S` the chat as the phone shows it:
  `{"user", "messages": [{message_id, sender: "bot"|"user", kind, date, text, buttons, edit_date,
  edits, deleted, document?...}], "reply_keyboard", "last_action", "version"}`; with `wait` it
  long-polls (max 60 s) until something changed after version V.
- `GET  /_emulator/chats/{id}/documents/{message_id}` the bytes of a document the bot sent.
- `GET  /_emulator/callbacks/{query_id}` the bot's answer to a tap (null until answered).
- `GET|DELETE /_emulator/counters` (DELETE resets them);
  `GET|PATCH /_emulator/limits` (partial `Limits` fields).
- `GET  /_emulator/faults`; `PUT /_emulator/faults/rates` `{"error_rate", "slow_rate",
  "slow_seconds", "drop_rate", "drop_after_rate", "error_status", "methods"}`;
  `POST /_emulator/faults/next` `{"kind", "count", "status"?, "seconds"?, "retry_after"?,
  "methods"?}`; `POST /_emulator/faults/storm` `{"retry_after", "seconds", "methods"?}`;
  `DELETE /_emulator/faults` clears all.
"""

from .control import CONTROL_PREFIX, EmulatorControl
from .faults import Fault, FaultInjector
from .model import EmulatorState, User
from .ratelimit import Limits, RateLimiter
from .server import CONTROL_KEY, DEFAULT_TOKEN, EmulatorServer, create_app
from .webhook import SECRET_HEADER, WebhookTiming

__all__ = [
    "CONTROL_KEY",
    "CONTROL_PREFIX",
    "DEFAULT_TOKEN",
    "SECRET_HEADER",
    "EmulatorControl",
    "EmulatorServer",
    "EmulatorState",
    "Fault",
    "FaultInjector",
    "Limits",
    "RateLimiter",
    "User",
    "WebhookTiming",
    "create_app",
]

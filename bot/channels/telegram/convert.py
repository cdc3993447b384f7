"""Telegram updates to `IncomingEvent`s; nothing Telegram-specific passes this point."""

from __future__ import annotations

from telegram import Message, Update

from bot.channels.base import IncomingEvent

CHANNEL = "telegram"

# Message attributes that carry content the bot cannot read; the flow re-asks politely.
_UNSUPPORTED = (
    "sticker",
    "photo",
    "voice",
    "video",
    "video_note",
    "audio",
    "animation",
    "document",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
)


def _command(message: Message) -> tuple[str, tuple[str, ...]] | None:
    text = message.text or ""
    entity = next(iter(message.entities or ()), None)
    if entity is None or entity.type != "bot_command" or entity.offset != 0:
        return None
    name = text[1 : entity.length].split("@", 1)[0].lower()
    args = tuple(text[entity.length :].split())
    return name, args


def _unsupported_kind(message: Message) -> str:
    for attribute in _UNSUPPORTED:
        if getattr(message, attribute, None):
            return attribute
    return "other"


def joined_group(update: Update) -> tuple[int, str] | None:
    """The id and type of a group the bot was just added to, else None."""
    member = update.my_chat_member
    if member is None or member.chat.type not in ("group", "supergroup"):
        return None
    if member.new_chat_member.status not in ("member", "administrator"):
        return None
    return member.chat.id, member.chat.type


def to_incoming_event(update: Update) -> IncomingEvent | None:
    """None for updates the service does not act on (channel posts, group noise, ...)."""
    base = {"channel": CHANNEL, "update_id": update.update_id}

    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat.id if query.message is not None else query.from_user.id
        return IncomingEvent(
            **base,
            chat_id=chat,
            user_id=query.from_user.id,
            kind="button",
            button_data=query.data,
            language_code=query.from_user.language_code,
            first_name=query.from_user.first_name,
            extra={"callback_query_id": query.id},
        )

    if update.my_chat_member is not None:
        member = update.my_chat_member
        if member.chat.type != "private":  # a group: see `joined_group`
            return None
        status = member.new_chat_member.status
        if status in ("kicked", "member"):
            return IncomingEvent(
                **base,
                chat_id=member.chat.id,
                user_id=member.from_user.id,
                kind="blocked" if status == "kicked" else "unblocked",
            )
        return None

    if update.edited_message is not None:
        message = update.edited_message
        if message.chat.type != "private" or message.from_user is None:
            return None
        return IncomingEvent(
            **base,
            chat_id=message.chat.id,
            user_id=message.from_user.id,
            kind="unsupported",
            unsupported_kind="edited",
        )

    message = update.message
    if message is None or message.chat.type != "private" or message.from_user is None:
        return None
    person = {
        "chat_id": message.chat.id,
        "user_id": message.from_user.id,
        "language_code": message.from_user.language_code,
        "first_name": message.from_user.first_name,
    }
    if message.text is not None:
        command = _command(message)
        if command is not None:
            name, args = command
            return IncomingEvent(**base, **person, kind="command", command=name, args=args)
        # A reply (swipe -> Reply) names the message it answers: coordinators answer a youth
        # by replying to the alert or relayed message, which is how we know which youth.
        extra = {}
        if message.reply_to_message is not None:
            extra["reply_to_message_id"] = message.reply_to_message.message_id
        return IncomingEvent(**base, **person, kind="text", text=message.text, extra=extra)
    return IncomingEvent(
        **base, **person, kind="unsupported", unsupported_kind=_unsupported_kind(message)
    )

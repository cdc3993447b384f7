"""Replies go to the outbox in the caller's transaction and to the youth's timeline."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import Button, OutgoingMessage
from bot.delivery.outbox import PRIORITY_REPLY, enqueue
from bot.i18n import bidi_safe
from bot.models import ChatMessage

ButtonRows = tuple[tuple[Button, ...], ...]


async def reply(
    session: AsyncSession,
    *,
    chat_id: int,
    text: str,
    now: datetime,
    youth_id: int | None = None,
    staff_user_id: int | None = None,
    buttons: ButtonRows = (),
    priority: int = PRIORITY_REPLY,
    requires_consent: bool = False,
    automated: bool = False,
    language: str = "nl",
) -> None:
    # Right-to-left languages need isolation marks around names and numbers ("113.nl").
    text = bidi_safe(text, language)
    message = OutgoingMessage(chat_id=chat_id, text=text, buttons=buttons)
    row = await enqueue(
        session,
        message,
        youth_id=youth_id,
        staff_user_id=staff_user_id,
        priority=priority,
        requires_consent=requires_consent,
        automated=automated,
        now=now,
        flush=False,  # nobody needs the id before commit; one flush writes all of a step's rows
    )
    session.add(
        ChatMessage(
            youth_id=youth_id,
            staff_user_id=staff_user_id,
            direction="out",
            kind="text",
            text=text,
            created_at=now,
            # The relationship, not the id: the row has none until the step's one flush, which
            # inserts the outbox row first and then fills this message's `outbox_id`.
            outbox=row,
        )
    )


async def log_inbound(
    session: AsyncSession,
    *,
    kind: str,
    text: str | None,
    now: datetime,
    youth_id: int | None = None,
    staff_user_id: int | None = None,
) -> None:
    session.add(
        ChatMessage(
            youth_id=youth_id,
            staff_user_id=staff_user_id,
            direction="in",
            kind=kind,
            text=text,
            created_at=now,
        )
    )

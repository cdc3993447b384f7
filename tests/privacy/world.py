"""A youth with a row in every table that can refer to them, for export and erasure tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    Answer,
    ChatMessage,
    ConsentEvent,
    Conversation,
    DomainEvent,
    Escalation,
    OutboxMessage,
    ScheduledContact,
    School,
    Signal,
    Youth,
)
from tests import factories


@dataclass
class Person:
    youth: Youth
    answer_text: str
    message_text: str
    pause_reason: str
    invite_token: str


async def populate(
    session: AsyncSession,
    now: datetime,
    school: School,
    *,
    first_name: str,
    student_number: str,
    chat_id: int,
    leaving_date: date = date(2026, 7, 1),
) -> Person:
    youth = await factories.youth(
        session,
        now,
        school,
        first_name=first_name,
        student_number=student_number,
        leaving_date=leaving_date,
    )
    assert youth.id is not None
    youth.telegram_chat_id = chat_id
    youth.telegram_user_id = chat_id
    pause_reason = f"{first_name} zit even in het ziekenhuis na een ongeluk"
    youth.pause_reason = pause_reason
    token = await factories.invitation(session, now, youth_row=youth)
    session.add(
        ConsentEvent(
            youth_id=youth.id,
            purpose="checkins",
            action="granted",
            given_by="youth",
            text_version="v1",
            text_sha256="0" * 64,
            channel="telegram",
            recorded_at=now,
        )
    )
    contact = ScheduledContact(
        youth_id=youth.id, key="checkin:m3", kind="checkin", series="m", label="m3", due_at=now
    )
    session.add(contact)
    await session.flush()
    conversation = Conversation(
        youth_id=youth.id,
        flow_id="checkin",
        contact_id=contact.id,
        started_at=now,
        updated_at=now,
    )
    session.add(conversation)
    await session.flush()
    answer_text = f"Ik heb schulden bij de bank van {student_number} euro en slaap slecht"
    session.add(
        Answer(
            youth_id=youth.id,
            conversation_id=conversation.id,
            key="help_text",
            value=answer_text,
            node_id="help",
            answered_at=now,
        )
    )
    message_text = f"Mijn moeder weet het niet, bericht {student_number}"
    session.add(
        ChatMessage(
            youth_id=youth.id, direction="in", kind="text", text=message_text, created_at=now
        )
    )
    escalation = Escalation(youth_id=youth.id, severity="high", opened_at=now)
    session.add(escalation)
    await session.flush()
    session.add(
        Signal(
            youth_id=youth.id,
            rule_id="debt",
            severity="high",
            source_key=f"answer:{conversation.id}",
            fired_at=now,
            escalation_id=escalation.id,
            reason={"evidence": [{"key": "money", "value": "achterstand met de huur"}]},
        )
    )
    # Sent to the youth's chat before their record was linked: found through chat_id only.
    session.add(
        OutboxMessage(
            chat_id=chat_id,
            youth_id=None,
            payload={"text": f"Hoi {first_name}, hoe gaat het met je geld?"},
            not_before=now,
            created_at=now - timedelta(minutes=1),
        )
    )
    session.add(DomainEvent(kind="bot_blocked", youth_id=youth.id, occurred_at=now))
    await session.flush()
    return Person(youth, answer_text, message_text, pause_reason, token)

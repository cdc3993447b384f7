"""Onboarding through the router: /start TOKEN, consent, /stop, odd tokens, duplicates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot.models import ConsentEvent, OutboxMessage, ScheduledContact, StaffUser, Youth
from flows import callback
from tests import factories

pytestmark = pytest.mark.db


async def _seed(database, now, **youth_fields):
    async with database.transaction() as session:
        region = await factories.region(session)
        school = await factories.school(session, region)
        coordinator = await factories.coordinator(session, now, region)
        youth = await factories.youth(
            session, now, school, coordinator_row=coordinator, **youth_fields
        )
        token = await factories.invitation(session, now, youth_row=youth)
    return youth.id, token


async def _outbox(database, chat_id):
    async with database.session() as session:
        rows = (
            await session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.chat_id == chat_id)
                .order_by(OutboxMessage.id)
            )
        ).all()
    return rows


def _button(rows, label_part):
    for row in reversed(rows):
        for button_row in row.payload.get("buttons", []):
            for button in button_row:
                if label_part in button["label"]:
                    return button["data"]
    raise AssertionError(f"no button with {label_part!r}")


async def test_start_with_invite_links_greets_and_asks_consent(harness, database, clock):
    youth_id, token = await _seed(database, clock.now())
    await harness.send(501, "command", command="start", args=(token,))
    messages = await _outbox(database, 501)
    texts = [m.payload["text"] for m in messages]
    assert texts[0].startswith("Hoi Sem!")
    assert any("Anouk" in t for t in texts)
    assert "Ja, dat is goed" in str(messages[-1].payload["buttons"])
    async with database.session() as session:
        youth = await session.get(Youth, youth_id)
    assert youth.telegram_chat_id == 501


async def test_consent_is_recorded_with_the_text_hash_and_plans_checkins(harness, database, clock):
    youth_id, token = await _seed(database, clock.now())
    await harness.send(502, "command", command="start", args=(token,))
    data = _button(await _outbox(database, 502), "Ja, dat is goed")
    assert callback.is_conversation_callback(data)
    await harness.send(502, "button", button_data=data)
    async with database.session() as session:
        events = (
            await session.exec(select(ConsentEvent).where(ConsentEvent.youth_id == youth_id))
        ).all()
        contacts = (
            await session.exec(
                select(ScheduledContact).where(ScheduledContact.youth_id == youth_id)
            )
        ).all()
    assert [(e.action, e.given_by, e.purpose) for e in events] == [("granted", "youth", "checkins")]
    assert len(events[0].text_sha256) == 64
    assert events[0].text_version.startswith("onboarding@")
    assert {c.key for c in contacts} >= {"checkin:m3", "checkin:m6", "checkin:m9", "checkin:m12"}


async def test_stop_withdraws_in_one_step_and_cancels_future_contacts(harness, database, clock):
    youth_id, token = await _seed(database, clock.now())
    await harness.send(503, "command", command="start", args=(token,))
    await harness.send(
        503, "button", button_data=_button(await _outbox(database, 503), "Ja, dat is goed")
    )
    await harness.send(503, "text", text="Stoppen")
    async with database.session() as session:
        actions = [
            e.action
            for e in (
                await session.exec(
                    select(ConsentEvent)
                    .where(ConsentEvent.youth_id == youth_id)
                    .order_by(ConsentEvent.id)
                )
            ).all()
        ]
        planned = (
            await session.exec(
                select(ScheduledContact).where(
                    ScheduledContact.youth_id == youth_id,
                    ScheduledContact.kind == "checkin",
                    ScheduledContact.status == "planned",
                )
            )
        ).all()
    assert actions == ["granted", "withdrawn"]
    assert planned == []
    last = (await _outbox(database, 503))[-1].payload["text"]
    assert "/start" in last


async def test_under_16_needs_a_representative(harness, database, clock):
    youth_id, token = await _seed(database, clock.now(), date_of_birth=date(2011, 1, 1))
    await harness.send(504, "command", command="start", args=(token,))
    await harness.send(
        504, "button", button_data=_button(await _outbox(database, 504), "Ja, dat is goed")
    )
    texts = [m.payload["text"] for m in await _outbox(database, 504)]
    assert any("ouder, verzorger of mentor" in t for t in texts)
    async with database.session() as session:
        checkins = (
            await session.exec(
                select(ScheduledContact).where(
                    ScheduledContact.youth_id == youth_id, ScheduledContact.kind == "checkin"
                )
            )
        ).all()
    assert checkins == []
    assert ("event", "representative_needed") in harness.watchers.calls


@pytest.mark.parametrize("payload", ["nonsense", "x" * 80, "abc$%^", None])
async def test_bad_or_missing_tokens_get_a_friendly_answer(harness, database, clock, payload):
    await _seed(database, clock.now())
    args = (payload,) if payload else ()
    await harness.send(505, "command", command="start", args=args)
    [message] = await _outbox(database, 505)
    assert "school" in message.payload["text"].lower()


async def test_expired_and_used_tokens_are_refused(harness, database, clock):
    _, token = await _seed(database, clock.now())
    clock.advance(timedelta(days=91))
    await harness.send(506, "command", command="start", args=(token,))
    assert "verlopen" in (await _outbox(database, 506))[-1].payload["text"]


async def test_a_token_links_only_once(harness, database, clock):
    youth_id, token = await _seed(database, clock.now())
    await harness.send(507, "command", command="start", args=(token,))
    await harness.send(508, "command", command="start", args=(token,))
    assert "al gebruikt" in (await _outbox(database, 508))[-1].payload["text"]
    async with database.session() as session:
        assert (await session.get(Youth, youth_id)).telegram_user_id == 507


async def test_second_start_from_a_linked_chat_links_nothing_twice(harness, database, clock):
    _youth_id, token = await _seed(database, clock.now())
    await harness.send(509, "command", command="start", args=(token,))
    await harness.send(
        509, "button", button_data=_button(await _outbox(database, 509), "Ja, dat is goed")
    )
    await harness.send(509, "command", command="start", args=(token,))
    assert "al aangemeld" in (await _outbox(database, 509))[-1].payload["text"]


async def test_a_redelivered_update_is_handled_once(harness, database, clock):
    _, token = await _seed(database, clock.now())
    from bot.channels.base import IncomingEvent

    event = IncomingEvent(
        channel="test",
        update_id=77,
        chat_id=510,
        user_id=510,
        kind="command",
        command="start",
        args=(token,),
    )
    await harness.router.handle(event)
    count = len(await _outbox(database, 510))
    await harness.router.handle(event)
    assert len(await _outbox(database, 510)) == count


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("/", "Dat ken ik niet"), (" /help", "is je begeleider"), ("/ taal", "In welke taal")],
)
async def test_text_typed_like_a_command_is_answered_as_one(
    harness, database, clock, typed, expected
):
    """Telegram marks "/help" as a command, but not a lone "/" or " /help": the open question
    must not swallow them without a word."""
    _, token = await _seed(database, clock.now())
    await harness.send(512, "command", command="start", args=(token,))
    before = len(await _outbox(database, 512))
    await harness.send(512, "text", text=typed)
    answers = (await _outbox(database, 512))[before:]
    assert len(answers) == 1
    assert expected in answers[0].payload["text"]


async def test_crisis_words_go_to_the_crisis_watcher_first(harness, database, clock):
    _, token = await _seed(database, clock.now())
    await harness.send(511, "command", command="start", args=(token,))
    before = len(await _outbox(database, 511))
    await harness.send(511, "text", text="ik denk aan zelfmoord")
    assert ("crisis", 1) in harness.watchers.calls or any(
        c[0] == "crisis" for c in harness.watchers.calls
    )
    assert len(await _outbox(database, 511)) == before  # the watcher replies, not the flow


async def test_a_late_yes_brings_the_missed_checkin_that_is_still_worth_sending(
    harness, database, clock
):
    # Left school four months ago: month 3 has passed, month 6 has not.
    youth_id, token = await _seed(database, clock.now(), leaving_date=date(2026, 5, 1))
    await harness.send(512, "command", command="start", args=(token,))
    await harness.send(
        512, "button", button_data=_button(await _outbox(database, 512), "Ja, dat is goed")
    )
    async with database.session() as session:
        rows = {
            r.key: r
            for r in (
                await session.exec(
                    select(ScheduledContact).where(ScheduledContact.youth_id == youth_id)
                )
            ).all()
        }
    assert rows["checkin:m3"].status == "planned"
    assert rows["checkin:m3"].due_at < clock.now() < rows["checkin:m3"].expires_at
    assert rows["checkin:m6"].due_at > clock.now()


@pytest.mark.parametrize("language", ["nl", "en", "ar", "tr", "pl", "uk"])
async def test_a_stranger_writing_crisis_words_still_gets_the_hotlines(harness, database, language):
    from bot.crisis.replies import crisis_reply_for_stranger

    await harness.send(513, "text", text="ik wil dood", language_code=language)
    [message] = await _outbox(database, 513)
    text = crisis_reply_for_stranger(language)
    assert "113" in text and "112" in text and "{coordinator}" not in text
    assert (
        message.payload["text"].replace("\u2068", "").replace("\u2069", "").replace("\u200f", "")
        == text
    )
    assert message.priority > 10


async def test_the_data_export_says_who_viewed_the_record(database, clock):
    from bot.audit import AuditAction, record_event
    from bot.privacy.export import export_youth

    youth_id, _token = await _seed(database, clock.now())
    async with database.transaction() as session:
        viewer = (await session.exec(select(StaffUser))).first()
        await record_event(
            session, clock, action=AuditAction.VIEW_YOUTH, actor_id=viewer.id, youth_id=youth_id
        )
    async with database.session() as session:
        data = await export_youth(session, youth_id)
    [access] = data["record_access"]
    assert access["by"] == "Anouk" and access["role"] == "coordinator"
    assert access["action"] == AuditAction.VIEW_YOUTH

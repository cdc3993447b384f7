"""Updates that arrive together share one transaction, and still count one by one: each is
stored once, a duplicate is ignored, and a broken one fails alone without taking the others
down with it."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, update
from sqlmodel import col, func, select

from bot.channels.base import IncomingEvent
from bot.models import Answer, ChatMessage, Conversation, InboundUpdate, OutboxMessage, Youth
from flows import callback
from tests import factories

pytestmark = pytest.mark.db

YOUTHS = 12


class Boom(RuntimeError):
    pass


async def _youths_in_a_checkin(harness, count: int = YOUTHS) -> dict[int, str]:
    """`count` linked youths, each with the check-in's first question open: chat -> the
    callback data of its first answer button."""
    now = harness.clock.now()
    first_buttons: dict[int, str] = {}
    async with harness.database.transaction() as session:
        school = await factories.school(session, await factories.region(session))
        for number in range(count):
            chat = 5000 + number
            youth = await factories.youth(session, now, school, student_number=str(chat))
            youth.telegram_user_id = youth.telegram_chat_id = chat
            session.add(youth)
            progress = await harness.router.runner.start(session, youth, "checkin", now)
            data = [
                button.callback_data
                for message in progress.step.messages
                for row in message.buttons
                for button in row
            ]
            assert data and callback.is_conversation_callback(data[0])
            first_buttons[chat] = data[0]
    return first_buttons


def _tap(chat: int, data: str, update_id: int) -> IncomingEvent:
    return IncomingEvent(
        channel="test",
        update_id=update_id,
        chat_id=chat,
        user_id=chat,
        kind="button",
        button_data=data,
    )


def _text(chat: int, text: str, update_id: int) -> IncomingEvent:
    return IncomingEvent(
        channel="test", update_id=update_id, chat_id=chat, user_id=chat, kind="text", text=text
    )


def _count_commits(harness) -> list[int]:
    commits = [0]

    def on_commit(_connection) -> None:
        commits[0] += 1

    event.listen(harness.database.engine.sync_engine, "commit", on_commit)
    return commits


async def _answers_per_youth(harness) -> dict[int, int]:
    async with harness.database.session() as session:
        rows = (
            await session.exec(
                select(Youth.telegram_chat_id, func.count(col(Answer.id)))
                .join(Answer, col(Answer.youth_id) == col(Youth.id))
                .group_by(col(Youth.telegram_chat_id))
            )
        ).all()
    return dict(rows)


async def _replies_per_chat(harness) -> dict[int, int]:
    async with harness.database.session() as session:
        rows = (
            await session.exec(
                select(OutboxMessage.chat_id, func.count(col(OutboxMessage.id))).group_by(
                    col(OutboxMessage.chat_id)
                )
            )
        ).all()
    return dict(rows)


async def test_answers_arriving_together_share_a_transaction_and_are_each_stored_once(harness):
    first_buttons = await _youths_in_a_checkin(harness)
    replies_before = await _replies_per_chat(harness)
    commits = _count_commits(harness)

    await asyncio.gather(
        *(
            harness.router.handle(_tap(chat, data, 100 + number))
            for number, (chat, data) in enumerate(first_buttons.items())
        )
    )

    assert 1 <= commits[0] < YOUTHS  # shared, not one per answer
    assert await _answers_per_youth(harness) == dict.fromkeys(first_buttons, 1)
    replies_after = await _replies_per_chat(harness)
    assert {chat: replies_after[chat] - replies_before[chat] for chat in first_buttons} == (
        dict.fromkeys(first_buttons, 1)
    )


async def test_a_duplicate_in_the_same_batch_is_ignored(harness):
    first_buttons = await _youths_in_a_checkin(harness, count=2)
    (chat, data), (other, other_data) = first_buttons.items()

    await asyncio.gather(
        harness.router.handle(_tap(chat, data, 7)),
        harness.router.handle(_tap(chat, data, 7)),  # Telegram delivered it twice
        harness.router.handle(_tap(other, other_data, 8)),
    )

    assert await _answers_per_youth(harness) == {chat: 1, other: 1}
    async with harness.database.session() as session:
        claimed = (await session.exec(select(InboundUpdate.update_id))).all()
        taps = (
            await session.exec(
                select(func.count(col(ChatMessage.id))).where(
                    ChatMessage.direction == "in", ChatMessage.youth_id.is_not(None)
                )
            )
        ).one()
    assert sorted(claimed) == [7, 8]
    assert taps == 2


async def test_a_broken_update_fails_alone_and_the_others_in_its_batch_are_committed(harness):
    first_buttons = await _youths_in_a_checkin(harness, count=4)
    chats = list(first_buttons)
    broken_chat = chats[1]

    async def handoff_that_breaks(session, youth, reason, text, now) -> None:
        raise Boom("the signals service failed")

    harness.watchers.handoff = handoff_that_breaks  # a free-text message asks for a person
    broken = _text(broken_chat, "kan iemand mij bellen?", 300)
    # The broken youth's check-in is closed first, so their text goes to the coordinator.
    async with harness.database.transaction() as session:
        youth = (
            await session.exec(select(Youth).where(Youth.telegram_chat_id == broken_chat))
        ).one()
        conversation = await harness.router.runner.active_conversation(session, youth)
        await harness.router.runner.expire(session, conversation, harness.clock.now())

    results = await asyncio.gather(
        *(
            harness.router.handle(broken)
            if chat == broken_chat
            else harness.router.handle(_tap(chat, first_buttons[chat], 200 + number))
            for number, chat in enumerate(chats)
        ),
        return_exceptions=True,
    )

    assert [type(result) for result in results] == [
        type(None),
        Boom,
        type(None),
        type(None),
    ]
    assert await _answers_per_youth(harness) == {chat: 1 for chat in chats if chat != broken_chat}
    async with harness.database.session() as session:
        claimed = sorted((await session.exec(select(InboundUpdate.update_id))).all())
    # The broken update was not claimed: Telegram's redelivery will be handled, not ignored.
    assert claimed == [200, 202, 203]


async def test_after_a_coordinators_update_the_rest_of_the_batch_looks_up_afresh(harness):
    """Lookups are fetched for the whole batch up front; an update that is not a youth's own
    (here a coordinator's, closing a youth's check-in) must not leave later ones with stale
    values."""
    first_buttons = await _youths_in_a_checkin(harness, count=2)
    (chat, data), (closed_chat, closed_data) = first_buttons.items()
    staff_chat = 9000
    async with harness.database.transaction() as session:
        staff = await factories.coordinator(
            session, harness.clock.now(), await factories.region(session, name="Elders")
        )
        staff.telegram_chat_id = staff_chat
        session.add(staff)

    async def coordinator_closes_the_check_in(session, staff, event, now) -> None:
        # A statement, not the loaded object: whatever was read before cannot see it.
        closed = select(Youth.id).where(Youth.telegram_chat_id == closed_chat).scalar_subquery()
        await session.exec(
            update(Conversation)
            .where(col(Conversation.youth_id) == closed, Conversation.status == "active")
            .values(status="expired", finished_at=now)
        )

    harness.watchers.coordinator_update = coordinator_closes_the_check_in
    from_staff = _text(staff_chat, "ok", 400)

    await asyncio.gather(
        harness.router.handle(_tap(chat, data, 401)),
        harness.router.handle(from_staff),
        harness.router.handle(_tap(closed_chat, closed_data, 402)),
    )

    # The closed check-in took no answer: the tap came after the coordinator closed it.
    assert await _answers_per_youth(harness) == {chat: 1}

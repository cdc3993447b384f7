"""Onboarding, commands and consent through the real python-telegram-bot client and the emulator.

The service is assembled by the composition root (`build_parts`); only the clock is manual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot.channels.telegram import TelegramChannel, make_bot
from bot.config import Settings
from bot.emulator import EmulatorServer
from bot.emulator.ratelimit import Limits
from bot.models import ConsentEvent, OutboxMessage, ScheduledContact, Youth
from bot.service.build import build_parts
from tests import factories

pytestmark = pytest.mark.db
TOKEN = "777:onboarding-test"


@dataclass
class Phone:
    """The service plus the emulator's user side, pumped by hand so tests stay deterministic."""

    emulator: EmulatorServer
    parts: object
    bot: object
    offset: int | None = None

    async def pump(self) -> None:
        updates = await self.bot.get_updates(offset=self.offset, timeout=0)
        if updates:
            await self.parts.processor.process_batch(updates)
            self.offset = updates[-1].update_id + 1
        await self.parts.dispatcher.drain()
        await self.parts.watchers.settle()

    def texts(self, chat: int) -> list[str]:
        return [
            m["text"] or m.get("caption") or "" for m in self.emulator.control.bot_messages(chat)
        ]

    def last(self, chat: int) -> dict:
        return self.emulator.control.bot_messages(chat)[-1]

    async def tap(self, chat: int, label: str) -> None:
        for message in reversed(self.emulator.control.bot_messages(chat)):
            for row in message.get("buttons") or []:
                for button in row:
                    if button["text"] == label:
                        self.emulator.control.tap_button(
                            chat, message["message_id"], button["callback_data"]
                        )
                        await self.pump()
                        return
        raise AssertionError(f"no button {label!r} in chat {chat}")

    async def say(self, chat: int, text: str) -> None:
        self.emulator.control.send_text(chat, text)
        await self.pump()

    async def command(self, chat: int, name: str, payload: str | None = None) -> None:
        self.emulator.control.send_command(chat, name, payload)
        await self.pump()


@pytest.fixture
async def phone(database, database_url, clock):
    async with EmulatorServer(token=TOKEN, limits=Limits.off()) as emulator:
        settings = Settings(
            database_url=database_url, telegram_token=TOKEN, telegram_api_url=emulator.api_url
        )
        bot = make_bot(TOKEN, emulator.api_url)
        await bot.initialize()
        parts = build_parts(settings, clock, TelegramChannel(bot), bot, worker_id="test")
        parts.dispatcher.per_chat_interval = 0.0
        try:
            yield Phone(emulator, parts, bot)
        finally:
            await parts.watchers.settle()
            await parts.services.database.dispose()
            await bot.shutdown()


async def _invite(database, clock, **fields) -> tuple[int, str]:
    async with database.transaction() as session:
        school = (await session.exec(select(factories.School))).first()
        if school is None:
            region = await factories.region(session)
            school = await factories.school(session, region)
            await factories.coordinator(session, clock.now(), region)
        coordinator = (await session.exec(select(factories.StaffUser))).first()
        youth = await factories.youth(
            session, clock.now(), school, coordinator_row=coordinator, **fields
        )
        token = await factories.invitation(session, clock.now(), youth_row=youth)
    return youth.id, token


async def _ledger(database, youth_id: int) -> list[str]:
    async with database.session() as session:
        rows = (
            await session.exec(
                select(ConsentEvent)
                .where(ConsentEvent.youth_id == youth_id)
                .order_by(ConsentEvent.id)
            )
        ).all()
    return [row.action for row in rows]


async def test_a_youth_joins_reads_their_data_changes_language_and_stops(phone, database, clock):
    youth_id, token = await _invite(database, clock, language="en", first_name="Mila")
    phone.emulator.control.add_user(601, "Mila", "en")
    await phone.command(601, "start", token)
    assert phone.texts(601)[0].startswith("Hi Mila"), "greeted by first name, in their language"
    assert "/stop" in " ".join(phone.texts(601))
    await phone.tap(601, "Yes, that's fine")
    assert await _ledger(database, youth_id) == ["granted"]

    await phone.command(601, "mijngegevens")
    assert "Anouk" in phone.last(601)["text"]
    await phone.tap(601, "Send me everything")
    document = phone.last(601)
    assert document["kind"] == "document"
    _name, content = phone.emulator.control.document(601, document["message_id"])
    assert b'"first_name": "Mila"' in content and b"record_access" in content

    await phone.command(601, "help")
    assert "Anouk" in phone.last(601)["text"]

    await phone.command(601, "taal")
    await phone.tap(601, "العربية")
    async with database.session() as session:
        assert (await session.get(Youth, youth_id)).language == "ar"

    await phone.say(601, "stop")
    assert await _ledger(database, youth_id) == ["granted", "withdrawn"]
    assert "/start" in phone.last(601)["text"]


async def test_every_wrong_way_in_gets_a_friendly_truthful_answer(phone, database, clock):
    youth_id, token = await _invite(database, clock)
    control = phone.emulator.control
    for chat, payload in ((611, None), (612, "nope"), (613, "x" * 70), (614, "abc$%")):
        control.add_user(chat, "Sam", "nl")
        # A deep link cannot carry the last two; typing them by hand can.
        await phone.say(chat, f"/start {payload}" if payload else "/start")
        assert "school" in phone.last(chat)["text"].lower(), payload

    control.add_user(615, "Sem", "nl")
    await phone.command(615, "start", token)
    control.add_user(616, "Iemand", "nl")
    await phone.command(616, "start", token)
    assert "al gebruikt" in phone.last(616)["text"], "a link works once"
    await phone.command(615, "start", token)
    assert "Welkom terug" in " ".join(phone.texts(615)) or "al aangemeld" in phone.last(615)["text"]
    async with database.session() as session:
        assert (await session.get(Youth, youth_id)).telegram_user_id == 615

    _expired_id, expired = await _invite(database, clock, student_number="2002")
    clock.advance(timedelta(days=91))
    control.add_user(617, "Laat", "nl")
    await phone.command(617, "start", expired)
    assert "verlopen" in phone.last(617)["text"]


async def test_no_question_and_odd_input_in_the_onboarding(phone, database, clock):
    youth_id, token = await _invite(database, clock, participation="onbekend")
    phone.emulator.control.add_user(621, "Sem", "nl")
    await phone.command(621, "start", token)
    phone.emulator.control.send_sticker(621)
    await phone.pump()
    assert "knoppen" in " ".join(phone.texts(621)[-2:]).lower(), "a sticker gets a kind re-ask"
    await phone.tap(621, "Nee, liever niet")
    assert await _ledger(database, youth_id) == ["declined"]
    async with database.session() as session:
        contacts = (
            await session.exec(
                select(ScheduledContact).where(ScheduledContact.youth_id == youth_id)
            )
        ).all()
        youth = await session.get(Youth, youth_id)
    assert youth.participation == "nee"
    assert [c.kind for c in contacts if c.status == "planned"] == ["reoffer"]
    assert contacts[0].nominal_date == date(2027, 7, 1), "one year after leaving"


async def test_a_question_reaches_the_coordinator(phone, database, clock):
    _youth_id, token = await _invite(database, clock)
    async with database.transaction() as session:
        coordinator = (await session.exec(select(factories.StaffUser))).first()
        coordinator_token = await factories.invitation(session, clock.now(), staff_row=coordinator)
    phone.emulator.control.add_user(700, "Anouk", "nl")
    await phone.command(700, "start", coordinator_token)
    assert "meldingen" in phone.last(700)["text"]
    phone.emulator.control.add_user(631, "Sem", "nl")
    await phone.command(631, "start", token)
    await phone.tap(631, "Ik heb een vraag")
    assert any("Sem" in text for text in phone.texts(700)), "the coordinator hears of it"


async def test_under_sixteen_needs_a_representative_and_dagbesteding_gets_no_checkins(
    phone, database, clock
):
    young_id, young_token = await _invite(database, clock, date_of_birth=date(2011, 2, 1))
    phone.emulator.control.add_user(641, "Sem", "nl")
    await phone.command(641, "start", young_token)
    await phone.tap(641, "Ja, dat is goed")
    assert "ouder, verzorger of mentor" in phone.last(641)["text"]
    async with database.session() as session:
        checkins = (
            await session.exec(
                select(ScheduledContact).where(
                    ScheduledContact.youth_id == young_id, ScheduledContact.kind == "checkin"
                )
            )
        ).all()
    assert checkins == []

    async with database.transaction() as session:
        school = (await session.exec(select(factories.School))).first()
        youth = await factories.youth(
            session, clock.now(), school, student_number="3003", profile="dagbesteding"
        )
        token = await factories.invitation(session, clock.now(), youth_row=youth)
    phone.emulator.control.add_user(642, "Sem", "nl")
    await phone.command(642, "start", token)
    assert "Stuur hier een bericht" in phone.last(642)["text"]
    assert not phone.last(642).get("buttons"), "nothing to consent to: help on request only"


async def test_a_withdrawal_racing_a_scheduled_send_wins(phone, database, clock):
    youth_id, token = await _invite(database, clock)
    phone.emulator.control.add_user(651, "Sem", "nl")
    await phone.command(651, "start", token)
    await phone.tap(651, "Ja, dat is goed")
    before = len(phone.texts(651))
    async with database.transaction() as session:
        youth = await session.get(Youth, youth_id)
        await phone.parts.router.runner.start(
            session, youth, "checkin", clock.now(), automated=True
        )
    # The check-in is in the outbox, not yet sent; the youth says stop first.
    phone.emulator.control.send_text(651, "stop")
    updates = await phone.bot.get_updates(offset=phone.offset, timeout=0)
    await phone.parts.processor.process_batch(updates)
    phone.offset = updates[-1].update_id + 1
    await phone.parts.dispatcher.drain()
    sent = phone.texts(651)[before:]
    assert not any("Hoe gaat het" in text for text in sent), "no check-in after the stop"
    assert any("/start" in text for text in sent)
    async with database.session() as session:
        cancelled = (
            await session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.youth_id == youth_id, OutboxMessage.status == "cancelled"
                )
            )
        ).all()
    assert cancelled, "the check-in was cancelled at send time"

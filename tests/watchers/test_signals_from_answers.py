"""Every signal rule fires from real answers (or events) through Telegram, stored once each."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from bot.models import Conversation, Signal
from bot.signals import load_rules
from bot.watchers import signals_for

from .conftest import COORDINATOR_CHAT

pytestmark = pytest.mark.db


async def _signals(world, youth_id=None):
    async with world.database.session() as session:
        statement = select(Signal).order_by(Signal.id)
        if youth_id is not None:
            statement = statement.where(Signal.youth_id == youth_id)
        return list((await session.exec(statement)).all())


def _alerts_about(world, first_name):
    return [
        t
        for t in world.texts(COORDINATOR_CHAT)
        if t.startswith(("In Beeld:", "DRINGEND")) and f"{first_name} (" in t
    ]


async def test_every_rule_fires_from_real_answers_and_events(world):
    # Sem turns 21 in 30 days and works: two check-ins, the second 2 points lower.
    sem = await world.onboard(601, first_name="Sem", date_of_birth=date(2005, 10, 1))
    await world.start_checkin(sem)
    await world.answer(601, "😄", "Werk", "Ja", "Ja, dat is geregeld", "Ik heb een vast contract")
    await world.answer(601, "Nee, nu niet", "Sla over")
    first = {s.rule_id for s in await _signals(world, sem)}
    assert first == {"wordt_21_met_werk"}

    await world.start_checkin(sem)
    await world.answer(
        601, "😐", "Werk", "Nee", "Ik maak me zorgen", "Binnen 1 maand", "Iets anders"
    )
    await world.say(601, "mijn huur is te hoog")
    await world.answer(601, "Ja, bel me", "Sla over")
    second = {s.rule_id for s in await _signals(world, sem)} - first
    assert second == {
        "stemming_laag",
        "werk_of_school_gaat_niet_goed",
        "zorgen_loon_21",
        "contract_loopt_af",
        "hulp_gevraagd_anders",
        "wil_gebeld_worden",
    }
    # One open escalation collects the second check-in's signals: one alert for Sem, not two.
    alerts = _alerts_about(world, "Sem")
    assert len(alerts) == 1
    assert all("Achternaam" not in t and "huur" not in t for t in world.texts(COORDINATOR_CHAT))
    [escalation] = await world.escalations(sem)
    assert {s.escalation_id for s in await _signals(world, sem)} == {escalation.id}

    # Lisa does nothing at the moment, takes a rest, feels bad and needs money help.
    lisa = await world.onboard(602, first_name="Lisa")
    await world.start_checkin(lisa)
    await world.answer(602, "😞", "Niks op dit moment", "Ik neem even rust", "Geld")
    await world.answer(602, "Ja, bel me", "Sla over")
    assert {s.rule_id for s in await _signals(world, lisa)} == {
        "stemming_laag",
        "geen_werk_of_school",
        "neemt_rust",
        "hulp_gevraagd",
        "wil_gebeld_worden",
    }

    # Noor said no, and says yes to the re-offer a year later.
    noor = await world.onboard(603, first_name="Noor", consent=False)
    await world.tap(603, "Nee, liever niet")
    await world.start_checkin(noor, flow="reoffer")
    await world.tap(603, "Ja graag")
    assert "heraanbod_ja" in {s.rule_id for s in await _signals(world, noor)}

    # Daan blocks the bot (Telegram's my_chat_member "kicked").
    daan = await world.onboard(604, first_name="Daan")
    world.emu.control.block(604)
    await world.pump()
    assert {s.rule_id for s in await _signals(world, daan)} == {"bot_geblokkeerd"}

    # Fleur stays silent after every nudge (the outreach tick reports it).
    fleur = await world.onboard(605, first_name="Fleur")
    async with world.database.transaction() as session:
        youth = await session.get(type(await world.youth(fleur)), fleur)
        await world.watchers.youth_event(session, youth, "silent_after_nudges", world.clock.now())
    await world.pump()
    assert {s.rule_id for s in await _signals(world, fleur)} == {"uit_beeld"}

    # Mila writes crisis words.
    mila = await world.onboard(606, first_name="Mila")
    await world.say(606, "ik wil dood")
    assert {s.rule_id for s in await _signals(world, mila)} == {"crisistaal"}

    fired = {s.rule_id for s in await _signals(world)}
    assert fired >= {rule.id for rule in load_rules()}

    # The WHY is stored with every signal: rule, the answer or event, and its date.
    for signal in await _signals(world):
        assert signal.reason["rule"] == signal.rule_id
        assert signal.reason["evidence"], signal.rule_id
        assert "huur" not in str(signal.reason)
    timeline = await signals_for_youth(world, sem)
    assert timeline.trend == "rising"
    assert timeline.signals[0].rule_id == "wordt_21_met_werk"
    assert all(v.since is not None for v in timeline.signals if v.rule_id != "wordt_21_met_werk")


async def signals_for_youth(world, youth_id):
    async with world.database.session() as session:
        return await signals_for(session, youth_id)


async def test_a_redelivered_update_or_a_rerun_never_adds_a_signal_or_an_alert(world):
    lisa = await world.onboard(611, first_name="Lisa")
    await world.start_checkin(lisa)
    await world.answer(611, "😞", "Niks op dit moment", "Ik neem even rust", "Geld", "Ja, bel me")
    # The last answer arrives, and Telegram delivers the same update again (a crash after
    # handling, before the offset was confirmed).
    await world.tap(611, "Sla over")
    signals = len(await _signals(world, lisa))
    alerts = len(world.texts(COORDINATOR_CHAT))
    last = world.received[-1]
    assert last.callback_query is not None
    await world.processor.process(last)
    await world.pump()
    assert len(await _signals(world, lisa)) == signals > 0
    assert len(world.texts(COORDINATOR_CHAT)) == alerts

    # The watchers are run again over the same check-in (a re-run tick, a second process).
    async with world.database.transaction() as session:
        youth = await session.get(type(await world.youth(lisa)), lisa)
        conversation = (
            await session.exec(select(Conversation).where(Conversation.youth_id == lisa))
        ).all()[-1]
        await world.watchers.answers_stored(session, youth, conversation, world.clock.now())
    await world.pump()
    assert len(await _signals(world, lisa)) == signals
    assert len(world.texts(COORDINATOR_CHAT)) == alerts
    assert len(await world.escalations(lisa)) == 1

"""THE invariant: no message that needs consent is ever sent without active consent at send time.

Hypothesis drives three chats through random sequences of imports, /start (valid and not),
consent yes/no, answers, /stop and "stop", pauses, ticks, deliveries and clock jumps (hours to
a month), in any order: a check-in can be queued by one tick, the consent withdrawn, and the
outbox drained only then. Every message the channel delivered is checked afterwards against
the consent ledger as it stood at that moment, derived here independently of `bot.consent`
(adults only, so the latest event decides). Also: no automated message reaches a paused youth.

The clock moves one second after every step, so "before" and "after" in the ledger are exact.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from tests.conversations.conftest import ZONE
from tests.properties.world import World, migrated_template

pytestmark = pytest.mark.slow

CHATS = (101, 102, 103)
CONSENT_YES, CONSENT_NO = "Ja, dat is goed", "Nee, liever niet"
CHECKIN_GREETING = "Hier is Pro Tilburg weer"
REPLIED_AT_ONCE = frozenset({"start", "yes", "no", "answer", "stop"})

LEFT_DAYS_AGO = st.sampled_from([0, 60, 100, 200, 400])
steps = st.one_of(
    # A youth imported, linked and consenting in one step, so that check-ins come due often.
    st.tuples(st.just("onboard"), st.sampled_from(CHATS), LEFT_DAYS_AGO),
    st.tuples(st.just("import"), st.sampled_from(CHATS), LEFT_DAYS_AGO),
    st.tuples(st.just("start"), st.sampled_from(CHATS), st.none()),
    st.tuples(st.just("yes"), st.sampled_from(CHATS), st.none()),
    st.tuples(st.just("no"), st.sampled_from(CHATS), st.none()),
    st.tuples(st.just("answer"), st.sampled_from(CHATS), st.none()),
    st.tuples(st.just("stop"), st.sampled_from(CHATS), st.sampled_from(["/stop", "stop", "Stop!"])),
    st.tuples(st.just("pause"), st.sampled_from(CHATS), st.sampled_from([None, 3, 30, 120])),
    st.tuples(st.just("tick"), st.none(), st.none()),
    st.tuples(st.just("drain"), st.none(), st.none()),
    st.tuples(st.just("advance"), st.none(), st.sampled_from([1, 6, 24, 24 * 7, 24 * 30])),
)


def button_with(world: World, chat: int, label: str) -> str | None:
    for sent in reversed(world.sent):
        if sent.message.chat_id != chat:
            continue
        for row in sent.message.buttons:
            for button in row:
                if button.label == label:
                    return button.data
    return None


async def play(
    world: World, script: list[tuple[str, int | None, object]], *, settle: bool = True
) -> None:
    for kind, chat, value in script:
        if kind == "onboard":
            onboarding = [("import", chat, value), ("start", chat, None), ("yes", chat, None)]
            await play(world, onboarding, settle=False)
            continue
        if kind == "import" and chat not in world.tokens:
            leaving = world.clock.now().astimezone(ZONE).date() - timedelta(days=int(value))  # type: ignore[arg-type]
            await world.import_youth(chat, leaving_date=leaving)  # type: ignore[arg-type]
        elif kind == "start":
            token = world.tokens.get(chat)  # type: ignore[arg-type]
            await world.event(chat, "command", command="start", args=(token,) if token else ())  # type: ignore[arg-type]
        elif kind in ("yes", "no"):
            data = button_with(world, chat, CONSENT_YES if kind == "yes" else CONSENT_NO)  # type: ignore[arg-type]
            if data is not None:
                await world.event(chat, "button", button_data=data)  # type: ignore[arg-type]
        elif kind == "answer":
            buttons = world.last_buttons(chat)  # type: ignore[arg-type]
            if buttons:
                await world.event(chat, "button", button_data=buttons[0])  # type: ignore[arg-type]
            else:
                await world.event(chat, "text", text="Het gaat goed")  # type: ignore[arg-type]
        elif kind == "stop":
            if value == "/stop":
                await world.event(chat, "command", command="stop")  # type: ignore[arg-type]
            else:
                await world.event(chat, "text", text=value)  # type: ignore[arg-type]
        elif kind == "pause" and chat in world.youth_of_chat:
            await world.set_pause(chat, value)  # type: ignore[arg-type]
        elif kind == "tick":
            await world.tick()
        elif kind == "drain":
            await world.drain()
        elif kind == "advance":
            world.clock.advance(timedelta(hours=int(value)))  # type: ignore[arg-type]
        if kind in REPLIED_AT_ONCE:
            # The service wakes the dispatcher after every update: the reply is on the phone
            # before the youth can tap it. Ticks only queue; "drain" steps send what they queued.
            await world.drain()
        world.clock.advance(timedelta(seconds=1))
    # Let the service run on: what was queued goes out (or is cancelled), later check-ins too.
    for _ in range(12 if settle else 0):  # four months
        await world.tick()
        await world.drain()
        world.clock.advance(timedelta(days=10))


def consent_at(ledger: list, youth_id: int, moment) -> bool:  # type: ignore[no-untyped-def]
    events = sorted(
        (e for e in ledger if e.youth_id == youth_id and e.purpose == "checkins"),
        key=lambda e: (e.recorded_at, e.id),
    )
    active = False
    for event in events:
        if event.recorded_at <= moment:
            active = event.action == "granted"
    return active


async def check(world: World) -> dict[str, int]:
    ledger = await world.ledger()
    rows = {row.channel_message_id: row for row in await world.outbox()}
    checked = greetings = 0
    for sent in world.sent:
        row = rows.get(sent.channel_id)
        assert row is not None, "a delivered message without its outbox row"
        if row.requires_consent:
            checked += 1
            assert consent_at(ledger, row.youth_id, sent.at), (
                f"sent without consent at {sent.at}: {sent.message.text!r}"
            )
        if CHECKIN_GREETING in sent.message.text:
            greetings += 1
            assert row.requires_consent, "a check-in queued without the consent check"
            assert consent_at(ledger, row.youth_id, sent.at)
        if row.automated:
            paused = world.paused_until_at(row.youth_id, sent.at)
            day = sent.at.astimezone(ZONE).date()
            assert paused is None or day > paused, f"automated message during a pause: {day}"
    return {"checked": checked, "greetings": greetings}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_template(tmp_path_factory.mktemp("consent"))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=st.lists(steps, min_size=5, max_size=40))
def test_nothing_needing_consent_is_sent_without_it(
    template: Path, tmp_path: Path, script: list[tuple[str, int | None, object]]
) -> None:
    async def run() -> None:
        world = World.create(template, tmp_path, "world")
        try:
            await play(world, script)
            figures = await check(world)
            # Steer the search towards scripts that really send check-ins.
            target(float(figures["greetings"]), label="check-ins delivered")
            target(float(figures["checked"]), label="consent-checked messages delivered")
        finally:
            await world.close()

    asyncio.run(run())


def test_the_invariant_can_fail(template: Path, tmp_path: Path) -> None:
    """The check itself: a check-in sent after a withdrawal is caught."""

    async def run() -> None:
        world = World.create(template, tmp_path, "broken")
        try:
            await play(
                world,
                [
                    ("import", 101, 80),
                    ("start", 101, None),
                    ("yes", 101, None),
                    ("drain", None, None),
                    ("advance", None, 24 * 30),
                    ("tick", None, None),
                    ("stop", 101, "/stop"),
                ],
            )
            # Forge what a broken dispatcher would do: send the cancelled check-in anyway.
            ledger = await world.ledger()
            assert [e.action for e in ledger] == ["granted", "withdrawn"]
            cancelled = [r for r in await world.outbox() if r.status == "cancelled"]
            assert cancelled, "the withdrawal must have cancelled the queued check-in"
            world.sent.append(type(world.sent[0])(world.clock.now(), world.sent[0].message, 10**6))
            cancelled[0].channel_message_id = 10**6
            async with world.database.transaction() as session:
                session.add(cancelled[0])
            with pytest.raises(AssertionError, match="without consent"):
                await check(world)
        finally:
            await world.close()

    asyncio.run(run())

"""The flow engine and router on arbitrary update sequences: no crash, every update answered.

Random texts (any script, emoji, control characters, 4096 long), buttons with random and with
real-but-old callback data, stickers and other media, known and unknown commands with random
arguments, deep-link payloads from outside (valid-looking tokens that match nothing, used and
foreign tokens), block/unblock, clock jumps and ticks, in any order, for linked and unknown
chats. Every text, button, command and media update must get at least one reply that Telegram
would accept (non-empty text up to 4096 characters, callback data of 1-64 bytes).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.properties.world import World, migrated_template

pytestmark = pytest.mark.slow

LINKED, STRANGER = 201, 299
CHATS = st.sampled_from([LINKED, LINKED, 202, STRANGER])
DEEP_LINK = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
    min_size=1,
    max_size=64,
)
ANY_TEXT = st.one_of(
    st.text(min_size=1, max_size=200),
    st.sampled_from(
        [
            "stop",
            "STOP!",
            "ja",
            "nee",
            "ik wil praten",
            "/start",
            "🙂",
            " \n ",
            "x" * 4096,
            "\u202e",
        ]
    ),
)
UNSUPPORTED = st.sampled_from(["sticker", "photo", "voice", "location", "contact", "edited"])
COMMANDS = st.one_of(
    st.sampled_from(["start", "stop", "help", "mijngegevens", "taal"]),
    st.from_regex(r"[a-z_]{1,20}", fullmatch=True),
)

events = st.one_of(
    st.tuples(st.just("text"), CHATS, ANY_TEXT),
    st.tuples(st.just("button_random"), CHATS, st.text(max_size=80)),
    st.tuples(st.just("button_seen"), CHATS, st.integers(0, 50)),
    st.tuples(st.just("unsupported"), CHATS, UNSUPPORTED),
    st.tuples(st.just("command"), CHATS, st.tuples(COMMANDS, st.lists(ANY_TEXT, max_size=2))),
    st.tuples(st.just("deep_link"), CHATS, st.one_of(DEEP_LINK, st.just("OWN"))),
    st.tuples(st.just("member"), CHATS, st.sampled_from(["blocked", "unblocked"])),
    st.tuples(st.just("tick"), st.none(), st.sampled_from([1, 24, 24 * 40])),
)
ANSWERED = frozenset(
    {"text", "button_random", "button_seen", "unsupported", "command", "deep_link"}
)


def seen_buttons(world: World) -> list[tuple[int, str]]:
    return [
        (sent.message.chat_id, button.data)
        for sent in world.sent
        for row in sent.message.buttons
        for button in row
    ]


async def play(world: World, script: list[tuple[str, int | None, object]]) -> Counter[str]:
    await world.import_youth(LINKED)
    await world.import_youth(202)
    await world.event(LINKED, "command", command="start", args=(world.tokens[LINKED],))
    await world.drain()
    unanswered: Counter[str] = Counter()
    for kind, chat, value in script:
        before = len(world.sent)
        if kind == "text":
            await world.event(chat, "text", text=value)  # type: ignore[arg-type]
        elif kind == "button_random":
            await world.event(chat, "button", button_data=value)  # type: ignore[arg-type]
        elif kind == "button_seen":
            seen = seen_buttons(world)
            if not seen:
                continue
            _owner, data = seen[int(value) % len(seen)]  # type: ignore[call-overload]
            await world.event(chat, "button", button_data=data)  # type: ignore[arg-type]
        elif kind == "unsupported":
            await world.event(chat, "unsupported", unsupported_kind=value)  # type: ignore[arg-type]
        elif kind == "command":
            name, args = value  # type: ignore[misc]
            await world.event(chat, "command", command=name, args=tuple(args))  # type: ignore[arg-type]
        elif kind == "deep_link":
            # "OWN": the invitation of youth 202, tapped from whichever chat (shared cards).
            token = world.tokens[202] if value == "OWN" else value
            await world.event(chat, "command", command="start", args=(token,))  # type: ignore[arg-type]
        elif kind == "member":
            await world.event(chat, value)  # type: ignore[arg-type]
        elif kind == "tick":
            world.clock.advance(timedelta(hours=int(value)))  # type: ignore[arg-type]
            await world.tick()
        await world.drain()
        if kind in ANSWERED and not any(s.message.chat_id == chat for s in world.sent[before:]):
            unanswered[kind] += 1
        world.clock.advance(timedelta(seconds=30))
    return unanswered


def acceptable(world: World) -> None:
    for sent in world.sent:
        message = sent.message
        assert message.text.strip(), "an empty message"
        assert len(message.text) <= 4096, "a message Telegram would refuse (too long)"
        for row in message.buttons:
            for button in row:
                assert button.label.strip()
                assert 1 <= len(button.data.encode()) <= 64, button.data


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_template(tmp_path_factory.mktemp("fuzz"))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=st.lists(events, min_size=1, max_size=25))
# Found by this test: a command from a youth marked unreachable was answered into the void.
@example(script=[("member", LINKED, "blocked"), ("command", LINKED, ("help", []))])
# And this: a lone "/" (no command entity from Telegram) reached the flow engine and got no reply.
@example(script=[("text", LINKED, "/")])
def test_any_update_sequence_gets_answers_and_never_crashes(
    template: Path, tmp_path: Path, script: list[tuple[str, int | None, object]]
) -> None:
    async def run() -> Counter[str]:
        world = World.create(template, tmp_path, "fuzz")
        try:
            unanswered = await play(world, script)
            acceptable(world)
            return unanswered
        finally:
            await world.close()

    unanswered = asyncio.run(run())
    assert unanswered == Counter(), f"updates without any reply: {dict(unanswered)}"

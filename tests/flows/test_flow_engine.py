"""The engine's behaviour on good, odd and hostile input."""

from __future__ import annotations

import re

import pytest

from flows import callback, engine
from flows.events import ButtonEvent, CommandEvent, TextEvent, UnsupportedEvent
from flows.loader import load_flow_text, shipped_flows
from flows.render import MissingContextError
from flows.replies import replies
from flows.state import FlowState

CTX = {"first_name": "Sam", "coordinator": "Noor", "school": "De Brug", "school_contact": "Jan"}
NOT_UNDERSTOOD = replies().texts["not_understood_buttons"]


@pytest.fixture
def checkin():
    return shipped_flows()["checkin"]


def at_activity(flow):
    step = engine.start(flow, CTX, conversation_id="conv1")
    return engine.advance(flow, step.state, TextEvent("4"), CTX)


def at_free_text(flow):
    step = at_activity(flow)
    for choice in ["stage", "ja", "nee"]:
        data = callback.encode("conv1", step.state.node, choice)
        step = engine.advance(flow, step.state, ButtonEvent(data), CTX)
    assert step.state.node == "anything_else"
    return step


def test_start_greets_by_first_name_and_asks_first_question(checkin):
    step = engine.start(checkin, CTX, conversation_id="conv1")
    # The greeting and the first question are one chat bubble: one notification, one send.
    [question] = step.messages
    greeting, asked = question.text.split("\n\n")
    assert "Sam" in greeting and "De Brug" in greeting
    assert asked == "Hoe gaat het met je?"
    assert [b.label for b in question.buttons[0]] == ["😞", "🙁", "😐", "🙂", "😄"]
    assert question.buttons[-1][0].label == "Ik wil iemand spreken"
    assert step.state.node == "mood" and step.state.status == "active"
    for row in question.buttons:
        for button in row:
            assert len(button.callback_data.encode()) <= 64


def test_start_refuses_missing_context_and_bad_conversation_id(checkin):
    with pytest.raises(MissingContextError, match="coordinator"):
        engine.start(checkin, {"first_name": "Sam", "school": "X"}, conversation_id="c")
    for bad in ["", "x" * 17, "a:b", "é"]:
        with pytest.raises(ValueError, match="conversation_id"):
            engine.start(checkin, CTX, conversation_id=bad)


@pytest.mark.parametrize(
    "kind", ["sticker", "photo", "voice", "video", "location", "contact", "edited", "other"]
)
def test_unsupported_input_gets_kind_reply_and_question_again(checkin, kind):
    step = at_activity(checkin)
    again = engine.advance(checkin, step.state, UnsupportedEvent(kind), CTX)
    assert again.reason == "not_understood"
    assert [m.text for m in again.messages] == [f"{NOT_UNDERSTOOD}\n\nWat doe je nu?"]
    assert again.messages[0].buttons == step.messages[-1].buttons
    assert again.answers == () and again.state.node == "activity"
    assert again.state.reasks == 1


def test_unsupported_on_free_text_question_asks_to_type(checkin):
    step = at_free_text(checkin)
    again = engine.advance(checkin, step.state, UnsupportedEvent("sticker"), CTX)
    assert again.messages[0].text.startswith(replies().texts["not_understood_text"] + "\n\n")
    assert again.state.node == "anything_else" and not again.answers


def test_empty_text_on_free_text_question_is_not_an_answer(checkin):
    step = at_free_text(checkin)
    again = engine.advance(checkin, step.state, TextEvent("   "), CTX)
    assert again.reason == "not_understood" and not again.answers


def test_nonsense_text_where_button_expected(checkin):
    step = at_activity(checkin)
    again = engine.advance(checkin, step.state, TextEvent("blablabla"), CTX)
    assert again.reason == "not_understood" and again.answers == ()
    assert again.state.answers == step.state.answers


def test_repeated_confusion_offers_a_person(checkin):
    step = at_activity(checkin)
    first = engine.advance(checkin, step.state, TextEvent("???"), CTX)
    assert first.intents == ()
    second = engine.advance(checkin, first.state, UnsupportedEvent("sticker"), CTX)
    assert engine.HANDOFF_OFFERED in second.intents
    assert "Noor" in second.messages[0].text and "iemand spreken" in second.messages[0].text
    third = engine.advance(checkin, second.state, TextEvent("???"), CTX)
    assert engine.HANDOFF_OFFERED not in third.intents  # reported once
    # a good answer resets the count
    good = engine.advance(checkin, third.state, TextEvent("werk"), CTX)
    assert good.state.reasks == 0 and good.state.answers["activity"] == "werk"


def test_handoff_offer_shows_button_even_in_flows_without_it():
    flow = shipped_flows()["reoffer"]
    step = engine.start(flow, CTX, conversation_id="c")
    assert all(b.label != "Ik wil iemand spreken" for row in step.messages[-1].buttons for b in row)
    for _ in range(engine.REASK_LIMIT):
        step = engine.advance(flow, step.state, TextEvent("hmm"), CTX)
    labels = [b.label for row in step.messages[-1].buttons for b in row]
    assert labels[-1] == "Ik wil iemand spreken"
    talk = step.messages[-1].buttons[-1][0].callback_data
    handed = engine.advance(flow, step.state, ButtonEvent(talk), CTX)
    assert handed.intents == (engine.HANDOFF_REQUESTED,)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("werk", "werk"),
        ("  WERK!! ", "werk"),
        ("Ik werk", "werk"),
        ("werken", "werk"),
        ("school", "school"),
        ("Stage of leerwerk", "stage"),
        ("stage", "stage"),
        ("Niks op dit moment.", "niks"),
        ("niets", "niks"),
    ],
)
def test_free_text_matches_a_button_when_clear(checkin, typed, stored):
    step = at_activity(checkin)
    after = engine.advance(checkin, step.state, TextEvent(typed), CTX)
    assert after.reason == "answered"
    assert after.answers == (engine.Answer("activity", stored, "activity"),)


@pytest.mark.parametrize(
    ("typed", "mood"), [("1", 1), ("5", 5), (" 3 ", 3), ("😄", 5), ("😐️", 3), ("Goed!", 4)]
)
def test_mood_digits_words_and_faces(checkin, typed, mood):
    step = engine.start(checkin, CTX, conversation_id="conv1")
    after = engine.advance(checkin, step.state, TextEvent(typed), CTX)
    assert after.answers == (engine.Answer("mood", mood, "mood"),)


def test_accents_do_not_matter():
    flow = load_flow_text(
        """
id: accents
version: 1
start: q
nodes:
  q:
    type: question
    text: "Kies"
    store: pick
    next: done
    buttons:
      - {id: cafe, label: "Café"}
      - {id: idee, label: "Idee"}
  done: {type: end}
"""
    )
    step = engine.start(flow, CTX, conversation_id="c")
    after = engine.advance(flow, step.state, TextEvent("cafe"), CTX)
    assert after.answers[0].value == "cafe"


@pytest.mark.parametrize("typed", ["ja nee", "werk school", "misschien", "6", "0", ""])
def test_no_guessing_between_candidates(checkin, typed):
    step = at_activity(checkin)
    after = engine.advance(checkin, step.state, TextEvent(typed), CTX)
    assert after.reason == "not_understood" and after.answers == ()


def test_matching_never_guesses_between_a_label_and_a_translation():
    """A translated label that equals another button's phrase makes the reply ambiguous."""
    flow = shipped_flows()["checkin"]
    step = at_activity(flow)

    def swap(text, language):
        return {"Werk": "School"}.get(text, text)  # a (bad) translation colliding with "school"

    ctx = CTX | {"language": "xx"}
    after = engine.advance(flow, step.state, TextEvent("school"), ctx, translate=swap)
    assert after.reason == "not_understood"


def test_translated_label_is_understood():
    flow = shipped_flows()["checkin"]
    step = at_activity(flow)

    def to_english(text, language):
        return {"Werk": "Work"}.get(text, text)

    ctx = CTX | {"language": "en"}
    after = engine.advance(flow, step.state, TextEvent("work"), ctx, translate=to_english)
    assert after.answers[0].value == "werk"


def test_question_also_accepting_free_text_keeps_it(checkin):
    step = at_activity(checkin)
    step = engine.advance(checkin, step.state, TextEvent("werk"), CTX)
    step = engine.advance(checkin, step.state, TextEvent("ja"), CTX)
    assert step.state.node == "contract_end"
    after = engine.advance(checkin, step.state, TextEvent("  eind juni  "), CTX)
    assert after.answers == (engine.Answer("contract_end_text", "eind juni", "contract_end"),)
    assert after.state.node == "help"


def test_free_text_is_capped(checkin):
    step = at_free_text(checkin)
    after = engine.advance(checkin, step.state, TextEvent("a" * 10_000), CTX)
    assert len(after.answers[0].value) == engine.MAX_FREE_TEXT


@pytest.mark.parametrize(
    "typed", ["Ik wil iemand spreken", "ik wil IEMAND spreken!", "iemand spreken"]
)
def test_handoff_by_text_is_an_intent_not_an_answer(checkin, typed):
    step = at_activity(checkin)
    after = engine.advance(checkin, step.state, TextEvent(typed), CTX)
    assert after.intents == (engine.HANDOFF_REQUESTED,)
    assert after.answers == () and after.state.node == "activity" and after.state.active
    assert "Noor" in after.messages[0].text


def test_handoff_button_on_every_checkin_question(checkin):
    step = at_activity(checkin)
    data = step.messages[-1].buttons[-1][0].callback_data
    assert data.endswith(":_talk")
    after = engine.advance(checkin, step.state, ButtonEvent(data), CTX)
    assert after.intents == (engine.HANDOFF_REQUESTED,) and after.state.node == "activity"
    # and on a free-text question too
    step = at_free_text(checkin)
    assert step.messages[-1].buttons[-1][0].callback_data.endswith(":_talk")


def test_stop_typed_is_reported(checkin):
    step = at_activity(checkin)
    after = engine.advance(checkin, step.state, TextEvent("Stop"), CTX)
    assert after.intents == (engine.STOP_REQUESTED,) and after.messages == ()
    assert after.state == step.state


@pytest.mark.parametrize("name", ["stop", "help", "start"])
def test_commands_are_not_handled(checkin, name):
    step = at_activity(checkin)
    after = engine.advance(checkin, step.state, CommandEvent(name), CTX)
    assert after.handled is False and after.messages == () and after.state == step.state


def test_command_typed_as_text_is_not_handled(checkin):
    step = at_activity(checkin)
    after = engine.advance(checkin, step.state, TextEvent(" /help"), CTX)
    assert after.handled is False and after.reason == "command" and after.messages == ()


@pytest.mark.parametrize(
    "data",
    [
        "c:oldconv:activity:werk",  # another (older) conversation
        "c:conv1:mood:4",  # an older question of this conversation
        "c:conv1:activity:nope",  # a button that does not exist
        "c:conv1:activity:_other",  # an engine id that is not ours
        "garbage",
        "",
        "c:conv1:activity",
        "c:conv1:activity:werk:extra",
        "x:conv1:activity:werk",
        "c:conv1:activity:" + "w" * 100,  # oversize
        b"c:conv1:activity:\xff\xfe",  # not UTF-8
        b"c:conv1:activity:werk" + b"!" * 60,  # oversize bytes
    ],
)
def test_stale_or_malformed_buttons_get_a_kind_reply(checkin, data):
    step = at_activity(checkin)
    after = engine.advance(checkin, step.state, ButtonEvent(data), CTX)
    assert after.reason == "stale"
    assert after.answers == () and after.state.node == "activity"
    assert after.state.answers == step.state.answers
    assert [m.text for m in after.messages] == [
        f"{replies().texts['stale_button']}\n\nWat doe je nu?"
    ]


def test_button_given_as_bytes_is_accepted(checkin):
    step = at_activity(checkin)
    after = engine.advance(checkin, step.state, ButtonEvent(b"c:conv1:activity:school"), CTX)
    assert after.answers[0].value == "school"


def test_expire_keeps_answers(checkin):
    step = at_activity(checkin)
    expired = engine.expire(step.state)
    assert expired.finished and expired.state.status == "expired"
    assert expired.state.answers == {"mood": 4}
    late = engine.advance(checkin, expired.state, TextEvent("werk"), CTX)
    assert late.handled is False and late.answers == ()
    assert engine.expire(expired.state).handled is False


def test_finished_conversation_ignores_events():
    flow = shipped_flows()["reoffer"]
    step = engine.start(flow, CTX, conversation_id="c")
    done = engine.advance(flow, step.state, TextEvent("ja"), CTX)
    assert done.finished and done.outcome == {"reoffer": "accepted"}
    again = engine.advance(flow, done.state, TextEvent("ja"), CTX)
    assert again.handled is False and again.outcome == {}


def test_state_round_trips_through_json(checkin):
    step = at_activity(checkin)
    restored = FlowState.from_json(step.state.to_json())
    assert restored == step.state
    after = engine.advance(checkin, restored, TextEvent("school"), CTX)
    assert after.state.answers == {"mood": 4, "activity": "school"}


def test_state_from_json_rejects_junk():
    with pytest.raises(ValueError):
        FlowState.from_json('{"flow_id": "checkin"}')
    with pytest.raises(ValueError):
        FlowState.from_json('{"flow_id":"c","flow_version":1,"conversation_id":"a:b","node":"n"}')


def test_state_of_another_flow_is_refused(checkin):
    step = engine.start(shipped_flows()["reoffer"], CTX, conversation_id="c")
    with pytest.raises(ValueError, match="reoffer"):
        engine.advance(checkin, step.state, TextEvent("ja"), CTX)


def test_state_pointing_at_a_removed_node_is_closed(checkin):
    state = FlowState(flow_id="checkin", flow_version=0, conversation_id="c", node="gone")
    after = engine.advance(checkin, state, TextEvent("ja"), CTX)
    assert after.reason == "flow_changed" and after.finished


def test_translate_is_applied_and_placeholders_survive(checkin):
    calls = []

    def shout(text, language):
        calls.append(language)
        return text.upper()  # "{FIRST_NAME}" would be a broken translation...

    def shout_keep_placeholders(text, language):
        calls.append(language)
        return "X " + text

    ctx = CTX | {"language": "en"}
    step = engine.start(checkin, ctx, conversation_id="c", translate=shout_keep_placeholders)
    assert step.messages[0].text.startswith("X Hoi Sam!")
    assert step.messages[-1].buttons[0][0].label == "X 😞"
    assert set(calls) == {"en"}
    # a translation that breaks a placeholder falls back to the Dutch source, never crashes
    broken = engine.start(checkin, ctx, conversation_id="c", translate=shout)
    assert broken.messages[0].text.startswith("Hoi Sam!")
    assert broken.messages[-1].text.endswith("\n\nHOE GAAT HET MET JE?")


def test_placeholder_values_are_not_reinterpreted(checkin):
    ctx = CTX | {"first_name": "{coordinator}"}
    step = engine.start(checkin, ctx, conversation_id="c")
    assert step.messages[0].text.startswith("Hoi {coordinator}!")


def test_current_question_renders_again(checkin):
    step = at_activity(checkin)
    again = engine.current_question(checkin, step.state, CTX)
    assert again == step.messages[-1]
    assert engine.current_question(checkin, engine.expire(step.state).state, CTX) is None


def test_engine_imports_no_io_libraries():
    import subprocess
    import sys

    code = (
        "import sys, flows.engine, flows.loader, flows.catalogue, flows.babel_extract;"
        "bad = [m for m in ('telegram', 'aiohttp', 'sqlalchemy', 'sqlmodel') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _upper_outside_placeholders(text: str, language: str) -> str:
    """A fake translation that changes the words but keeps {placeholders} intact."""
    parts = re.split(r"(\{[a-z_]+\})", text)
    return "".join(part if part.startswith("{") else part.upper() for part in parts)


def test_fake_translation_upper_cases_and_placeholders_are_filled_after(checkin):
    ctx = CTX | {"language": "en"}
    step = engine.start(checkin, ctx, conversation_id="c", translate=_upper_outside_placeholders)
    assert step.messages[0].text.startswith("HOI Sam! HIER IS De Brug WEER.")
    assert step.messages[-1].buttons[-1][0].label == "IK WIL IEMAND SPREKEN"
    step = engine.advance(
        checkin, step.state, TextEvent("1"), ctx, translate=_upper_outside_placeholders
    )
    confused = engine.advance(
        checkin, step.state, TextEvent("???"), ctx, translate=_upper_outside_placeholders
    )
    assert confused.messages[0].text.startswith(NOT_UNDERSTOOD.upper() + "\n\n")


def test_old_button_reply_for_the_service():
    message = engine.old_button_reply(CTX, translate=_upper_outside_placeholders)
    assert message.text == replies().texts["old_button"].upper() and message.buttons == ()


def test_dutch_speakers_are_not_translated(checkin):
    calls = []

    def spy(text, language):
        calls.append(language)
        return text

    engine.start(checkin, CTX, conversation_id="c", translate=spy)
    assert set(calls) == {"nl"}  # the translator decides; nl is passed explicitly


def test_old_question_with_the_same_button_id_is_stale(checkin):
    """'ja' exists on both questions: only the node in the callback tells them apart."""
    step = at_activity(checkin)
    step = engine.advance(checkin, step.state, TextEvent("werk"), CTX)
    assert step.state.node == "work_ok"
    after = engine.advance(checkin, step.state, ButtonEvent("c:conv1:school_ok:ja"), CTX)
    assert after.reason == "stale" and after.answers == ()
    other_conversation = engine.advance(checkin, step.state, ButtonEvent("c:conv0:work_ok:ja"), CTX)
    assert other_conversation.reason == "stale" and other_conversation.answers == ()
    right = engine.advance(checkin, step.state, ButtonEvent("c:conv1:work_ok:ja"), CTX)
    assert right.answers == (engine.Answer("work_ok", "ja", "work_ok"),)

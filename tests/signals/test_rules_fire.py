"""Every shipped rule fires from a realistic answer set and stays quiet on a neutral one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.signals import (
    AnswerSet,
    Event,
    Severity,
    SignalContext,
    evaluate,
    load_rules,
)
from bot.signals.vocabulary import ANSWER_KEYS

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
RULES = load_rules()

NEUTRAL = {
    "mood": 4,
    "activity": "werk",
    "work_ok": "ja",
    "contract_end": "later",
    "contract_renewed": "ja",
    "contract_end_date": date(2027, 1, 1),
    "help_needed": ("nee",),
    "call_me": "nee",
    "free_text": "Gaat goed, ik ben wel dood moe van het werk.",
}
PREVIOUS_NEUTRAL = {"mood": 4, "activity": "werk"}
ADULT = SignalContext(birth_date=date(2000, 1, 1))


def answers(values: dict, source: str = "c2", at: datetime = NOW) -> AnswerSet:
    return AnswerSet.from_values(source, values, at)


# rule id -> (current answers overriding NEUTRAL, previous, events, context)
CASES = {
    "geen_werk_of_school": ({"activity": "niks"}, None, [], ADULT),
    "contract_loopt_af": ({"contract_end": "binnen_1m"}, None, [], ADULT),
    "werk_of_school_gaat_niet_goed": ({"work_ok": "nee"}, None, [], ADULT),
    "stemming_laag": ({"mood": 2}, None, [], ADULT),
    "hulp_gevraagd": ({"help_needed": ("nee", "wonen")}, None, [], ADULT),
    "hulp_gevraagd_anders": ({"help_needed": ("anders",)}, None, [], ADULT),
    "wil_gebeld_worden": ({"call_me": "ja"}, None, [], ADULT),
    "uit_beeld": (None, None, [Event("silent_after_nudges", "e1", NOW)], ADULT),
    "bot_geblokkeerd": (None, None, [Event("blocked", "e2", NOW)], ADULT),
    "wordt_21_met_werk": (
        {},
        None,
        [],
        SignalContext(birth_date=date(2005, 4, 20)),  # 21 on 20 April 2026: 41 days
    ),
    "heraanbod_ja": ({"reoffer": "bel"}, None, [], ADULT),
    "zorgen_loon_21": ({"wage_21": "zorgen"}, None, [], ADULT),
    "neemt_rust": ({"nothing_reason": "rust"}, None, [], ADULT),
    "crisistaal": ({"free_text": "ik wil er een eind aan maken"}, None, [], ADULT),
}


def test_every_shipped_rule_has_a_case() -> None:
    assert {r.id for r in RULES} == set(CASES)


def test_neutral_check_in_fires_nothing() -> None:
    hits = evaluate(RULES, answers(NEUTRAL), answers(PREVIOUS_NEUTRAL, "c1"), [], ADULT, NOW)
    assert hits == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_and_says_why(rule_id: str) -> None:
    override, previous, events, context = CASES[rule_id]
    current = None if override is None else answers({**NEUTRAL, **override})
    hits = evaluate(RULES, current, previous, events, context, NOW)
    fired = {h.rule_id: h for h in hits}
    assert rule_id in fired, f"{rule_id} did not fire; fired: {sorted(fired)}"
    hit = fired[rule_id]
    assert hit.description
    assert hit.evidence, "a hit must say why"
    assert all(e.at is not None for e in hit.evidence if e.kind != "context")
    # Each case changes one thing, so only the rule under test may fire.
    assert set(fired) == {rule_id}


def test_mood_drop_uses_previous_check_in() -> None:
    previous = answers({"mood": 5}, "c1", NOW - timedelta(days=14))
    current = answers({**NEUTRAL, "mood": 3})
    [hit] = evaluate(RULES, current, previous, [], ADULT, NOW)
    assert hit.rule_id == "stemming_laag"
    by_kind = {e.kind: e for e in hit.evidence}
    assert by_kind["answer"].value == "3"
    assert by_kind["previous_answer"].value == "5"
    assert by_kind["previous_answer"].source_id == "c1"
    assert by_kind["previous_answer"].at == NOW - timedelta(days=14)


def test_mood_drop_of_one_point_does_not_fire() -> None:
    previous = answers({"mood": 4}, "c1")
    assert evaluate(RULES, answers({**NEUTRAL, "mood": 3}), previous, [], ADULT, NOW) == []


def test_no_previous_means_no_drop() -> None:
    assert evaluate(RULES, answers({**NEUTRAL, "mood": 3}), None, [], ADULT, NOW) == []


def test_contract_end_date_within_60_days() -> None:
    soon = answers({**NEUTRAL, "contract_end_date": NOW.date() + timedelta(days=60)})
    later = answers({**NEUTRAL, "contract_end_date": NOW.date() + timedelta(days=61)})
    assert [h.rule_id for h in evaluate(RULES, soon, None, [], ADULT, NOW)] == ["contract_loopt_af"]
    assert evaluate(RULES, later, None, [], ADULT, NOW) == []


def test_contract_not_renewed() -> None:
    current = answers({**NEUTRAL, "contract_renewed": "nee"})
    [hit] = evaluate(RULES, current, None, [], ADULT, NOW)
    assert hit.evidence[0].key == "contract_renewed"


def test_turning_21_needs_work_and_uses_latest_activity() -> None:
    turning = SignalContext(birth_date=date(2005, 4, 20))
    # Activity not asked this time: the previous check-in said "werk".
    current = answers({"mood": 4})
    previous = answers({"mood": 4, "activity": "werk"}, "c1")
    assert [h.rule_id for h in evaluate(RULES, current, previous, [], turning, NOW)] == [
        "wordt_21_met_werk"
    ]
    at_school = answers({"mood": 4, "activity": "school"})
    assert evaluate(RULES, at_school, previous, [], turning, NOW) == []
    already_21 = SignalContext(birth_date=date(2005, 1, 1))
    assert evaluate(RULES, current, previous, [], already_21, NOW) == []
    unknown = SignalContext()
    assert evaluate(RULES, current, previous, [], unknown, NOW) == []


def test_crisis_evidence_never_contains_the_text() -> None:
    text = "ik wil echt niet meer leven"
    [hit] = evaluate(RULES, answers({"free_text": text}), None, [], ADULT, NOW)
    assert hit.severity is Severity.URGENT
    assert all(text not in e.value for e in hit.evidence)
    assert hit.evidence[0].value == "crisis:suicide"


def test_crisis_event_from_outside_a_flow() -> None:
    event = Event("crisis_language", "msg-77", NOW, detail="self_harm")
    [hit] = evaluate(RULES, None, None, [event], ADULT, NOW)
    assert hit.rule_id == "crisistaal"
    assert hit.idempotence_key == "crisistaal:event:msg-77"


def test_one_hit_per_rule_and_stable_idempotence_keys() -> None:
    current = answers({**NEUTRAL, "work_ok": "nee", "school_ok": "nee", "mood": 1})
    previous = answers({"mood": 5}, "c1")
    first = evaluate(RULES, current, previous, [], ADULT, NOW)
    again = evaluate(RULES, current, previous, [], ADULT, NOW)
    assert first == again
    ids = [h.rule_id for h in first]
    assert len(ids) == len(set(ids))
    assert {h.idempotence_key for h in first} == {
        "werk_of_school_gaat_niet_goed:checkin:c2",
        "stemming_laag:checkin:c2",
    }
    # Both reasons of an any-rule are reported.
    mood_hit = next(h for h in first if h.rule_id == "stemming_laag")
    assert {e.kind for e in mood_hit.evidence} == {"answer", "previous_answer"}


def test_odd_answer_values_do_not_crash_or_fire() -> None:
    odd = answers(
        {
            "mood": "heel slecht",
            "activity": 42,
            "contract_end_date": "binnenkort",
            "help_needed": None,
            "free_text": 123,
        }
    )
    assert evaluate(RULES, odd, answers({"mood": True}, "c1"), [], ADULT, NOW) == []


def test_mood_as_digit_string_is_understood() -> None:
    [hit] = evaluate(RULES, answers({"mood": " 1 "}), None, [], ADULT, NOW)
    assert hit.rule_id == "stemming_laag"


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(RULES, None, None, [], ADULT, datetime(2026, 1, 1))


def test_multi_choice_help_fires_both_help_rules() -> None:
    current = answers({**NEUTRAL, "help_needed": ("geld", "anders")})
    fired = [h.rule_id for h in evaluate(RULES, current, None, [], ADULT, NOW)]
    assert fired == ["hulp_gevraagd", "hulp_gevraagd_anders"]


def test_turning_21_is_one_signal_across_check_ins() -> None:
    turning = SignalContext(birth_date=date(2005, 4, 20))
    first = evaluate(RULES, answers({"activity": "werk"}, "c1"), None, [], turning, NOW)
    later = NOW + timedelta(days=14)
    second = evaluate(RULES, answers({"activity": "werk"}, "c2", later), None, [], turning, later)
    assert [h.idempotence_key for h in first] == [h.idempotence_key for h in second]
    assert first[0].idempotence_key == "wordt_21_met_werk:context:turns-21:2005-04-20"


def test_birthday_on_29_february_turns_21_on_1_march() -> None:
    from bot.signals.conditions import days_until_21

    assert days_until_21(date(2004, 2, 29), date(2025, 2, 28)) == 1


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=40),
    st.dates(),
    st.lists(st.text(max_size=10), max_size=3).map(tuple),
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.sampled_from(sorted(ANSWER_KEYS)), _values, max_size=8),
    st.dictionaries(st.sampled_from(sorted(ANSWER_KEYS)), _values, max_size=8),
    st.one_of(st.none(), st.dates()),
)
def test_arbitrary_answers_never_crash(current: dict, previous: dict, birth) -> None:
    hits = evaluate(
        RULES,
        answers(current),
        answers(previous, "c1"),
        [],
        SignalContext(birth_date=birth),
        NOW,
    )
    assert len({h.rule_id for h in hits}) == len(hits)

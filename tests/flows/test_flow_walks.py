"""Every branch of every shipped flow, walked to its end."""

from __future__ import annotations

from collections import deque

import pytest

from flows import engine
from flows.events import ButtonEvent, TextEvent
from flows.loader import shipped_flows
from flows.model import FreeTextNode, QuestionNode

CTX = {
    "first_name": "Sam",
    "coordinator": "Noor",
    "school": "De Brug",
    "school_contact": "meneer Jansen",
}
MOMENTS = [
    {},
    {"month_since_leaving": 11},
    {"month_since_leaving": 12, "turns_21_within_days": 30},
    {"month_since_leaving": 4, "turns_21_within_days": 200},
]


def collected(flow_id: str, moment: dict, choices: list[str]):
    flow = shipped_flows()[flow_id]
    context = CTX | moment
    step = engine.start(flow, context, conversation_id="conv1")
    answers: dict = {}
    nodes = [step.state.node]
    for choice in choices:
        if choice.startswith("text:"):
            event = TextEvent(choice[5:])
        else:
            event = ButtonEvent(engine.callback.encode("conv1", step.state.node, choice))
        step = engine.advance(flow, step.state, event, context)
        assert step.reason in {"answered", "skipped", "free_text"}, (choice, step.reason)
        answers.update({a.key: a.value for a in step.answers})
        nodes.append(step.state.node)
    return step, answers, nodes


CASES = [
    # (name, flow, moment, choices, expected answers, expected outcome, end node)
    (
        "werk, contract ends soon, no help",
        "checkin",
        {},
        ["4", "werk", "ja", "binnen_1m", "nee", "skip"],
        {"mood": 4, "activity": "werk", "work_ok": "ja", "contract_end": "binnen_1m"},
        {"checkin": "completed"},
        "thanks",
    ),
    (
        "werk at month 11: contract renewal asked",
        "checkin",
        {"month_since_leaving": 11},
        ["3", "werk", "gaat_wel", "nee", "geld", "ja", "text:Mijn baas is boos"],
        {
            "contract_renewed": "nee",
            "help_needed": "geld",
            "call_me": "ja",
            "free_text": "Mijn baas is boos",
        },
        {"checkin": "completed"},
        "thanks",
    ),
    (
        "werk, turning 21 soon: wage question, then contract",
        "checkin",
        {"turns_21_within_days": 45},
        ["5", "werk", "ja", "zorgen", "later", "nee", "skip"],
        {"wage_21": "zorgen", "contract_end": "later"},
        {"checkin": "completed"},
        "thanks",
    ),
    (
        "contract end typed as free text",
        "checkin",
        {},
        ["4", "werk", "ja", "text:in maart denk ik", "nee", "skip"],
        {"contract_end_text": "in maart denk ik"},
        {"checkin": "completed"},
        "thanks",
    ),
    (
        "school, low mood: call offered even without help",
        "checkin",
        {},
        ["1", "school", "nee", "nee", "ja", "skip"],
        {"mood": 1, "school_ok": "nee", "help_needed": "nee", "call_me": "ja"},
        {"checkin": "completed"},
        "thanks",
    ),
    (
        "stage",
        "checkin",
        {},
        ["4", "stage", "ja", "nee", "skip"],
        {"stage_ok": "ja"},
        {"checkin": "completed"},
        "thanks",
    ),
    (
        "dagbesteding goes straight to help",
        "checkin",
        {},
        ["4", "dagbesteding", "wonen", "nee", "skip"],
        {"activity": "dagbesteding", "help_needed": "wonen", "call_me": "nee"},
        {"checkin": "completed"},
        "thanks",
    ),
    (
        "niks, taking rest, help with something else typed",
        "checkin",
        {},
        ["2", "niks", "rust", "anders", "text:Ik zoek een huis", "nee", "skip"],
        {"nothing_reason": "rust", "help_needed": "anders", "help_other": "Ik zoek een huis"},
        {"checkin": "completed"},
        "thanks",
    ),
    (
        "help other skipped",
        "checkin",
        {},
        ["4", "niks", "zoek_werk", "anders", "skip", "nee", "skip"],
        {"help_needed": "anders"},
        {"checkin": "completed"},
        "thanks",
    ),
    ("onboarding yes", "onboarding", {}, ["ja"], {}, {"consent": "granted"}, "granted"),
    ("onboarding no", "onboarding", {}, ["nee"], {}, {"consent": "declined"}, "declined"),
    ("onboarding question", "onboarding", {}, ["vraag"], {}, {"consent": "question"}, "question"),
    ("reoffer yes", "reoffer", {}, ["ja"], {}, {"reoffer": "accepted"}, "accepted"),
    ("reoffer no", "reoffer", {}, ["nee"], {}, {"reoffer": "declined"}, "declined"),
    ("reoffer call", "reoffer", {}, ["bel"], {}, {"reoffer": "call"}, "call"),
]


@pytest.mark.parametrize(
    ("flow_id", "moment", "choices", "expected", "outcome", "end"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_walk_to_end(flow_id, moment, choices, expected, outcome, end):
    step, answers, _nodes = collected(flow_id, moment, choices)
    assert step.finished and step.state.status == "finished"
    assert step.state.node == end
    assert dict(step.outcome) == outcome
    for key, value in expected.items():
        assert answers[key] == value
        assert step.state.answers[key] == value
    assert step.messages, "the end says something"


def test_skipped_free_text_stores_nothing():
    _step, answers, _ = collected("checkin", {}, ["4", "stage", "ja", "nee", "skip"])
    assert "free_text" not in answers


def test_no_contract_question_when_not_working():
    _step, answers, nodes = collected("checkin", {"month_since_leaving": 11}, CASES[5][3])
    assert "contract_renewed" not in nodes and "contract_end" not in nodes
    assert "contract_renewed" not in answers


def test_standard_checkin_is_at_most_six_taps():
    step, _answers, nodes = collected("checkin", {}, ["4", "werk", "ja", "later", "nee", "skip"])
    assert step.finished
    assert len(nodes) - 1 == 6


@pytest.mark.parametrize("flow_id", sorted(shipped_flows()))
def test_exhaustive_walk_reaches_every_node_and_always_ends(flow_id):
    """Breadth-first over every button (and typed text where accepted) in several contexts."""
    flow = shipped_flows()[flow_id]
    condition_keys = set().union(*(c.names for c in flow.conditions.values()))
    visited_nodes: set[str] = set()
    ends: set[str] = set()
    for moment in MOMENTS:
        context = CTX | moment
        first = engine.start(flow, context, conversation_id="x")
        queue = deque([first])
        seen: set = set()
        while queue:
            step = queue.popleft()
            state = step.state
            visited_nodes.add(state.node)
            if step.finished:
                ends.add(state.node)
                continue
            key = (state.node, tuple(sorted((k, state.answers.get(k)) for k in condition_keys)))
            if key in seen:
                continue
            seen.add(key)
            node = flow.nodes[state.node]
            events = []
            if isinstance(node, QuestionNode):
                events += [
                    ButtonEvent(engine.callback.encode("x", state.node, b.id)) for b in node.buttons
                ]
                if node.free_text:
                    events.append(TextEvent("iets heel anders getypt"))
            elif isinstance(node, FreeTextNode):
                events.append(TextEvent("iets heel anders getypt"))
                if node.skip:
                    events.append(
                        ButtonEvent(engine.callback.encode("x", state.node, node.skip.id))
                    )
            for event in events:
                nxt = engine.advance(flow, state, event, context)
                assert nxt.reason in {"answered", "skipped", "free_text"}
                queue.append(nxt)
    walked = visited_nodes
    # message, branch and store nodes are passed through, never waited on
    waiting_or_end = {
        n for n, node in flow.nodes.items() if node.type in {"question", "free_text", "end"}
    }
    assert waiting_or_end <= walked, waiting_or_end - walked
    assert ends == {n for n, node in flow.nodes.items() if node.type == "end"}

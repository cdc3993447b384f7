"""Whatever arrives from outside, the engine answers and never crashes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import callback, engine
from flows.events import ButtonEvent, CommandEvent, TextEvent, UnsupportedEvent
from flows.loader import shipped_flows
from flows.state import FlowState

CTX = {"first_name": "Sam", "coordinator": "Noor", "school": "De Brug", "school_contact": "Jan"}
FLOW_IDS = sorted(shipped_flows())

# raw callback_data: arbitrary text and bytes, and near misses of the real format
near_miss = st.builds(
    lambda conv, node, button: f"c:{conv}:{node}:{button}",
    st.text(max_size=20),
    st.sampled_from(["mood", "activity", "help", "x", ""]) | st.text(max_size=30),
    st.text(max_size=20),
)
events = st.one_of(
    st.builds(TextEvent, st.text(max_size=300)),
    st.builds(ButtonEvent, st.text(max_size=100) | st.binary(max_size=100) | near_miss),
    st.builds(CommandEvent, st.text(max_size=20), st.text(max_size=20)),
    st.builds(UnsupportedEvent, st.text(max_size=20)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow_id=st.sampled_from(FLOW_IDS), inbound=st.lists(events, max_size=12))
def test_arbitrary_events_never_crash(flow_id, inbound):
    flow = shipped_flows()[flow_id]
    step = engine.start(flow, CTX, conversation_id="conv1")
    for event in inbound:
        before = step.state
        step = engine.advance(flow, before, event, CTX)
        assert isinstance(step, engine.Step)
        # whatever happened, the state still serialises and fits the flow
        assert FlowState.from_json(step.state.to_json()) == step.state
        assert step.state.node in flow.nodes
        for message in step.messages:
            assert message.text
            for row in message.buttons:
                for button in row:
                    assert 1 <= len(button.callback_data.encode()) <= 64
        if step.answers:
            assert step.reason in {"answered", "free_text"}
        if not before.active:
            assert not step.handled


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200) | st.binary(max_size=200))
def test_decode_never_raises(data):
    parsed = callback.decode(data)
    if parsed is not None:
        assert callback.encode(parsed.conversation_id, parsed.node_id, parsed.button_id)


@settings(max_examples=200, deadline=None)
@given(
    st.from_regex(callback.CONVERSATION_ID_RE, fullmatch=True),
    st.from_regex(callback.NODE_ID_RE, fullmatch=True),
    st.from_regex(callback.BUTTON_ID_RE, fullmatch=True),
)
def test_encode_decode_round_trip(conversation_id, node_id, button_id):
    data = callback.encode(conversation_id, node_id, button_id)
    assert len(data.encode()) <= 64
    assert callback.decode(data) == callback.CallbackData(conversation_id, node_id, button_id)

"""The pure conversation engine: state + event in, new state + what to send out.

No database, no channel, no clock: the service stores `Step.state` as JSON, sends
`Step.messages` through its channel, stores `Step.answers` and acts on `Step.outcome` and
`Step.intents` (handoff, stop). Commands are the service's job: they come back unhandled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flows import callback
from flows.events import ButtonEvent, CommandEvent, Event, TextEvent, UnsupportedEvent
from flows.matching import match, normalize
from flows.model import (
    BranchNode,
    ButtonSpec,
    EndNode,
    Flow,
    FreeTextNode,
    MessageNode,
    QuestionNode,
    StoreNode,
)
from flows.render import MissingContextError, Translate, identity, render
from flows.replies import replies
from flows.state import FlowState

HANDOFF_REQUESTED = "handoff_requested"
HANDOFF_OFFERED = "handoff_offered"
STOP_REQUESTED = "stop_requested"

HANDOFF_BUTTON_ID = "_talk"
REASK_LIMIT = 2  # after this many not-understood replies in a row, offer a person
MAX_FREE_TEXT = 2000  # characters kept of a typed answer
_MAX_HOPS = 200  # message/branch/store nodes passed in one step; load checks forbid loops
SOURCE_LANGUAGE = "nl"

Context = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class OutgoingButton:
    label: str
    callback_data: str


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    text: str
    buttons: tuple[tuple[OutgoingButton, ...], ...] = ()  # rows of buttons


@dataclass(frozen=True, slots=True)
class Answer:
    key: str
    value: str | int
    node_id: str


@dataclass(frozen=True, slots=True)
class Step:
    state: FlowState
    messages: tuple[OutgoingMessage, ...] = ()
    answers: tuple[Answer, ...] = ()
    outcome: Mapping[str, str | int] = field(default_factory=dict)
    intents: tuple[str, ...] = ()
    handled: bool = True  # False: the service must deal with the event (commands, ...)
    # Why this step happened, for logs and metrics (never contains youth text):
    # started, answered, skipped, free_text, not_understood, stale, handoff, stop,
    # command, inactive, expired, flow_changed.
    reason: str = "answered"

    @property
    def finished(self) -> bool:
        return self.state.status != "active"


class _Out:
    """Collects what one step produces and renders texts in the youth's language."""

    __slots__ = ("answers", "context", "language", "messages", "outcome", "translate")

    def __init__(self, context: Context, translate: Translate) -> None:
        self.context = context
        self.language = str(context.get("language") or SOURCE_LANGUAGE)
        self.translate = translate
        self.messages: list[OutgoingMessage] = []
        self.answers: list[Answer] = []
        self.outcome: dict[str, str | int] = {}

    def text(self, text: str) -> str:
        return render(text, self.context, self.language, self.translate)

    def say(self, text: str) -> None:
        self.add(OutgoingMessage(self.text(text)))

    def add(self, message: OutgoingMessage) -> None:
        """Join onto a preceding message without buttons: one step is one chat bubble.

        A greeting and its first question arrive as one notification, not two, and every
        message counts against Telegram's 30 per second for the whole bot.
        """
        if self.messages and not self.messages[-1].buttons:
            previous = self.messages.pop()
            message = OutgoingMessage(f"{previous.text}\n\n{message.text}", message.buttons)
        self.messages.append(message)

    def step(self, state: FlowState, reason: str, intents: tuple[str, ...] = ()) -> Step:
        return Step(
            state=state,
            messages=tuple(self.messages),
            answers=tuple(self.answers),
            outcome=self.outcome,
            intents=intents,
            reason=reason,
        )


# -- public API -------------------------------------------------------------------------------


def start(
    flow: Flow, context: Context, *, conversation_id: str, translate: Translate = identity
) -> Step:
    """Begin a conversation: send everything up to the first question."""
    if not callback.CONVERSATION_ID_RE.fullmatch(conversation_id):
        raise ValueError(
            f"conversation_id must be 1-{callback.CONVERSATION_ID_MAX} characters A-Z a-z 0-9 _ -"
        )
    missing = [name for name in sorted(flow.placeholders) if context.get(name) is None]
    if missing:
        raise MissingContextError(f"flow {flow.id!r} needs context values for {missing}")
    state = FlowState(
        flow_id=flow.id, flow_version=flow.version, conversation_id=conversation_id, node=""
    )
    out = _Out(context, translate)
    state = _walk(flow, state, flow.spec.start, out)
    return out.step(state, "started")


def advance(
    flow: Flow,
    state: FlowState,
    event: Event,
    context: Context,
    *,
    translate: Translate = identity,
) -> Step:
    """Handle one inbound event for a conversation in `state`."""
    if state.flow_id != flow.id:
        raise ValueError(f"state belongs to flow {state.flow_id!r}, not {flow.id!r}")
    if not state.active:
        return Step(state=state, handled=False, reason="inactive")
    if isinstance(event, CommandEvent) or (
        isinstance(event, TextEvent) and event.text.lstrip().startswith("/")
    ):
        return Step(state=state, handled=False, reason="command")
    node = flow.nodes.get(state.node)
    if not isinstance(node, QuestionNode | FreeTextNode):
        # the flow changed under a running conversation: close it, keep what we have
        return Step(state=state.model_copy(update={"status": "expired"}), reason="flow_changed")
    out = _Out(context, translate)
    if isinstance(event, ButtonEvent):
        return _on_button(flow, state, node, event, out)
    if isinstance(event, TextEvent):
        return _on_text(flow, state, node, event.text, out)
    if isinstance(event, UnsupportedEvent):
        return _not_understood(flow, state, node, out)
    raise TypeError(f"not an event: {type(event).__name__}")


def expire(state: FlowState) -> Step:
    """The youth went silent: close the conversation, keeping the answers given so far."""
    if not state.active:
        return Step(state=state, handled=False, reason="inactive")
    return Step(state=state.model_copy(update={"status": "expired"}), reason="expired")


def current_question(
    flow: Flow, state: FlowState, context: Context, *, translate: Translate = identity
) -> OutgoingMessage | None:
    """The question the conversation waits on, rendered again (e.g. to resend after a pause)."""
    node = flow.nodes.get(state.node)
    if not state.active or not isinstance(node, QuestionNode | FreeTextNode):
        return None
    out = _Out(context, translate)
    return _question(state, node, out, force_handoff=False, show_handoff=flow.spec.handoff_button)


def old_button_reply(context: Context, *, translate: Translate = identity) -> OutgoingMessage:
    """For the service: a button pressed when no conversation is waiting for it."""
    out = _Out(context, translate)
    out.say(replies().texts["old_button"])
    return out.messages[0]


# -- event handling -----------------------------------------------------------------------------


def _on_button(
    flow: Flow, state: FlowState, node: QuestionNode | FreeTextNode, event: ButtonEvent, out: _Out
) -> Step:
    data = callback.decode(event.data)
    if data is None or data.conversation_id != state.conversation_id or data.node_id != state.node:
        return _stale(flow, state, node, out)
    if data.button_id == HANDOFF_BUTTON_ID:
        return _handoff(state, out)
    button = _button(node, data.button_id)
    if button is None:
        return _stale(flow, state, node, out)
    return _chosen(flow, state, node, button, out)


def _on_text(
    flow: Flow, state: FlowState, node: QuestionNode | FreeTextNode, text: str, out: _Out
) -> Step:
    key = normalize(text)
    shared = replies()
    if key in shared.handoff_keywords:
        return _handoff(state, out)
    if key in shared.stop_keywords:
        return Step(state=state, intents=(STOP_REQUESTED,), reason="stop")
    button_id = match(text, flow.match_tables.get(state.node, {}), _translated_labels(node, out))
    if button_id is not None:
        button = _button(node, button_id)
        if button is not None:
            return _chosen(flow, state, node, button, out)
    kept = text.strip()[:MAX_FREE_TEXT]
    if isinstance(node, FreeTextNode) and kept:
        return _store_text(flow, state, node.store, kept, node.next, out)
    if isinstance(node, QuestionNode) and node.free_text and kept:
        return _store_text(flow, state, node.free_text.store, kept, node.free_text.next, out)
    return _not_understood(flow, state, node, out)


def _translated_labels(node: QuestionNode | FreeTextNode, out: _Out) -> dict[str, set[str]] | None:
    """Typed replies in the youth's own language may match the translated button labels."""
    if out.language == SOURCE_LANGUAGE or out.translate is identity:
        return None
    labels: dict[str, set[str]] = {}
    for button in _buttons(node):
        translated = normalize(out.translate(button.label, out.language))
        if translated:
            labels[button.id] = {translated}
    return labels


def _chosen(
    flow: Flow, state: FlowState, node: QuestionNode | FreeTextNode, button: ButtonSpec, out: _Out
) -> Step:
    if isinstance(node, FreeTextNode):  # the skip button
        return _step_on(flow, state, {}, button.next or node.next, out, "skipped")
    new: dict[str, str | int] = {}
    if node.store:
        new[node.store] = button.stored_value
        out.answers.append(Answer(node.store, button.stored_value, state.node))
    target = button.next or node.next
    assert target is not None  # guaranteed by the loader
    return _step_on(flow, state, new, target, out, "answered")


def _store_text(flow: Flow, state: FlowState, key: str, text: str, target: str, out: _Out) -> Step:
    out.answers.append(Answer(key, text, state.node))
    return _step_on(flow, state, {key: text}, target, out, "free_text")


def _step_on(
    flow: Flow, state: FlowState, new: dict[str, str | int], target: str, out: _Out, reason: str
) -> Step:
    answers = {**state.answers, **new} if new else state.answers
    state = state.model_copy(update={"answers": answers, "reasks": 0})
    return out.step(_walk(flow, state, target, out), reason)


def _not_understood(
    flow: Flow, state: FlowState, node: QuestionNode | FreeTextNode, out: _Out
) -> Step:
    reasks = state.reasks + 1
    state = state.model_copy(update={"reasks": reasks})
    texts = replies().texts
    offer = reasks >= REASK_LIMIT
    if offer:
        out.say(texts["offer_handoff"])
    elif isinstance(node, FreeTextNode):
        out.say(texts["not_understood_text"])
    else:
        out.say(texts["not_understood_buttons"])
    out.add(_question(state, node, out, offer, flow.spec.handoff_button))
    intents = (HANDOFF_OFFERED,) if reasks == REASK_LIMIT else ()
    return out.step(state, "not_understood", intents)


def _stale(flow: Flow, state: FlowState, node: QuestionNode | FreeTextNode, out: _Out) -> Step:
    out.say(replies().texts["stale_button"])
    out.add(_question(state, node, out, state.reasks >= REASK_LIMIT, flow.spec.handoff_button))
    return out.step(state, "stale")


def _handoff(state: FlowState, out: _Out) -> Step:
    out.say(replies().texts["handoff_ack"])
    return out.step(state.model_copy(update={"reasks": 0}), "handoff", (HANDOFF_REQUESTED,))


# -- walking the graph ------------------------------------------------------------------------


def _walk(flow: Flow, state: FlowState, node_id: str, out: _Out) -> FlowState:
    """Follow message/branch/store nodes from node_id until a question or an end."""
    answers = dict(state.answers)
    for _ in range(_MAX_HOPS):
        node = flow.nodes[node_id]
        if isinstance(node, MessageNode):
            out.say(node.text)
            node_id = node.next
        elif isinstance(node, StoreNode):
            answers[node.key] = node.value
            out.answers.append(Answer(node.key, node.value, node_id))
            node_id = node.next
        elif isinstance(node, BranchNode):
            node_id = _branch(flow, node_id, node, answers, out.context)
        elif isinstance(node, EndNode):
            if node.text:
                out.say(node.text)
            out.outcome.update(node.outcome)
            return state.model_copy(
                update={"node": node_id, "answers": answers, "status": "finished"}
            )
        else:
            state = state.model_copy(update={"node": node_id, "answers": answers})
            out.add(_question(state, node, out, False, flow.spec.handoff_button))
            return state
    raise RuntimeError(f"flow {flow.id!r}: more than {_MAX_HOPS} nodes without a question")


def _branch(
    flow: Flow, node_id: str, node: BranchNode, answers: dict[str, Any], context: Context
) -> str:
    for index, case in enumerate(node.cases):
        if flow.conditions[(node_id, index)].holds(answers, context):
            return case.next
    return node.otherwise


def _buttons(node: QuestionNode | FreeTextNode) -> tuple[ButtonSpec, ...]:
    if isinstance(node, QuestionNode):
        return node.buttons
    return (node.skip,) if node.skip else ()


def _button(node: QuestionNode | FreeTextNode, button_id: str) -> ButtonSpec | None:
    for button in _buttons(node):
        if button.id == button_id:
            return button
    return None


def _question(
    state: FlowState,
    node: QuestionNode | FreeTextNode,
    out: _Out,
    force_handoff: bool,
    show_handoff: bool,
) -> OutgoingMessage:
    def make(button_id: str, label: str) -> OutgoingButton:
        data = callback.encode(state.conversation_id, state.node, button_id)
        return OutgoingButton(out.text(label), data)

    rows: list[tuple[OutgoingButton, ...]] = []
    width = node.row_width if isinstance(node, QuestionNode) else 1
    buttons = [make(b.id, b.label) for b in _buttons(node)]
    for index in range(0, len(buttons), width):
        rows.append(tuple(buttons[index : index + width]))
    if show_handoff or force_handoff:
        rows.append((make(HANDOFF_BUTTON_ID, replies().texts["handoff_button"]),))
    return OutgoingMessage(out.text(node.text), tuple(rows))

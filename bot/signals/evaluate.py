"""Run the signal rules over one check-in (and/or new events) and say which fired, and why."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.crisis import detect_crisis
from bot.signals.conditions import EvalInput, TextDetector
from bot.signals.model import AnswerSet, Event, Evidence, SignalContext, SignalHit
from bot.signals.rules import Rule


def _crisis_category(text: str) -> str | None:
    hit = detect_crisis(text)
    return None if hit is None else f"crisis:{hit.category}"


def evaluate(
    rules: Iterable[Rule],
    current: AnswerSet | None,
    previous: AnswerSet | None,
    events: Sequence[Event],
    context: SignalContext,
    now: datetime,
    *,
    detect: TextDetector = _crisis_category,
) -> list[SignalHit]:
    """Return at most one hit per rule, in rule order.

    `current` is the check-in just finished (None when only events are evaluated), `previous`
    the check-in before it (for "mood dropped"), `events` the events not evaluated before.
    The idempotence key is the rule id plus: the life fact for context rules (turning 21 is
    one signal per youth), else the check-in id when an answer of the current check-in is
    part of the reason, else the first triggering event's id. Evaluating the same check-in or
    event twice yields the same keys, so the caller can store hits under a unique key.
    """
    if now.tzinfo is None:
        raise ValueError("evaluate needs a timezone-aware 'now'")
    inp = EvalInput(current, previous, tuple(events), context, now, detect)
    hits: list[SignalHit] = []
    for rule in rules:
        evidence = rule.when.evaluate(inp)
        if evidence is None:
            continue
        hits.append(
            SignalHit(
                rule_id=rule.id,
                description=rule.description,
                severity=rule.severity,
                evidence=tuple(dict.fromkeys(evidence)),
                idempotence_key=f"{rule.id}:{_source_of(evidence, current)}",
            )
        )
    return hits


def _source_of(evidence: Sequence[Evidence], current: AnswerSet | None) -> str:
    # A life fact (turning 21) is one signal, however many check-ins mention the job.
    facts = [e.source_id for e in evidence if e.kind == "context" and e.source_id]
    if facts:
        return f"context:{facts[0]}"
    if current is not None and any(
        e.kind == "answer" and e.source_id == current.source_id for e in evidence
    ):
        return f"checkin:{current.source_id}"
    events = [e for e in evidence if e.kind == "event"]
    if events:
        return f"event:{events[0].source_id}"
    sources = [e.source_id for e in evidence if e.source_id]
    if sources:
        return f"checkin:{sources[0]}"
    return "unknown"

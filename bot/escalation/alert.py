"""The minimal content of a coordinator alert, as plain data. Rendering is the channel's job.

Telegram is not end-to-end encrypted, so an alert holds only what a coordinator needs to act:
first name, school, the reasons with their dates and the last check-in's choices. No surname,
no contact details, and never free text (it may hold the very words that raised a crisis).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.escalation.model import Escalation
from bot.escalation.policy import DEFAULT_POLICY, AckPolicy, ack_deadline
from bot.signals.model import AnswerSet, Severity, SignalHit
from bot.signals.vocabulary import TEXT_ANSWERS


@dataclass(frozen=True, slots=True)
class AlertReason:
    rule_id: str
    description: str
    severity: Severity
    since: datetime | None  # when the triggering answer was given or the event happened
    details: tuple[str, ...]  # e.g. "mood=1", "previous mood=4", "event blocked"


@dataclass(frozen=True, slots=True)
class AlertAnswer:
    key: str
    value: str
    given_at: datetime


@dataclass(frozen=True, slots=True)
class CoordinatorAlert:
    escalation_id: str
    severity: Severity
    first_name: str
    school: str
    reasons: tuple[AlertReason, ...]
    last_answers: tuple[AlertAnswer, ...]
    acknowledge_before: datetime


def _show(value: object) -> str:
    if isinstance(value, (tuple, list)):
        return ",".join(str(x) for x in value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _reason(hit: SignalHit) -> AlertReason:
    details = []
    for ev in hit.evidence:
        if ev.kind == "answer":
            details.append(f"{ev.key}={ev.value}")
        elif ev.kind == "previous_answer":
            details.append(f"previous {ev.key}={ev.value}")
        elif ev.kind == "event":
            details.append(f"event {ev.value}")
        else:
            details.append(f"{ev.key}={ev.value}")
    dated = [ev.at for ev in hit.evidence if ev.at is not None and ev.kind != "previous_answer"]
    return AlertReason(
        hit.rule_id, hit.description, hit.severity, min(dated) if dated else None, tuple(details)
    )


def build_alert(
    first_name: str,
    school: str,
    escalation: Escalation,
    hits: Sequence[SignalHit],
    last_answers: AnswerSet | None,
    policy: AckPolicy = DEFAULT_POLICY,
) -> CoordinatorAlert:
    """Everything a coordinator alert may show. `hits` are the signals to report now."""
    answers = ()
    if last_answers is not None:
        answers = tuple(
            AlertAnswer(a.key, _show(a.value), a.given_at)
            for key, a in sorted(last_answers.answers.items())
            if key not in TEXT_ANSWERS
        )
    return CoordinatorAlert(
        escalation_id=escalation.id,
        severity=escalation.severity,
        first_name=first_name.strip().split()[0] if first_name.strip() else "",
        school=school.strip(),
        reasons=tuple(_reason(h) for h in hits),
        last_answers=answers,
        acknowledge_before=ack_deadline(escalation, policy),
    )

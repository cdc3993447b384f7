"""Plain data passed into and out of the signal evaluator."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

AnswerValue = int | str | date | tuple[str, ...]


class Severity(StrEnum):
    INFO = "info"
    ATTENTION = "attention"
    URGENT = "urgent"


@dataclass(frozen=True, slots=True)
class Answer:
    key: str
    value: AnswerValue
    given_at: datetime


@dataclass(frozen=True, slots=True)
class AnswerSet:
    """The answers from one check-in conversation; `source_id` is that conversation's id."""

    source_id: str
    answers: Mapping[str, Answer] = field(default_factory=dict)

    @classmethod
    def from_values(
        cls, source_id: str, values: Mapping[str, AnswerValue], given_at: datetime
    ) -> AnswerSet:
        """Build a set where every answer was given at the same moment (handy in tests)."""
        return cls(source_id, {k: Answer(k, v, given_at) for k, v in values.items()})

    def get(self, key: str) -> Answer | None:
        return self.answers.get(key)


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened outside a check-in (blocked the bot, stayed silent, ...)."""

    kind: str
    event_id: str
    occurred_at: datetime
    # Non-identifying detail, e.g. the crisis category. Never message text.
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class SignalContext:
    """Facts about the youth that are not answers. Unknown facts stay None."""

    birth_date: date | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One answer, event or fact that made a rule fire: the "why" shown to a coordinator."""

    kind: str  # "answer" | "previous_answer" | "event" | "context"
    key: str
    value: str
    at: datetime | None
    source_id: str | None


@dataclass(frozen=True, slots=True)
class SignalHit:
    rule_id: str
    description: str
    severity: Severity
    evidence: tuple[Evidence, ...]
    # Same rule + same check-in or event gives the same key, so storing hits can be idempotent.
    idempotence_key: str

"""A small condition language for signal rules: parsed from YAML data, never `eval`-ed.

Leaves:
  {answer: KEY, OP: OPERAND[, from: current|previous|latest]}
      OP is one of equals, in, at_most, at_least, between, dropped_by_at_least,
      within_days, crisis_language (which ops fit depends on the answer's type).
  {event: KIND}
  {context: KEY, OP: OPERAND}      OP is one of equals, at_most, at_least, between
Combinators:
  {all: [condition, ...]}   {any: [condition, ...]}

Each condition evaluates to the evidence that satisfied it, or None. Evidence is what a
coordinator sees as the reason for a signal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.signals import vocabulary as v
from bot.signals.model import Answer, AnswerSet, Event, Evidence, SignalContext

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# A detector maps free text to a short, non-identifying category, or None.
TextDetector = Callable[[str], str | None]


class ConditionError(ValueError):
    """A condition is malformed; the message says what is wrong and how to fix it."""


@dataclass(frozen=True, slots=True)
class EvalInput:
    current: AnswerSet | None
    previous: AnswerSet | None
    events: Sequence[Event]
    context: SignalContext
    now: datetime
    detect_crisis: TextDetector


Found = tuple[Evidence, ...] | None


# ---------------------------------------------------------------------------- value helpers


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(AMSTERDAM).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _as_choices(value: object) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, (tuple, list, set, frozenset)):
        return frozenset(x for x in value if isinstance(x, str))
    return frozenset()


def _show(value: object) -> str:
    if isinstance(value, (tuple, list, set, frozenset)):
        return ",".join(sorted(str(x) for x in value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _answer_evidence(answer: Answer, source: AnswerSet, kind: str = "answer") -> Evidence:
    return Evidence(kind, answer.key, _show(answer.value), answer.given_at, source.source_id)


def local_today(now: datetime) -> date:
    return now.astimezone(AMSTERDAM).date()


def days_until_21(birth_date: date, today: date) -> int:
    """Days until the 21st birthday (negative once past). 29 February turns on 1 March."""
    try:
        birthday = birth_date.replace(year=birth_date.year + 21)
    except ValueError:
        birthday = date(birth_date.year + 21, 3, 1)
    return (birthday - today).days


# ---------------------------------------------------------------------------- condition nodes


@dataclass(frozen=True, slots=True)
class AnswerCondition:
    key: str
    op: str
    operand: Any
    source: str = "current"

    def _lookup(self, inp: EvalInput) -> tuple[Answer, AnswerSet] | None:
        sets = {
            "current": [inp.current],
            "previous": [inp.previous],
            "latest": [inp.current, inp.previous],
        }[self.source]
        for answer_set in sets:
            if answer_set is not None and (answer := answer_set.get(self.key)) is not None:
                return answer, answer_set
        return None

    def evaluate(self, inp: EvalInput) -> Found:
        if self.op == "dropped_by_at_least":
            return self._dropped(inp)
        found = self._lookup(inp)
        if found is None:
            return None
        answer, answer_set = found
        if self.op == "crisis_language":
            if not isinstance(answer.value, str):
                return None
            category = inp.detect_crisis(answer.value)
            if category is None:
                return None
            # The text itself never leaves this function: only the category does.
            return (
                Evidence("answer", answer.key, category, answer.given_at, answer_set.source_id),
            )
        if self._value_matches(answer.value, inp):
            return (_answer_evidence(answer, answer_set),)
        return None

    def _value_matches(self, value: object, inp: EvalInput) -> bool:
        op, operand = self.op, self.operand
        if self.key in v.NUMBER_ANSWERS:
            number = _as_int(value)
            if number is None:
                return False
            return _compare_number(op, number, operand)
        if self.key in v.DATE_ANSWERS:
            when = _as_date(value)
            if when is None:
                return False
            # A date already passed also counts: the contract has then ended.
            return (when - local_today(inp.now)).days <= operand
        chosen = _as_choices(value)
        if op == "equals":
            return operand in chosen
        if op == "in":
            return bool(chosen & frozenset(operand))
        return False

    def _dropped(self, inp: EvalInput) -> Found:
        if inp.current is None or inp.previous is None:
            return None
        now_answer, before_answer = inp.current.get(self.key), inp.previous.get(self.key)
        if now_answer is None or before_answer is None:
            return None
        now_value, before_value = _as_int(now_answer.value), _as_int(before_answer.value)
        if now_value is None or before_value is None:
            return None
        if before_value - now_value >= self.operand:
            return (
                _answer_evidence(now_answer, inp.current),
                _answer_evidence(before_answer, inp.previous, "previous_answer"),
            )
        return None


def _compare_number(op: str, number: int, operand: Any) -> bool:
    if op == "equals":
        return number == operand
    if op == "at_most":
        return number <= operand
    if op == "at_least":
        return number >= operand
    if op == "between":
        return operand[0] <= number <= operand[1]
    return False


@dataclass(frozen=True, slots=True)
class EventCondition:
    kind: str

    def evaluate(self, inp: EvalInput) -> Found:
        matching = sorted(
            (e for e in inp.events if e.kind == self.kind),
            key=lambda e: (e.occurred_at, e.event_id),
        )
        if not matching:
            return None
        return tuple(
            Evidence("event", e.kind, e.detail or e.kind, e.occurred_at, e.event_id)
            for e in matching
        )


@dataclass(frozen=True, slots=True)
class ContextCondition:
    key: str
    op: str
    operand: Any

    def evaluate(self, inp: EvalInput) -> Found:
        if self.key == v.CONTEXT_DAYS_UNTIL_21:
            if inp.context.birth_date is None:
                return None
            birth = inp.context.birth_date
            try:
                days = days_until_21(birth, local_today(inp.now))
            except (ValueError, OverflowError):  # a nonsense birth date (year 9990)
                return None
            if _compare_number(self.op, days, self.operand):
                # The source names the fact itself, so "turns 21" is one signal per youth.
                fact = f"turns-21:{birth.isoformat()}"
                return (Evidence("context", self.key, str(days), None, fact),)
        return None


@dataclass(frozen=True, slots=True)
class AllOf:
    children: tuple[Condition, ...]

    def evaluate(self, inp: EvalInput) -> Found:
        evidence: list[Evidence] = []
        for child in self.children:
            found = child.evaluate(inp)
            if found is None:
                return None
            evidence.extend(found)
        return tuple(evidence)


@dataclass(frozen=True, slots=True)
class AnyOf:
    children: tuple[Condition, ...]

    def evaluate(self, inp: EvalInput) -> Found:
        # Evaluate every branch so the coordinator sees all the reasons, not just the first.
        evidence: list[Evidence] = []
        matched = False
        for child in self.children:
            found = child.evaluate(inp)
            if found is not None:
                matched = True
                evidence.extend(found)
        return tuple(evidence) if matched else None


Condition = AnswerCondition | EventCondition | ContextCondition | AllOf | AnyOf


# ---------------------------------------------------------------------------- parsing

_ANSWER_SOURCES = ("current", "previous", "latest")
_NUMBER_OPS = ("equals", "at_most", "at_least", "between")


def parse_condition(raw: object, where: str = "condition") -> Condition:
    """Turn YAML data into a condition tree, or raise ConditionError saying what is wrong."""
    if not isinstance(raw, Mapping):
        raise ConditionError(f"{where}: expected a mapping, got {type(raw).__name__}")
    if not raw:
        raise ConditionError(f"{where}: empty condition")
    kinds = [k for k in ("all", "any", "answer", "event", "context") if k in raw]
    if len(kinds) != 1:
        raise ConditionError(
            f"{where}: needs exactly one of all/any/answer/event/context, got keys {sorted(raw)}"
        )
    kind = kinds[0]
    if kind in ("all", "any"):
        _only_keys(raw, {kind}, where)
        items = raw[kind]
        if not isinstance(items, list) or not items:
            raise ConditionError(f"{where}: '{kind}' needs a non-empty list of conditions")
        children = tuple(
            parse_condition(item, f"{where}.{kind}[{i}]") for i, item in enumerate(items)
        )
        return AllOf(children) if kind == "all" else AnyOf(children)
    if kind == "event":
        _only_keys(raw, {"event"}, where)
        if raw["event"] not in v.EVENT_KINDS:
            raise ConditionError(
                f"{where}: unknown event {raw['event']!r}; known: {sorted(v.EVENT_KINDS)}"
            )
        return EventCondition(raw["event"])
    if kind == "context":
        return _parse_context(raw, where)
    return _parse_answer(raw, where)


def _only_keys(raw: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise ConditionError(
            f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}"
        )


def _single_op(raw: Mapping[str, Any], head: str, allowed_ops: Sequence[str], where: str) -> str:
    ops = [k for k in raw if k not in (head, "from")]
    unknown = [k for k in ops if k not in allowed_ops]
    if unknown:
        raise ConditionError(
            f"{where}: unknown operator(s) {unknown} for {head} {raw[head]!r}; "
            f"allowed: {list(allowed_ops)}"
        )
    if len(ops) != 1:
        raise ConditionError(f"{where}: needs exactly one operator, got {ops or 'none'}")
    return ops[0]


def _int_operand(value: object, where: str, op: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConditionError(f"{where}: '{op}' needs a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ConditionError(f"{where}: '{op}' needs a number of at least {minimum}, got {value}")
    return value


def _number_operand(op: str, operand: object, where: str) -> Any:
    if op == "between":
        if not isinstance(operand, list) or len(operand) != 2:
            raise ConditionError(f"{where}: 'between' needs a list [low, high]")
        low = _int_operand(operand[0], where, op)
        high = _int_operand(operand[1], where, op)
        if low > high:
            raise ConditionError(f"{where}: 'between' low {low} is above high {high}")
        return (low, high)
    return _int_operand(operand, where, op)


def _parse_context(raw: Mapping[str, Any], where: str) -> ContextCondition:
    key = raw["context"]
    if key not in v.CONTEXT_KEYS:
        raise ConditionError(f"{where}: unknown context {key!r}; known: {sorted(v.CONTEXT_KEYS)}")
    if "from" in raw:
        raise ConditionError(f"{where}: 'from' only applies to answers")
    op = _single_op(raw, "context", _NUMBER_OPS, where)
    return ContextCondition(key, op, _number_operand(op, raw[op], where))


def _parse_answer(raw: Mapping[str, Any], where: str) -> AnswerCondition:
    key = raw["answer"]
    if key not in v.ANSWER_KEYS:
        raise ConditionError(f"{where}: unknown answer {key!r}; known: {sorted(v.ANSWER_KEYS)}")
    source = raw.get("from", "current")
    if source not in _ANSWER_SOURCES:
        raise ConditionError(f"{where}: 'from' must be one of {list(_ANSWER_SOURCES)}")
    if key in v.NUMBER_ANSWERS:
        op = _single_op(raw, "answer", (*_NUMBER_OPS, "dropped_by_at_least"), where)
        if op == "dropped_by_at_least":
            if "from" in raw:
                raise ConditionError(
                    f"{where}: 'dropped_by_at_least' compares current with previous; drop 'from'"
                )
            return AnswerCondition(key, op, _int_operand(raw[op], where, op, minimum=1))
        operand = _number_operand(op, raw[op], where)
        low, high = v.NUMBER_ANSWERS[key]
        bounds = operand if isinstance(operand, tuple) else (operand,)
        if any(not low <= b <= high for b in bounds):
            raise ConditionError(f"{where}: {key} runs from {low} to {high}, got {raw[op]!r}")
        return AnswerCondition(key, op, operand, source)
    if key in v.DATE_ANSWERS:
        op = _single_op(raw, "answer", ("within_days",), where)
        return AnswerCondition(key, op, _int_operand(raw[op], where, op, minimum=0), source)
    if key in v.TEXT_ANSWERS:
        op = _single_op(raw, "answer", ("crisis_language",), where)
        if raw[op] is not True:
            raise ConditionError(f"{where}: 'crisis_language' only accepts true")
        return AnswerCondition(key, op, True, source)
    choices = v.CHOICE_ANSWERS[key]
    op = _single_op(raw, "answer", ("equals", "in"), where)
    operand = raw[op]
    values = operand if op == "in" else [operand]
    if op == "in" and (not isinstance(operand, list) or not operand):
        raise ConditionError(f"{where}: 'in' needs a non-empty list of values")
    bad = [x for x in values if x not in choices]
    if bad:
        raise ConditionError(f"{where}: {key} has no value(s) {bad}; known values: {list(choices)}")
    return AnswerCondition(key, op, tuple(operand) if op == "in" else operand, source)

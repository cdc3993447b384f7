"""Branch conditions in flow files: a tiny, safe language parsed once at load time.

Grammar (``and`` binds tighter than ``or``; no parentheses, no function calls):

    condition := clause ("and" clause)* ("or" clause ("and" clause)*)*
    clause    := name op value | name "in" low".."high | name "in" word("|"word)*
    op        := == != < <= > >=

A name is looked up in the answers of this conversation first, then in the context the
service passes in. A missing name makes its clause false, so "turns_21_within_days <= 60"
is simply false for someone who is already 21 (the service leaves the value out).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_CLAUSE_RE = re.compile(
    r"^\s*(?P<name>[a-z][a-z0-9_]*)\s*(?P<op>==|!=|<=|>=|<|>|\bin\b)\s*(?P<value>\S+)\s*$"
)
_RANGE_RE = re.compile(r"^(-?\d+)\.\.(-?\d+)$")
_WORD_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_COMPARE: dict[str, Callable[[object, object], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class ConditionError(ValueError):
    pass


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


@dataclass(frozen=True, slots=True)
class Clause:
    name: str
    op: str
    values: tuple[str, ...]  # one value, a (low, high) range, or the members of a set
    is_range: bool = False

    def holds(self, lookup: Callable[[str], object]) -> bool:
        actual = lookup(self.name)
        if actual is None:
            return False
        if self.op == "in":
            if self.is_range:
                number = _as_number(actual)
                low, high = (float(v) for v in self.values)
                return number is not None and low <= number <= high
            return str(actual) in self.values
        expected = self.values[0]
        left, right = _as_number(actual), _as_number(expected)
        if left is not None and right is not None:
            return _COMPARE[self.op](left, right)
        if self.op in ("==", "!="):
            return _COMPARE[self.op](str(actual), expected)
        return False  # ordering between words means nothing


@dataclass(frozen=True, slots=True)
class Condition:
    source: str
    any_of: tuple[tuple[Clause, ...], ...]

    @property
    def names(self) -> set[str]:
        return {clause.name for group in self.any_of for clause in group}

    def holds(self, answers: Mapping[str, object], context: Mapping[str, object]) -> bool:
        def lookup(name: str) -> object:
            return answers[name] if name in answers else context.get(name)

        return any(all(clause.holds(lookup) for clause in group) for group in self.any_of)


def _parse_clause(text: str) -> Clause:
    found = _CLAUSE_RE.match(text)
    if not found:
        raise ConditionError(f"cannot read {text.strip()!r}; write e.g. 'activity == werk'")
    name, op, value = found["name"], found["op"], found["value"]
    if op == "in":
        if ranged := _RANGE_RE.match(value):
            low, high = ranged.groups()
            if int(low) > int(high):
                raise ConditionError(f"empty range {value!r} in {text.strip()!r}")
            return Clause(name, op, (low, high), is_range=True)
        members = tuple(value.split("|"))
        if not all(_WORD_RE.match(m) for m in members):
            raise ConditionError(f"'in' needs low..high or a|b|c, got {value!r}")
        return Clause(name, op, members)
    if not _WORD_RE.match(value):
        raise ConditionError(f"value {value!r} in {text.strip()!r} must be a number or a word")
    return Clause(name, op, (value,))


def parse(source: str) -> Condition:
    if not isinstance(source, str) or not source.strip():
        raise ConditionError("empty condition")
    groups = []
    for alternative in re.split(r"\s+or\s+", source.strip()):
        groups.append(tuple(_parse_clause(part) for part in re.split(r"\s+and\s+", alternative)))
    return Condition(source, tuple(groups))

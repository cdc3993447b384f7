"""The rule loader rejects broken files with a message naming file, rule and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.signals import RuleLoadError, load_rules
from bot.signals.model import Severity


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def rule(when: str, rule_id: str = "r1", extra: str = "") -> str:
    return (
        f"rules:\n  - id: {rule_id}\n    description: Iets\n    severity: attention\n"
        f"    when: {when}\n{extra}"
    )


def test_shipped_rules_load() -> None:
    rules = load_rules()
    assert len(rules) >= 11
    assert {r.severity for r in rules} == set(Severity)
    assert next(r for r in rules if r.id == "crisistaal").severity is Severity.URGENT


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ("{answer: moood, at_most: 2}", "unknown answer 'moood'"),
        ("{answer: mood, below: 2}", "unknown operator(s) ['below']"),
        ("{answer: mood, at_most: 9}", "mood runs from 1 to 5"),
        ("{answer: mood, at_most: two}", "needs a whole number"),
        ("{answer: activity, equals: niets}", "no value(s) ['niets']"),
        ("{answer: activity, in: []}", "non-empty list"),
        ("{answer: activity, equals: werk, from: gisteren}", "'from' must be one of"),
        ("{answer: activity, at_most: 2}", "unknown operator(s) ['at_most']"),
        ("{answer: free_text, crisis_language: false}", "only accepts true"),
        ("{answer: contract_end_date, within_days: -1}", "at least 0"),
        ("{answer: mood, dropped_by_at_least: 0}", "at least 1"),
        ("{event: ghosted}", "unknown event 'ghosted'"),
        ("{event: blocked, extra: 1}", "unknown key(s) ['extra']"),
        ("{context: age, at_most: 21}", "unknown context 'age'"),
        ("{context: days_until_21, between: [60, 0]}", "low 60 is above high 0"),
        ("{all: []}", "non-empty list"),
        ("{any: [{answer: mood, at_most: 2}, {nope: 1}]}", "when.any[1]"),
        ("{answer: mood, at_most: 2, event: blocked}", "exactly one of"),
        ("{answer: mood}", "exactly one operator"),
        ("[1, 2]", "expected a mapping"),
    ],
)
def test_bad_condition_names_file_rule_and_problem(tmp_path: Path, when: str, problem: str) -> None:
    path = write(tmp_path, rule(when, rule_id="mijn_regel"))
    with pytest.raises(RuleLoadError) as info:
        load_rules(path)
    message = str(info.value)
    assert str(path) in message
    assert "'mijn_regel'" in message
    assert problem in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("rules: [", "not valid YAML"),
        ("regels: []", "one key 'rules'"),
        ("rules: []", "non-empty list"),
        ("rules:\n  - id: Bad-Id\n", "lower_snake_case"),
        (
            "rules:\n  - id: r1\n    description: x\n    severity: high\n"
            "    when: {event: blocked}\n",
            "'severity' must be one of",
        ),
        (
            "rules:\n  - id: r1\n    severity: info\n    when: {event: blocked}\n",
            "missing key(s) ['description']",
        ),
        (
            "rules:\n  - id: r1\n    description: x\n    severity: info\n"
            "    when: {event: blocked}\n"
            "    colour: red\n",
            "unknown key(s) ['colour']",
        ),
    ],
)
def test_bad_file_structure(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(RuleLoadError) as info:
        load_rules(write(tmp_path, text))
    assert problem in str(info.value)


def test_duplicate_ids(tmp_path: Path) -> None:
    text = rule("{event: blocked}") + rule("{event: blocked}").removeprefix("rules:\n")
    with pytest.raises(RuleLoadError, match="'r1': duplicate rule id"):
        load_rules(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RuleLoadError, match="cannot read"):
        load_rules(tmp_path / "nope.yaml")

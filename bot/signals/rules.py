"""Signal rules are data (rules.yaml); this module loads and validates them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.signals.conditions import Condition, ConditionError, parse_condition
from bot.signals.model import Severity

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.yaml")
_RULE_ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
_RULE_KEYS = {"id", "description", "severity", "when"}


class RuleLoadError(ValueError):
    """A rules file cannot be used. The message names the file, the rule and the problem."""

    def __init__(self, path: Path | str, rule: str | None, problem: str) -> None:
        self.path, self.rule, self.problem = str(path), rule, problem
        where = f"rule {rule!r}" if rule else "file"
        super().__init__(f"{path}: {where}: {problem}")


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    description: str  # plain Dutch, shown to coordinators
    severity: Severity
    when: Condition


def load_rules(path: Path | str = DEFAULT_RULES_PATH) -> tuple[Rule, ...]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleLoadError(path, None, f"cannot read: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleLoadError(path, None, f"not valid YAML: {exc}") from exc
    return parse_rules(data, path)


def parse_rules(data: object, path: Path | str = "<rules>") -> tuple[Rule, ...]:
    if not isinstance(data, dict) or set(data) != {"rules"}:
        raise RuleLoadError(path, None, "expected a mapping with one key 'rules'")
    raw_rules = data["rules"]
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RuleLoadError(path, None, "'rules' must be a non-empty list")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules):
        rule = _parse_rule(raw, index, path)
        if rule.id in seen:
            raise RuleLoadError(path, rule.id, "duplicate rule id")
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


def _parse_rule(raw: object, index: int, path: Path | str) -> Rule:
    name = f"#{index + 1}"
    if not isinstance(raw, dict):
        raise RuleLoadError(path, name, "each rule must be a mapping")
    rule_id = raw.get("id")
    if isinstance(rule_id, str):
        name = rule_id
    if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        raise RuleLoadError(path, name, "'id' must be lower_snake_case, 2-64 characters")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise RuleLoadError(
            path, name, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_RULE_KEYS)}"
        )
    missing = _RULE_KEYS - set(raw)
    if missing:
        raise RuleLoadError(path, name, f"missing key(s) {sorted(missing)}")
    description = raw["description"]
    if not isinstance(description, str) or not description.strip():
        raise RuleLoadError(path, name, "'description' must be a non-empty text")
    try:
        severity = Severity(raw["severity"])
    except ValueError:
        raise RuleLoadError(
            path,
            name,
            f"'severity' must be one of {[s.value for s in Severity]}, got {raw['severity']!r}",
        ) from None
    try:
        when = parse_condition(raw["when"], "when")
    except ConditionError as exc:
        raise RuleLoadError(path, name, str(exc)) from None
    return Rule(rule_id, description.strip(), severity, when)

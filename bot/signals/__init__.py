"""Relapse signals: rules as data (rules.yaml), a safe condition language, a pure evaluator."""

from bot.signals.evaluate import evaluate
from bot.signals.model import (
    Answer,
    AnswerSet,
    AnswerValue,
    Event,
    Evidence,
    Severity,
    SignalContext,
    SignalHit,
)
from bot.signals.rules import DEFAULT_RULES_PATH, Rule, RuleLoadError, load_rules, parse_rules

__all__ = [
    "DEFAULT_RULES_PATH",
    "Answer",
    "AnswerSet",
    "AnswerValue",
    "Event",
    "Evidence",
    "Rule",
    "RuleLoadError",
    "Severity",
    "SignalContext",
    "SignalHit",
    "evaluate",
    "load_rules",
    "parse_rules",
]

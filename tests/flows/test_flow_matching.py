"""Normalizing typed replies, the phrase tables, and branch conditions."""

from __future__ import annotations

import pytest

from flows.conditions import ConditionError, parse
from flows.matching import AmbiguousPhraseError, build_table, match, normalize


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("  Ja!! ", "ja"),
        ("JAWEL.", "jawel"),
        ("Ik   werk\n", "ik werk"),
        ("Café", "cafe"),
        ("ïdee", "idee"),
        ("😐\ufe0f", "😐"),
        ("nee, dank je", "nee dank je"),
        ("...", ""),
    ],
)
def test_normalize(raw, normal):
    assert normalize(raw) == normal


def test_table_and_match():
    table = build_table({"ja": ["Ja", "jawel", "yes"], "nee": ["Nee", "neen"]})
    assert match("JA!", table) == "ja"
    assert match("Neen", table) == "nee"
    assert match("misschien", table) is None
    assert match("", table) is None
    assert match("ja", table, {"nee": {"ja"}}) is None  # two candidates: never guess
    assert match("oui", table, {"ja": {"oui"}}) == "ja"


def test_shared_phrase_is_refused():
    with pytest.raises(AmbiguousPhraseError, match="'ja' and 'nee'"):
        build_table({"ja": ["ok"], "nee": ["OK!"]})


@pytest.mark.parametrize(
    ("source", "answers", "context", "expected"),
    [
        ("month_since_leaving in 11..12", {}, {"month_since_leaving": 11}, True),
        ("month_since_leaving in 11..12", {}, {"month_since_leaving": 12}, True),
        ("month_since_leaving in 11..12", {}, {"month_since_leaving": 13}, False),
        ("month_since_leaving in 11..12", {}, {}, False),
        (
            "turns_21_within_days <= 60 and activity == werk",
            {"activity": "werk"},
            {"turns_21_within_days": 60},
            True,
        ),
        (
            "turns_21_within_days <= 60 and activity == werk",
            {"activity": "school"},
            {"turns_21_within_days": 10},
            False,
        ),
        ("turns_21_within_days <= 60 and activity == werk", {"activity": "werk"}, {}, False),
        ("help_needed != nee or mood <= 2", {"help_needed": "nee", "mood": 2}, {}, True),
        ("help_needed != nee or mood <= 2", {"help_needed": "nee", "mood": 3}, {}, False),
        ("help_needed != nee or mood <= 2", {"help_needed": "geld", "mood": 5}, {}, True),
        ("activity in werk|stage", {"activity": "stage"}, {}, True),
        ("activity in werk|stage", {"activity": "niks"}, {}, False),
        ("activity > werk", {"activity": "werk"}, {}, False),
        ("mood == 3", {"mood": "3"}, {}, True),
    ],
)
def test_conditions(source, answers, context, expected):
    assert parse(source).holds(answers, context) is expected


def test_answers_win_over_context():
    assert parse("activity == werk").holds({"activity": "werk"}, {"activity": "school"})


@pytest.mark.parametrize(
    "source",
    [
        "",
        "   ",
        "mood",
        "mood ==",
        "mood = 3",
        "mood == 3 4",
        "x in 5..1",
        "x in a,b",
        "__import__('os')",
    ],
)
def test_bad_conditions(source):
    with pytest.raises(ConditionError):
        parse(source)

"""The crisis reply: same facts in all six languages, coordinator filled in safely."""

from __future__ import annotations

import pytest

from bot.crisis import CRISIS_REPLY_NL, crisis_reply
from bot.crisis.replies import SUPPORTED_LANGUAGES


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_reply_has_the_numbers_and_the_person(language: str) -> None:
    text = crisis_reply(language, "Sanne")
    for fact in ("113", "0800-0113", "113.nl", "112", "Sanne"):
        assert fact in text, f"{language} reply lacks {fact}"
    assert "{" not in text
    assert len(text) < 600  # short enough to read in one go


def test_all_languages_are_real_translations() -> None:
    others = [crisis_reply(lang, "X") for lang in SUPPORTED_LANGUAGES if lang != "nl"]
    assert all(t != crisis_reply("nl", "X") for t in others)
    assert len(set(others)) == len(others)


def test_never_asks_about_methods() -> None:
    # The Dutch source asks only one question: whether they are in danger now.
    assert CRISIS_REPLY_NL.count("?") == 1
    for banned in ("hoe", "methode", "plan", "pillen"):
        assert banned not in CRISIS_REPLY_NL.lower().split()


@pytest.mark.parametrize("language", [None, "", "fr", "NL", "en-GB"])
def test_unknown_language_falls_back(language: str | None) -> None:
    text = crisis_reply(language, "Sanne")
    assert text in {crisis_reply(lang, "Sanne") for lang in SUPPORTED_LANGUAGES}


def test_coordinator_name_with_braces_is_inserted_literally() -> None:
    assert "{0} {__class__}" in crisis_reply("nl", "{0} {__class__}")

"""Detector behaviour beyond the corpus: normalisation, anchoring, privacy, hostile input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.crisis import CrisisHit, detect_crisis
from bot.crisis.lexicon import CATEGORIES, LANGUAGES, LEXICON
from bot.crisis.normalize import fold, normalise_token, sentences


def test_hit_names_category_language_and_lexicon_term() -> None:
    assert detect_crisis("Ik wil DOOD!!") == CrisisHit("suicide", "nl", "wil dood")


def test_matched_term_is_never_the_users_own_text() -> None:
    hit = detect_crisis("ikke wil echt graag dood jongens")
    assert hit is not None
    assert hit.matched_term in LEXICON[hit.language][hit.category]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Zélfmóórd", "zelfmoord"),
        ("ÖLMEK", "olmek"),
        ("żyć", "zyc"),
        ("ışık", "isik"),
        ("wil\u200bdood", "wildood"),
    ],
)
def test_fold(raw: str, expected: str) -> None:
    assert fold(raw) == expected


def test_leetspeak_and_repeats_but_numbers_stay() -> None:
    assert normalise_token("z3lfm00rd") == "zelfmord"
    assert normalise_token("doooood") == "dod"
    assert normalise_token("112") == "112"


def test_sentences_split_on_punctuation() -> None:
    assert sentences("Ik wil niet meer. Naar school!") == [
        ["ik", "wil", "niet", "mer"],
        ["nar", "schol"],
    ]


def test_sentence_end_anchor() -> None:
    assert detect_crisis("ik kan niet meer") is not None
    assert detect_crisis("ik kan niet meer. doei") is not None
    assert detect_crisis("ik kan niet meer wachten") is None


def test_one_typo_on_long_words_only() -> None:
    assert detect_crisis("zelfmoodr") is not None  # swapped letters count as one edit
    assert detect_crisis("ik wil mezelf snijdne") is not None
    assert detect_crisis("dat staat me niet") is None  # "slaat me" is too short for typos


def test_most_serious_category_wins() -> None:
    hit = detect_crisis("hij slaat me en ik heb alle pillen genomen")
    assert hit is not None and hit.category == "acute_danger"


def test_every_language_has_every_category() -> None:
    for language in LANGUAGES:
        assert set(LEXICON[language]) == set(CATEGORIES)


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "😀😀", "...", "0800", None, 42])
def test_empty_and_odd_input(text: object) -> None:
    assert detect_crisis(text) is None  # type: ignore[arg-type]


def test_very_long_input_is_bounded() -> None:
    assert detect_crisis("bla " * 50_000 + "ik wil dood") is None  # beyond the cap
    assert detect_crisis("bla " * 500 + "ik wil dood") is not None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_unicode_never_crashes(text: str) -> None:
    hit = detect_crisis(text)
    assert hit is None or isinstance(hit, CrisisHit)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_crisis_phrase_is_found_whatever_surrounds_it(before: str, after: str) -> None:
    text = f"{before}\nik wil zelfmoord plegen\n{after}"
    assert detect_crisis(text) is not None

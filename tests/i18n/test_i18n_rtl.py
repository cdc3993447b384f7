"""Arabic reads right: left-to-right pieces keep their order, checked with a real Unicode
Bidirectional Algorithm implementation (python-bidi), not by looking at the marks."""

from __future__ import annotations

import pytest
from bidi import get_display

from bot.i18n import FSI, PDI, RLM, bidi_safe, fill, isolate

MARKS = str.maketrans("", "", FSI + PDI + RLM)


def shown(text: str) -> str:
    """What a screen shows, left to right, without the invisible marks."""
    return get_display(text).translate(MARKS)


HOTLINE = "اتصل بالرقم 0800-0113 أو زر 113.nl"


def test_without_help_arabic_scrambles_phone_numbers_and_addresses() -> None:
    # This is the bug the helper exists for: the number and the address come out reversed.
    display = shown(HOTLINE)
    assert "0800-0113" not in display or "113.nl" not in display


def test_bidi_safe_keeps_numbers_and_addresses_in_order() -> None:
    display = shown(bidi_safe(HOTLINE, "ar"))
    assert "0800-0113" in display
    assert "113.nl" in display
    # The Arabic words still run right to left: "اتصل" (call) is at the right end.
    assert display.rstrip().endswith("اتصل"[::-1])


def test_a_latin_name_first_keeps_the_paragraph_right_to_left() -> None:
    text = fill("{name}، كيف حالك؟", "ar", {"name": "Sara K."})
    assert text.startswith(RLM)
    display = shown(text)
    assert "Sara K." in display
    assert display.rstrip().endswith("Sara K.")  # first in reading order: the right end


def test_placeholder_values_are_isolated() -> None:
    text = fill("مرحبا {name}، موعدك في {time}", "ar", {"name": "Jan-Willem", "time": "14:30"})
    assert f"{FSI}Jan-Willem{PDI}" in text and f"{FSI}14:30{PDI}" in text
    display = shown(text)
    assert "Jan-Willem" in display and "14:30" in display


def test_left_to_right_languages_are_untouched() -> None:
    text = "Bel 0800-0113 of chat op 113.nl."
    assert bidi_safe(text, "nl") == text
    assert fill("Hoi {name}", "en", {"name": "سارة"}) == "Hoi سارة"


def test_bidi_safe_is_idempotent() -> None:
    once = bidi_safe("Sara: " + HOTLINE, "ar")
    assert bidi_safe(once, "ar") == once


@pytest.mark.parametrize("value", ["Sam", "113", "a@b.nl"])
def test_isolate_wraps(value: str) -> None:
    assert isolate(value) == f"{FSI}{value}{PDI}"


def test_names_of_several_words_keep_their_word_order() -> None:
    # The flows fill names in before translation helpers run, so bidi_safe sees plain text.
    text = "مرحبا Sara Janssen، كيف حالك؟ Zoë de Vries."
    display = shown(bidi_safe(text, "ar"))
    assert "Sara Janssen" in display
    assert "Zoë de Vries" in display
    assert "Janssen Sara" not in display


def test_trailing_punctuation_stays_with_the_arabic_sentence() -> None:
    safe = bidi_safe("زر 113.nl.", "ar")
    assert safe.endswith(f"{FSI}113.nl{PDI}.")
    assert shown(safe).startswith(".113.nl")

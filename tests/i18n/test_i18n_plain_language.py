"""Plain Dutch for youths: the linter's rules, and every youth-facing text passing them."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from bot.i18n_build import ROOT, TEMPLATE, read_catalog
from bot.plain_language import (
    BANNED,
    YouthText,
    lint,
    sentences,
    word_count,
    youth_texts_in_python,
)


def rules(text: str) -> set[str]:
    return {finding.rule for finding in lint(text)}


def test_plain_text_passes() -> None:
    assert lint("Hoi {first_name}! Hoe gaat het met je? Chat op 113.nl of bel 0800-0113.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Je krijgt aanvullende loopbaanbegeleiding.",
        "Wat is je uitstroomprofiel?",
        "Dit is je nazorgtraject.",  # inside a compound
        "We doen aan Escalatie.",
        "We escaleren dit.",
        "Je re-integratie begint.",
        "We bewaren je persoonsgegevens.",
        "Dit staat in de AVG.",
        "Teken de toestemmingsverklaring.",
    ],
)
def test_jargon_is_caught(text: str) -> None:
    assert "jargon" in rules(text)


def test_every_required_word_is_banned() -> None:
    required = {
        "aanvullende loopbaanbegeleiding", "loopbaanbegeleiding", "uitstroomprofiel", "uitstroom",
        "escalatie", "escaleren", "traject", "trajectbegeleiding", "interventie", "participatie",
        "re-integratie", "arbeidsmarktgericht", "nazorg", "signalering", "verwerking",
        "persoonsgegevens", "toestemmingsverklaring",
    }  # fmt: skip
    assert required <= BANNED.keys()
    for word in required:
        assert "jargon" in rules(f"Het gaat over {word}."), word


def test_acronyms_match_whole_words_only() -> None:
    assert "jargon" in rules("Volgens de AVG mag dat.")
    assert rules("Ze gaan naar de havgroep.") == set()


def test_formal_address_is_caught() -> None:
    assert "formal" in rules("Kunt u ons bellen?")
    assert "formal" in rules("Uw afspraak is morgen.")
    assert rules("Kun je ons bellen?") == set()


def test_quoted_example_questions_are_fine() -> None:
    assert lint("We vragen bijvoorbeeld: hoe gaat het? En: heb je werk?") == []


def test_a_long_sentence_is_caught() -> None:
    long = " ".join(["woord"] * 21) + "."
    assert "sentence-length" in rules(long)
    assert "sentence-length" not in rules(" ".join(["woord"] * 20) + ".")


def test_a_high_average_is_caught() -> None:
    thirteen = " ".join(["woord"] * 13) + "."
    assert rules(f"{thirteen} {thirteen}") == {"average-length"}
    assert rules(f"{thirteen} Kort zo.") == set()


def test_sentences_and_words() -> None:
    assert sentences("Chat op 113.nl of bel 0800-0113. Om 14.30 uur!\nHoi {name}") == [
        "Chat op 113.nl of bel 0800-0113.",
        "Om 14.30 uur!",
        "Hoi Naam",
    ]
    assert word_count("Hoi Naam, bel 0800-0113 of ga naar 113.nl 👍") == 8


def test_youth_marker_is_found_by_extraction(tmp_path: Path) -> None:
    package = tmp_path / "bot"
    package.mkdir()
    (package / "texts.py").write_text(
        'from bot.i18n import N_, Y_\nA = Y_("Voor jou")\nB = N_("Voor de coördinator")\n',
        encoding="utf-8",
    )
    assert youth_texts_in_python(tmp_path) == [YouthText("Voor jou", "bot/texts.py:2")]


def _flows_catalogue() -> list[YouthText] | None:
    """The flows' own list of youth texts, when the flows package provides one."""
    try:
        catalogue = importlib.import_module("flows.catalogue")
    except ModuleNotFoundError:
        return None
    return [YouthText(e.text, f"{e.path}:{e.line}") for e in catalogue.text_catalogue()]


def _flows_texts_from_template() -> list[YouthText]:
    template = read_catalog(ROOT / TEMPLATE)
    found = []
    for message in template:
        paths = [path for path, _ in message.locations if path.startswith("flows/")]
        if message.id and paths:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            found += [YouthText(text, paths[0]) for text in ids]
    return found


def youth_texts() -> list[YouthText]:
    flows = _flows_catalogue()
    return [
        *(flows if flows is not None else _flows_texts_from_template()),
        *youth_texts_in_python(ROOT),
    ]


def test_every_youth_text_is_plain_dutch() -> None:
    texts = youth_texts()
    assert any(t.where.startswith("bot/i18n.py") for t in texts), "collector found nothing"
    report = [f"{t.where}: {finding}" for t in texts for finding in lint(t.text)]
    assert not report, "youth texts that are not plain Dutch:\n" + "\n".join(report)

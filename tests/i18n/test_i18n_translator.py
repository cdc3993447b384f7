"""Translator: catalogs load once, translate, and fall back to Dutch with a log line that
carries a hash and the language, never the text."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from i18n_fixtures import write_catalog

from bot import i18n
from bot.i18n import (
    FSI,
    LANGUAGE_CONFIRMED,
    LANGUAGE_QUESTION,
    PDI,
    CatalogError,
    Translator,
    fill,
)
from bot.i18n_build import ROOT, compile_catalogs

GREETING = "Hoi {name}, hoe gaat het?"
MISSING = "Deze zin staat in geen enkele catalogus."
FUZZY = "Deze vertaling is nog niet nagekeken."
UNTRANSLATED = "Deze zin is nog niet vertaald."
APPLES = ("Je hebt {n} bericht.", "Je hebt {n} berichten.")
# CLDR's Arabic categories in gettext's usual order: zero, one, two, few (n%100 in 3..10),
# many (n%100 in 11..99), other (100-102, ...).
ARABIC_PLURAL_FORMS = (
    "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
    ": n%100>=11 ? 4 : 5);"
)
ARABIC_FORMS = ["صفر {n}", "واحد {n}", "اثنان {n}", "قليل {n}", "كثير {n}", "آخر {n}"]


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    root = tmp_path / "locales"
    write_catalog(
        root,
        "en",
        [
            (GREETING, "Hi {name}, how are you?", set()),
            (FUZZY, "This translation is not checked yet.", {"fuzzy"}),
            (UNTRANSLATED, "", set()),
            (APPLES, ["You have {n} message.", "You have {n} messages."], set()),
            ("Welkom {name}", "Welcome {naam}", set()),  # a translator's typo
            ("Je code is {code.upper}", "Your code is {code.__class__}", set()),
        ],
    )
    write_catalog(
        root,
        "ar",
        [
            (GREETING, "مرحبًا {name}، كيف حالك؟", set()),
            (APPLES, ARABIC_FORMS, set()),
        ],
        plural_forms=ARABIC_PLURAL_FORMS,
    )
    compile_catalogs(root)
    return root


@pytest.fixture
def translator(locales: Path) -> Translator:
    return Translator(locales)


def test_languages_come_from_the_catalogs(translator: Translator) -> None:
    assert translator.languages == ("nl", "ar", "en")


def test_translates_a_known_message(translator: Translator) -> None:
    assert translator.gettext(GREETING, "en") == "Hi {name}, how are you?"
    assert translator.gettext(GREETING, "nl") == GREETING


def test_catalog_is_loaded_once(translator: Translator, monkeypatch) -> None:
    first = translator.translations("en")
    monkeypatch.setattr(Translator, "_load", lambda *_: pytest.fail("loaded twice"))
    assert translator.translations("en") is first
    assert translator.gettext(GREETING, "en").startswith("Hi")


@pytest.mark.parametrize("message", [MISSING, FUZZY, UNTRANSLATED])
def test_missing_fuzzy_and_untranslated_fall_back_to_dutch_logged_once(
    translator: Translator, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert translator.gettext(message, "en") == message
        assert translator.gettext(message, "en") == message
    reports = [r for r in caplog.records if r.getMessage().startswith("no translation")]
    assert len(reports) == 1
    assert reports[0].lang == "en"
    assert reports[0].msgid == i18n._msgid_hash(message)
    assert message not in caplog.text
    assert all(message not in str(value) for value in vars(reports[0]).values())


def test_unknown_language_answers_in_dutch(
    translator: Translator, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert translator.gettext(GREETING, "de") == GREETING
        assert translator.render(GREETING, "xx", name="Sam") == "Hoi Sam, hoe gaat het?"
    assert {r.lang for r in caplog.records} == {"de", "xx"}
    assert GREETING not in caplog.text


def test_plural_forms_follow_each_language(translator: Translator) -> None:
    assert translator.render_plural(*APPLES, 1, "en") == "You have 1 message."
    assert translator.render_plural(*APPLES, 3, "en") == "You have 3 messages."
    assert translator.render_plural(*APPLES, 3, "nl") == "Je hebt 3 berichten."
    assert translator.render_plural(*APPLES, 1, "nl") == "Je hebt 1 bericht."
    # The catalog's own rule decides (see ARABIC_PLURAL_FORMS), never English's two forms.
    expected = {0: 0, 1: 1, 2: 2, 7: 3, 11: 4, 99: 4, 100: 5, 102: 5}
    for n, form in expected.items():
        assert translator.ngettext(*APPLES, n, "ar") == ARABIC_FORMS[form]


def test_render_fills_and_never_crashes(
    translator: Translator, caplog: pytest.LogCaptureFixture
) -> None:
    assert translator.render(GREETING, "en", name="Sam") == "Hi Sam, how are you?"
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert translator.render(GREETING, "en") == "Hi , how are you?"
    assert any(getattr(r, "placeholder", None) == "name" for r in caplog.records)
    assert "Hi" not in caplog.text


def test_a_translation_with_a_foreign_placeholder_gives_dutch(translator: Translator) -> None:
    assert translator.render("Welkom {name}", "en", name="Sam") == "Welkom Sam"


def test_a_translation_cannot_reach_attributes(translator: Translator) -> None:
    rendered = translator.render("Je code is {code.upper}", "en", code="ab")
    assert "class" not in rendered
    assert "built-in" not in rendered


def test_fill_survives_a_broken_format_string(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert fill("Kapot {", "nl", {}) == "Kapot {"
        assert fill("Plek {0} en {1}", "nl", {}) == "Plek  en "
        assert fill("Gemengd {} en {0}", "nl", {}) == "Gemengd {} en {0}"
    assert "Kapot" not in caplog.text
    assert fill("Haakjes {{zo}} en {name}", "nl", {"name": "Sam"}) == "Haakjes {zo} en Sam"


def test_rtl_values_are_isolated_only_in_rtl_languages(translator: Translator) -> None:
    arabic = translator.render(GREETING, "ar", name="Sam")
    assert f"{FSI}Sam{PDI}" in arabic
    assert translator.render(GREETING, "en", name="Sam") == "Hi Sam, how are you?"
    # An Arabic name needs no isolation.
    assert FSI not in translator.render(GREETING, "ar", name="سارة")


def test_dutch_fallback_in_an_rtl_language_gets_no_rtl_marks(translator: Translator) -> None:
    assert translator.render(MISSING, "ar") == MISSING


def test_missing_compiled_catalog_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "locales"
    write_catalog(root, "en", [(GREETING, "Hi {name}, how are you?", set())])
    translator = Translator(root)
    assert translator.languages == ("nl", "en")
    with pytest.raises(CatalogError, match=r"en: .*not compiled.*i18n_build compile"):
        translator.verify()
    with caplog.at_level(logging.WARNING, logger="bot.i18n"):
        assert translator.gettext(GREETING, "en") == GREETING
    assert any(r.levelno == logging.ERROR and r.lang == "en" for r in caplog.records)


def test_a_catalog_edited_after_compiling_is_reported(locales: Path) -> None:
    po = locales / "en" / "LC_MESSAGES" / "messages.po"
    later = time.time() + 60
    os.utime(po, (later, later))
    with pytest.raises(CatalogError, match=r"older than messages\.po"):
        Translator(locales).verify()


def test_the_real_catalogs_compile_load_and_translate(tmp_path: Path) -> None:
    copy = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", copy, ignore=shutil.ignore_patterns("*.mo"))
    assert len(compile_catalogs(copy)) == len(i18n.catalog_languages(copy)) >= 5
    translator = Translator(copy)
    translator.verify()
    assert set(translator.languages) >= {"nl", "en", "ar", "tr", "pl", "uk"}
    assert translator.gettext(LANGUAGE_QUESTION, "en") == (
        "Which language would you like to read my messages in?"
    )
    for lang in translator.languages[1:]:
        for text in (LANGUAGE_QUESTION, LANGUAGE_CONFIRMED):
            assert translator.gettext(text, lang) != text, (lang, text)


def test_supported_languages_start_with_dutch() -> None:
    assert i18n.SUPPORTED_LANGUAGES[0] == "nl"
    assert set(i18n.SUPPORTED_LANGUAGES) >= {"en", "ar", "tr", "pl", "uk"}
    assert i18n.available_languages(ROOT / "locales") == i18n.SUPPORTED_LANGUAGES


def test_language_names_are_each_languages_own() -> None:
    names = dict(i18n.language_choices(("nl", "en", "ar", "tr", "pl", "uk")))
    assert names == {
        "nl": "Nederlands",
        "en": "English",
        "ar": "العربية",
        "tr": "Türkçe",
        "pl": "Polski",
        "uk": "Українська",
    }


@pytest.mark.parametrize(
    ("tag", "expected"),
    [("en-GB", "en"), ("AR", "ar"), ("pt_BR", "nl"), (None, "nl"), ("", "nl"), ("uk", "uk")],
)
def test_client_language_tags_are_normalised(tag: str | None, expected: str) -> None:
    assert i18n.normalize_language(tag, ("nl", "en", "ar", "uk")) == expected


def test_direction() -> None:
    assert i18n.is_rtl("ar") and i18n.text_direction("ar") == "rtl"
    assert not i18n.is_rtl("uk") and i18n.text_direction("nl") == "ltr"


def test_i18n_modules_stay_domain_safe() -> None:
    code = (
        "import sys, bot.i18n, bot.i18n_build, bot.plain_language\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'telegram', 'aiohttp'})\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)

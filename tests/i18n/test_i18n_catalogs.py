"""The committed catalogs are current, valid and complete; and each checker catches what it
is for on a deliberately broken catalog."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from i18n_fixtures import write_catalog

from bot import i18n_build
from bot.i18n_build import (
    ROOT,
    BuildError,
    catalog_paths,
    catalog_problems,
    compendium_paths,
    compile_catalogs,
    msgfmt_problems,
    outdated_catalogs,
    placeholder_problems,
    read_catalog,
    stale_template,
    untranslated_problems,
)

CATALOGS = catalog_paths(ROOT / "locales")


def _msgfmt_or_fail() -> None:
    if shutil.which("msgfmt") is None:
        pytest.fail("GNU msgfmt is missing: `apt-get install gettext` (.ci/run installs it)")


# --- the real catalogs --------------------------------------------------------------------


def test_every_language_has_a_catalog() -> None:
    assert {p.parent.parent.name for p in CATALOGS} >= {"en", "ar", "tr", "pl", "uk"}
    assert not (ROOT / "locales" / "nl").exists(), "Dutch is the source: it has no catalog"


def test_template_matches_the_code() -> None:
    problems = stale_template()
    assert not problems, "\n".join(map(str, problems))


def test_catalogs_are_up_to_date_with_the_template() -> None:
    problems = outdated_catalogs()
    assert not problems, "\n".join(map(str, problems))


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parent.parent.name)
def test_catalog_is_valid_and_complete(po: Path) -> None:
    _msgfmt_or_fail()
    problems = catalog_problems(po)
    assert not problems, "\n".join(map(str, problems))


COMPENDIUMS = compendium_paths(ROOT / "locales")


@pytest.mark.parametrize("po", COMPENDIUMS, ids=lambda p: p.parent.name)
def test_compendium_translations_are_valid(po: Path) -> None:
    _msgfmt_or_fail()
    problems = catalog_problems(po)
    assert not problems, "\n".join(map(str, problems))


# --- the checkers catch broken catalogs ------------------------------------------------------


def test_mismatched_placeholders_are_rejected(tmp_path: Path) -> None:
    po = write_catalog(
        tmp_path,
        "en",
        [
            ("Hoi {name}", "Hi {naam}", set()),
            ("Om {time} bij {place}", "At {time}", set()),
            ("Tot {day}", "Until {day}", set()),
            (("{n} bericht", "{n} berichten"), ["one message", "{n} messages"], set()),
            (("{n} dag", "{n} dagen"), ["one day", "many days"], set()),
        ],
    )
    problems = placeholder_problems(read_catalog(po), "en")
    flagged = {p.where.split(": ", 1)[1] for p in problems}
    assert flagged == {"'Hoi {name}'", "'Om {time} bij {place}'", "'{n} dag'"}


def test_untranslated_fuzzy_and_copied_entries_are_detected(tmp_path: Path) -> None:
    po = write_catalog(
        tmp_path,
        "pl",
        [
            ("Goed zo", "Brawo", set()),
            ("Nog niet vertaald", "", set()),
            ("Twijfel", "Wątpliwość", {"fuzzy"}),
            ("Gekopieerd", "Gekopieerd", set()),
            ("OK", "OK", set()),  # allowed
            ("👍", "👍", set()),  # no letters
            (("{n} keer", "{n} keren"), ["{n} raz", "{n} razy", ""], set()),
        ],
    )
    problems = untranslated_problems(read_catalog(po), "pl")
    found = {p.where.split(": ", 1)[1]: p.what for p in problems}
    assert found.keys() == {"'Nog niet vertaald'", "'Twijfel'", "'Gekopieerd'", "'{n} keer'"}
    assert "fuzzy" in found["'Twijfel'"]


def test_msgfmt_rejects_a_broken_catalog(tmp_path: Path) -> None:
    _msgfmt_or_fail()
    po = tmp_path / "broken.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, python-format\nmsgid "%(count)d berichten"\nmsgstr "%(aantal)d messages"\n',
        encoding="utf-8",
    )
    problems = msgfmt_problems(po)
    assert problems and "msgfmt --check" in problems[0].what


def test_compile_refuses_a_broken_catalog(tmp_path: Path) -> None:
    po = write_catalog(tmp_path, "en", [("%(count)d berichten", "%(aantal)d messages", set())])
    with pytest.raises(BuildError, match=r"messages\.po"):
        compile_catalogs(po.parent.parent.parent)


def test_missing_msgfmt_gives_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(i18n_build.shutil, "which", lambda _: None)
    with pytest.raises(BuildError, match="apt-get install gettext"):
        msgfmt_problems(tmp_path / "x.po")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tiny project with the real [tool.babel] mapping and one translated catalog."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "texts.py").write_text(
        'from bot.i18n import Y_, gettext, ngettext\n\nHELLO = Y_("Hallo")\n'
        'def f(lang, n):\n    return ngettext("{n} dag", "{n} dagen", n, lang)\n',
        encoding="utf-8",
    )
    i18n_build.update(tmp_path)
    i18n_build.init("en", tmp_path)
    return tmp_path


def test_new_text_in_the_code_makes_template_and_catalogs_stale(project: Path) -> None:
    pot = read_catalog(project / "locales" / "messages.pot")
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in pot if m.id} == {
        "Hallo",
        "{n} dag",
    }
    assert stale_template(project) == []
    assert outdated_catalogs(project) == []

    source = project / "bot" / "texts.py"
    source.write_text(source.read_text() + 'BYE = gettext("Doei", "nl")\n', encoding="utf-8")
    assert any("'Doei'" in p.what for p in stale_template(project))

    i18n_build.update(project)
    assert stale_template(project) == []
    assert outdated_catalogs(project) == []
    po = project / "locales" / "en" / "LC_MESSAGES" / "messages.po"
    assert "Doei" in [m.id for m in read_catalog(po)]
    assert any("not translated" in p.what for p in untranslated_problems(read_catalog(po), "en"))


def test_catalog_behind_the_template_is_outdated(project: Path) -> None:
    template = project / "locales" / "messages.pot"
    catalog = read_catalog(template)
    catalog.add("Nieuw bericht", locations=[("bot/texts.py", None)])
    from babel.messages.pofile import write_po

    with template.open("wb") as handle:
        write_po(handle, catalog, width=None, include_lineno=False, sort_output=True)
    problems = outdated_catalogs(project)
    assert [p.what for p in problems] == ["out of date: run `make translations-update`"]


def test_update_keeps_the_template_when_nothing_changed(project: Path) -> None:
    template = project / "locales" / "messages.pot"
    before = template.read_bytes()
    i18n_build.update(project)
    assert template.read_bytes() == before


def test_dutch_gets_no_catalog(project: Path) -> None:
    with pytest.raises(BuildError, match="source language"):
        i18n_build.init("nl", project)


def test_command_line(project: Path, capsys, monkeypatch) -> None:
    assert i18n_build.main(["bogus"]) == 2
    assert i18n_build.main(["compile", str(project / "locales")]) == 0
    assert (project / "locales" / "en" / "LC_MESSAGES" / "messages.mo").is_file()
    assert "compiled 1 catalog(s)" in capsys.readouterr().out


def test_update_fills_letterless_texts_and_compendium_translations(project: Path) -> None:
    source = project / "bot" / "texts.py"
    source.write_text(
        source.read_text() + 'SMILE = Y_("🙂")\nLATER = Y_("Tot later")\nNEW = Y_("Nieuw")\n',
        encoding="utf-8",
    )
    write_catalog(
        project / "elsewhere",
        "en",
        [("Tot later", "See you later", set()), ("Nieuw", "New?", {"fuzzy"})],
    ).rename(project / "locales" / "en" / "compendium.po")
    i18n_build.update(project)
    po = read_catalog(project / "locales" / "en" / "LC_MESSAGES" / "messages.po")
    assert po.get("🙂").string == "🙂"
    assert po.get("Tot later").string == "See you later"
    assert po.get("Nieuw").string == ""  # a fuzzy compendium entry is not trusted
    assert outdated_catalogs(project) == []


def test_same_as_source_is_allowed_per_language(tmp_path: Path) -> None:
    same = [("School", "School", set())]
    en = read_catalog(write_catalog(tmp_path, "en", same), "en")
    pl = read_catalog(write_catalog(tmp_path, "pl", same), "pl")
    assert untranslated_problems(en, "en") == []
    assert [p.what for p in untranslated_problems(pl, "pl")] == ["translation is the Dutch text"]

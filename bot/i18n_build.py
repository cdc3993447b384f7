"""Build and check the translation catalogs: ``python -m bot.i18n_build COMMAND``.

Commands (run from the repository root; no venv-specific paths, so the Docker build can call
``python -m bot.i18n_build compile locales``):

- ``compile [DIR]``  every ``DIR/<lang>/LC_MESSAGES/messages.po`` to ``.mo`` (fuzzy and empty
  entries are left out, so they fall back to Dutch). ``make translations`` runs this.
- ``update``         extract ``locales/messages.pot`` with ``pybabel extract -F pyproject.toml``
  and merge it into every catalog (``pybabel update``). ``make translations-update`` runs this.
- ``init LANG``      start a catalog for a new language: that is all adding a language takes.
- ``check``          everything CI checks (``tests/i18n`` runs the same functions): the template
  matches the code, every catalog is up to date (``pybabel update --check``), passes
  ``msgfmt --check``, keeps each message's ``{placeholders}``, and translates every message.

The mapping lives in ``[tool.babel]`` in ``pyproject.toml`` (read by Babel >= 2.16). Locations
are written without line numbers so an edit elsewhere in a file does not make catalogs stale.
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import BaseError, CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, SOURCE_LANGUAGE, placeholders

ROOT = Path(__file__).resolve().parent.parent
LOCALES = "locales"
TEMPLATE = f"{LOCALES}/{DOMAIN}.pot"
# Options shared by extract and update: changing one without the other makes every catalog
# look stale to `pybabel update --check`.
_LAYOUT = ["--no-wrap"]
_EXTRACT = [
    "--add-location=file",
    "--sort-output",
    "--project=In Beeld",
    "--copyright-holder=In Beeld contributors",
    "--msgid-bugs-address=",
    "-c",
    "Translators:",
]
_UPDATE = ["--ignore-obsolete", "--ignore-pot-creation-date"]

# Translations that may equal the Dutch source on purpose, per language ("*": every language).
# Texts without letters ("👍", "113") are allowed anyway.
SAME_AS_SOURCE_ALLOWED: Mapping[str, frozenset[str]] = {
    "*": frozenset({"OK", "In Beeld", "Telegram", "WhatsApp"}),
    "en": frozenset({"Account: {email}", "Code", "Later", "open", "School", "Status"}),
    "pl": frozenset({"Adres", "Status"}),
    "tr": frozenset({"Adres", "Rol"}),
}

_LETTER = re.compile(r"[^\W\d_]")


class BuildError(RuntimeError):
    """A catalog step failed; the message says what to do."""


@dataclass(frozen=True, slots=True)
class Problem:
    where: str  # a file, or "file: msgid"
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


# --- running pybabel in-process ---------------------------------------------------------


def _pybabel(*args: str, root: Path = ROOT) -> None:
    """Run a ``pybabel`` command from ``root`` (extraction patterns are relative to it)."""
    with contextlib.chdir(root):
        try:
            status = CommandLineInterface().run(["pybabel", "-q", *args])
        except BaseError as exc:
            raise BuildError(f"pybabel {args[0]}: {exc}") from exc
        except ImportError as exc:
            raise BuildError(
                f"pybabel {args[0]}: an extraction method cannot be imported ({exc}); "
                "see [tool.babel] extractors in pyproject.toml"
            ) from exc
    if status:
        raise BuildError(f"pybabel {args[0]} failed with status {status}")


def extract(output: Path, root: Path = ROOT) -> Path:
    """Write the message template for the code under ``root`` to ``output``."""
    output.parent.mkdir(parents=True, exist_ok=True)
    _pybabel(
        "extract", "-F", str(root / "pyproject.toml"), "-o", str(output), *_LAYOUT, *_EXTRACT, ".",
        root=root,
    )  # fmt: skip
    return output


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale, domain=DOMAIN)


def catalog_paths(locales_dir: Path) -> list[Path]:
    return sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def _language_of(po: Path) -> str:
    return po.parent.parent.name


def _messages(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def _key(message: Message) -> tuple[str | None, str]:
    ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
    return message.context, "\x00".join(ids)


def _same_content(a: Catalog, b: Catalog) -> bool:
    def content(catalog: Catalog) -> list[tuple[object, ...]]:
        return [
            (_key(m), sorted(m.locations), m.auto_comments, sorted(m.flags))
            for m in _messages(catalog)
        ]

    return content(a) == content(b)


# --- commands ---------------------------------------------------------------------------


def update(root: Path = ROOT) -> list[Path]:
    """Re-extract the template and merge it into every catalog; returns the catalogs."""
    template = root / TEMPLATE
    with tempfile.TemporaryDirectory() as tmp:
        fresh = extract(Path(tmp) / f"{DOMAIN}.pot", root)
        if not template.exists() or not _same_content(read_catalog(fresh), read_catalog(template)):
            # Only rewrite when messages changed, so the creation date does not churn.
            template.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fresh, template)
    catalogs = catalog_paths(root / LOCALES)
    if catalogs:
        _pybabel(
            "update", "-i", str(template), "-d", str(root / LOCALES), "-D", DOMAIN,
            *_LAYOUT, *_UPDATE, root=root,
        )  # fmt: skip
    for po in catalogs:
        _fill_gaps(po)
    return catalogs


def _fill_gaps(po: Path) -> int:
    """Fill empty or fuzzy entries that need no translator: texts without letters ("👍") are
    copied, and texts found in the language's compendium (``locales/<lang>/compendium.po``,
    translations made before their texts reached the code) are taken from it."""
    lang = _language_of(po)
    catalog = read_catalog(po, lang)
    compendium_path = po.parent.parent / "compendium.po"
    memory: dict[tuple[str | None, str], Message] = {}
    if compendium_path.exists():
        memory = {
            _key(m): m for m in _messages(read_catalog(compendium_path, lang)) if all(_forms(m))
        }
    filled = 0
    for message in _messages(catalog):
        if all(_forms(message)) and not message.fuzzy:
            continue
        known = memory.get(_key(message))
        if known is not None and not known.fuzzy:
            message.string = known.string
        elif not any(_LETTER.search(source) for source in _sources(message)):
            sources = _sources(message)
            plural = isinstance(message.id, (list, tuple))
            count = catalog.num_plurals if plural else 1
            message.string = (
                tuple(sources[min(i, 1)] for i in range(count)) if plural else sources[0]
            )
        else:
            continue
        message.flags.discard("fuzzy")
        filled += 1
    if filled:
        with po.open("wb") as handle:
            write_po(handle, catalog, width=None, ignore_obsolete=True)
    return filled


def init(lang: str, root: Path = ROOT) -> Path:
    """Create the catalog for a new language from the current template."""
    if lang == SOURCE_LANGUAGE:
        raise BuildError("Dutch is the source language: it needs no catalog")
    template = root / TEMPLATE
    if not template.exists():
        raise BuildError(f"{template} is missing: run `python -m bot.i18n_build update` first")
    target = root / LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if target.exists():
        raise BuildError(f"{target} already exists")
    _pybabel(
        "init", "-i", str(template), "-d", str(root / LOCALES), "-D", DOMAIN, "-l", lang,
        *_LAYOUT, root=root,
    )  # fmt: skip
    return target


def compile_catalogs(locales_dir: Path | None = None) -> list[Path]:
    """Compile every ``.po`` under ``locales_dir`` to ``.mo``; raise on a broken catalog."""
    locales_dir = locales_dir or ROOT / LOCALES
    written = []
    for po in catalog_paths(locales_dir):
        try:
            catalog = read_catalog(po, _language_of(po))
        except Exception as exc:
            raise BuildError(f"{po}: cannot be read: {exc}") from exc
        errors = [
            f"{message.id!r}: {error}"
            for message, message_errors in catalog.check()
            for error in message_errors
        ]
        if errors:
            raise BuildError(f"{po}: " + "; ".join(errors))
        mo = po.with_suffix(".mo")
        partial = mo.with_suffix(".mo.tmp")
        with partial.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        partial.replace(mo)
        written.append(mo)
    return written


# --- checks (tests/i18n runs these) -----------------------------------------------------


def stale_template(root: Path = ROOT) -> list[Problem]:
    """Messages the code has and the committed template lacks, and the other way round."""
    template = root / TEMPLATE
    if not template.exists():
        return [Problem(TEMPLATE, "missing: run `make translations-update`")]
    with tempfile.TemporaryDirectory() as tmp:
        fresh = read_catalog(extract(Path(tmp) / f"{DOMAIN}.pot", root))
    code = {_key(m): m for m in _messages(fresh)}
    committed = {_key(m): m for m in _messages(read_catalog(template))}
    problems = [
        Problem(TEMPLATE, f"lacks {code[k].id!r} from {_where(code[k])}")
        for k in sorted(code.keys() - committed.keys(), key=str)
    ]
    problems += [
        Problem(TEMPLATE, f"still has {committed[k].id!r}, which the code no longer uses")
        for k in sorted(committed.keys() - code.keys(), key=str)
    ]
    if problems:
        problems.append(Problem(TEMPLATE, "run `make translations-update`, then translate"))
    return problems


def _where(message: Message) -> str:
    return ", ".join(sorted({path for path, _ in message.locations})) or "?"


def outdated_catalogs(root: Path = ROOT) -> list[Problem]:
    """Catalogs that ``pybabel update`` would change (``update --check``)."""
    problems = []
    for po in catalog_paths(root / LOCALES):
        try:
            _pybabel(
                "update", "--check", "-i", str(root / TEMPLATE), "-o", str(po),
                "-l", _language_of(po), "-D", DOMAIN, *_LAYOUT, *_UPDATE, root=root,
            )  # fmt: skip
        except BuildError:
            problems.append(Problem(str(po), "out of date: run `make translations-update`"))
    return problems


def msgfmt_problems(po: Path) -> list[Problem]:
    """GNU ``msgfmt --check`` (format strings, header, plural forms)."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        raise BuildError("msgfmt not found: install GNU gettext (`apt-get install gettext`)")
    result = subprocess.run(  # noqa: S603 - fixed program, our own file
        [msgfmt, "--check", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return []
    return [Problem(str(po), f"msgfmt --check: {result.stderr.strip()}")]


def _forms(message: Message) -> list[str]:
    if isinstance(message.string, (list, tuple)):
        return list(message.string)
    return [message.string or ""]


def _sources(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def placeholder_problems(catalog: Catalog, where: str) -> list[Problem]:
    """Each translation uses exactly the source's ``{placeholders}``.

    Plural forms may each drop one (Polish "jeden" for n=1), but together they must use all.
    """
    problems = []
    for message in _messages(catalog):
        forms = [form for form in _forms(message) if form]
        if not forms:
            continue
        wanted = set().union(*(placeholders(source) for source in _sources(message)))
        used = [placeholders(form) for form in forms]
        plural = isinstance(message.id, (list, tuple))
        ok = (
            all(names <= wanted for names in used) and set().union(*used) == wanted
            if plural
            else used[0] == wanted
        )
        if not ok:
            found = sorted(set().union(*used))
            problems.append(
                Problem(
                    f"{where}: {_sources(message)[0]!r}",
                    f"placeholders {found} differ from the source's {sorted(wanted)}",
                )
            )
    return problems


def untranslated_problems(
    catalog: Catalog, where: str, allowed: Iterable[str] | None = None
) -> list[Problem]:
    """Empty, fuzzy, or equal to the Dutch source (unless allowed or without letters)."""
    if allowed is None:
        lang = str(catalog.locale) if catalog.locale else ""
        allowed = SAME_AS_SOURCE_ALLOWED["*"] | SAME_AS_SOURCE_ALLOWED.get(lang, frozenset())
    allowed = set(allowed)
    problems = []
    for message in _messages(catalog):
        label = f"{where}: {_sources(message)[0]!r}"
        forms = _forms(message)
        if message.fuzzy:
            problems.append(Problem(label, "fuzzy: check the translation, then drop the flag"))
        elif not all(forms):
            problems.append(Problem(label, "not translated"))
        else:
            for source, form in zip(_sources(message), forms, strict=False):
                if form == source and source not in allowed and _LETTER.search(source):
                    problems.append(Problem(label, "translation is the Dutch text"))
                    break
    return problems


def compendium_paths(locales_dir: Path) -> list[Path]:
    return sorted(locales_dir.glob("*/compendium.po"))


def catalog_problems(po: Path) -> list[Problem]:
    """Every check on one translated catalog or compendium (all but the source language)."""
    lang = po.parent.name if po.name == "compendium.po" else _language_of(po)
    try:
        catalog = read_catalog(po, lang)
    except Exception as exc:
        return [Problem(str(po), f"cannot be read: {exc}")]
    return [
        *msgfmt_problems(po),
        *placeholder_problems(catalog, str(po)),
        *untranslated_problems(catalog, str(po)),
    ]


def check(root: Path = ROOT) -> list[Problem]:
    problems = [*stale_template(root), *outdated_catalogs(root)]
    for po in catalog_paths(root / LOCALES) + compendium_paths(root / LOCALES):
        problems += catalog_problems(po)
    return problems


# --- command line -------------------------------------------------------------------------

USAGE = "usage: python -m bot.i18n_build compile [LOCALES_DIR] | update | init LANG | check"


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    args = sys.argv[1:] if argv is None else argv
    command, rest = (args[0], args[1:]) if args else ("", [])
    try:
        if command == "compile" and len(rest) <= 1:
            written = compile_catalogs(Path(rest[0]) if rest else None)
            print(f"compiled {len(written)} catalog(s)")
        elif command == "update" and not rest:
            catalogs = update()
            print(f"updated {TEMPLATE} and {len(catalogs)} catalog(s)")
        elif command == "init" and len(rest) == 1:
            print(f"created {init(rest[0])}")
        elif command == "check" and not rest:
            problems = check()
            for problem in problems:
                print(problem)
            print(f"{len(problems)} problem(s)")
            return 1 if problems else 0
        else:
            print(USAGE, file=sys.stderr)
            return 2
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

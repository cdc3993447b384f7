"""Translation, plain formatting and right-to-left safety for every text a person reads.

Dutch is the source language: a msgid *is* the Dutch text, so Dutch needs no catalog and is
what anyone sees when a translation is missing. Adding a language means adding
``locales/<lang>/LC_MESSAGES/messages.po`` (``python -m bot.i18n_build init <lang>``), never code.

Marking texts for extraction (``python -m bot.i18n_build update``):

- ``gettext("...", lang)`` / ``ngettext("...", "...", n, lang)`` translate at once;
  ``render("... {name}", lang, name=...)`` translates and fills placeholders safely.
- ``N_("...")`` marks a text defined at import time (a constant) without translating it;
  translate it later with ``gettext(CONSTANT, lang)`` or ``render(CONSTANT, lang, ...)``.
- ``Y_("...")`` is ``N_`` for **youth-facing** texts: the plain-language test
  (``tests/i18n/test_i18n_plain_language.py``) checks every ``Y_`` text, besides the flows' texts.
- A comment ``# Translators: ...`` right above a marked text reaches the translator.

Right to left: ``render`` protects Arabic by itself; a text built elsewhere (a flow's own
placeholder filling, a fixed reply) should pass ``bidi_safe(text, lang)`` before it is sent.
``bidi_safe`` is idempotent, so applying it once more at the channel edge is harmless.

This module is domain code: it imports neither ``telegram`` nor ``aiohttp``.
"""

from __future__ import annotations

import gettext as _gettext
import hashlib
import logging
import re
import string
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_date_format, get_datetime_format
from babel.numbers import format_decimal

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "nl"
DOMAIN = "messages"
DEFAULT_ZONE = ZoneInfo("Europe/Amsterdam")

# Unicode directional isolates (UAX #9): the text between FSI and PDI gets its own direction,
# so a Latin name or "113.nl" inside Arabic keeps its order and does not drag punctuation along.
FSI = "\u2068"
PDI = "\u2069"
RLM = "\u200f"


def N_(message: str) -> str:
    """Mark a text for extraction without translating it (for texts built at import time)."""
    return message


def Y_(message: str) -> str:
    """Mark a youth-facing text: extracted like ``N_`` and checked by the plain-language linter."""
    return message


# --- where the catalogs live -------------------------------------------------------------


def default_locales_dir() -> Path:
    """``locales/`` beside the packages in a checkout, else in the working directory.

    A non-editable install (the Docker image) has no ``locales`` beside site-packages; the image
    runs from ``/app`` where the catalogs are copied and compiled.
    """
    beside_source = Path(__file__).resolve().parent.parent / "locales"
    if beside_source.is_dir():
        return beside_source
    return Path.cwd() / "locales"


def catalog_languages(locales_dir: Path | None = None, domain: str = DOMAIN) -> tuple[str, ...]:
    """Languages that have a ``.po`` catalog, sorted (the source language has none)."""
    root = locales_dir or default_locales_dir()
    if not root.is_dir():
        return ()
    found = [
        po.parent.parent.name
        for po in root.glob(f"*/LC_MESSAGES/{domain}.po")
        if po.parent.parent.name != SOURCE_LANGUAGE
    ]
    return tuple(sorted(found))


def available_languages(locales_dir: Path | None = None) -> tuple[str, ...]:
    """Dutch first, then every language with a catalog."""
    return (SOURCE_LANGUAGE, *catalog_languages(locales_dir))


SUPPORTED_LANGUAGES: tuple[str, ...] = available_languages()


# --- language facts (CLDR through Babel) -------------------------------------------------


@cache
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(SOURCE_LANGUAGE)


def language_name(lang: str) -> str:
    """The language's own name, capitalised, for the language buttons: "Türkçe", "العربية"."""
    name = _locale(lang).get_display_name(lang) or lang
    return name[:1].upper() + name[1:]


def language_choices(languages: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """``(code, own name)`` pairs in ``SUPPORTED_LANGUAGES`` order, for a language menu."""
    return [(code, language_name(code)) for code in (languages or SUPPORTED_LANGUAGES)]


def normalize_language(code: str | None, supported: Iterable[str] | None = None) -> str:
    """Map a client's language tag ("en-GB", "pt_BR", None) to a supported code, else Dutch."""
    options = tuple(supported or SUPPORTED_LANGUAGES)
    if code:
        primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
        if primary in options:
            return primary
    return SOURCE_LANGUAGE


def is_rtl(lang: str) -> bool:
    return _locale(lang).text_direction == "rtl"


def text_direction(lang: str) -> Literal["ltr", "rtl"]:
    """For ``<html dir=...>`` on pages a youth sees."""
    return "rtl" if is_rtl(lang) else "ltr"


# --- catalogs ---------------------------------------------------------------------------


class CatalogError(RuntimeError):
    """A catalog that exists as ``.po`` cannot be used: not compiled, or compiled before an edit."""


def _msgid_hash(message: str) -> str:
    # Logs carry this short hash, never the text: a translated text can hold a name after
    # formatting, and logging a hash keeps that rule simple for msgids too.
    return hashlib.sha256(message.encode("utf-8")).hexdigest()[:10]


def placeholders(text: str) -> set[str]:
    """Names of the ``{placeholders}`` in a format string (``{{`` is a literal brace)."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError:
        return set()


class _DutchFallback(_gettext.NullTranslations):
    """End of every language's chain: reports the miss, then answers with the Dutch source."""

    def __init__(self, lang: str, report: Callable[[str, str], None]) -> None:
        super().__init__()
        self._lang = lang
        self._report = report

    def gettext(self, message: str) -> str:
        self._report(self._lang, message)
        return message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        self._report(self._lang, msgid1)
        return msgid1 if n == 1 else msgid2

    def pgettext(self, context: str, message: str) -> str:
        self._report(self._lang, message)
        return message

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        self._report(self._lang, msgid1)
        return msgid1 if n == 1 else msgid2


class _SafeFormatter(string.Formatter):
    """``str.format_map`` that never raises for a missing value and isolates values in RTL text."""

    def __init__(self, on_missing: Callable[[str], None], isolate_values: bool) -> None:
        self._on_missing = on_missing
        self._isolate = isolate_values

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, str]:
        # Only plain names: a translation must not reach attributes ("{name.__class__}").
        if not field_name.isidentifier() or field_name not in kwargs:
            self._on_missing(field_name)
            return "", field_name
        return kwargs[field_name], field_name

    def format_field(self, value: Any, format_spec: str) -> str:
        text = super().format_field(value, format_spec)
        return isolate(text) if self._isolate and _needs_isolation(text) else text


class Translator:
    """Loads each compiled catalog once and translates with a logged fallback to Dutch.

    A missing language, a missing message and an untranslated or fuzzy message all give the
    Dutch source text (never a key), logged once per (language, msgid hash).
    """

    def __init__(self, locales_dir: Path | None = None, domain: str = DOMAIN) -> None:
        self.locales_dir = locales_dir or default_locales_dir()
        self.domain = domain
        self.languages: tuple[str, ...] = (
            SOURCE_LANGUAGE,
            *catalog_languages(self.locales_dir, domain),
        )
        self._loaded: dict[str, _gettext.NullTranslations] = {}
        self._reported: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    # Loading --------------------------------------------------------------------------

    def _mo_path(self, lang: str) -> Path:
        return self.locales_dir / lang / "LC_MESSAGES" / f"{self.domain}.mo"

    def problems(self) -> list[str]:
        """Why catalogs would not translate: missing or stale ``.mo`` files. Empty when fine."""
        found = []
        for lang in self.languages[1:]:
            mo = self._mo_path(lang)
            po = mo.with_suffix(".po")
            if not mo.is_file():
                found.append(f"{lang}: {mo} is not compiled")
            elif po.is_file() and po.stat().st_mtime > mo.stat().st_mtime:
                found.append(f"{lang}: {mo} is older than {po.name}")
        return found

    def verify(self) -> None:
        """Raise :class:`CatalogError` unless every catalog is compiled and current.

        Call at start-up: ``gettext.translation(fallback=True)`` and Babel's
        ``Translations.load`` silently answer in the source language otherwise.
        """
        found = self.problems()
        if found:
            raise CatalogError(
                "; ".join(found) + " (run `python -m bot.i18n_build compile` from the repo root)"
            )

    def translations(self, lang: str) -> _gettext.NullTranslations:
        """The gettext object for ``lang`` (e.g. for Jinja2's ``install_gettext_translations``)."""
        lang = lang if lang in self.languages else SOURCE_LANGUAGE
        loaded = self._loaded.get(lang)
        if loaded is None:
            with self._lock:
                loaded = self._loaded.get(lang) or self._load(lang)
                self._loaded[lang] = loaded
        return loaded

    def _load(self, lang: str) -> _gettext.NullTranslations:
        if lang == SOURCE_LANGUAGE:
            return _gettext.NullTranslations()
        fallback = _DutchFallback(lang, self._report_missing)
        mo = self._mo_path(lang)
        try:
            with mo.open("rb") as handle:
                loaded: _gettext.NullTranslations = _gettext.GNUTranslations(handle)
        except OSError:
            log.error(
                "catalog not compiled; answering in Dutch",
                extra={"lang": lang, "fix": "python -m bot.i18n_build compile"},
            )
            return fallback
        loaded.add_fallback(fallback)
        return loaded

    def _report_missing(
        self, lang: str, message: str, why: str = "no translation; answering in Dutch"
    ) -> None:
        key = (lang, _msgid_hash(message))
        with self._lock:
            if key in self._reported:
                return
            self._reported.add(key)
        log.warning(why, extra={"lang": lang, "msgid": key[1]})

    # Translating ----------------------------------------------------------------------

    def gettext(self, message: str, lang: str) -> str:
        if lang not in self.languages:
            self._report_missing(lang or "-", message)
        return self.translations(lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int, lang: str) -> str:
        if lang not in self.languages:
            self._report_missing(lang or "-", singular)
        return self.translations(lang).ngettext(singular, plural, n)

    def render(self, message: str, lang: str, /, **values: Any) -> str:
        """Translate, then fill ``{placeholders}`` with ``values`` (see :func:`fill`)."""
        return self._fill((message,), message, self.gettext(message, lang), lang, values)

    def render_plural(self, singular: str, plural: str, n: int, lang: str, /, **values: Any) -> str:
        """``ngettext`` then fill; ``{n}`` is available as a placeholder."""
        translated = self.ngettext(singular, plural, n, lang)
        dutch = singular if n == 1 else plural
        return self._fill((singular, plural), dutch, translated, lang, {"n": n, **values})

    def _fill(
        self,
        sources: tuple[str, ...],
        dutch: str,
        translated: str,
        lang: str,
        values: Mapping[str, Any],
    ) -> str:
        allowed = set().union(*(placeholders(source) for source in sources))
        if not placeholders(translated) <= allowed:
            # A translator typed a placeholder the code does not fill: Dutch beats a hole.
            self._report_missing(
                lang, sources[0], "translation has an unknown placeholder; answering in Dutch"
            )
            translated = dutch
        # Dutch shown as a fallback must not get right-to-left marks meant for Arabic.
        shown_in = SOURCE_LANGUAGE if translated == dutch else lang
        return fill(translated, shown_in, values, msgid=sources[0])


def fill(text: str, lang: str, values: Mapping[str, Any], *, msgid: str | None = None) -> str:
    """``text.format_map(values)`` that cannot crash, made safe for right-to-left languages.

    A placeholder without a value renders empty and is logged (name and msgid hash only). In an
    RTL language each value that carries left-to-right characters is isolated, and the text is
    protected with :func:`bidi_safe`.
    """
    rtl = is_rtl(lang)
    ref = _msgid_hash(msgid if msgid is not None else text)

    def missing(name: str) -> None:
        log.warning("placeholder without a value", extra={"placeholder": name, "msgid": ref})

    try:
        result = _SafeFormatter(missing, isolate_values=rtl).vformat(text, (), dict(values))
    except (ValueError, IndexError) as exc:
        log.warning("text is not a valid format string", extra={"msgid": ref, "error": str(exc)})
        result = text
    return bidi_safe(result, lang) if rtl else result


# --- right to left ------------------------------------------------------------------------

_STRONG_RTL = {"R", "AL"}
_ISOLATION_NEEDED = {"L", "EN", "AN", "ES", "ET", "CS"}
# A left-to-right run starts and ends with a letter or digit of a left-to-right script and may
# hold the glue of names, addresses, phone numbers and times ("Jan de Vries", "113.nl",
# "0800-0113", "14:30"). Inside Arabic such a run is reordered unless isolated; trailing
# punctuation stays outside so it ends the Arabic sentence.
_RUN_EDGE = {"L", "EN"}
_RUN_INSIDE = {"L", "EN", "ES", "ET", "CS", "NSM", "WS"}


def _ltr_runs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each left-to-right run outside existing isolates."""
    depth = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == FSI:
            depth += 1
        elif ch == PDI:
            depth = max(0, depth - 1)
        elif depth == 0 and (unicodedata.bidirectional(ch) in _RUN_EDGE or _command_start(text, i)):
            end = j = i + 1
            while j < len(text) and unicodedata.bidirectional(text[j]) in _RUN_INSIDE:
                if unicodedata.bidirectional(text[j]) in _RUN_EDGE:
                    end = j + 1
                j += 1
            yield i, end
            i = end
            continue
        i += 1


def _command_start(text: str, i: int) -> bool:
    """A bot command ("/start") stays whole, so Telegram still makes it a tappable link."""
    return text[i] == "/" and i + 1 < len(text) and unicodedata.bidirectional(text[i + 1]) == "L"


def _needs_isolation(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in _ISOLATION_NEEDED for ch in text)


def isolate(text: str) -> str:
    """Wrap ``text`` in FSI…PDI so it keeps its own direction inside other text."""
    return f"{FSI}{text}{PDI}"


def bidi_safe(text: str, lang: str) -> str:
    """Make an already formatted text read right for an RTL language; other languages unchanged.

    Left-to-right runs outside isolates ("113.nl", "0800-0113") are isolated, and a text whose
    first strong character is not right-to-left (it starts with a Latin name) gets a leading
    RLM so Telegram and browsers pick the right paragraph direction.
    """
    if not is_rtl(lang):
        return text
    out: list[str] = []
    pos = 0
    for start, end in _ltr_runs(text):
        out += [text[pos:start], isolate(text[start:end])]
        pos = end
    out.append(text[pos:])
    result = "".join(out)
    return result if _first_strong_is_rtl(result) else RLM + result


def _first_strong_is_rtl(text: str) -> bool:
    # UAX #9 skips isolated text when it picks the paragraph direction, but not every Telegram
    # client does; so look inside isolates too and add the RLM whenever in doubt.
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in _STRONG_RTL:
            return True
        if kind == "L":
            return False
    return False


# --- dates, times and numbers (CLDR through Babel) ---------------------------------------

_YEAR_PART = re.compile(r"[\s,،]*\by+\b(?:\s*'[^']*'\.?)?")


@cache
def day_pattern(lang: str) -> str:
    """The locale's full date pattern without the year: nl "EEEE d MMMM", tr "d MMMM EEEE"."""
    full = get_date_format("full", locale=_locale(lang)).pattern
    pattern = _YEAR_PART.sub("", full).strip(" ,،")
    return pattern if "EEEE" in pattern and "MMMM" in pattern else "EEEE d MMMM"


def _zone(zone: tzinfo | str) -> tzinfo:
    """Settings keep the zone as a name ("Europe/Amsterdam"); accept either."""
    return ZoneInfo(zone) if isinstance(zone, str) else zone


def _as_local_date(day: date | datetime, zone: tzinfo | str) -> date:
    if isinstance(day, datetime):
        return _to_local(day, zone).date()
    return day


def _to_local(moment: datetime, zone: tzinfo | str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("give an aware datetime (UTC); naive times are ambiguous")
    return moment.astimezone(_zone(zone))


def format_day(day: date | datetime, lang: str, zone: tzinfo | str = DEFAULT_ZONE) -> str:
    """Weekday, day, month: nl "dinsdag 3 maart"; an aware datetime is moved to ``zone`` first."""
    return format_date(_as_local_date(day, zone), day_pattern(lang), locale=_locale(lang))


def format_day_with_year(day: date | datetime, lang: str, zone: tzinfo | str = DEFAULT_ZONE) -> str:
    """The locale's full date format: nl "dinsdag 3 maart 2026"."""
    return format_date(_as_local_date(day, zone), "full", locale=_locale(lang))


def format_time_local(moment: datetime, lang: str, zone: tzinfo | str = DEFAULT_ZONE) -> str:
    """Clock time in ``zone`` in the locale's short style: nl "14:30", en "2:30 PM"."""
    local = _to_local(moment, zone)
    return format_time(local, "short", tzinfo=local.tzinfo, locale=_locale(lang))


def format_datetime_local(moment: datetime, lang: str, zone: tzinfo | str = DEFAULT_ZONE) -> str:
    """Day and time in ``zone``: nl "dinsdag 3 maart, 14:30" (CLDR's glue between the two)."""
    glue = get_datetime_format("long", locale=_locale(lang))
    return glue.replace("{1}", format_day(moment, lang, zone)).replace(
        "{0}", format_time_local(moment, lang, zone)
    )


def format_number(number: float | int, lang: str) -> str:
    """nl "1.234,5", en "1,234.5"."""
    return format_decimal(number, locale=_locale(lang))


# --- module-level shortcuts over one shared Translator -----------------------------------


@cache
def get_translator() -> Translator:
    return Translator()


def gettext(message: str, lang: str) -> str:
    return get_translator().gettext(message, lang)


def ngettext(singular: str, plural: str, n: int, lang: str) -> str:
    return get_translator().ngettext(singular, plural, n, lang)


def render(message: str, lang: str, /, **values: Any) -> str:
    return get_translator().render(message, lang, **values)


def render_plural(singular: str, plural: str, n: int, lang: str, /, **values: Any) -> str:
    return get_translator().render_plural(singular, plural, n, lang, **values)


# --- the language menu's own texts ---------------------------------------------------------

LANGUAGE_QUESTION = Y_("In welke taal wil je mijn berichten lezen?")
LANGUAGE_CONFIRMED = Y_("Vanaf nu stuur ik je berichten in het Nederlands.")

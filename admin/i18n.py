"""The one place panel text goes through before it is shown, in the signed-in user's language.

The guard sets the request's language (`use_language`) from `StaffUser.language` before any
view runs; ``_`` then translates through `bot.i18n`'s shared translator and fills
``{placeholders}`` with `str.format`-style names. Each aiohttp request runs in its own task, so
the language set for one request never leaks into another. Dates, times and numbers go through
`bot.i18n`'s CLDR helpers in the same language and the service's time zone (Europe/Amsterdam).

Domain code: no aiohttp here.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime, tzinfo

from babel.dates import format_date
from babel.numbers import format_percent

from bot.i18n import (
    DEFAULT_ZONE,
    SOURCE_LANGUAGE,
    format_datetime_local,
    format_day,
    format_day_with_year,
    format_number,
    get_translator,
    language_name,
)

# The panel's own languages; the catalogs hold more (for youths), but staff read nl or en.
PANEL_LANGUAGES: tuple[str, ...] = ("nl", "en")

_language: ContextVar[str] = ContextVar("inbeeld_panel_language", default=SOURCE_LANGUAGE)


def panel_language(code: str | None) -> str:
    """The user's stored language if the panel speaks it, else Dutch."""
    return code if code in PANEL_LANGUAGES else SOURCE_LANGUAGE


def use_language(code: str | None) -> str:
    """Set the language for the rest of this request (task); returns the one in effect."""
    lang = panel_language(code)
    _language.set(lang)
    return lang


def current_language() -> str:
    return _language.get()


def _(message: str, **values: object) -> str:
    """Translate ``message`` (the Dutch msgid) and fill its ``{placeholders}``."""
    return get_translator().render(message, current_language(), **values)


def gettext(message: str) -> str:
    return get_translator().gettext(message, current_language())


def language_options() -> list[tuple[str, str]]:
    """``(code, own name)`` for the account page's language choice."""
    return [(code, language_name(code)) for code in PANEL_LANGUAGES]


def day(value: date | datetime | None, zone: tzinfo = DEFAULT_ZONE) -> str:
    """nl "dinsdag 3 maart", en "Tuesday, March 3" (no year: for recent and near dates)."""
    return "" if value is None else format_day(value, current_language(), zone)


def day_with_year(value: date | datetime | None, zone: tzinfo = DEFAULT_ZONE) -> str:
    """nl "dinsdag 3 maart 2026" (leaving dates, dates of birth: the year matters)."""
    return "" if value is None else format_day_with_year(value, current_language(), zone)


def moment(value: datetime | None, zone: tzinfo = DEFAULT_ZONE) -> str:
    """Day and time in ``zone``: nl "dinsdag 3 maart, 14:30"."""
    return "" if value is None else format_datetime_local(value, current_language(), zone)


def number(value: float | int | None) -> str:
    return "" if value is None else format_number(value, current_language())


def percent(part: int, whole: int) -> str:
    """A share as a whole percentage ("42%"); an empty whole shows a dash, not 0%."""
    if whole <= 0:
        return "–"
    return format_percent(part / whole, locale=current_language())


def month(key: str) -> str:
    """A wave's month key ("2026-09") as nl "sep 2026", en "Sep 2026"."""
    try:
        first = date(int(key[:4]), int(key[5:7]), 1)
    except (ValueError, IndexError):
        return key
    return format_date(first, "MMM y", locale=current_language())

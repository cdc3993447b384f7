"""Parsers for single values. Each returns the value or raises ValueProblem with a message code."""

from __future__ import annotations

import re
from datetime import date

from bot.cohort.model import Participation, Profile


class ValueProblem(Exception):
    def __init__(self, code: str, **params: str) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# The bot's message catalogues exist for these; other languages fall back to Dutch.
SUPPORTED_LANGUAGES = frozenset({"nl", "en", "ar", "tr", "pl", "uk"})
DEFAULT_LANGUAGE = "nl"

_ISO_639_1_CODES = """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu
    hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb
    lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om
    or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw
    ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
"""
ISO_639_1 = frozenset(_ISO_639_1_CODES.split())

_DAY_FIRST = re.compile(r"(\d{1,2})([-/])(\d{1,2})\2(\d{4})", re.ASCII)
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_TWO_DIGIT_YEAR = re.compile(r"\d{1,2}([-/])\d{1,2}\1\d{2}", re.ASCII)
_SCIENTIFIC = re.compile(r"\d+(?:[.,]\d+)?[eE][+-]?\d+", re.ASCII)
_LANGUAGE = re.compile(r"([a-z]{2})(?:[-_][a-z0-9]{2,8})*", re.ASCII)
# Plausible, not RFC 5322: one @, no spaces, a dot in the domain, a letter top-level domain.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,63}",
    re.ASCII,
)

MAX_TEXT = 100
MAX_STUDENT_NUMBER = 32
MAX_EMAIL = 254


def parse_date(raw: str) -> date:
    """DD-MM-YYYY, D-M-YYYY, DD/MM/YYYY (and D/M/YYYY) or ISO YYYY-MM-DD."""
    text = raw.strip()
    match = _DAY_FIRST.fullmatch(text)
    if match:
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    else:
        match = _ISO.fullmatch(text)
        if not match:
            code = "date_two_digit_year" if _TWO_DIGIT_YEAR.fullmatch(text) else "date_format"
            raise ValueProblem(code)
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueProblem("date_impossible") from None


def parse_profile(raw: str) -> Profile:
    try:
        return Profile("".join(raw.split()).casefold())
    except ValueError:
        raise ValueProblem("profile_unknown") from None


_PARTICIPATION = {
    "": Participation.ONBEKEND,
    "ja": Participation.JA,
    "yes": Participation.JA,
    "nee": Participation.NEE,
    "no": Participation.NEE,
    "onbekend": Participation.ONBEKEND,
    "unknown": Participation.ONBEKEND,
}


def parse_participation(raw: str) -> Participation:
    try:
        return _PARTICIPATION["".join(raw.split()).casefold()]
    except KeyError:
        raise ValueProblem("participation_unknown") from None


def parse_language(raw: str) -> tuple[str, bool]:
    """The language code to use, and whether it was a real language we had to replace by nl.

    `nl-NL`, `NL` and ` nl ` all mean nl.
    """
    text = raw.strip().casefold()
    if not text:
        return DEFAULT_LANGUAGE, False
    match = _LANGUAGE.fullmatch(text)
    if not match or match[1] not in ISO_639_1:
        raise ValueProblem("language_invalid")
    code = match[1]
    if code in SUPPORTED_LANGUAGES:
        return code, False
    return DEFAULT_LANGUAGE, True


def is_plausible_email(text: str) -> bool:
    return len(text) <= MAX_EMAIL and _EMAIL.fullmatch(text) is not None


def looks_scientific(text: str) -> bool:
    """'5,14E+10': what Excel makes of a long student number in a General-format column."""
    return _SCIENTIFIC.fullmatch(text) is not None


def has_control_characters(text: str) -> bool:
    return any(ch < " " or "\x7f" <= ch <= "\x9f" for ch in text)

"""Invitation cards as data, and their CSV rendering for spreadsheets."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# "taal" last, so a mail merge built on the earlier columns keeps working.
CSV_COLUMNS = ("roepnaam", "achternaam", "school", "link", "geldig tot", "taal")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_DUTCH_LANGUAGE_NAMES = Locale("nl").languages  # loaded once, not per row


@dataclass(frozen=True, slots=True)
class InviteCard:
    first_name: str
    last_name: str
    school_name: str
    link: str
    expires_on: date
    language: str = "nl"  # the youth's: the card says it in Dutch and, if another, in this


def expiry_day(expires_at: datetime) -> date:
    """The calendar day on which an invitation expires, as a Dutch reader counts it."""
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    return expires_at.astimezone(AMSTERDAM).date()


def _safe_cell(text: str) -> str:
    # A name starting with '=' would run as a formula when Excel opens the file.
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _language_in_dutch(code: str) -> str:
    """ "Arabisch" for "ar": the column is read by school staff (a mail merge picks the text)."""
    return _DUTCH_LANGUAGE_NAMES.get(code, code)


def render_cards_csv(cards: Iterable[InviteCard]) -> bytes:
    """UTF-8 with BOM, ';'-separated, CRLF: what Dutch Excel opens correctly on a double click."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for card in cards:
        writer.writerow(
            [
                _safe_cell(card.first_name),
                _safe_cell(card.last_name),
                _safe_cell(card.school_name),
                card.link,
                card.expires_on.strftime("%d-%m-%Y"),
                _safe_cell(_language_in_dutch(card.language)),
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")

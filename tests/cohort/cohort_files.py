"""Builders for cohort files: every test states only what differs from a valid file."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.cohort import ParsedCohort, parse_cohort

DATA = Path(__file__).parent.parent / "data"

KNOWN_SCHOOLS: Mapping[str, str] = {
    "PRO-DONGEN": "Pro Dongen",
    "PRO-TILBURG": "Pro Tilburg",
    "PRO-WAALWIJK": "Pro Waalwijk",
    "VSO-DE-HEY": "VSO De Hey",
    "VSO-MIDDEN-BRABANT": "VSO Midden-Brabant",
    "VSO-ODYSSEE": "VSO Odyssee",
}
KNOWN_COORDINATORS: Mapping[str, int] = {
    "aandacht@regio-midden-brabant.example": 1,
    "trajectcoach@pro-tilburg.example": 2,
}

HEADER = (
    "leerlingnummer",
    "roepnaam",
    "achternaam",
    "geboortedatum",
    "school",
    "uitstroomdatum",
    "uitstroomprofiel",
    "gemeente",
    "taal",
    "deelname",
    "begeleider",
)


def row(**overrides: str) -> dict[str, str]:
    """A valid row; keyword arguments replace single values."""
    values = {
        "leerlingnummer": "1001",
        "roepnaam": "Daan",
        "achternaam": "de Vries",
        "geboortedatum": "26-09-2008",
        "school": "PRO-DONGEN",
        "uitstroomdatum": "31-07-2025",
        "uitstroomprofiel": "arbeid",
        "gemeente": "Goirle",
        "taal": "nl",
        "deelname": "onbekend",
        "begeleider": "",
    }
    values.update(overrides)
    return values


def rows(n: int) -> list[dict[str, str]]:
    return [row(leerlingnummer=str(5000 + i), roepnaam=f"Naam{i}") for i in range(n)]


def csv_text(
    records: Sequence[Mapping[str, str]],
    header: Sequence[str] = HEADER,
    *,
    separator: str = ";",
    newline: str = "\r\n",
    keys: Sequence[str] | None = None,
) -> str:
    """Write rows under `header`; `keys` says which row value goes under each header cell."""
    keys = keys or header
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=separator, lineterminator=newline)
    writer.writerow(header)
    for record in records:
        writer.writerow([record.get(key, "") for key in keys])
    return buffer.getvalue()


def parse(data: bytes | str, **kwargs: object) -> ParsedCohort:
    if isinstance(data, str):
        data = data.encode("utf-8")
    kwargs.setdefault("known_schools", KNOWN_SCHOOLS)
    kwargs.setdefault("known_coordinators", KNOWN_COORDINATORS)
    return parse_cohort(data, **kwargs)  # type: ignore[arg-type]


def codes(result: ParsedCohort) -> list[tuple[int | None, str | None, str]]:
    return [(issue.line, issue.column, issue.code) for issue in result.errors]

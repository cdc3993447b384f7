"""Current consent, derived from the append-only ledger (pure functions, no I/O).

Nothing stores "has consent" beside the ledger: the answer is always computed from the events,
so the ledger is the one demonstrable record (AVG art. 7(1)).

Rules:
- Per (youth, purpose) the latest *counting* event wins (by `recorded_at`, then `id`).
- A withdrawal always counts, whoever records it: withdrawing must be as easy as giving
  (art. 7(3)), and a child saying "stop" is never ignored.
- A grant by a `representative` or by `staff` (e.g. a signed paper form) always counts.
- A grant by the youth counts only when, on the day it was given (Europe/Amsterdam), the youth
  was 16 or older and no representative is required (curatele/mentorschap; UAVG art. 5).
  Consent given by a 15-year-old does not become valid by turning 16: they grant again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from bot.models.consent import ConsentAction, GivenBy
from bot.scheduling.calendar import age_on

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
AGE_OF_DIGITAL_CONSENT = 16


class LedgerEntry(Protocol):
    """What the rules read of a `ConsentEvent` (any object with these attributes will do)."""

    id: int | None
    purpose: str
    action: str
    given_by: str
    recorded_at: datetime


E = TypeVar("E", bound=LedgerEntry)


def needs_representative(date_of_birth: date, representative_required: bool, day: date) -> bool:
    return representative_required or age_on(date_of_birth, day) < AGE_OF_DIGITAL_CONSENT


def local_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        raise ValueError("consent moments must be timezone-aware")
    return moment.astimezone(AMSTERDAM).date()


def counts(entry: LedgerEntry, *, date_of_birth: date, representative_required: bool) -> bool:
    """Whether this ledger entry can decide the current consent."""
    if entry.action == ConsentAction.WITHDRAWN:
        return True
    if entry.action != ConsentAction.GRANTED:
        return False  # an unknown action never grants anything
    if entry.given_by in (GivenBy.REPRESENTATIVE, GivenBy.STAFF):
        return True
    if entry.given_by == GivenBy.YOUTH:
        day = local_day(entry.recorded_at)
        return not needs_representative(date_of_birth, representative_required, day)
    return False


def deciding_entry(
    entries: Iterable[E],
    *,
    purpose: str,
    date_of_birth: date,
    representative_required: bool,
) -> E | None:
    """The ledger entry that decides the current consent for `purpose`, or None (never asked)."""
    relevant = [
        e
        for e in entries
        if e.purpose == purpose
        and counts(e, date_of_birth=date_of_birth, representative_required=representative_required)
    ]
    if not relevant:
        return None
    return max(relevant, key=lambda e: (e.recorded_at, e.id or 0))


def is_active(
    entries: Iterable[LedgerEntry],
    *,
    purpose: str,
    date_of_birth: date,
    representative_required: bool,
) -> bool:
    """True when the latest counting entry for `purpose` is a grant."""
    entry = deciding_entry(
        entries,
        purpose=purpose,
        date_of_birth=date_of_birth,
        representative_required=representative_required,
    )
    return entry is not None and entry.action == ConsentAction.GRANTED

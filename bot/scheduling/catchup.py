"""Deciding what to send when the service ticks, including after downtime or a late import.

Only the most recent due contact of each series is sent; older ones in the same series are
skipped with a reason staff can read. A contact is also skipped once it has expired: a check-in
is still worth sending late until the next check-in is due (or, for the last one, for
`planner.LATE_LIMIT`); a re-offer until the end of the legal term; a reminder until the
silence moment. Youth-facing contacts that are due while the window is closed wait.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from bot.scheduling.contacts import ContactKind, PlannedContact
from bot.scheduling.window import DEFAULT_WINDOW, SendWindow, in_window

# These go to staff, not to the youth, so the youth's send window does not hold them back.
_WINDOWLESS = frozenset({ContactKind.COORDINATOR_TASK, ContactKind.SILENCE_CHECK})


@dataclass(frozen=True, slots=True)
class Skipped:
    contact: PlannedContact
    reason: str


class Resolution(NamedTuple):
    send_now: list[PlannedContact]
    skipped: list[Skipped]
    waiting: list[PlannedContact]  # due and wanted, but the send window is closed now


def resolve_missed(
    contacts: Iterable[PlannedContact], now: datetime, *, window: SendWindow = DEFAULT_WINDOW
) -> Resolution:
    """Split the still-planned contacts into send now / skip (with reason) / wait.

    `contacts` are the youth's contacts that are still planned (not sent, skipped, cancelled).
    Contacts due after `now` are left out of all three lists: they are untouched.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    by_series: dict[str, list[PlannedContact]] = defaultdict(list)
    for contact in contacts:
        if contact.due_at <= now:
            by_series[contact.series].append(contact)

    send_now: list[PlannedContact] = []
    skipped: list[Skipped] = []
    waiting: list[PlannedContact] = []
    window_open = in_window(now, window)
    for series in by_series.values():
        series.sort(key=lambda contact: (contact.due_at, contact.key))
        latest = series[-1]
        skipped += [
            Skipped(older, f"overgeslagen: ingehaald door {latest.label}") for older in series[:-1]
        ]
        if latest.expires_at is not None and now >= latest.expires_at:
            skipped.append(Skipped(latest, _expired_reason(latest, window)))
        elif window_open or latest.kind in _WINDOWLESS:
            send_now.append(latest)
        else:
            waiting.append(latest)
    order = lambda contact: (contact.due_at, contact.key)  # noqa: E731
    return Resolution(
        sorted(send_now, key=order),
        sorted(skipped, key=lambda skip: order(skip.contact)),
        sorted(waiting, key=order),
    )


def _expired_reason(contact: PlannedContact, window: SendWindow) -> str:
    assert contact.expires_at is not None
    expired = contact.expires_at.astimezone(window.zone)
    return f"overgeslagen: te laat, niet meer zinvol sinds {expired:%d-%m-%Y}"

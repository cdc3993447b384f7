"""Shared helpers for the scheduling tests: fixed moments and a walk through a whole term."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.scheduling import (
    ContactKind,
    PlannedContact,
    Programme,
    Skipped,
    load_programmes,
    plan_contacts,
    plan_nudges,
    resolve_missed,
)

AMS = ZoneInfo("Europe/Amsterdam")
PROGRAMMES = load_programmes()
TEMPLATE_IDS = sorted(PROGRAMMES)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)


def local_date(moment: datetime) -> date:
    return moment.astimezone(AMS).date()


@dataclass(frozen=True)
class Sent:
    at: datetime
    contact: PlannedContact


def walk(
    programme: Programme,
    leaving_date: date,
    *,
    participation: str = "ja",
    profile: str = "arbeid",
    answers: Callable[[PlannedContact], bool] = lambda contact: True,
) -> tuple[list[Sent], list[Skipped]]:
    """Drive the planner the way the service does: tick at each due moment, send what
    `resolve_missed` says, plan nudges for every sent check-in the youth leaves unanswered."""
    pending = {
        contact.key: contact
        for contact in plan_contacts(
            programme, leaving_date, participation=participation, profile=profile
        )
    }
    sent: list[Sent] = []
    skipped: list[Skipped] = []
    while pending:
        now = min(contact.due_at for contact in pending.values())
        resolution = resolve_missed(pending.values(), now, window=programme.send_window)
        assert not resolution.waiting, "every due moment should be inside the window"
        assert resolution.send_now or resolution.skipped, "a tick must make progress"
        for skip in resolution.skipped:
            skipped.append(skip)
            del pending[skip.contact.key]
        for contact in resolution.send_now:
            sent.append(Sent(now, contact))
            del pending[contact.key]
            if contact.kind is ContactKind.CHECKIN:
                for nudge in plan_nudges(contact, now, programme, answered=answers(contact)):
                    assert nudge.key not in pending
                    pending[nudge.key] = nudge
    return sent, skipped

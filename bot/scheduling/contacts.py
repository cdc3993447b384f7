"""The planner's output: one row per planned contact, keyed so that replanning is idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class ContactKind(StrEnum):
    CHECKIN = "checkin"
    REMINDER = "reminder"
    SILENCE_CHECK = "silence_check"
    REOFFER = "reoffer"
    COORDINATOR_TASK = "coordinator_task"
    INVITATION = "invitation"


# What the planner owns; nudges belong to a sent check-in and are planned at send time.
PLANNED_KINDS = frozenset(
    {
        ContactKind.CHECKIN,
        ContactKind.REOFFER,
        ContactKind.COORDINATOR_TASK,
        ContactKind.INVITATION,
    }
)
NUDGE_KINDS = frozenset({ContactKind.REMINDER, ContactKind.SILENCE_CHECK})


class ContactStatus(StrEnum):
    PLANNED = "planned"
    SENT = "sent"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class PlannedContact:
    """One moment the service acts for a youth.

    key: stable natural key, unique per youth (e.g. `checkin:m3`, `reminder:checkin:m3:1`).
    series: contacts in one series supersede each other in catch-up (e.g. all check-ins).
    due_at: aware UTC, already inside the send window where the kind needs one.
    expires_at: after this a late contact is no longer worth sending (None: never expires).
    flow: the conversation to start; None for a coordinator task (no youth message).
    """

    key: str
    kind: ContactKind
    series: str
    label: str
    due_at: datetime
    flow: str | None = None
    nominal_date: date | None = None
    expires_at: datetime | None = None
    parent_key: str | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.due_at.tzinfo is None:
            raise ValueError("due_at must be timezone-aware UTC")


@dataclass(frozen=True, slots=True)
class StoredContact:
    """A planned contact as the database holds it, with what has happened to it."""

    contact: PlannedContact
    status: ContactStatus

    @property
    def key(self) -> str:
        return self.contact.key

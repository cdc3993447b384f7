"""Replanning after a programme change, a participation change or a corrected leaving date.

Compares the stored contacts with a fresh plan, key by key. What has happened stays as it is:
sent, skipped and cancelled-in-the-past contacts are never touched, and contacts from the new
plan whose moment has already passed are never added (they would only trigger catch-up sends
for moments the youth was never part of).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.scheduling.contacts import PLANNED_KINDS, ContactStatus, PlannedContact, StoredContact


@dataclass(frozen=True, slots=True)
class ReplanResult:
    add: list[PlannedContact] = field(default_factory=list)
    # Same key, new content (due moment, flow, label...) or a cancelled contact coming back:
    # update the row in place and set it to planned, which keeps (youth, key) unique.
    update: list[PlannedContact] = field(default_factory=list)
    cancel: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return bool(self.add or self.update or self.cancel)


def replan(
    existing: Sequence[StoredContact], new_plan: Sequence[PlannedContact], *, now: datetime
) -> ReplanResult:
    """What to add, update and cancel so the stored contacts follow `new_plan` from `now` on.

    Only contacts the planner owns are considered: reminders and silence checks belong to a
    check-in that was already sent and are managed by the service.

    A planned contact whose moment has passed without being sent (downtime) is kept while the new
    plan still has it, so catch-up can decide; it is cancelled when the new plan drops it (the
    youth no longer takes part, or the programme no longer has that moment).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    stored = {row.key: row for row in existing if row.contact.kind in PLANNED_KINDS}
    wanted = {contact.key: contact for contact in new_plan}
    result = ReplanResult()

    for key, contact in wanted.items():
        row = stored.get(key)
        if row is None:
            if contact.due_at > now:
                result.add.append(contact)
        elif row.status is ContactStatus.PLANNED and row.contact.due_at > now:
            if row.contact != contact:
                result.update.append(contact)
            else:
                result.keep.append(key)
        elif row.status is ContactStatus.CANCELLED and contact.due_at > now:
            result.update.append(contact)
        else:
            result.keep.append(key)

    for key, row in stored.items():
        if key not in wanted and row.status is ContactStatus.PLANNED:
            result.cancel.append(key)
    return result

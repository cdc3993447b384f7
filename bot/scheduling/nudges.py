"""Reminders and the silence signal after a check-in goes out.

Planned by the service at the moment a check-in is actually sent (the first send time is only
known then), and cancelled by it when the youth answers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.scheduling.contacts import ContactKind, PlannedContact
from bot.scheduling.programme import Programme
from bot.scheduling.window import next_window_start


def plan_nudges(
    parent: PlannedContact,
    sent_at: datetime,
    programme: Programme,
    *,
    answered: bool = False,
) -> list[PlannedContact]:
    """The reminders (moved into the window) and the silence moment for a sent contact.

    The silence check is a signal for staff, not a message to the youth, so it is due exactly
    `silence_days` after the first message and ignores the send window. Reminders stop being
    worth sending once silence has been signalled. An answered contact needs no nudges.
    """
    if sent_at.tzinfo is None:
        raise ValueError("sent_at must be timezone-aware")
    if answered:
        return []
    nudges, window = programme.nudges, programme.send_window
    sent_at = sent_at.astimezone(UTC)
    silence_at = sent_at + timedelta(days=nudges.silence_days)
    reminders = [
        PlannedContact(
            key=f"reminder:{parent.key}:{number}",
            kind=ContactKind.REMINDER,
            series=f"reminder:{parent.key}",
            label=f"herinnering {number} bij {parent.label}",
            due_at=next_window_start(sent_at + timedelta(days=days), window),
            flow=parent.flow,
            expires_at=silence_at,
            parent_key=parent.key,
        )
        for number, days in enumerate(nudges.reminder_days, start=1)
    ]
    # A reminder pushed past the silence moment (a long holiday) would only add pressure.
    contacts = [reminder for reminder in reminders if reminder.due_at < silence_at]
    contacts.append(
        PlannedContact(
            key=f"silence:{parent.key}",
            kind=ContactKind.SILENCE_CHECK,
            series=f"silence:{parent.key}",
            label=f"stilte na {parent.label}",
            due_at=silence_at,
            parent_key=parent.key,
        )
    )
    return contacts

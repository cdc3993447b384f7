"""Escalation policy: grouping signals, acknowledgement deadlines and reminders. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot.escalation.model import COLLECTING_STATES, Escalation, EscalationState
from bot.escalation.workdays import AMSTERDAM, add_working_days, next_office_start
from bot.signals.model import Severity, SignalHit

# ---------------------------------------------------------------------------- grouping


class RoutingAction(StrEnum):
    ATTACH = "attach_to_existing"
    OPEN_NEW = "open_new"
    RECORD_ONLY = "record_only"


@dataclass(frozen=True, slots=True)
class Routing:
    action: RoutingAction
    escalation_id: str | None = None  # set for ATTACH
    alert_now: bool = False


def _collecting(open_escalations: Sequence[Escalation]) -> Escalation | None:
    candidates = [e for e in open_escalations if e.state in COLLECTING_STATES]
    return min(candidates, key=lambda e: (e.opened_at, e.id)) if candidates else None


def route_signal(severity: Severity, open_escalations: Sequence[Escalation]) -> Routing:
    """Where one new signal for a youth goes.

    Urgent always opens its own escalation and alerts at once, even if one is open: it must
    never wait behind a quieter case. Attention signals join the youth's open escalation (the
    oldest one still collecting) or open a new one. Info signals join an open escalation or
    are only recorded: they never alert on their own.
    """
    severity = Severity(severity)
    if severity is Severity.URGENT:
        return Routing(RoutingAction.OPEN_NEW, alert_now=True)
    existing = _collecting(open_escalations)
    if existing is not None:
        return Routing(RoutingAction.ATTACH, escalation_id=existing.id)
    if severity is Severity.ATTENTION:
        return Routing(RoutingAction.OPEN_NEW, alert_now=True)
    return Routing(RoutingAction.RECORD_ONLY)


@dataclass(frozen=True, slots=True)
class EscalationPlan:
    """What to do with all hits of one evaluation for one youth."""

    attach: dict[str, tuple[SignalHit, ...]] = field(default_factory=dict)
    new_grouped: tuple[SignalHit, ...] = ()  # one new escalation holding all of these, one alert
    new_urgent: tuple[SignalHit, ...] = ()  # one escalation and one alert per hit
    record_only: tuple[SignalHit, ...] = ()


def plan_escalations(
    hits: Sequence[SignalHit], open_escalations: Sequence[Escalation]
) -> EscalationPlan:
    attach: dict[str, list[SignalHit]] = {}
    grouped: list[SignalHit] = []
    urgent: list[SignalHit] = []
    record: list[SignalHit] = []
    opens_new = any(h.severity is Severity.ATTENTION for h in hits)
    for hit in hits:
        routing = route_signal(hit.severity, open_escalations)
        if routing.action is RoutingAction.ATTACH:
            assert routing.escalation_id is not None
            attach.setdefault(routing.escalation_id, []).append(hit)
        elif hit.severity is Severity.URGENT:
            urgent.append(hit)
        elif routing.action is RoutingAction.OPEN_NEW or opens_new:
            # Info hits ride along when an attention hit of the same check-in opens a case.
            grouped.append(hit)
        else:
            record.append(hit)
    return EscalationPlan(
        attach={k: tuple(v) for k, v in attach.items()},
        new_grouped=tuple(grouped),
        new_urgent=tuple(urgent),
        record_only=tuple(record),
    )


# ---------------------------------------------------------------------------- deadlines


@dataclass(frozen=True, slots=True)
class AckPolicy:
    attention_working_days: int = 2
    attention_backup_after_working_days: int = 1
    urgent_ack: timedelta = timedelta(minutes=30)
    urgent_backup_after: timedelta = timedelta(minutes=30)
    urgent_backup_repeat: timedelta = timedelta(minutes=30)


DEFAULT_POLICY = AckPolicy()


class ReminderKind(StrEnum):
    REMIND_COORDINATOR = "remind_coordinator"  # acknowledgement deadline passed
    ALERT_BACKUP = "alert_backup_coordinator"  # still not acknowledged: the backup takes over
    REMIND_HANDOVER = "remind_handover"  # handover asked, not yet accepted


@dataclass(frozen=True, slots=True)
class Reminder:
    escalation_id: str
    at: datetime
    kind: ReminderKind
    recipient: str  # "coordinator" | "backup_coordinator"


def ack_deadline(esc: Escalation, policy: AckPolicy = DEFAULT_POLICY) -> datetime:
    """When the coordinator must have acknowledged: urgent in minutes, else working days."""
    if esc.severity is Severity.URGENT:
        return esc.opened_at + policy.urgent_ack
    return add_working_days(esc.opened_at, policy.attention_working_days)


def backup_time(esc: Escalation, policy: AckPolicy = DEFAULT_POLICY) -> datetime:
    deadline = ack_deadline(esc, policy)
    if esc.severity is Severity.URGENT:
        return deadline + policy.urgent_backup_after
    return add_working_days(deadline, policy.attention_backup_after_working_days)


def next_reminder(
    esc: Escalation, after: datetime, policy: AckPolicy = DEFAULT_POLICY
) -> Reminder | None:
    """The first reminder due strictly after `after`, or None when nothing is pending.

    The caller passes the time of the last reminder it sent (or the opening time) and sends
    the result once its time has come, so no reminder is skipped or sent twice.

    Not acknowledged: the coordinator at the deadline, then the backup coordinator, repeated
    (urgent every 30 minutes, otherwise every working day at 09:00) until acknowledged.
    Handover requested: the coordinator every working day at 09:00 until it is accepted.
    """
    if after.tzinfo is None:
        raise ValueError("next_reminder needs a timezone-aware 'after'")
    if esc.state is EscalationState.OPEN:
        return _unacknowledged_reminder(esc, after, policy)
    if esc.state is EscalationState.HANDOVER_REQUESTED and esc.handover is not None:
        # The first reminder comes the working day after the request, not within the hour.
        start = max(after, esc.handover.requested_at)
        at = next_office_start(start)
        requested_day = esc.handover.requested_at.astimezone(AMSTERDAM).date()
        if at.astimezone(AMSTERDAM).date() == requested_day:
            at = next_office_start(at)
        return Reminder(esc.id, at.astimezone(UTC), ReminderKind.REMIND_HANDOVER, "coordinator")
    return None


def _unacknowledged_reminder(esc: Escalation, after: datetime, policy: AckPolicy) -> Reminder:
    deadline = ack_deadline(esc, policy)
    if deadline > after:
        return Reminder(
            esc.id, deadline.astimezone(UTC), ReminderKind.REMIND_COORDINATOR, "coordinator"
        )
    backup = backup_time(esc, policy)
    if backup > after:
        at = backup
    elif esc.severity is Severity.URGENT:
        steps = (after - backup) // policy.urgent_backup_repeat + 1
        at = backup + steps * policy.urgent_backup_repeat
    else:
        at = next_office_start(after)
    return Reminder(esc.id, at.astimezone(UTC), ReminderKind.ALERT_BACKUP, "backup_coordinator")

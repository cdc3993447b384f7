"""The escalation lifecycle as a pure state machine.

open -> acknowledged -> in_progress -> handover_requested -> handed_over -> closed

Every function returns a new `Escalation`; nothing is mutated or stored here. A coordinator
stays responsible while a handover is only requested: responsibility moves when the receiving
person accepts (name + organisation), because a professional lets go only when someone else
has taken over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from bot.signals.model import Severity


class EscalationState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    HANDOVER_REQUESTED = "handover_requested"
    HANDED_OVER = "handed_over"
    CLOSED = "closed"


class Outcome(StrEnum):
    BACK_TO_WORK = "back_to_work"
    BACK_TO_SCHOOL = "back_to_school"
    GEMEENTE_SUPPORT = "gemeente_support"
    ZORG = "zorg"
    NO_ACTION_NEEDED = "no_action_needed"
    LOST_CONTACT = "lost_contact"


# States in which an escalation still collects new signals for the same youth.
COLLECTING_STATES = frozenset(
    {
        EscalationState.OPEN,
        EscalationState.ACKNOWLEDGED,
        EscalationState.IN_PROGRESS,
        EscalationState.HANDOVER_REQUESTED,
    }
)


class EscalationError(ValueError):
    """A request the escalation domain refuses; the message says why."""


class IllegalTransition(EscalationError):
    def __init__(
        self, action: str, escalation_id: str, state: EscalationState, allowed: Iterable[str]
    ) -> None:
        self.action, self.state = action, state
        allowed_text = ", ".join(sorted(allowed))
        super().__init__(
            f"cannot {action} escalation {escalation_id}: it is '{state}'; "
            f"{action} is only possible when it is {allowed_text}"
        )


@dataclass(frozen=True, slots=True)
class Handover:
    requested_by: str
    requested_at: datetime
    organisation: str
    receiver_name: str | None = None  # who was asked, if known
    accepted_by: str | None = None  # who accepted (name)
    accepted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    at: datetime
    by: str
    from_state: EscalationState | None
    to_state: EscalationState


@dataclass(frozen=True, slots=True)
class Escalation:
    id: str
    youth_id: str
    severity: Severity
    opened_at: datetime
    state: EscalationState = EscalationState.OPEN
    signal_keys: tuple[str, ...] = ()
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    handover: Handover | None = None
    outcome: Outcome | None = None
    closed_by: str | None = None
    closed_at: datetime | None = None
    history: tuple[Transition, ...] = field(default=())

    @property
    def responsible(self) -> str:
        """'coordinator' until a handover is accepted; then the receiving organisation."""
        if self.state is EscalationState.HANDED_OVER or (
            self.state is EscalationState.CLOSED
            and self.handover is not None
            and self.handover.accepted_at is not None
        ):
            assert self.handover is not None
            return self.handover.organisation
        return "coordinator"

    @property
    def last_change(self) -> datetime:
        return self.history[-1].at if self.history else self.opened_at


def _aware(at: datetime, what: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise EscalationError(f"{what} needs a timezone-aware time")
    return at


def _named(value: str | None, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise EscalationError(f"{what} must be a non-empty name")
    return value.strip()


def _move(
    esc: Escalation,
    action: str,
    allowed: frozenset[EscalationState],
    to_state: EscalationState,
    by: str,
    at: datetime,
    **changes: object,
) -> Escalation:
    if esc.state not in allowed:
        raise IllegalTransition(action, esc.id, esc.state, (s.value for s in allowed))
    _aware(at, action)
    if at < esc.last_change:
        raise EscalationError(
            f"cannot {action} escalation {esc.id} at {at.isoformat()}: "
            f"that is before its last change ({esc.last_change.isoformat()})"
        )
    step = Transition(at, by, esc.state, to_state)
    return replace(esc, state=to_state, history=(*esc.history, step), **changes)


def open_escalation(
    escalation_id: str,
    youth_id: str,
    severity: Severity,
    signal_keys: Iterable[str],
    at: datetime,
) -> Escalation:
    _aware(at, "open")
    keys = tuple(dict.fromkeys(signal_keys))
    if not keys:
        raise EscalationError("an escalation needs at least one signal")
    return Escalation(
        id=escalation_id,
        youth_id=youth_id,
        severity=Severity(severity),
        opened_at=at,
        signal_keys=keys,
        history=(Transition(at, "system", None, EscalationState.OPEN),),
    )


def attach_signals(esc: Escalation, signal_keys: Iterable[str]) -> Escalation:
    """Add signals to an escalation that still collects them; already known keys are ignored."""
    if esc.state not in COLLECTING_STATES:
        raise IllegalTransition(
            "attach signals to", esc.id, esc.state, (s.value for s in COLLECTING_STATES)
        )
    keys = tuple(dict.fromkeys((*esc.signal_keys, *signal_keys)))
    return replace(esc, signal_keys=keys)


def acknowledge(esc: Escalation, by: str, at: datetime) -> Escalation:
    who = _named(by, "acknowledged by")
    return _move(
        esc,
        "acknowledge",
        frozenset({EscalationState.OPEN}),
        EscalationState.ACKNOWLEDGED,
        who,
        at,
        acknowledged_by=who,
        acknowledged_at=at,
    )


def start_work(esc: Escalation, by: str, at: datetime) -> Escalation:
    return _move(
        esc,
        "start work on",
        frozenset({EscalationState.ACKNOWLEDGED}),
        EscalationState.IN_PROGRESS,
        _named(by, "started by"),
        at,
    )


def request_handover(
    esc: Escalation,
    by: str,
    organisation: str,
    at: datetime,
    receiver_name: str | None = None,
) -> Escalation:
    who = _named(by, "handover requested by")
    org = _named(organisation, "receiving organisation")
    receiver = _named(receiver_name, "receiver") if receiver_name is not None else None
    return _move(
        esc,
        "request a handover of",
        frozenset({EscalationState.ACKNOWLEDGED, EscalationState.IN_PROGRESS}),
        EscalationState.HANDOVER_REQUESTED,
        who,
        at,
        handover=Handover(who, at, org, receiver),
    )


def accept_handover(
    esc: Escalation, receiver_name: str, organisation: str, at: datetime
) -> Escalation:
    """The receiving person accepts; only now does responsibility move to them."""
    name = _named(receiver_name, "accepting person")
    org = _named(organisation, "accepting organisation")
    if esc.state is EscalationState.HANDOVER_REQUESTED:
        assert esc.handover is not None
        if org.casefold() != esc.handover.organisation.casefold():
            raise EscalationError(
                f"cannot accept handover of escalation {esc.id} for {org!r}: "
                f"it was offered to {esc.handover.organisation!r}"
            )
    handover = esc.handover
    accepted = replace(handover, accepted_by=name, accepted_at=at) if handover else None
    return _move(
        esc,
        "accept the handover of",
        frozenset({EscalationState.HANDOVER_REQUESTED}),
        EscalationState.HANDED_OVER,
        f"{name} ({org})",
        at,
        handover=accepted,
    )


def withdraw_handover(esc: Escalation, by: str, at: datetime) -> Escalation:
    """The receiver declined or the coordinator takes the request back: work continues."""
    return _move(
        esc,
        "withdraw the handover of",
        frozenset({EscalationState.HANDOVER_REQUESTED}),
        EscalationState.IN_PROGRESS,
        _named(by, "withdrawn by"),
        at,
        handover=None,
    )


def close(esc: Escalation, outcome: Outcome, by: str, at: datetime) -> Escalation:
    try:
        result = Outcome(outcome)
    except ValueError:
        raise EscalationError(
            f"unknown outcome {outcome!r}; choose one of {[o.value for o in Outcome]}"
        ) from None
    who = _named(by, "closed by")
    return _move(
        esc,
        "close",
        frozenset(
            {
                EscalationState.ACKNOWLEDGED,
                EscalationState.IN_PROGRESS,
                EscalationState.HANDED_OVER,
            }
        ),
        EscalationState.CLOSED,
        who,
        at,
        outcome=result,
        closed_by=who,
        closed_at=at,
    )

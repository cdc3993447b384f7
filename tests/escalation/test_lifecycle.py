"""Escalation state machine: legal paths, illegal transitions, handover acceptance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.escalation import (
    EscalationError,
    EscalationState,
    IllegalTransition,
    Outcome,
    accept_handover,
    acknowledge,
    attach_signals,
    close,
    open_escalation,
    request_handover,
    start_work,
    withdraw_handover,
)
from bot.signals import Severity

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def t(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def fresh():
    return open_escalation("esc-1", "youth-1", Severity.ATTENTION, ["stemming_laag:c1"], T0)


def test_full_path_with_accepted_handover() -> None:
    esc = fresh()
    assert esc.state is EscalationState.OPEN
    esc = acknowledge(esc, "Sanne", t(5))
    assert (esc.acknowledged_by, esc.acknowledged_at) == ("Sanne", t(5))
    esc = start_work(esc, "Sanne", t(10))
    esc = request_handover(esc, "Sanne", "Wijkteam Noord", t(20), receiver_name="Ahmed")
    assert esc.state is EscalationState.HANDOVER_REQUESTED
    assert esc.responsible == "coordinator", "responsibility stays until accepted"
    esc = accept_handover(esc, "Ahmed Bakker", "wijkteam noord", t(30))
    assert esc.state is EscalationState.HANDED_OVER
    assert esc.responsible == "Wijkteam Noord"
    assert esc.handover is not None
    assert (esc.handover.accepted_by, esc.handover.accepted_at) == ("Ahmed Bakker", t(30))
    esc = close(esc, Outcome.ZORG, "Sanne", t(40))
    assert (esc.state, esc.outcome, esc.closed_at) == (EscalationState.CLOSED, Outcome.ZORG, t(40))
    assert [s.to_state for s in esc.history] == [
        EscalationState.OPEN,
        EscalationState.ACKNOWLEDGED,
        EscalationState.IN_PROGRESS,
        EscalationState.HANDOVER_REQUESTED,
        EscalationState.HANDED_OVER,
        EscalationState.CLOSED,
    ]
    assert esc.responsible == "Wijkteam Noord"


def test_the_original_is_not_changed() -> None:
    esc = fresh()
    acknowledge(esc, "Sanne", t(1))
    assert esc.state is EscalationState.OPEN


@pytest.mark.parametrize("outcome", list(Outcome))
def test_close_with_every_outcome(outcome: Outcome) -> None:
    esc = acknowledge(fresh(), "Sanne", t(1))
    assert close(esc, outcome, "Sanne", t(2)).outcome is outcome


def test_close_with_unknown_outcome() -> None:
    esc = acknowledge(fresh(), "Sanne", t(1))
    with pytest.raises(EscalationError, match="unknown outcome 'verhuisd'"):
        close(esc, "verhuisd", "Sanne", t(2))  # type: ignore[arg-type]


def _ack(e):
    return acknowledge(e, "S", t(1))


def _requested(e):
    return request_handover(_ack(e), "S", "Gemeente", t(2))


ILLEGAL = [
    ("close while open", lambda e: close(e, Outcome.NO_ACTION_NEEDED, "S", t(1)), "open"),
    ("acknowledge twice", lambda e: acknowledge(_ack(e), "S", t(2)), "acknowledged"),
    ("start before acknowledged", lambda e: start_work(e, "S", t(1)), "open"),
    ("handover before acknowledged", lambda e: request_handover(e, "S", "Org", t(1)), "open"),
    (
        "accept without request",
        lambda e: accept_handover(_ack(e), "A", "Org", t(2)),
        "acknowledged",
    ),
    (
        "close while handover pending",
        lambda e: close(_requested(e), Outcome.ZORG, "S", t(3)),
        "handover_requested",
    ),
    (
        "request twice",
        lambda e: request_handover(_requested(e), "S", "Other", t(3)),
        "handover_requested",
    ),
    ("withdraw without request", lambda e: withdraw_handover(_ack(e), "S", t(2)), "acknowledged"),
    (
        "attach to closed",
        lambda e: attach_signals(close(_ack(e), Outcome.ZORG, "S", t(2)), ["x"]),
        "closed",
    ),
    (
        "reopen closed",
        lambda e: acknowledge(close(_ack(e), Outcome.ZORG, "S", t(2)), "S", t(3)),
        "closed",
    ),
]


@pytest.mark.parametrize(("name", "action", "state"), ILLEGAL, ids=[i[0] for i in ILLEGAL])
def test_illegal_transitions_raise_a_clear_error(name: str, action, state: str) -> None:
    with pytest.raises(IllegalTransition) as info:
        action(fresh())
    assert f"it is '{state}'" in str(info.value)
    assert "esc-1" in str(info.value)


def test_handover_for_another_organisation_is_refused() -> None:
    esc = request_handover(_ack(fresh()), "S", "Wijkteam Noord", t(2))
    with pytest.raises(EscalationError, match="offered to 'Wijkteam Noord'"):
        accept_handover(esc, "Piet", "UWV", t(3))


@pytest.mark.parametrize(("name", "org"), [("", "Org"), ("Piet", "  "), (None, "Org")])
def test_acceptance_needs_name_and_organisation(name, org) -> None:
    esc = request_handover(_ack(fresh()), "S", "Org", t(2))
    with pytest.raises(EscalationError, match="non-empty name"):
        accept_handover(esc, name, org, t(3))


def test_withdrawn_handover_returns_to_work_in_progress() -> None:
    esc = request_handover(_ack(fresh()), "S", "Org", t(2))
    esc = withdraw_handover(esc, "S", t(3))
    assert esc.state is EscalationState.IN_PROGRESS
    assert esc.handover is None
    assert esc.responsible == "coordinator"


def test_time_must_not_go_backwards_or_be_naive() -> None:
    esc = acknowledge(fresh(), "S", t(10))
    with pytest.raises(EscalationError, match="before its last change"):
        start_work(esc, "S", t(5))
    with pytest.raises(EscalationError, match="timezone-aware"):
        start_work(esc, "S", datetime(2026, 11, 23, 12, 0))


def test_attach_signals_deduplicates() -> None:
    esc = attach_signals(fresh(), ["a:1", "stemming_laag:c1", "a:1"])
    assert esc.signal_keys == ("stemming_laag:c1", "a:1")


def test_open_needs_a_signal() -> None:
    with pytest.raises(EscalationError, match="at least one signal"):
        open_escalation("e", "y", Severity.URGENT, [], T0)

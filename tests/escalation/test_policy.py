"""Grouping, acknowledgement deadlines and reminders, with fixed Dutch calendar dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.escalation import (
    EscalationState,
    Outcome,
    ReminderKind,
    RoutingAction,
    accept_handover,
    ack_deadline,
    acknowledge,
    backup_time,
    close,
    is_working_day,
    next_reminder,
    open_escalation,
    plan_escalations,
    request_handover,
    route_signal,
)
from bot.signals import Severity, SignalHit

AMS = ZoneInfo("Europe/Amsterdam")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMS)


def opened(at: datetime, severity: Severity = Severity.ATTENTION, eid: str = "e1"):
    return open_escalation(eid, "youth-1", severity, ["r:c1"], at.astimezone(UTC))


# ---------------------------------------------------------------------------- calendar


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 23), True),  # Monday
        (date(2026, 11, 21), False),  # Saturday
        (date(2026, 4, 27), False),  # Koningsdag
        (date(2026, 12, 25), False),  # Eerste Kerstdag
        (date(2026, 5, 14), False),  # Hemelvaartsdag
        (date(2026, 5, 25), False),  # Tweede Pinksterdag
    ],
)
def test_working_days(day: date, working: bool) -> None:
    assert is_working_day(day) is working


# ---------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize(
    ("opened_local", "deadline_local", "why"),
    [
        (local(2026, 11, 23, 10, 0), local(2026, 11, 25, 10, 0), "plain weekdays"),
        (local(2026, 11, 20, 16, 0), local(2026, 11, 24, 16, 0), "over a weekend"),
        (local(2026, 11, 21, 11, 0), local(2026, 11, 25, 9, 0), "raised on Saturday"),
        (local(2026, 4, 24, 15, 0), local(2026, 4, 29, 15, 0), "weekend plus Koningsdag"),
        (local(2026, 12, 24, 10, 0), local(2026, 12, 29, 10, 0), "Christmas"),
        (local(2026, 10, 23, 16, 0), local(2026, 10, 27, 16, 0), "over the end of summer time"),
    ],
)
def test_attention_deadline_is_two_working_days(
    opened_local: datetime, deadline_local: datetime, why: str
) -> None:
    deadline = ack_deadline(opened(opened_local))
    assert deadline == deadline_local, why
    assert deadline.astimezone(AMS).hour == deadline_local.hour


def test_summer_time_change_keeps_local_hour_not_utc_hour() -> None:
    deadline = ack_deadline(opened(local(2026, 10, 23, 16, 0)))
    assert deadline.astimezone(UTC) == datetime(2026, 10, 27, 15, 0, tzinfo=UTC)


def test_urgent_deadline_is_thirty_minutes_even_at_night_on_sunday() -> None:
    esc = opened(local(2026, 11, 22, 3, 0), Severity.URGENT)
    assert ack_deadline(esc) == local(2026, 11, 22, 3, 30)
    assert backup_time(esc) == local(2026, 11, 22, 4, 0)


# ---------------------------------------------------------------------------- reminders


def reminder_run(esc, steps: int):
    """Call next_reminder the way the service does: after the last one sent."""
    result, after = [], esc.opened_at
    for _ in range(steps):
        reminder = next_reminder(esc, after)
        assert reminder is not None
        result.append((reminder.at.astimezone(AMS).replace(tzinfo=None), reminder.kind))
        after = reminder.at
    return result


def test_attention_reminders_over_a_weekend() -> None:
    esc = opened(local(2026, 11, 20, 16, 0))  # Friday afternoon
    assert reminder_run(esc, 4) == [
        (datetime(2026, 11, 24, 16, 0), ReminderKind.REMIND_COORDINATOR),
        (datetime(2026, 11, 25, 16, 0), ReminderKind.ALERT_BACKUP),
        (datetime(2026, 11, 26, 9, 0), ReminderKind.ALERT_BACKUP),
        (datetime(2026, 11, 27, 9, 0), ReminderKind.ALERT_BACKUP),
    ]


def test_attention_reminders_over_christmas_and_new_year() -> None:
    esc = opened(local(2026, 12, 24, 10, 0))
    assert reminder_run(esc, 4) == [
        (datetime(2026, 12, 29, 10, 0), ReminderKind.REMIND_COORDINATOR),
        (datetime(2026, 12, 30, 10, 0), ReminderKind.ALERT_BACKUP),
        (datetime(2026, 12, 31, 9, 0), ReminderKind.ALERT_BACKUP),
        (datetime(2027, 1, 4, 9, 0), ReminderKind.ALERT_BACKUP),  # 1 Jan, weekend skipped
    ]


def test_urgent_reminders_every_half_hour() -> None:
    esc = opened(local(2026, 11, 22, 3, 0), Severity.URGENT)
    run = reminder_run(esc, 4)
    assert [at.time().isoformat("minutes") for at, _ in run] == ["03:30", "04:00", "04:30", "05:00"]
    assert [kind for _, kind in run] == [
        ReminderKind.REMIND_COORDINATOR,
        ReminderKind.ALERT_BACKUP,
        ReminderKind.ALERT_BACKUP,
        ReminderKind.ALERT_BACKUP,
    ]
    late = next_reminder(esc, local(2026, 11, 22, 6, 10))
    assert late is not None and late.at == local(2026, 11, 22, 6, 30)
    assert late.recipient == "backup_coordinator"


def test_acknowledged_or_closed_escalations_are_not_reminded() -> None:
    esc = acknowledge(opened(local(2026, 11, 23, 10, 0)), "Sanne", local(2026, 11, 23, 11, 0))
    assert next_reminder(esc, local(2026, 11, 30, 9, 0)) is None
    closed = close(esc, Outcome.NO_ACTION_NEEDED, "Sanne", local(2026, 11, 23, 12, 0))
    assert next_reminder(closed, local(2026, 11, 30, 9, 0)) is None


def test_pending_handover_is_reminded_each_working_day_until_accepted() -> None:
    esc = acknowledge(opened(local(2026, 12, 23, 8, 0)), "Sanne", local(2026, 12, 23, 8, 5))
    esc = request_handover(esc, "Sanne", "Wijkteam", local(2026, 12, 23, 8, 30))
    assert esc.state is EscalationState.HANDOVER_REQUESTED
    times, after = [], esc.handover.requested_at
    for _ in range(3):
        reminder = next_reminder(esc, after)
        assert reminder is not None and reminder.kind is ReminderKind.REMIND_HANDOVER
        times.append(reminder.at.astimezone(AMS).replace(tzinfo=None))
        after = reminder.at
    # Not the same morning; 25/26 Dec and the weekend skipped.
    assert times == [
        datetime(2026, 12, 24, 9, 0),
        datetime(2026, 12, 28, 9, 0),
        datetime(2026, 12, 29, 9, 0),
    ]
    accepted = accept_handover(esc, "Piet", "Wijkteam", local(2026, 12, 29, 10, 0))
    assert next_reminder(accepted, local(2026, 12, 29, 10, 0)) is None


def test_naive_after_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_reminder(opened(local(2026, 11, 23, 10, 0)), datetime(2026, 11, 23, 10, 0))


# ---------------------------------------------------------------------------- grouping


def hit(rule: str, severity: Severity) -> SignalHit:
    return SignalHit(rule, "x", severity, (), f"{rule}:checkin:c1")


def test_urgent_always_opens_its_own_escalation() -> None:
    existing = opened(local(2026, 11, 23, 10, 0))
    routing = route_signal(Severity.URGENT, [existing])
    assert routing.action is RoutingAction.OPEN_NEW
    assert routing.alert_now is True


def test_attention_joins_the_open_escalation() -> None:
    existing = opened(local(2026, 11, 23, 10, 0))
    routing = route_signal(Severity.ATTENTION, [existing])
    assert (routing.action, routing.escalation_id, routing.alert_now) == (
        RoutingAction.ATTACH,
        "e1",
        False,
    )


def test_attention_opens_new_when_none_is_collecting() -> None:
    start = local(2026, 11, 23, 10, 0)
    done = close(acknowledge(opened(start), "S", start), Outcome.ZORG, "S", start)
    routing = route_signal(Severity.ATTENTION, [done])
    assert (routing.action, routing.alert_now) == (RoutingAction.OPEN_NEW, True)


def test_oldest_collecting_escalation_is_chosen() -> None:
    older = opened(local(2026, 11, 2, 10, 0), eid="old")
    newer = opened(local(2026, 11, 20, 10, 0), eid="new")
    assert route_signal(Severity.ATTENTION, [newer, older]).escalation_id == "old"


def test_info_never_alerts_alone() -> None:
    assert route_signal(Severity.INFO, []).action is RoutingAction.RECORD_ONLY
    existing = opened(local(2026, 11, 23, 10, 0))
    assert route_signal(Severity.INFO, [existing]).action is RoutingAction.ATTACH


def test_plan_groups_one_check_in_but_keeps_urgent_apart() -> None:
    hits = [
        hit("stemming_laag", Severity.ATTENTION),
        hit("hulp_gevraagd_anders", Severity.INFO),
        hit("crisistaal", Severity.URGENT),
        hit("geen_werk_of_school", Severity.ATTENTION),
    ]
    plan = plan_escalations(hits, [])
    assert [h.rule_id for h in plan.new_grouped] == [
        "stemming_laag",
        "hulp_gevraagd_anders",
        "geen_werk_of_school",
    ]
    assert [h.rule_id for h in plan.new_urgent] == ["crisistaal"]
    assert plan.attach == {} and plan.record_only == ()


def test_plan_attaches_to_existing_and_records_lonely_info() -> None:
    existing = opened(local(2026, 11, 23, 10, 0))
    plan = plan_escalations([hit("a", Severity.ATTENTION), hit("u", Severity.URGENT)], [existing])
    assert [h.rule_id for h in plan.attach["e1"]] == ["a"]
    assert [h.rule_id for h in plan.new_urgent] == ["u"]
    lonely = plan_escalations([hit("i", Severity.INFO)], [])
    assert [h.rule_id for h in lonely.record_only] == ["i"]
    assert lonely.new_grouped == ()


def test_deadline_helper_is_consistent_with_reminders() -> None:
    esc = opened(local(2026, 11, 23, 10, 0))
    first = next_reminder(esc, esc.opened_at)
    assert first is not None and first.at == ack_deadline(esc)
    assert next_reminder(esc, first.at - timedelta(seconds=1)) == first

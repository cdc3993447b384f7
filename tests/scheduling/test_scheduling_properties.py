"""Properties over random leaving dates and programmes: every due moment is inside the window,
keys are unique, and plans are stable under replanning."""

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from scheduling_helpers import PROGRAMMES

from bot.scheduling import (
    ContactKind,
    ContactStatus,
    Programme,
    SendWindow,
    StoredContact,
    in_window,
    plan_contacts,
    plan_nudges,
    replan,
    resolve_missed,
)
from bot.scheduling.window import DAY_NAMES

leaving_dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2034, 12, 31))


@st.composite
def windows(draw):
    days = draw(st.lists(st.sampled_from(list(DAY_NAMES)), min_size=1, max_size=7, unique=True))
    start = draw(st.integers(min_value=0, max_value=22))
    end = draw(st.integers(min_value=start + 1, max_value=23))
    return SendWindow(
        days=tuple(days),
        start=time(start, 0),
        end=time(end, draw(st.sampled_from([0, 30]))),
        skip_public_holidays=draw(st.booleans()),
    )


@st.composite
def programmes(draw):
    duration = draw(st.integers(min_value=1, max_value=24))
    window = draw(windows())
    if draw(st.booleans()):
        months = draw(
            st.lists(st.integers(1, duration), min_size=1, max_size=duration, unique=True)
        )
        schedule = {"contact_months": tuple(sorted(months))}
    else:
        months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=12, unique=True))
        schedule = {"calendar_months": tuple(months), "calendar_day": draw(st.integers(1, 28))}
    tasks = []
    if draw(st.booleans()):
        tasks = [
            {
                "id": "taak",
                "description": "Plan een gesprek.",
                "calendar_months": (draw(st.integers(1, 12)),),
                "youth_flow": "uitnodiging",
            }
        ]
    return Programme.model_validate(
        {
            "id": "willekeurig",
            "name": "Willekeurig",
            "duration_months": duration,
            "send_window": window,
            "coordinator_tasks": tasks,
            **schedule,
        }
    )


@settings(max_examples=150, deadline=None)
@given(programme=programmes(), leaving=leaving_dates)
def test_every_due_moment_is_inside_the_window_and_keys_are_unique(programme, leaving):
    contacts = plan_contacts(programme, leaving, participation="ja", profile="arbeid")
    keys = [c.key for c in contacts]
    assert len(keys) == len(set(keys))
    window = programme.send_window
    for contact in contacts:
        assert contact.due_at.tzinfo is not None
        assert in_window(contact.due_at, window), contact
        assert contact.due_at.astimezone(window.zone).date() >= contact.nominal_date
        assert contact.expires_at is None or contact.expires_at > contact.due_at
    checkins = [c for c in contacts if c.kind is ContactKind.CHECKIN]
    assert [c.due_at for c in checkins] == sorted(c.due_at for c in checkins)
    # Planning is a pure function: the same input gives the same plan.
    assert plan_contacts(programme, leaving, participation="ja", profile="arbeid") == contacts


@settings(max_examples=100, deadline=None)
@given(
    programme=programmes(),
    leaving=leaving_dates,
    offset_minutes=st.integers(0, 60 * 24 * 7),
)
def test_nudges_are_inside_the_window_and_before_silence(programme, leaving, offset_minutes):
    contacts = plan_contacts(programme, leaving, participation="ja", profile="arbeid")
    checkin = next((c for c in contacts if c.kind is ContactKind.CHECKIN), None)
    if checkin is None:  # a calendar programme can have no moment inside a short term
        assert programme.calendar_months is not None
        return
    sent_at = checkin.due_at + timedelta(minutes=offset_minutes)
    nudges = plan_nudges(checkin, sent_at, programme)
    silence = nudges[-1]
    assert silence.kind is ContactKind.SILENCE_CHECK
    assert silence.due_at == sent_at + timedelta(days=programme.nudges.silence_days)
    for reminder in nudges[:-1]:
        assert in_window(reminder.due_at, programme.send_window)
        assert sent_at < reminder.due_at < silence.due_at


@settings(max_examples=100, deadline=None)
@given(
    leaving=leaving_dates,
    first=st.sampled_from(sorted(PROGRAMMES)),
    second=st.sampled_from(sorted(PROGRAMMES)),
    days_after=st.integers(0, 800),
)
def test_replan_is_idempotent_and_never_touches_the_past(leaving, first, second, days_after):
    now = datetime.combine(leaving, time(12), tzinfo=UTC) + timedelta(days=days_after)
    old = plan_contacts(PROGRAMMES[first], leaving, participation="ja", profile="arbeid")
    existing = [
        StoredContact(c, ContactStatus.SENT if c.due_at <= now else ContactStatus.PLANNED)
        for c in old
    ]
    new = plan_contacts(PROGRAMMES[second], leaving, participation="ja", profile="arbeid")
    result = replan(existing, new, now=now)
    past = {row.key for row in existing if row.status is ContactStatus.SENT}
    touched = set(result.cancel) | {c.key for c in result.add + result.update}
    assert past.isdisjoint(touched)
    assert all(c.due_at > now for c in result.add + result.update)
    rows = {row.key: row for row in existing}
    for key in result.cancel:
        rows[key] = StoredContact(rows[key].contact, ContactStatus.CANCELLED)
    for contact in result.add + result.update:
        assert contact.key not in rows or contact in result.update
        rows[contact.key] = StoredContact(contact, ContactStatus.PLANNED)
    assert not replan(list(rows.values()), new, now=now).changes_anything


@settings(max_examples=100, deadline=None)
@given(
    leaving=leaving_dates,
    programme_id=st.sampled_from(sorted(PROGRAMMES)),
    days_after=st.integers(0, 800),
)
def test_catch_up_sends_at_most_one_per_series(leaving, programme_id, days_after):
    programme = PROGRAMMES[programme_id]
    contacts = plan_contacts(programme, leaving, participation="ja", profile="arbeid")
    now = datetime.combine(leaving, time(12), tzinfo=UTC) + timedelta(days=days_after)
    send_now, skipped, waiting = resolve_missed(contacts, now, window=programme.send_window)
    acting = send_now + waiting
    assert len({c.series for c in acting}) == len(acting)
    handled = [c.key for c in acting] + [s.contact.key for s in skipped]
    assert len(handled) == len(set(handled))
    assert sorted(handled) == sorted(c.key for c in contacts if c.due_at <= now)
    assert all(s.reason.startswith("overgeslagen: ") for s in skipped)

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.consent import age_on, deciding_entry, is_active


@dataclass
class Entry:
    action: str
    given_by: str
    recorded_at: datetime
    purpose: str = "checkins"
    id: int | None = None


ADULT = date(2006, 5, 1)
T0 = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)


def active(entries, *, dob=ADULT, representative_required=False, purpose="checkins"):
    return is_active(
        entries,
        purpose=purpose,
        date_of_birth=dob,
        representative_required=representative_required,
    )


def test_never_asked_means_no_consent():
    assert not active([])


def test_the_latest_event_wins():
    grant = Entry("granted", "youth", T0)
    withdraw = Entry("withdrawn", "youth", T0 + timedelta(days=3))
    again = Entry("granted", "youth", T0 + timedelta(days=5))
    assert active([grant])
    assert not active([withdraw, grant])  # order of the list does not matter
    assert active([grant, withdraw, again])


def test_same_moment_is_decided_by_id():
    grant = Entry("granted", "youth", T0, id=2)
    withdraw = Entry("withdrawn", "youth", T0, id=1)
    assert (
        deciding_entry(
            [grant, withdraw],
            purpose="checkins",
            date_of_birth=ADULT,
            representative_required=False,
        )
        is grant
    )


def test_purposes_are_separate():
    assert not active([Entry("granted", "youth", T0, purpose="statistics")])


def test_under_sixteen_only_a_representative_or_staff_grant_counts():
    dob = date(2011, 3, 1)  # 15 on T0
    assert not active([Entry("granted", "youth", T0)], dob=dob)
    assert active([Entry("granted", "representative", T0)], dob=dob)
    assert active([Entry("granted", "staff", T0)], dob=dob)


def test_a_youths_own_withdrawal_always_counts():
    dob = date(2011, 3, 1)
    entries = [
        Entry("granted", "representative", T0),
        Entry("withdrawn", "youth", T0 + timedelta(days=1)),
        Entry("granted", "youth", T0 + timedelta(days=2)),  # still 15: does not count
    ]
    assert not active(entries, dob=dob)


def test_age_is_judged_on_the_day_of_the_grant_in_amsterdam():
    dob = date(2010, 9, 2)
    # 22:30 UTC on 1 September is 00:30 on 2 September in Amsterdam: the 16th birthday.
    birthday_night = datetime(2026, 9, 1, 22, 30, tzinfo=UTC)
    day_before = datetime(2026, 9, 1, 21, 30, tzinfo=UTC)
    assert active([Entry("granted", "youth", birthday_night)], dob=dob)
    assert not active([Entry("granted", "youth", day_before)], dob=dob)


def test_representative_required_ignores_the_youths_own_grant_at_any_age():
    assert not active([Entry("granted", "youth", T0)], representative_required=True)
    assert active([Entry("granted", "representative", T0)], representative_required=True)


def test_unknown_actions_and_givers_never_grant():
    assert not active([Entry("maybe", "youth", T0)])
    assert not active([Entry("granted", "neighbour", T0)])


@pytest.mark.parametrize(
    ("dob", "day", "age"),
    [
        (date(2010, 9, 2), date(2026, 9, 1), 15),
        (date(2010, 9, 2), date(2026, 9, 2), 16),
        (date(2008, 2, 29), date(2024, 2, 28), 15),
        (date(2008, 2, 29), date(2024, 2, 29), 16),
        (date(2008, 2, 29), date(2025, 2, 28), 16),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
    ],
)
def test_age_on(dob, day, age):
    assert age_on(dob, day) == age


def test_naive_moments_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        active([Entry("granted", "youth", datetime(2026, 1, 1))])

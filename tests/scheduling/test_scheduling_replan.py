from dataclasses import replace
from datetime import date, timedelta

import pytest
from scheduling_helpers import PROGRAMMES, local

from bot.scheduling import (
    ContactStatus,
    StoredContact,
    plan_contacts,
    plan_nudges,
    replan,
)

LEAVING = date(2026, 7, 10)


def plan(programme_id, participation="ja", leaving=LEAVING, consent_state=None):
    return plan_contacts(
        PROGRAMMES[programme_id],
        leaving,
        participation=participation,
        profile="arbeid",
        consent_state=consent_state,
    )


def stored(contacts, now):
    """What the database holds at `now` if every due contact was sent on time."""
    return [
        StoredContact(c, ContactStatus.SENT if c.due_at <= now else ContactStatus.PLANNED)
        for c in contacts
    ]


def apply(existing, result):
    """Apply a ReplanResult the way the storage layer would."""
    rows = {row.key: row for row in existing}
    for key in result.cancel:
        rows[key] = StoredContact(rows[key].contact, ContactStatus.CANCELLED)
    for contact in result.update + result.add:
        rows[contact.key] = StoredContact(contact, ContactStatus.PLANNED)
    return list(rows.values())


def test_programme_change_replaces_the_future_and_leaves_the_past():
    now = local(2027, 2, 10, 12, 0)  # month 7
    existing = stored(plan("twee-jaar-kwartaal"), now)
    new_plan = plan("drie-per-jaar")
    result = replan(existing, new_plan, now=now)
    assert sorted(result.cancel) == sorted(
        ["checkin:m9", "checkin:m15", "checkin:m18", "checkin:m21"]
    )
    # Month 4 is in the past: never added, so it cannot trigger a catch-up send.
    assert [c.key for c in result.add] == ["checkin:m8", "checkin:m16", "checkin:m20"]
    # Month 12 stays, but its successor changes (month 16, not 15), so it is updated in place.
    assert [(c.key, c.expires_at) for c in result.update] == [
        ("checkin:m12", next(c.due_at for c in new_plan if c.key == "checkin:m16"))
    ]
    assert result.keep == ["checkin:m24"]
    # The sent check-ins are in no list at all.
    touched = set(result.cancel) | {c.key for c in result.add + result.update}
    assert {"checkin:m3", "checkin:m6"}.isdisjoint(touched)

    after = apply(existing, result)
    again = replan(after, new_plan, now=now)
    assert not again.changes_anything
    assert len({row.key for row in after}) == len(after)


def test_switching_back_revives_cancelled_contacts_under_the_same_keys():
    now = local(2027, 2, 10, 12, 0)
    existing = stored(plan("twee-jaar-kwartaal"), now)
    there = apply(existing, replan(existing, plan("drie-per-jaar"), now=now))
    back = replan(there, plan("twee-jaar-kwartaal"), now=now)
    assert sorted(c.key for c in back.update) == sorted(
        ["checkin:m9", "checkin:m12", "checkin:m15", "checkin:m18", "checkin:m21"]
    )
    assert back.add == []
    assert sorted(back.cancel) == sorted(["checkin:m8", "checkin:m16", "checkin:m20"])


def test_declining_halfway_cancels_the_checkins_and_plans_the_reoffer():
    now = local(2027, 2, 10, 12, 0)
    existing = stored(plan("twee-jaar-kwartaal"), now)
    result = replan(existing, plan("twee-jaar-kwartaal", participation="nee"), now=now)
    assert [c.key for c in result.add] == ["reoffer"]
    assert len(result.cancel) == 6  # months 9 to 24


def test_consent_after_unknown_participation_adds_only_future_checkins():
    now = local(2026, 12, 1, 12, 0)  # month 4: month 3 has passed
    existing = stored(plan("twee-jaar-kwartaal", participation="onbekend"), now)
    result = replan(
        existing,
        plan("twee-jaar-kwartaal", participation="onbekend", consent_state="given"),
        now=now,
    )
    assert result.cancel == ["reoffer"]
    assert result.add[0].key == "checkin:m6"
    assert "checkin:m3" not in {c.key for c in result.add}


def test_a_corrected_leaving_date_moves_future_contacts_in_place():
    now = local(2026, 11, 1, 12, 0)
    existing = stored(plan("klas-van"), now)
    result = replan(existing, plan("klas-van", leaving=LEAVING + timedelta(days=14)), now=now)
    assert [c.key for c in result.update] == ["checkin:m6", "checkin:m9", "checkin:m12"]
    assert (result.add, result.cancel) == ([], [])
    assert "checkin:m3" in result.keep  # already sent


def test_overdue_unsent_contacts_stay_only_while_the_new_plan_has_them():
    contacts = plan("twee-jaar-kwartaal")
    now = contacts[0].due_at + timedelta(days=2)  # m3 was not sent (downtime)
    existing = [StoredContact(c, ContactStatus.PLANNED) for c in contacts]
    same = replan(existing, contacts, now=now)
    assert not same.changes_anything
    declined = replan(existing, plan("twee-jaar-kwartaal", participation="nee"), now=now)
    assert "checkin:m3" in declined.cancel


def test_nudges_and_skipped_contacts_are_never_touched():
    programme = PROGRAMMES["twee-jaar-kwartaal"]
    contacts = plan("twee-jaar-kwartaal")
    m3 = contacts[0]
    nudges = plan_nudges(m3, m3.due_at, programme)
    now = m3.due_at + timedelta(days=1)
    existing = [
        StoredContact(m3, ContactStatus.SENT),
        *(StoredContact(n, ContactStatus.PLANNED) for n in nudges),
        StoredContact(contacts[1], ContactStatus.SKIPPED),
        *(StoredContact(c, ContactStatus.PLANNED) for c in contacts[2:]),
    ]
    result = replan(existing, plan("twee-jaar-kwartaal", participation="nee"), now=now)
    assert {n.key for n in nudges}.isdisjoint(result.cancel)
    assert "checkin:m6" not in result.cancel
    assert len(result.cancel) == len(contacts) - 2


def test_replan_refuses_a_naive_now():
    contacts = plan("klas-van")
    with pytest.raises(ValueError, match="timezone-aware"):
        replan([], contacts, now=replace(contacts[0]).due_at.replace(tzinfo=None))

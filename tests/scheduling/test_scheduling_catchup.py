from datetime import date, timedelta

import pytest
from scheduling_helpers import PROGRAMMES, local, utc

from bot.scheduling import ContactKind, plan_contacts, plan_nudges, resolve_missed

LEAVING = date(2026, 7, 10)


def plan(programme_id="twee-jaar-kwartaal", participation="ja"):
    return plan_contacts(
        PROGRAMMES[programme_id], LEAVING, participation=participation, profile="arbeid"
    )


def test_late_import_sends_only_the_most_recent_missed_checkin():
    contacts = plan()
    now = local(2027, 5, 4, 11, 0)  # month 9 has passed, month 12 has not
    send_now, skipped, waiting = resolve_missed(contacts, now)
    assert [c.key for c in send_now] == ["checkin:m9"]
    assert [(s.contact.key, s.reason) for s in skipped] == [
        ("checkin:m3", "overgeslagen: ingehaald door maand 9"),
        ("checkin:m6", "overgeslagen: ingehaald door maand 9"),
    ]
    assert waiting == []
    # Future contacts are in none of the lists: untouched.
    handled = {c.key for c in send_now} | {s.contact.key for s in skipped}
    assert all(c.due_at > now for c in contacts if c.key not in handled)


def test_thirty_days_of_downtime_after_an_unanswered_checkin():
    programme = PROGRAMMES["tweemaandelijks"]
    contacts = plan("tweemaandelijks")
    first = contacts[0]
    assert first.key == "checkin:m2"
    nudges = plan_nudges(first, first.due_at, programme)
    pending = contacts[1:] + nudges
    # The service goes down right after sending and comes back 30 days later, at 11:00 local.
    back = local(2026, 10, 10, 11, 0)
    assert back - first.due_at >= timedelta(days=30)
    send_now, skipped, waiting = resolve_missed(pending, back, window=programme.send_window)
    assert [c.key for c in send_now] == ["silence:checkin:m2"]
    assert [(s.contact.key, s.reason) for s in skipped] == [
        ("reminder:checkin:m2:1", "overgeslagen: ingehaald door herinnering 2 bij maand 2"),
        ("reminder:checkin:m2:2", "overgeslagen: te laat, niet meer zinvol sinds 24-09-2026"),
    ]
    assert waiting == []


def test_a_checkin_is_still_sent_late_until_the_next_one_is_due():
    contacts = plan()
    m3, m6 = contacts[0], contacts[1]
    assert m6.due_at == utc(2027, 1, 11, 9, 0)
    late = local(2027, 1, 8, 15, 0)  # the last window before month 6 is due
    assert [c.key for c in resolve_missed([m3], late).send_now] == ["checkin:m3"]
    # Just before month 6 is due the window is still closed: month 3 waits.
    assert resolve_missed([m3], m6.due_at - timedelta(minutes=1)).waiting == [m3]
    # Once month 6 is due, month 3 on its own has expired.
    skipped = resolve_missed([m3], m6.due_at).skipped
    assert [s.contact.key for s in skipped] == ["checkin:m3"]
    assert skipped[0].reason.startswith("overgeslagen: te laat")


def test_after_the_term_everything_is_skipped_with_a_reason():
    contacts = plan()
    now = utc(2028, 9, 1, 10, 0)  # the last check-in (10 July 2028) is more than 30 days late
    send_now, skipped, _ = resolve_missed(contacts, now)
    assert send_now == []
    assert len(skipped) == len(contacts)
    assert skipped[-1].reason == "overgeslagen: te laat, niet meer zinvol sinds 09-08-2028"
    assert all(s.reason.startswith("overgeslagen: ") for s in skipped)


def test_a_late_reoffer_is_still_made_until_the_end_of_the_legal_term():
    reoffer = plan(participation="nee")
    assert resolve_missed(reoffer, utc(2028, 3, 1, 10, 0)).send_now == reoffer
    assert resolve_missed(reoffer, utc(2028, 7, 11, 10, 0)).send_now == []


def test_a_due_contact_waits_while_the_window_is_closed():
    contacts = plan()
    sunday = local(2026, 10, 11, 12, 0)  # m3 was due Saturday 10 October 10:00
    send_now, skipped, waiting = resolve_missed(contacts, sunday)
    assert (send_now, skipped) == ([], [])
    assert [c.key for c in waiting] == ["checkin:m3"]


def test_staff_contacts_ignore_the_window():
    contacts = plan("pro-zutphen")
    task = next(c for c in contacts if c.kind is ContactKind.COORDINATOR_TASK)
    evening = task.due_at + timedelta(hours=12)
    resolution = resolve_missed([task], evening)
    assert resolution.send_now == [task]


def test_future_contacts_are_untouched_and_a_naive_now_is_refused():
    contacts = plan()
    assert resolve_missed(contacts, contacts[0].due_at - timedelta(seconds=1)) == ([], [], [])
    with pytest.raises(ValueError, match="timezone-aware"):
        resolve_missed(contacts, contacts[0].due_at.replace(tzinfo=None))

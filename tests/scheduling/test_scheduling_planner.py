from datetime import date, timedelta
from itertools import pairwise

import pytest
from scheduling_helpers import AMS, PROGRAMMES, TEMPLATE_IDS, local_date, utc, walk

from bot.scheduling import (
    ContactKind,
    add_months,
    in_window,
    next_window_start,
    plan_contacts,
    plan_nudges,
)
from bot.scheduling.window import window_start_on_or_after

LEAVING = date(2026, 7, 10)  # a Friday, the usual end of the school year


def checkins(contacts):
    return [contact for contact in contacts if contact.kind is ContactKind.CHECKIN]


def test_klas_van_on_the_exact_dates():
    plan = plan_contacts(PROGRAMMES["klas-van"], LEAVING, participation="ja", profile="arbeid")
    assert [(c.key, c.label, c.due_at) for c in plan] == [
        ("checkin:m3", "maand 3", utc(2026, 10, 10, 8, 0)),  # Saturday, summer time
        ("checkin:m6", "maand 6", utc(2027, 1, 11, 9, 0)),  # 10 Jan is a Sunday -> Monday
        ("checkin:m9", "maand 9", utc(2027, 4, 10, 8, 0)),
        ("checkin:m12", "maand 12", utc(2027, 7, 10, 8, 0)),
    ]
    assert {c.flow for c in plan} == {"checkin"}


@pytest.mark.parametrize("programme_id", TEMPLATE_IDS)
def test_every_template_over_its_whole_term(programme_id):
    """Walk a youth who answers every other check-in through the whole term."""
    programme = PROGRAMMES[programme_id]
    answered = {}

    def answers(contact):
        answered[contact.key] = len(answered) % 2 == 0
        return answered[contact.key]

    sent, skipped = walk(programme, LEAVING, answers=answers)
    assert skipped == []
    plan = plan_contacts(programme, LEAVING, participation="ja", profile="arbeid")
    sent_checkins = [s for s in sent if s.contact.kind is ContactKind.CHECKIN]
    # Every planned check-in went out exactly once, on its due moment, in order.
    assert [s.contact for s in sent_checkins] == checkins(plan)
    assert all(s.at == s.contact.due_at for s in sent)
    assert [s.at for s in sent] == sorted(s.at for s in sent)
    end = add_months(LEAVING, programme.duration_months)
    for s in sent_checkins:
        nominal = s.contact.nominal_date
        assert LEAVING < nominal <= end
        assert in_window(s.at, programme.send_window)
        # The first allowed moment on or after the nominal day: no allowed day was skipped.
        assert local_date(s.at) >= nominal
        assert s.at == window_start_on_or_after(nominal, programme.send_window)
        assert s.at.astimezone(AMS).hour == 10
    # Unanswered check-ins got two reminders (3 and 7 days later, in the window) and a silence
    # check 14 days after the first message; answered ones got nothing more.
    by_parent = {}
    for s in sent:
        if s.contact.parent_key and s.contact.kind is not ContactKind.INVITATION:
            by_parent.setdefault(s.contact.parent_key, []).append(s)
    for s in sent_checkins:
        nudges = by_parent.get(s.contact.key, [])
        if answered[s.contact.key]:
            assert nudges == []
            continue
        reminders = [n for n in nudges if n.contact.kind is ContactKind.REMINDER]
        silences = [n for n in nudges if n.contact.kind is ContactKind.SILENCE_CHECK]
        window = programme.send_window
        assert [r.at for r in reminders] == [
            next_window_start(s.at + timedelta(days=3), window),
            next_window_start(s.at + timedelta(days=7), window),
        ]
        assert all(in_window(r.at, window) for r in reminders)
        assert [n.at for n in silences] == [s.at + timedelta(days=14)]


def test_expected_number_of_checkins_per_template():
    counts = {
        programme_id: len(
            checkins(
                plan_contacts(
                    PROGRAMMES[programme_id], LEAVING, participation="ja", profile="arbeid"
                )
            )
        )
        for programme_id in TEMPLATE_IDS
    }
    assert counts == {
        "klas-van": 4,
        "twee-jaar-kwartaal": 8,
        "pro-zutphen": 4,
        "tweemaandelijks": 12,
        "drie-per-jaar": 6,
    }


def test_pro_zutphen_september_june_and_the_january_meeting():
    plan = plan_contacts(PROGRAMMES["pro-zutphen"], LEAVING, participation="ja", profile="arbeid")
    assert [(c.key, local_date(c.due_at)) for c in plan] == [
        ("checkin:2026-09", date(2026, 9, 8)),
        ("task:fysiek-gesprek:2027-01", date(2027, 1, 8)),
        ("invite:fysiek-gesprek:2027-01", date(2027, 1, 15)),
        ("checkin:2027-06", date(2027, 6, 8)),
        ("checkin:2027-09", date(2027, 9, 8)),
        ("task:fysiek-gesprek:2028-01", date(2028, 1, 8)),
        ("invite:fysiek-gesprek:2028-01", date(2028, 1, 15)),
        ("checkin:2028-06", date(2028, 6, 8)),
    ]
    task = plan[1]
    assert task.kind is ContactKind.COORDINATOR_TASK
    assert task.flow is None
    assert "januari-februari" in task.note
    invite = plan[2]
    assert invite.kind is ContactKind.INVITATION
    assert invite.flow == "uitnodiging_gesprek"
    assert invite.parent_key == task.key


def test_pro_zutphen_for_a_late_leaver_starts_at_the_next_june():
    leaving = date(2026, 9, 20)
    plan = plan_contacts(PROGRAMMES["pro-zutphen"], leaving, participation="ja", profile="arbeid")
    assert [c.key for c in checkins(plan)] == [
        "checkin:2027-06",
        "checkin:2027-09",
        "checkin:2028-06",
        "checkin:2028-09",  # 8 September 2028 is still inside the two years
    ]


def test_end_of_month_leaving_date():
    leaving = date(2026, 8, 31)
    plan = plan_contacts(
        PROGRAMMES["tweemaandelijks"], leaving, participation="ja", profile="arbeid"
    )
    nominal = {c.key: c.nominal_date for c in plan}
    assert nominal["checkin:m2"] == date(2026, 10, 31)
    assert nominal["checkin:m6"] == date(2027, 2, 28)
    assert nominal["checkin:m18"] == date(2028, 2, 29)
    due = {c.key: local_date(c.due_at) for c in plan}
    assert due["checkin:m6"] == date(2027, 3, 1)  # 28 February 2027 is a Sunday
    assert due["checkin:m18"] == date(2028, 2, 29)


@pytest.mark.parametrize("programme_id", TEMPLATE_IDS)
def test_decliners_get_only_the_reoffer_at_twelve_months(programme_id):
    programme = PROGRAMMES[programme_id]
    plan = plan_contacts(programme, LEAVING, participation="nee", profile="arbeid")
    assert [(c.key, c.kind, c.flow) for c in plan] == [("reoffer", ContactKind.REOFFER, "reoffer")]
    assert plan[0].nominal_date == date(2027, 7, 10)
    assert plan[0].due_at == utc(2027, 7, 10, 8, 0)  # Saturday 10:00 summer time


def test_a_reoffer_on_a_sunday_moves_to_monday():
    leaving = date(2026, 7, 11)  # + 12 months = Sunday 11 July 2027
    plan = plan_contacts(PROGRAMMES["klas-van"], leaving, participation="nee", profile="arbeid")
    assert plan[0].due_at == utc(2027, 7, 12, 8, 0)


def test_participants_get_no_reoffer():
    for programme in PROGRAMMES.values():
        plan = plan_contacts(programme, LEAVING, participation="ja", profile="arbeid")
        assert ContactKind.REOFFER not in {c.kind for c in plan}


def test_a_programme_without_reoffer_plans_nothing_for_decliners():
    programme = PROGRAMMES["klas-van"].model_copy(
        update={"reoffer": PROGRAMMES["klas-van"].reoffer.model_copy(update={"enabled": False})}
    )
    assert plan_contacts(programme, LEAVING, participation="nee", profile="arbeid") == []


@pytest.mark.parametrize("profile", ["dagbesteding", "vervolgonderwijs"])
@pytest.mark.parametrize("participation", ["ja", "nee", "onbekend"])
def test_dagbesteding_and_vervolgonderwijs_get_nothing_scheduled(profile, participation):
    for programme in PROGRAMMES.values():
        assert plan_contacts(programme, LEAVING, participation=participation, profile=profile) == []


def test_unknown_participation_waits_for_consent():
    programme = PROGRAMMES["twee-jaar-kwartaal"]
    unknown = plan_contacts(programme, LEAVING, participation="onbekend", profile="arbeid")
    assert [c.key for c in unknown] == ["reoffer"]
    consented = plan_contacts(
        programme, LEAVING, participation="onbekend", profile="arbeid", consent_state="given"
    )
    assert consented == plan_contacts(programme, LEAVING, participation="ja", profile="arbeid")


def test_withdrawn_consent_leaves_only_the_reoffer():
    plan = plan_contacts(
        PROGRAMMES["klas-van"],
        LEAVING,
        participation="ja",
        profile="arbeid",
        consent_state="withdrawn",
    )
    assert [c.key for c in plan] == ["reoffer"]


def test_unknown_values_are_refused():
    with pytest.raises(ValueError):
        plan_contacts(PROGRAMMES["klas-van"], LEAVING, participation="misschien", profile="arbeid")
    with pytest.raises(ValueError):
        plan_contacts(PROGRAMMES["klas-van"], LEAVING, participation="ja", profile="werk")


def test_checkins_expire_when_the_next_one_is_due():
    plan = plan_contacts(
        PROGRAMMES["twee-jaar-kwartaal"], LEAVING, participation="ja", profile="arbeid"
    )
    for current, following in pairwise(plan):
        assert current.expires_at == following.due_at
    assert plan[-1].expires_at == plan[-1].due_at + timedelta(days=30)


def test_nudges_for_a_checkin_sent_before_christmas():
    programme = PROGRAMMES["klas-van"]
    checkin = plan_contacts(programme, LEAVING, participation="ja", profile="arbeid")[0]
    sent_at = utc(2026, 12, 23, 17, 30)  # Wednesday 18:30 local
    nudges = plan_nudges(checkin, sent_at, programme)
    assert [(n.key, n.kind, n.due_at) for n in nudges] == [
        # +3 days is Saturday 26 December (holiday), then Sunday: Monday 10:00.
        ("reminder:checkin:m3:1", ContactKind.REMINDER, utc(2026, 12, 28, 9, 0)),
        # +7 days is Wednesday 30 December 18:30: inside the window, unchanged.
        ("reminder:checkin:m3:2", ContactKind.REMINDER, utc(2026, 12, 30, 17, 30)),
        # The silence signal is for staff: exactly 14 days, window or not.
        ("silence:checkin:m3", ContactKind.SILENCE_CHECK, utc(2027, 1, 6, 17, 30)),
    ]
    assert all(n.parent_key == "checkin:m3" for n in nudges)
    assert plan_nudges(checkin, sent_at, programme, answered=True) == []


def test_a_reminder_pushed_past_the_silence_moment_is_dropped():
    base = PROGRAMMES["klas-van"]
    programme = base.model_copy(
        update={"nudges": base.nudges.model_copy(update={"reminder_days": (3, 13)})}
    )
    checkin = plan_contacts(programme, LEAVING, participation="ja", profile="arbeid")[0]
    # Sent Saturday 12 December 2026 12:00 local: +13 days is Christmas, +14 days Saturday 26th.
    sent_at = utc(2026, 12, 12, 11, 0)
    keys = [n.key for n in plan_nudges(checkin, sent_at, programme)]
    assert keys == ["reminder:checkin:m3:1", "silence:checkin:m3"]


def test_nudges_refuse_a_naive_send_time():
    programme = PROGRAMMES["klas-van"]
    checkin = plan_contacts(programme, LEAVING, participation="ja", profile="arbeid")[0]
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_nudges(checkin, checkin.due_at.replace(tzinfo=None), programme)

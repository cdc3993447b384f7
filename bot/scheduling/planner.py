"""The pure contact planner: programme + leaving date + the youth's situation -> planned contacts.

No clock, no database: the same input always gives the same plan, so a two-year term can be
checked in milliseconds and replanning can compare plans key by key. The planner plans; the
service gates at send time (consent, blocked chats, pauses).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.scheduling.calendar import add_months, month_label
from bot.scheduling.contacts import ContactKind, PlannedContact
from bot.scheduling.programme import MAX_TERM_MONTHS, CoordinatorTask, Programme
from bot.scheduling.window import SendWindow, window_start_on_or_after

# A contact with no successor in its series stays worth sending this long after it was due.
# A check-in with a successor stays worth sending until that successor is due.
LATE_LIMIT = timedelta(days=30)


class Participation(StrEnum):
    """The youth's answer to the school's offer (cohort column `deelname`)."""

    JA = "ja"
    NEE = "nee"
    ONBEKEND = "onbekend"


class Profile(StrEnum):
    """The leaving profile (cohort column `uitstroomprofiel`)."""

    ARBEID = "arbeid"
    DAGBESTEDING = "dagbesteding"
    VERVOLGONDERWIJS = "vervolgonderwijs"


class ConsentState(StrEnum):
    """What the youth (or representative) told the bot itself, if anything."""

    GIVEN = "given"
    MISSING = "missing"
    WITHDRAWN = "withdrawn"


def term_end(programme: Programme, leaving_date: date) -> date:
    return add_months(leaving_date, programme.duration_months)


def plan_contacts(
    programme: Programme,
    leaving_date: date,
    *,
    participation: Participation | str,
    profile: Profile | str,
    consent_state: ConsentState | str | None = None,
) -> list[PlannedContact]:
    """Every contact of the whole term, past ones included, sorted by due moment.

    Who gets what:
    - profile dagbesteding/vervolgonderwijs: nothing (the law gives them nazorg on request only);
    - participating (deelname `ja`, or `onbekend` with the youth's own consent in the bot):
      check-ins, coordinator tasks and invitations;
    - not participating (deelname `nee`; `onbekend` without consent; consent withdrawn): only
      the one-year re-offer, when the programme has it. `onbekend` counts as "not yet": the law
      re-offers to everyone not taking part at one year, and a later yes replans the check-ins.

    Past contacts are included on purpose: after a late import `resolve_missed` decides which
    one is still worth sending, and `replan` never adds past contacts.
    """
    if Profile(profile) is not Profile.ARBEID:
        return []
    if _participates(Participation(participation), consent_state):
        contacts = [
            *_checkins(programme, leaving_date),
            *(
                contact
                for task in programme.coordinator_tasks
                for contact in _task_contacts(programme, task, leaving_date)
            ),
        ]
    elif programme.reoffer.enabled:
        contacts = [_reoffer(programme, leaving_date)]
    else:
        contacts = []
    return sorted(contacts, key=lambda contact: (contact.due_at, contact.key))


def _participates(participation: Participation, consent_state: ConsentState | str | None) -> bool:
    consent = ConsentState(consent_state) if consent_state is not None else None
    if consent is ConsentState.WITHDRAWN:
        return False
    if participation is Participation.JA:
        return True
    return participation is Participation.ONBEKEND and consent is ConsentState.GIVEN


def _occurrences(
    leaving_date: date,
    end: date,
    *,
    contact_months: tuple[int, ...] | None,
    calendar_months: tuple[int, ...] | None,
    day: int,
) -> Iterator[tuple[str, str, date]]:
    """(key suffix, label, nominal date) for each moment of a schedule, in date order."""
    if contact_months is not None:
        for month in contact_months:
            yield f"m{month}", f"maand {month}", add_months(leaving_date, month)
        return
    assert calendar_months is not None  # the schema demands exactly one of the two
    moments = sorted(
        date(year, month, day)
        for year in range(leaving_date.year, end.year + 1)
        for month in calendar_months
    )
    for moment in moments:
        if leaving_date < moment <= end:
            yield f"{moment:%Y-%m}", month_label(moment), moment


def _series(
    window: SendWindow,
    occurrences: list[tuple[str, str, date]],
    *,
    key_prefix: str,
    kind: ContactKind,
    flow: str | None,
    label_prefix: str = "",
    note: str | None = None,
    parent_prefix: str | None = None,
) -> list[PlannedContact]:
    dues = [window_start_on_or_after(nominal, window) for _, _, nominal in occurrences]
    contacts = []
    for index, ((suffix, label, nominal), due) in enumerate(zip(occurrences, dues, strict=True)):
        expires = dues[index + 1] if index + 1 < len(dues) else due + LATE_LIMIT
        contacts.append(
            PlannedContact(
                key=f"{key_prefix}:{suffix}",
                kind=kind,
                series=key_prefix,
                label=f"{label_prefix}{label}",
                due_at=due,
                flow=flow,
                nominal_date=nominal,
                expires_at=expires,
                parent_key=f"{parent_prefix}:{suffix}" if parent_prefix else None,
                note=note,
            )
        )
    return contacts


def _checkins(programme: Programme, leaving_date: date) -> list[PlannedContact]:
    occurrences = list(
        _occurrences(
            leaving_date,
            term_end(programme, leaving_date),
            contact_months=programme.contact_months,
            calendar_months=programme.calendar_months,
            day=programme.calendar_day,
        )
    )
    return _series(
        programme.send_window,
        occurrences,
        key_prefix="checkin",
        kind=ContactKind.CHECKIN,
        flow=programme.checkin_flow,
    )


def _task_contacts(
    programme: Programme, task: CoordinatorTask, leaving_date: date
) -> list[PlannedContact]:
    occurrences = list(
        _occurrences(
            leaving_date,
            term_end(programme, leaving_date),
            contact_months=task.contact_months,
            calendar_months=task.calendar_months,
            day=task.day,
        )
    )
    # Coordinator reminders respect the same window: nobody needs a task at 03:00 on Sunday.
    contacts = _series(
        programme.send_window,
        occurrences,
        key_prefix=f"task:{task.id}",
        kind=ContactKind.COORDINATOR_TASK,
        flow=None,
        label_prefix=f"{task.id} ",
        note=task.description,
    )
    if task.youth_flow is not None:
        delay = timedelta(days=task.invite_after_days)
        contacts += _series(
            programme.send_window,
            [(suffix, label, nominal + delay) for suffix, label, nominal in occurrences],
            key_prefix=f"invite:{task.id}",
            kind=ContactKind.INVITATION,
            flow=task.youth_flow,
            label_prefix=f"uitnodiging {task.id} ",
            parent_prefix=f"task:{task.id}",
        )
    return contacts


def _reoffer(programme: Programme, leaving_date: date) -> PlannedContact:
    window = programme.send_window
    nominal = add_months(leaving_date, programme.reoffer.after_months)
    # The re-offer is a legal duty: still worth making late, up to the end of the legal term.
    expires: datetime = window_start_on_or_after(add_months(leaving_date, MAX_TERM_MONTHS), window)
    return PlannedContact(
        key="reoffer",
        kind=ContactKind.REOFFER,
        series="reoffer",
        label=f"heraanbod na {programme.reoffer.after_months} maanden",
        due_at=window_start_on_or_after(nominal, window),
        flow=programme.reoffer.flow,
        nominal_date=nominal,
        expires_at=expires,
    )

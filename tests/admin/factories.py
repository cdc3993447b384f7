"""Small helpers that seed panel test data straight into the database."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime

import pyotp

from admin.security.passwords import hash_password
from admin.security.sessions import Stage, start_session
from bot.clock import Clock
from bot.models import (
    Answer,
    ChatMessage,
    Conversation,
    Escalation,
    Region,
    Role,
    ScheduledContact,
    School,
    StaffUser,
    Youth,
)
from bot.storage.db import Database

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)
# Argon2 is slow on purpose; hash the shared test password once.
_PASSWORD_HASH = hash_password(PASSWORD)


@dataclass
class World:
    """Two regions, a school in each, and one account of every kind."""

    region_a: Region
    region_b: Region
    school_a: School
    school_b: School
    admin: StaffUser
    coordinator_a: StaffUser
    school_user_a: StaffUser
    youth_a: Youth
    youth_b: Youth


async def region(database: Database, name: str, *, schools_see_answers: bool = False) -> Region:
    async with database.transaction() as session:
        row = Region(name=name, schools_see_answers=schools_see_answers)
        session.add(row)
        await session.flush()
        return row


async def school(database: Database, region_: Region, name: str) -> School:
    async with database.transaction() as session:
        row = School(code=f"S{next(_numbers)}", name=name, type="pro", region_id=region_.id)
        session.add(row)
        await session.flush()
        return row


async def staff(
    database: Database,
    clock: Clock,
    role: Role,
    *,
    email: str | None = None,
    school_: School | None = None,
    region_: Region | None = None,
    password: str | None = PASSWORD,
    totp_secret: str | None = "generate",  # noqa: S107 - a marker, not a secret
) -> StaffUser:
    async with database.transaction() as session:
        row = StaffUser(
            email=email or f"user{next(_numbers)}@example.nl",
            name=f"{role.value.title()} {next(_numbers)}",
            role=role,
            school_id=school_.id if school_ else None,
            region_id=region_.id if region_ else None,
            password_hash=(_PASSWORD_HASH if password == PASSWORD else hash_password(password))
            if password
            else None,
            totp_secret=pyotp.random_base32() if totp_secret == "generate" else totp_secret,
            created_at=clock.now(),
        )
        session.add(row)
        await session.flush()
        return row


async def youth(
    database: Database,
    clock: Clock,
    school_: School,
    *,
    first_name: str = "Sem",
    last_name: str | None = "Jansen",
    municipality: str = "Tilburg",
    coordinator: StaffUser | None = None,
    participation: str = "ja",
) -> Youth:
    async with database.transaction() as session:
        row = Youth(
            school_id=school_.id,
            student_number=str(100000 + next(_numbers)),
            first_name=first_name,
            last_name=last_name,
            date_of_birth=date(2008, 5, 1),
            leaving_date=date(2026, 7, 1),
            profile="arbeid",
            municipality=municipality,
            participation=participation,
            coordinator_id=coordinator.id if coordinator else None,
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        session.add(row)
        await session.flush()
        return row


async def answer(
    database: Database, clock: Clock, youth_: Youth, value: str, key: str = "werk"
) -> Answer:
    async with database.transaction() as session:
        conversation = Conversation(
            youth_id=youth_.id, flow_id="checkin", started_at=clock.now(), updated_at=clock.now()
        )
        session.add(conversation)
        await session.flush()
        row = Answer(
            youth_id=youth_.id,
            conversation_id=conversation.id,
            key=key,
            value=value,
            node_id="q1",
            answered_at=clock.now(),
        )
        session.add(row)
        await session.flush()
        return row


async def message(database: Database, clock: Clock, youth_: Youth, text: str) -> ChatMessage:
    async with database.transaction() as session:
        row = ChatMessage(
            youth_id=youth_.id, direction="in", kind="text", text=text, created_at=clock.now()
        )
        session.add(row)
        await session.flush()
        return row


async def escalation(
    database: Database, clock: Clock, youth_: Youth, severity: str = "high"
) -> Escalation:
    async with database.transaction() as session:
        row = Escalation(youth_id=youth_.id, severity=severity, opened_at=clock.now())
        session.add(row)
        await session.flush()
        return row


async def signed_in_cookie(
    database: Database, clock: Clock, user: StaffUser, stage: Stage = Stage.FULL
) -> str:
    """A live session for ``user`` without going through the login forms (those have their
    own tests); returns the raw cookie value."""
    async with database.transaction() as session:
        raw, _record = await start_session(session, clock, user, stage, client_address="127.0.0.1")
    return raw


async def world(database: Database, clock: Clock) -> World:
    region_a = await region(database, "Regio A")
    region_b = await region(database, "Regio B")
    school_a = await school(database, region_a, "School A")
    school_b = await school(database, region_b, "School B")
    admin = await staff(database, clock, Role.ADMIN)
    coordinator_a = await staff(database, clock, Role.COORDINATOR, region_=region_a)
    school_user_a = await staff(database, clock, Role.SCHOOL, school_=school_a)
    youth_a = await youth(database, clock, school_a, first_name="Anna", last_name="Aalders")
    youth_b = await youth(
        database, clock, school_b, first_name="Bram", last_name="Bakker", municipality="Breda"
    )
    return World(
        region_a,
        region_b,
        school_a,
        school_b,
        admin,
        coordinator_a,
        school_user_a,
        youth_a,
        youth_b,
    )


def now_code(secret: str, moment: datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


# The schools and coordinators tests/data/cohort-small.csv names.
COHORT_SMALL_SCHOOLS = (
    "PRO-DONGEN",
    "PRO-TILBURG",
    "PRO-WAALWIJK",
    "VSO-DE-HEY",
    "VSO-MIDDEN-BRABANT",
    "VSO-ODYSSEE",
)
COHORT_SMALL_COORDINATORS = (
    "aandacht@regio-midden-brabant.example",
    "trajectcoach@pro-tilburg.example",
)


async def cohort_small_world(database: Database, clock: Clock, region_: Region) -> list[School]:
    """The schools (in ``region_``) and coordinators cohort-small.csv refers to."""
    schools = []
    async with database.transaction() as session:
        for code in COHORT_SMALL_SCHOOLS:
            row = School(
                code=code,
                name=code.replace("-", " ").title(),
                type=code[:3].lower(),
                region_id=region_.id,
            )
            session.add(row)
            schools.append(row)
        await session.flush()
    for email in COHORT_SMALL_COORDINATORS:
        await staff(database, clock, Role.COORDINATOR, email=email, region_=region_)
    return schools


async def reoffer_contact(
    database: Database,
    clock: Clock,
    youth_: Youth,
    *,
    status: str = "planned",
    answer_value: str | None = None,
) -> ScheduledContact:
    """A youth's one-year re-offer contact; with ``answer_value`` it was sent and answered."""
    async with database.transaction() as session:
        contact = ScheduledContact(
            youth_id=youth_.id,
            key="reoffer:y1",
            kind="reoffer",
            series="reoffer",
            label="heraanbod",
            flow_id="reoffer",
            due_at=clock.now(),
            nominal_date=clock.now().date(),
            status=status,
            handled_at=clock.now() if status != "planned" else None,
        )
        session.add(contact)
        await session.flush()
        if answer_value is not None:
            conversation = Conversation(
                youth_id=youth_.id,
                flow_id="reoffer",
                contact_id=contact.id,
                started_at=clock.now(),
                updated_at=clock.now(),
            )
            session.add(conversation)
            await session.flush()
            session.add(
                Answer(
                    youth_id=youth_.id,
                    conversation_id=conversation.id,
                    key="reoffer",
                    value=answer_value,
                    node_id="vraag",
                    answered_at=clock.now(),
                )
            )
            await session.flush()
        return contact


async def sent_checkin(
    database: Database,
    youth_: Youth,
    sent_at: datetime,
    *,
    answered_at: datetime | None = None,
    activity: str | None = None,
    key: str | None = None,
) -> ScheduledContact:
    """A check-in that went out at `sent_at`; with `answered_at`, its conversation holds an
    answer then (the `activity` choice when given)."""
    async with database.transaction() as session:
        contact = ScheduledContact(
            youth_id=youth_.id,
            key=key or f"checkin:{next(_numbers)}",
            kind="checkin",
            series="checkin",
            label="check-in",
            flow_id="checkin",
            due_at=sent_at,
            status="sent",
            handled_at=sent_at,
        )
        session.add(contact)
        await session.flush()
        if answered_at is not None:
            conversation = Conversation(
                youth_id=youth_.id,
                flow_id="checkin",
                contact_id=contact.id,
                started_at=sent_at,
                updated_at=answered_at,
            )
            session.add(conversation)
            await session.flush()
            session.add(
                Answer(
                    youth_id=youth_.id,
                    conversation_id=conversation.id,
                    key="activity" if activity else "mood",
                    value=activity or "4",
                    node_id="q1",
                    answered_at=answered_at,
                )
            )
        return contact


async def escalation_at(
    database: Database,
    youth_: Youth,
    opened_at: datetime,
    severity: str = "attention",
    state: str = "open",
) -> Escalation:
    async with database.transaction() as session:
        row = Escalation(youth_id=youth_.id, severity=severity, state=state, opened_at=opened_at)
        if state == "closed":
            row.closed_at = opened_at
            row.outcome = "no_action_needed"
        session.add(row)
        await session.flush()
        return row

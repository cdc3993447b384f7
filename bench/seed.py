"""Bulk seeding for benchmarks: the cohort file through the real parser, rows by core inserts.

Going through the ORM one youth at a time would make seeding take longer than the thing being
measured; the rows are the same shape the importer stores (the parser validates every value).
The input is `bench/data/cohort-20k.csv`, a committed copy of the synthetic benchmark cohort
(every row invented), so a run never depends on anything outside the project.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import select

from bot.cohort import CohortRow, parse_cohort
from bot.models import ConsentEvent, Region, ScheduledContact, School, StaffUser, Youth
from bot.storage.db import Database

COHORT_FILE = Path(__file__).parent / "data" / "cohort-20k.csv"
COHORT_ROWS = 20_000
CHAT_ID_BASE = 700_000_000  # emulator user / chat ids: base + index
CHUNK = 1000

SCHOOLS = {
    "PRO-DONGEN": "pro",
    "PRO-TILBURG": "pro",
    "PRO-WAALWIJK": "pro",
    "VSO-DE-HEY": "vso",
    "VSO-MIDDEN-BRABANT": "vso",
    "VSO-ODYSSEE": "vso",
}
COORDINATORS = ("trajectcoach@pro-tilburg.example", "aandacht@regio-midden-brabant.example")


@dataclass(frozen=True)
class SeededYouth:
    youth_id: int
    chat_id: int | None
    first_name: str
    language: str


def cohort_bytes(youths: int) -> bytes:
    """The header plus the first `youths` rows of the benchmark cohort."""
    if not 1 <= youths <= COHORT_ROWS:
        raise ValueError(f"youths must be 1..{COHORT_ROWS} (the size of {COHORT_FILE.name})")
    lines = COHORT_FILE.read_bytes().splitlines(keepends=True)
    return b"".join(lines[: youths + 1])


def parse_rows(youths: int) -> list[CohortRow]:
    parsed = parse_cohort(
        cohort_bytes(youths),
        known_schools=dict.fromkeys(SCHOOLS),
        known_coordinators=dict.fromkeys(COORDINATORS),
    )
    if not parsed.ok:
        raise RuntimeError(f"benchmark cohort does not parse: {parsed.error_messages()[:3]}")
    return list(parsed.rows)


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def insert_many(database: Database, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    table = model.__table__
    async with database.transaction() as session:
        connection = await session.connection()
        for part in chunks(rows):
            await connection.execute(insert(table), list(part))


@dataclass(frozen=True)
class Organisation:
    region_id: int
    school_ids: dict[str, int]
    staff_ids: dict[str, int]


async def seed_organisation(database: Database, now: datetime) -> Organisation:
    async with database.transaction() as session:
        region = Region(name="Midden-Brabant (bench)")
        session.add(region)
        await session.flush()
        staff = {}
        for email in COORDINATORS:
            staff[email] = StaffUser(
                email=email, name=email.split("@")[0], role="coordinator",
                region_id=region.id, created_at=now,
            )  # fmt: skip
            session.add(staff[email])
        await session.flush()
        schools = {}
        for code, kind in SCHOOLS.items():
            schools[code] = School(
                code=code, name=code.title(), type=kind, region_id=region.id,  # type: ignore[arg-type]
                default_coordinator_id=staff[COORDINATORS[0]].id,
            )  # fmt: skip
            session.add(schools[code])
        await session.flush()
        return Organisation(
            region.id,  # type: ignore[arg-type]
            {code: row.id for code, row in schools.items()},  # type: ignore[misc]
            {email: row.id for email, row in staff.items()},  # type: ignore[misc]
        )


async def seed_youths(
    database: Database,
    rows: Sequence[CohortRow],
    now: datetime,
    *,
    linked: bool = True,
    consent: bool = True,
    organisation: Organisation | None = None,
) -> list[SeededYouth]:
    """Store the cohort rows as youths (optionally linked to chats and consenting)."""
    org = organisation or await seed_organisation(database, now)
    records = []
    for index, row in enumerate(rows):
        chat_id = CHAT_ID_BASE + index if linked else None
        records.append(
            {
                "school_id": org.school_ids[row.school_code],
                "student_number": row.student_number,
                "first_name": row.first_name,
                "last_name": row.last_name,
                "date_of_birth": row.date_of_birth,
                "leaving_date": row.leaving_date,
                "profile": str(row.profile),
                "municipality": row.municipality,
                "language": row.language,
                "participation": str(row.participation),
                "coordinator_id": org.staff_ids.get(row.coordinator_email or ""),
                "representative_required": False,
                "telegram_user_id": chat_id,
                "telegram_chat_id": chat_id,
                "created_at": now,
                "updated_at": now,
            }
        )
    await insert_many(database, Youth, records)
    async with database.session() as session:
        found = (await session.exec(select(Youth.id, Youth.school_id, Youth.student_number))).all()
    ids = {(school_id, number): youth_id for youth_id, school_id, number in found}
    seeded = [
        SeededYouth(
            ids[(record["school_id"], record["student_number"])],
            record["telegram_chat_id"],
            record["first_name"],
            record["language"],
        )
        for record in records
    ]
    if consent:
        await grant_consent(database, [y.youth_id for y in seeded], now - timedelta(days=30))
    return seeded


async def grant_consent(database: Database, youth_ids: Sequence[int], at: datetime) -> None:
    fingerprint = hashlib.sha256(b"bench consent text").hexdigest()
    await insert_many(
        database,
        ConsentEvent,
        [
            {
                "youth_id": youth_id,
                "purpose": "checkins",
                "action": "granted",
                "given_by": "youth",
                "text_version": "onboarding@1:nl",
                "text_sha256": fingerprint,
                "channel": "telegram",
                "recorded_at": at,
            }
            for youth_id in youth_ids
        ],
    )


async def add_checkins(
    database: Database,
    youth_ids: Sequence[int],
    due_at: datetime,
    key: str = "bench:checkin",
    *,
    status: str = "planned",
) -> None:
    """One check-in per youth, due at `due_at` (what the planner stores, minus a plan)."""
    await insert_many(
        database,
        ScheduledContact,
        [
            {
                "youth_id": youth_id,
                "key": key,
                "kind": "checkin",
                "series": "checkin",
                "label": "Check-in (bench)",
                "flow_id": "checkin",
                "due_at": due_at,
                "nominal_date": due_at.date(),
                "expires_at": due_at + timedelta(days=7),
                "status": status,
                "handled_at": None if status == "planned" else due_at,
            }
            for youth_id in youth_ids
        ],
    )

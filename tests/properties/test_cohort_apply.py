"""The cohort import at the database level (`bot.cohort.apply.import_cohort`) on mangled files.

Starting from a database that already holds the small sample cohort, a re-import of a mangled
copy (bytes cut, inserted, replaced; one cell changed to anything) must never crash. A rejected
file writes nothing at all (youths, contacts, consent ledger unchanged) and every message is a
clear sentence; an accepted file never duplicates a youth and never loses one.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from bot.cohort.apply import import_cohort
from bot.models import ConsentEvent, ScheduledContact, Youth
from bot.storage.db import Database
from tests.importer.importer_helpers import SMALL, make_plans, seed_database
from tests.properties.world import migrated_template

pytestmark = pytest.mark.slow

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
SAMPLE = SMALL.read_bytes()
LINES = SAMPLE.decode("utf-8-sig").splitlines()
UNCLEAR = re.compile(r"\{[a-z_]*\}|Traceback|Error\(|<[a-z]+ object")


async def counts(database: Database) -> tuple[int, ...]:
    async with database.session() as session:
        out = []
        for model in (Youth, ScheduledContact, ConsentEvent):
            statement = select(func.count()).select_from(model)
            out.append((await session.exec(statement)).one())
        duplicates = (
            await session.exec(
                select(func.count())
                .select_from(Youth)
                .group_by(Youth.school_id, Youth.student_number)
                .having(func.count() > 1)
            )
        ).all()
        out.append(len(duplicates))
        return tuple(out)


async def apply(database: Database, data: bytes):  # type: ignore[no-untyped-def]
    async with database.transaction() as session:
        return await import_cohort(session, data, dry_run=False, plans=make_plans(), now=NOW)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding the small sample cohort, to copy for every example."""
    directory = tmp_path_factory.mktemp("cohort-apply")
    path = directory / "imported.db"
    shutil.copyfile(migrated_template(directory), path)

    async def make() -> None:
        database = Database(f"sqlite:///{path}")
        await seed_database(database, NOW)
        result = await apply(database, SAMPLE)
        assert result.written, result.error_messages()
        await database.dispose()

    asyncio.run(make())
    return path


byte_edits = st.lists(
    st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 4), st.binary(max_size=6)),
    min_size=1,
    max_size=6,
).map(lambda edits: ("bytes", edits))
cell_edits = st.tuples(
    st.just("cell"),
    st.tuples(st.integers(1, len(LINES) - 1), st.integers(0, 10), st.text(max_size=40)),
)


def mangle(kind: str, edit: object) -> bytes:
    if kind == "bytes":
        data = bytearray(SAMPLE)
        for position, removed, inserted in edit:  # type: ignore[attr-defined]
            data[position : position + removed] = inserted
        return bytes(data)
    line, column, value = edit  # type: ignore[misc]
    lines = list(LINES)
    cells = lines[line].split(";")
    cells[column % len(cells)] = value.replace(";", ",").replace("\n", " ").replace("\r", " ")
    lines[line] = ";".join(cells)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(change=st.one_of(byte_edits, cell_edits))
def test_a_mangled_reimport_writes_all_or_nothing(
    imported: Path, tmp_path: Path, change: tuple[str, object]
) -> None:
    path = tmp_path / "example.db"
    shutil.copyfile(imported, path)
    data = mangle(*change)

    async def run() -> None:
        database = Database(f"sqlite:///{path}")
        try:
            before = await counts(database)
            result = await apply(database, data)
            after = await counts(database)
        finally:
            await database.dispose()
        event("rejected" if not result.ok else "accepted")
        if not result.ok:
            messages = result.error_messages()
            assert messages and all(m.strip() for m in messages)
            assert not any(UNCLEAR.search(m) for m in messages), messages
            assert after == before, "a rejected file changed the database"
        else:
            assert after[0] >= before[0], "an import never deletes a youth"
        assert after[3] == 0, "a youth was duplicated"

    asyncio.run(run())


def test_the_same_file_twice_changes_nothing(imported: Path, tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    shutil.copyfile(imported, path)

    async def run() -> None:
        database = Database(f"sqlite:///{path}")
        try:
            before = await counts(database)
            result = await apply(database, SAMPLE)
            assert result.written
            assert await counts(database) == before
        finally:
            await database.dispose()

    asyncio.run(run())

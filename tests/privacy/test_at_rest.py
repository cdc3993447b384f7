"""Free text is unreadable in the raw database: the SQLite file and WAL, PostgreSQL's columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import select

from bot.models import Answer, ChatMessage, OutboxMessage, Youth
from bot.privacy.crypto import DataKeyError, KeyRing, new_key, use_key_ring
from bot.privacy.export import export_youth
from bot.storage import migrate
from bot.storage.db import Database
from tests import factories
from tests.privacy.world import populate

pytestmark = pytest.mark.db

RAW_COLUMNS = {
    "answer": "value",
    "chatmessage": "text",
    "youth": "pause_reason",
    "outboxmessage": "payload",
    "signal": "reason",
}


async def _person(database: Database, clock):
    async with database.transaction() as session:
        region = await factories.region(session)
        school = await factories.school(session, region)
        return await populate(
            session, clock.now(), school, first_name="Lieke", student_number="4711", chat_id=901
        )


async def test_raw_columns_hold_only_tokens_and_the_orm_reads_text(database: Database, clock):
    person = await _person(database, clock)
    secrets = [person.answer_text, person.message_text, person.pause_reason]
    async with database.session() as session:
        for table, column in RAW_COLUMNS.items():
            query = text(f"SELECT {column} FROM {table}")  # noqa: S608 - names from a constant
            raw = (await session.exec(query)).scalars().all()
            assert raw, f"{table}.{column} has no rows"
            for value in raw:
                assert value.startswith("gAAAAA"), f"{table}.{column} is not a Fernet token"
                assert not any(secret in value for secret in secrets)
        # The control: a column that is not encrypted is readable with the same plain SQL,
        # so the checks above would have seen plaintext.
        names = (await session.exec(text("SELECT first_name FROM youth"))).scalars().all()
        assert names == ["Lieke"]
        assert (await session.exec(select(Answer.value))).one() == person.answer_text
        assert (await session.exec(select(ChatMessage.text))).one() == person.message_text
        payload = (await session.exec(select(OutboxMessage.payload))).one()
        assert payload == {"text": "Hoi Lieke, hoe gaat het met je geld?"}
        youth = (await session.exec(select(Youth))).one()
        assert youth.pause_reason == person.pause_reason
        export = await export_youth(session, person.youth.id)
    assert export["answer"][0]["value"] == person.answer_text
    assert export["chatmessage"][0]["text"] == person.message_text
    assert export["youth"]["pause_reason"] == person.pause_reason


async def test_the_sqlite_file_and_its_wal_contain_no_free_text(tmp_path: Path, clock):
    # Always SQLite (whatever database the suite runs on): this is the embedded default's file.
    database = Database(f"sqlite:///{tmp_path / 'raw.db'}")
    try:
        await migrate.upgrade(database)
        await _check_file(database, clock)
    finally:
        await database.dispose()


async def _check_file(database: Database, clock) -> None:
    person = await _person(database, clock)
    path = Path(make_url(database.url).database or "")
    wal = path.with_name(path.name + "-wal")

    def stored_bytes() -> bytes:
        return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    # Before a checkpoint the new rows live in the WAL; after it, in the main file.
    for phase in ("wal", "checkpointed"):
        if phase == "checkpointed":
            async with database.engine.connect() as connection:
                await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        data = stored_bytes()
        assert b"Lieke" in data, "control: an unencrypted value must be found"
        for secret in (person.answer_text, person.message_text, person.pause_reason):
            assert secret.encode("utf-8") not in data, f"plaintext found ({phase})"
            # also a telling fragment, in case a page split the whole string
            assert b"schulden bij de bank" not in data
            assert b"ziekenhuis" not in data
            assert b"moeder weet" not in data
            assert b"hoe gaat het met je geld" not in data
            assert b"achterstand met de huur" not in data


async def test_reading_with_the_wrong_key_fails_clearly(database: Database, clock):
    await _person(database, clock)
    with use_key_ring(KeyRing([new_key()])):
        async with database.session() as session:
            with pytest.raises(DataKeyError, match="none of the configured keys opens"):
                (await session.exec(select(Answer))).all()
            # columns that are not encrypted stay readable with any key
            assert (await session.exec(select(Youth.first_name))).one() == "Lieke"

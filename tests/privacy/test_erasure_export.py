"""Erasure reaches every table that refers to a youth; the export covers the same tables."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, func, select
from sqlmodel import select as orm_select

from bot.audit.log import verify_chain
from bot.conversations.outbound import reply
from bot.models import (
    Answer,
    AuditEvent,
    ChatMessage,
    Escalation,
    OutboxMessage,
    Youth,
    metadata,
)
from bot.models.signals import EscalationMessage
from bot.privacy.crypto import EncryptedText
from bot.privacy.erasure import ERASED_EVENT, ErasureReason, erase_youth
from bot.privacy.export import OMITTED_COLUMNS, export_document, export_youth, youth_tables
from bot.privacy.schema import links, referring_tables, youth_rows
from bot.storage.db import Database
from tests import factories
from tests.privacy.world import populate

pytestmark = pytest.mark.db

# Tables that hold a youth's id without a foreign key, on purpose (none yet; the panel's
# hash-chained audit log will be one: it must outlive the record and points at nothing after).
UNLINKED_YOUTH_ID_TABLES = {"auditevent"}
EXPECTED = {
    "answer",
    "chatmessage",
    "consentevent",
    "conversation",
    "domainevent",
    "escalation",
    "invitation",
    "outboxmessage",
    "scheduledcontact",
    "signal",
}


def test_the_walk_finds_every_table_that_refers_to_a_youth():
    found = {table.name for table in referring_tables(metadata)}
    assert found >= EXPECTED
    assert "youth" not in found and "school" not in found and "staffuser" not in found
    # Any column called youth_id must be a real foreign key, or the walk cannot see it.
    for table in metadata.sorted_tables:
        if "youth_id" in table.c and table.name not in UNLINKED_YOUTH_ID_TABLES:
            assert table.c.youth_id.foreign_keys, f"{table.name}.youth_id has no foreign key"
            assert table.name in found


def test_the_walk_follows_indirect_links():
    schema = MetaData()
    Table("youth", schema, Column("id", Integer, primary_key=True))
    Table(
        "a",
        schema,
        Column("id", Integer, primary_key=True),
        Column("youth_id", ForeignKey("youth.id")),
    )
    Table("b", schema, Column("id", Integer, primary_key=True), Column("a_id", ForeignKey("a.id")))
    Table("c", schema, Column("id", Integer, primary_key=True), Column("b_id", ForeignKey("b.id")))
    Table("other", schema, Column("id", Integer, primary_key=True))
    assert [t.name for t in referring_tables(schema)] == ["a", "b", "c"]
    assert {(link.table, link.target) for link in links(schema)} == {
        ("a", "youth"),
        ("b", "a"),
        ("c", "b"),
    }


async def _two_people(database: Database, clock):
    async with database.transaction() as session:
        region = await factories.region(session)
        school = await factories.school(session, region)
        staff = await factories.coordinator(session, clock.now(), region)
        gone = await populate(
            session, clock.now(), school, first_name="Fenna", student_number="3001", chat_id=501
        )
        stays = await populate(
            session, clock.now(), school, first_name="Bram", student_number="3002", chat_id=502
        )
    return staff, gone, stays


async def _counts(database: Database) -> dict[str, int]:
    async with database.session() as session:
        return {
            table.name: (await session.exec(select(func.count()).select_from(table))).scalar_one()
            for table in metadata.sorted_tables
        }


async def test_erasure_leaves_no_row_that_refers_to_the_youth(database: Database, clock):
    staff, gone, stays = await _two_people(database, clock)
    async with database.session() as session:
        before_gone = await youth_rows(session, metadata, gone.youth.id)
        before_stays = await youth_rows(session, metadata, stays.youth.id)
    # the fixture reaches every table the walk knows today, so the check below is not vacuous
    assert set(before_gone.ids) >= EXPECTED
    counts_before = await _counts(database)

    async with database.transaction() as session:
        report = await erase_youth(session, gone.youth.id, staff, clock.now())
    assert report.rows == before_gone.count() + 1
    assert report.rows_by_table["answer"] == 1

    async with database.session() as session:
        after = await youth_rows(session, metadata, gone.youth.id)
        assert after.count() == 0
        assert await session.get(Youth, gone.youth.id) is None
        for table in metadata.sorted_tables:
            key = next(iter(table.primary_key.columns))
            # every foreign key column pointing at the youth, or at a row that did
            for column in table.columns:
                for foreign in column.foreign_keys:
                    target = foreign.column.table.name
                    if target == "youth":
                        hits = (
                            await session.exec(select(key).where(column == gone.youth.id))
                        ).all()
                    elif before_gone.ids.get(target):
                        hits = (
                            await session.exec(
                                select(key).where(column.in_(sorted(before_gone.ids[target])))
                            )
                        ).all()
                    else:
                        continue
                    assert hits == [], f"{table.name}.{column.name} still refers to the youth"
            # and the rows themselves are gone
            ids = sorted(before_gone.ids.get(table.name, ()))
            if ids:
                assert (await session.exec(select(key).where(key.in_(ids)))).all() == []
        # not a foreign key: the outbox row sent to the youth's chat before linking
        outbox = metadata.tables["outboxmessage"]
        assert (await session.exec(select(outbox.c.id).where(outbox.c.chat_id == 501))).all() == []
        # the other youth is untouched
        assert (await youth_rows(session, metadata, stays.youth.id)).ids == before_stays.ids
        event = (
            await session.exec(orm_select(AuditEvent).where(AuditEvent.action == ERASED_EVENT))
        ).one()
    assert event.youth_id is None
    assert event.actor_id == staff.id
    assert json.loads(event.detail) == {"reason": "request", "rows": report.rows}
    assert "Fenna" not in event.detail
    assert (await verify_chain(database)).ok

    counts_after = await _counts(database)
    assert counts_after["youth"] == counts_before["youth"] - 1
    assert counts_after["staffuser"] == counts_before["staffuser"]
    assert counts_after["school"] == counts_before["school"]


async def test_erasing_twice_or_an_unknown_youth_is_a_lookup_error(database: Database, clock):
    staff, gone, _stays = await _two_people(database, clock)
    async with database.transaction() as session:
        await erase_youth(session, gone.youth.id, None, clock.now(), reason=ErasureReason.RETENTION)
    with pytest.raises(LookupError):
        async with database.transaction() as session:
            await erase_youth(session, gone.youth.id, staff, clock.now())
    async with database.session() as session:
        events = (
            await session.exec(orm_select(AuditEvent).where(AuditEvent.action == ERASED_EVENT))
        ).all()
    assert [json.loads(e.detail)["reason"] for e in events] == ["retention"]
    assert [e.actor_id for e in events] == [None]


async def test_erasure_keeps_the_callers_other_objects_usable(database: Database, clock):
    staff, gone, stays = await _two_people(database, clock)
    async with database.transaction() as session:
        other = await session.get(Youth, stays.youth.id)
        assert other is not None
        await erase_youth(session, gone.youth.id, staff, clock.now())
        other.language = "en"
    async with database.session() as session:
        assert (await session.get(Youth, stays.youth.id)).language == "en"


async def test_the_export_covers_every_referring_table(database: Database, clock):
    _staff, person, other = await _two_people(database, clock)
    async with database.session() as session:
        data = await export_youth(session, person.youth.id)
        rows = await youth_rows(session, metadata, person.youth.id)
    covered = set(data) - {"youth", "record_access"}
    assert covered == {table.name for table in youth_tables()}
    for table in referring_tables(metadata):
        exported = {row["id"] for row in data[table.name]}
        assert exported == rows.ids.get(table.name, set()), table.name
        for row in data[table.name]:
            assert not (set(row) & OMITTED_COLUMNS)
    document = export_document(data).decode("utf-8")
    assert person.answer_text in document  # decrypted for the youth
    assert person.message_text in document
    assert person.pause_reason in document
    assert other.answer_text not in document and "Bram" not in document
    assert "token_hash" not in document and person.invite_token not in document
    # the outbox row addressed only by chat id is theirs too
    assert [row["chat_id"] for row in data["outboxmessage"]] == [501]


async def test_a_table_linked_only_indirectly_is_exported_and_erased(database: Database, clock):
    """A new table that points at an answer (not at the youth) is still found by the walk."""
    schema = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(schema)
    note = Table(
        "privacy_test_note",
        schema,
        Column("id", Integer, primary_key=True),
        Column("answer_id", ForeignKey("answer.id"), nullable=False),
        Column("body", EncryptedText()),
    )
    async with database.engine.begin() as connection:
        await connection.run_sync(lambda sync: note.create(sync))
    _staff, person, other = await _two_people(database, clock)
    async with database.transaction() as session:
        for youth_id, body in ((person.youth.id, "notitie een"), (other.youth.id, "notitie twee")):
            answer_id = (
                await session.exec(orm_select(Answer.id).where(Answer.youth_id == youth_id))
            ).one()
            await session.exec(note.insert().values(answer_id=answer_id, body=body))
    assert "privacy_test_note" in {t.name for t in youth_tables(schema)}
    async with database.session() as session:
        data = await export_youth(session, person.youth.id, schema=schema)
    assert [row["body"] for row in data["privacy_test_note"]] == ["notitie een"]

    async with database.transaction() as session:
        report = await erase_youth(session, person.youth.id, None, clock.now(), schema=schema)
    assert report.rows_by_table["privacy_test_note"] == 1
    async with database.session() as session:
        left = (await session.exec(select(note.c.body))).scalars().all()
    assert left == ["notitie twee"]
    async with database.engine.begin() as connection:
        await connection.run_sync(lambda sync: note.drop(sync))


async def test_a_reply_and_its_outbox_row_are_exported_together_and_erased_together(
    database: Database, clock
):
    staff, gone, stays = await _two_people(database, clock)
    async with database.transaction() as session:
        for person, chat_id in ((gone, 501), (stays, 502)):
            await reply(
                session, chat_id=chat_id, text="Dank je.", now=clock.now(), youth_id=person.youth.id
            )

    async with database.session() as session:
        data = await export_youth(session, gone.youth.id)
    [sent] = [row for row in data["chatmessage"] if row["direction"] == "out"]
    assert sent["outbox_id"] in {row["id"] for row in data["outboxmessage"]}

    async with database.transaction() as session:
        await erase_youth(session, gone.youth.id, staff, clock.now())
    async with database.session() as session:
        linked = (
            await session.exec(
                orm_select(ChatMessage.youth_id, OutboxMessage.youth_id).join(
                    OutboxMessage, OutboxMessage.id == ChatMessage.outbox_id
                )
            )
        ).all()
    assert linked == [(stays.youth.id, stays.youth.id)], "the other youth's link is untouched"


async def _alert_about(session, person, staff, now) -> int:
    """An alert about `person` sent to the coordinator's chat: the outbox row carries the
    youth's name but neither their youth id nor their chat, only the escalation message
    points at it."""
    escalation = (
        await session.exec(orm_select(Escalation).where(Escalation.youth_id == person.youth.id))
    ).one()
    alert = OutboxMessage(
        chat_id=9001,
        youth_id=None,
        staff_user_id=staff.id,
        payload={"text": f"Let op: {person.youth.first_name} heeft hulp nodig met geld."},
        not_before=now,
        created_at=now,
    )
    session.add(alert)
    await session.flush()
    session.add(
        EscalationMessage(
            escalation_id=escalation.id,
            youth_id=person.youth.id,
            staff_user_id=staff.id,
            kind="alert",
            outbox_id=alert.id,
            created_at=now,
        )
    )
    await session.flush()
    assert alert.id is not None
    return alert.id


async def test_an_alert_about_the_youth_sent_to_a_coordinator_is_erased_and_exported(
    database: Database, clock
):
    staff, gone, stays = await _two_people(database, clock)
    async with database.transaction() as session:
        gone_alert = await _alert_about(session, gone, staff, clock.now())
        stays_alert = await _alert_about(session, stays, staff, clock.now())
    async with database.session() as session:
        exported = await export_youth(session, gone.youth.id)
    assert "Let op: Fenna" in json.dumps(exported, ensure_ascii=False)
    assert "Let op: Bram" not in json.dumps(exported, ensure_ascii=False)

    async with database.transaction() as session:
        await erase_youth(session, gone.youth.id, staff, clock.now())
    async with database.session() as session:
        assert await session.get(OutboxMessage, gone_alert) is None
        kept = await session.get(OutboxMessage, stays_alert)
    assert kept is not None and "Bram" in kept.payload["text"]

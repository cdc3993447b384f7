"""Migration 0012 encrypts the free text that already exists, and its downgrade gives it back."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.models import Answer, ChatMessage, OutboxMessage, Signal, Youth
from bot.privacy.crypto import KeyRing, new_key, use_key_ring
from bot.storage import migrate
from bot.storage.db import Database
from tests.migrations import migrate_to, rows_at

pytestmark = pytest.mark.db

BEFORE = "0003"
ENCRYPTING = "0012"

ROWS = [
    "INSERT INTO region (id, name, schools_see_answers) VALUES (1, 'R', false)",
    "INSERT INTO school (id, code, name, type, region_id) VALUES (1, 'S', 'S', 'pro', 1)",
    "INSERT INTO youth (id, school_id, student_number, first_name, date_of_birth, leaving_date,"
    " profile, municipality, language, participation, representative_required, pause_reason,"
    " created_at, updated_at) VALUES (1, 1, '1', 'Iris', '2008-01-01', '2025-07-01', 'arbeid',"
    " 'Tilburg', 'nl', 'ja', false, 'Iris is op vakantie in Turkije', :now, :now)",
    "INSERT INTO conversation (id, youth_id, flow_id, flow_version, status, state, started_at,"
    " updated_at) VALUES (1, 1, 'checkin', 1, 'finished', '{}', :now, :now)",
    "INSERT INTO answer (id, youth_id, conversation_id, key, value, node_id, answered_at)"
    " VALUES (1, 1, 1, 'help_text', 'Ik durf niet naar huis', 'help', :now)",
    "INSERT INTO chatmessage (id, youth_id, direction, kind, text, created_at)"
    " VALUES (1, 1, 'in', 'text', 'Mijn baas betaalt niet uit', :now)",
    "INSERT INTO outboxmessage (id, chat_id, youth_id, priority, payload, status, attempts,"
    " not_before, requires_consent, automated, created_at) VALUES (1, 77, 1, 0,"
    " '{\"text\": \"Hoi Iris, hoe is het?\"}', 'sent', 1, :now, true, false, :now)",
    "INSERT INTO signal (id, youth_id, rule_id, severity, source_key, reason, fired_at)"
    " VALUES (1, 1, 'r', 'high', 'a:1', '{\"value\": \"schulden\"}', :now)",
]
PLAIN = [
    b"Iris is op vakantie",
    b"durf niet naar huis",
    b"baas betaalt niet",
    b"hoe is het",
    b"schulden",
]


async def _raw(database: Database) -> list[str]:
    queries = [
        "SELECT value FROM answer",
        "SELECT text FROM chatmessage",
        "SELECT pause_reason FROM youth",
        "SELECT CAST(payload AS TEXT) FROM outboxmessage",
        "SELECT CAST(reason AS TEXT) FROM signal",
    ]
    async with database.engine.connect() as connection:
        return [(await connection.execute(text(q))).scalar_one() for q in queries]


async def test_existing_rows_are_encrypted_and_decrypted_back(database_url: str, clock):
    database = Database(database_url)
    try:
        await rows_at(database, BEFORE, ROWS, clock.now())
        ring = KeyRing([new_key()])
        with use_key_ring(ring):
            await migrate_to(database, ENCRYPTING)
            raw = await _raw(database)
            assert all(value.startswith("gAAAAA") for value in raw), raw
            assert not any(p.decode() in value for p in PLAIN for value in raw)
            async with database.session() as session:
                assert (await session.exec(select(Answer.value))).one() == "Ik durf niet naar huis"
                assert (await session.exec(select(ChatMessage.text))).one() == (
                    "Mijn baas betaalt niet uit"
                )
                assert (await session.exec(select(Youth.pause_reason))).one() == (
                    "Iris is op vakantie in Turkije"
                )
                assert (await session.exec(select(OutboxMessage.payload))).one() == {
                    "text": "Hoi Iris, hoe is het?"
                }
                assert (await session.exec(select(Signal.reason))).one() == {"value": "schulden"}

            await migrate_to(database, BEFORE, down=True)
            raw = await _raw(database)
        assert raw[:3] == [
            "Ik durf niet naar huis",
            "Mijn baas betaalt niet uit",
            "Iris is op vakantie in Turkije",
        ]
        assert json.loads(raw[3]) == {"text": "Hoi Iris, hoe is het?"}
        assert json.loads(raw[4]) == {"value": "schulden"}
    finally:
        await database.dispose()


async def test_an_empty_database_migrates_without_any_key(database_url: str, monkeypatch):
    from bot.privacy import crypto

    monkeypatch.setattr(crypto, "_ring", None)
    database = Database(database_url)
    try:
        await migrate.upgrade(database)
        assert await migrate.is_up_to_date(database)
        assert not crypto.key_ring_configured()
    finally:
        await database.dispose()

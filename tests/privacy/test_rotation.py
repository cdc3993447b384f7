"""Key rotation: everything re-encrypted with the newest key, in batches, resumable, idempotent."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlmodel import select

from bot.cli import build_parser
from bot.models import Answer, ChatMessage, OutboxMessage, Youth
from bot.privacy import rotation
from bot.privacy.crypto import DataKeyError, KeyRing, new_key, use_key_ring
from bot.privacy.rotation import encrypted_columns, rotate_keys
from bot.storage.db import Database
from tests import factories
from tests.privacy.world import populate

pytestmark = pytest.mark.db


async def _people(database: Database, clock, count: int = 3) -> list:
    async with database.transaction() as session:
        region = await factories.region(session)
        school = await factories.school(session, region)
        return [
            await populate(
                session,
                clock.now(),
                school,
                first_name=f"Noor{n}",
                student_number=str(2000 + n),
                chat_id=700 + n,
            )
            for n in range(count)
        ]


async def _read_all(database: Database) -> list[str | None]:
    async with database.session() as session:
        answers = (await session.exec(select(Answer.value).order_by(Answer.id))).all()
        messages = (await session.exec(select(ChatMessage.text).order_by(ChatMessage.id))).all()
        reasons = (await session.exec(select(Youth.pause_reason).order_by(Youth.id))).all()
        payloads = (
            await session.exec(select(OutboxMessage.payload).order_by(OutboxMessage.id))
        ).all()
    return [*answers, *messages, *reasons, *(p["text"] for p in payloads)]


async def _raw_tokens(database: Database) -> list[str]:
    found: list[str] = []
    async with database.session() as session:
        for table, column in encrypted_columns():
            query = text(f"SELECT {column.name} FROM {table.name} WHERE {column.name} IS NOT NULL")  # noqa: S608
            found += (await session.exec(query)).scalars().all()
    return found


def test_the_encrypted_columns_are_found_from_the_metadata():
    names = {f"{t.name}.{c.name}" for t, c in encrypted_columns()}
    assert {
        "answer.value",
        "chatmessage.text",
        "youth.pause_reason",
        "outboxmessage.payload",
        "signal.reason",
    } <= names


async def test_rotation_moves_everything_to_the_new_key_and_the_old_one_can_go(
    database: Database, clock
):
    old, new = new_key(), new_key()
    with use_key_ring(KeyRing([old])):
        await _people(database, clock)
        before = await _read_all(database)
    stored = await _raw_tokens(database)
    assert len(stored) == 15  # answer, message, pause reason, outbox payload, signal

    both = KeyRing([new, old])
    report = await rotate_keys(database, both, batch=2)
    assert report.checked == 15
    assert report.rewritten == 15
    assert report.by_column["answer.value"] == 3

    for token in await _raw_tokens(database):
        Fernet(new.encode()).decrypt(token.encode())  # opens with the new key alone
    with use_key_ring(KeyRing([new])):
        assert await _read_all(database) == before
    with use_key_ring(KeyRing([old])), pytest.raises(DataKeyError):
        await _read_all(database)

    again = await rotate_keys(database, both, batch=2)
    assert (again.checked, again.rewritten) == (15, 0)


async def test_an_interrupted_rotation_resumes(database: Database, clock, monkeypatch):
    old, new = new_key(), new_key()
    with use_key_ring(KeyRing([old])):
        await _people(database, clock, count=4)
        before = await _read_all(database)
    both = KeyRing([new, old])
    calls = 0
    real_rotate = KeyRing.rotate

    def failing_rotate(self: KeyRing, token: str) -> str:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise RuntimeError("power cut")
        return real_rotate(self, token)

    monkeypatch.setattr(KeyRing, "rotate", failing_rotate)
    with pytest.raises(RuntimeError, match="power cut"):
        await rotate_keys(database, both, batch=2)
    monkeypatch.setattr(KeyRing, "rotate", real_rotate)

    current = [both.is_current(token) for token in await _raw_tokens(database)]
    assert current.count(True) == 2  # the first batch was committed, the second rolled back
    report = await rotate_keys(database, both, batch=2)
    assert report.rewritten == 18
    with use_key_ring(KeyRing([new])):
        assert await _read_all(database) == before


async def test_rotation_without_the_old_key_stops_with_a_clear_error(database: Database, clock):
    with use_key_ring(KeyRing([new_key()])):
        await _people(database, clock, count=1)
    with pytest.raises(DataKeyError, match="put the old key back"):
        await rotate_keys(database, KeyRing([new_key()]))


async def test_the_cli_rotates_with_the_keys_from_the_setting(
    database: Database, clock, monkeypatch, capsys
):
    old, new = new_key(), new_key()
    with use_key_ring(KeyRing([old])):
        await _people(database, clock, count=2)
    monkeypatch.setenv("INBEELD_DATABASE_URL", database.url)
    monkeypatch.setenv("INBEELD_DATA_KEY", f"{new},{old}")
    args = build_parser().parse_args(["keys", "rotate", "--batch", "1"])
    with use_key_ring(KeyRing([old])):  # the command installs its own ring; restore afterwards
        assert await args.handler(args) == 0
    out = capsys.readouterr().out
    assert "checked 10 encrypted values, re-encrypted 10" in out
    assert "can be removed" in out
    with use_key_ring(KeyRing([new])):
        assert len(await _read_all(database)) == 8


async def test_the_cli_refuses_a_bad_key_setting(database: Database, monkeypatch, capsys):
    monkeypatch.setenv("INBEELD_DATABASE_URL", database.url)
    monkeypatch.setenv("INBEELD_DATA_KEY", "nonsense")
    args = build_parser().parse_args(["keys", "rotate"])
    with use_key_ring(KeyRing([new_key()])):
        assert await args.handler(args) == 2
    assert "INBEELD_DATA_KEY: key 1 is not a Fernet key" in capsys.readouterr().err


def test_keys_new_prints_a_usable_key(capsys):
    args = build_parser().parse_args(["keys", "new"])
    assert args.handler(args) == 0
    key = capsys.readouterr().out.strip()
    assert Fernet(key.encode()).decrypt(Fernet(key.encode()).encrypt(b"x")) == b"x"
    assert rotation.ROTATE_BATCH > 0


async def test_the_panels_sealed_totp_secrets_are_rotated_too(database: Database, clock):
    from admin.security.sealing import seal, unseal
    from bot.config import load_settings
    from bot.models import StaffUser

    old, new = new_key(), new_key()
    with_old = load_settings(database_url=database.url, data_key=old)
    with_new = load_settings(database_url=database.url, data_key=new)
    async with database.transaction() as session:
        region = await factories.region(session)
        sealed = await factories.coordinator(session, clock.now(), region, email="a@x.nl")
        plain = await factories.coordinator(session, clock.now(), region, email="b@x.nl")
        sealed.totp_secret = seal(with_old, "JBSWY3DPEHPK3PXP")
        plain.totp_secret = "KRSXG5CTMVRXEZLU"  # stored before any key was set
    report = await rotate_keys(database, KeyRing([new, old]))
    assert report.by_column["staffuser.totp_secret"] == 1
    async with database.session() as session:
        rows = {u.email: u.totp_secret for u in (await session.exec(select(StaffUser))).all()}
    assert unseal(with_new, rows["a@x.nl"]) == "JBSWY3DPEHPK3PXP"
    assert rows["b@x.nl"] == "KRSXG5CTMVRXEZLU"
    again = await rotate_keys(database, KeyRing([new, old]))
    assert again.by_column["staffuser.totp_secret"] == 0

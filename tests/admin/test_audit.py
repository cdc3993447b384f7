"""The audit log's hash chain and its page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, text, update
from sqlmodel import select

from bot.audit import AuditAction, record_event, verify_chain
from bot.models import AuditEvent
from tests.admin.test_routes import sign_in

pytestmark = pytest.mark.db


async def write_events(database, clock, count: int) -> list[int]:
    ids = []
    for number in range(count):
        clock.advance(timedelta(seconds=1))
        async with database.transaction() as session:
            event = await record_event(
                session,
                clock,
                action=AuditAction.VIEW_YOUTH,
                actor_id=1,
                youth_id=number,
                client_address="10.0.0.1",
                detail={"n": number},
            )
            ids.append(event.id)
    return ids


async def test_an_untouched_chain_verifies(database, clock):
    assert (await verify_chain(database)).ok
    await write_events(database, clock, 5)
    report = await verify_chain(database)
    assert report.ok and report.checked == 5 and report.first_broken_id is None


@pytest.mark.parametrize(
    "change",
    [
        {"youth_id": 99},
        {"actor_id": 2},
        {"action": "login"},
        {"detail": '{"n":7}'},
        {"occurred_at_shift": True},
    ],
    ids=lambda c: next(iter(c)),
)
async def test_editing_a_row_is_detected(change, database, clock):
    ids = await write_events(database, clock, 5)
    target = ids[2]
    async with database.engine.begin() as connection:
        if "occurred_at_shift" in change:
            values = {"occurred_at": clock.now() + timedelta(days=1)}
        else:
            values = change
        await connection.execute(update(AuditEvent).where(AuditEvent.id == target).values(**values))
    report = await verify_chain(database)
    assert not report.ok
    assert report.first_broken_id == target
    assert report.checked == 2


async def test_rewriting_a_hash_breaks_the_next_link(database, clock):
    ids = await write_events(database, clock, 4)
    async with database.engine.begin() as connection:
        await connection.execute(
            text("UPDATE auditevent SET hash = :h WHERE id = :id"), {"h": "f" * 64, "id": ids[1]}
        )
    report = await verify_chain(database)
    assert report.first_broken_id == ids[1]


async def test_deleting_a_row_is_detected(database, clock):
    ids = await write_events(database, clock, 4)
    async with database.engine.begin() as connection:
        await connection.execute(delete(AuditEvent).where(AuditEvent.id == ids[1]))
    report = await verify_chain(database)
    assert not report.ok and report.first_broken_id == ids[2]


async def test_two_rows_cannot_claim_the_same_predecessor(database, clock):
    await write_events(database, clock, 1)
    async with database.session() as session:
        first = (await session.exec(select(AuditEvent.hash))).one()
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError's class differs per driver
        async with database.transaction() as session:
            session.add(
                AuditEvent(occurred_at=clock.now(), action="x", prev_hash="0" * 64, hash=first)
            )


async def test_audit_page_is_for_admins_and_shows_the_chain_state(client, database, clock, world):
    await sign_in(client, database, clock, world.admin)
    await client.get(f"/youths/{world.youth_a.id}")
    page = await (await client.get("/audit")).text()
    assert "view_youth" in page
    page = await (await client.get("/audit", params={"verify": "1"})).text()
    assert 'id="chain-status" class="ok"' in page

    async with database.engine.begin() as connection:
        await connection.execute(update(AuditEvent).values(youth_id=12345))
    page = await (await client.get("/audit", params={"verify": "1"})).text()
    assert 'id="chain-status" class="error"' in page

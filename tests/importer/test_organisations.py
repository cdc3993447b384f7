"""Schools, staff accounts and the coordinator's Telegram link."""

from __future__ import annotations

import pytest
from importer_helpers import StartLink
from sqlmodel import select

from bot.invites import hash_token
from bot.models import Invitation, Region, School, StaffUser
from bot.organisations import OrganisationError, add_school, add_user, coordinator_link

pytestmark = pytest.mark.db


async def test_add_school_creates_the_region_once(database, clock):
    async with database.transaction() as session:
        first = await add_school(
            session, "PRO-TLB", "Pro Tilburg", "pro", "Midden-Brabant", clock.now()
        )
        second = await add_school(
            session, "VSO-HEY", "De Hey", "VSO", "midden-brabant", clock.now()
        )
    assert first.region_id == second.region_id
    assert second.type == "vso"
    async with database.session() as session:
        assert [r.name for r in (await session.exec(select(Region))).all()] == ["Midden-Brabant"]


@pytest.mark.parametrize(
    ("code", "kind", "region", "error"),
    [
        ("pro-tlb", "pro", "Midden-Brabant", "school_exists"),  # codes match case-insensitively
        ("PRO NEW", "pro", "Midden-Brabant", "school_code_invalid"),
        ("", "pro", "Midden-Brabant", "school_code_invalid"),
        ("PRO-NEW", "mbo", "Midden-Brabant", "school_type_invalid"),
        ("PRO-NEW", "pro", "  ", "name_required"),
    ],
)
async def test_add_school_refuses_clearly(database, clock, code, kind, region, error):
    async with database.transaction() as session:
        await add_school(session, "PRO-TLB", "Pro Tilburg", "pro", "Midden-Brabant", clock.now())
    with pytest.raises(OrganisationError) as raised:
        async with database.transaction() as session:
            await add_school(session, code, "Nieuw", kind, region, clock.now())
    assert raised.value.code == error
    assert str(raised.value)
    async with database.session() as session:
        assert len((await session.exec(select(School))).all()) == 1


async def _school(database, now):
    async with database.transaction() as session:
        await add_school(session, "PRO-TLB", "Pro Tilburg", "pro", "Midden-Brabant", now)


async def test_add_user_normalises_and_places_each_role(database, clock):
    await _school(database, clock.now())
    async with database.transaction() as session:
        coordinator = await add_user(
            session, " Anouk@Example.NL ", "Anouk", "coordinator", "PRO-TLB", now=clock.now()
        )
        teacher = await add_user(
            session, "mentor@example.nl", "Mentor", "school", "pro-tlb", now=clock.now()
        )
        admin = await add_user(session, "beheer@example.nl", "Beheer", "admin", now=clock.now())
        school = (await session.exec(select(School))).one()
    assert coordinator.email == "anouk@example.nl"
    assert coordinator.region_id == school.region_id and coordinator.school_id is None
    assert school.default_coordinator_id == coordinator.id
    assert (teacher.school_id, teacher.region_id) == (school.id, None)
    assert (admin.school_id, admin.region_id, admin.password_hash) == (None, None, None)


@pytest.mark.parametrize(
    ("email", "role", "school", "region", "error"),
    [
        ("anouk@example.nl", "coordinator", None, "Midden-Brabant", "user_exists"),
        ("ANOUK@example.nl", "admin", None, None, "user_exists"),
        ("geen-adres", "admin", None, None, "email_invalid"),
        ("x@example.nl", "teacher", None, None, "role_invalid"),
        ("x@example.nl", "school", None, None, "school_required"),
        ("x@example.nl", "school", "PRO-NOPE", None, "school_unknown"),
        ("x@example.nl", "coordinator", None, None, "region_required"),
        ("x@example.nl", "coordinator", None, "Atlantis", "region_unknown"),
        ("x@example.nl", "admin", "PRO-TLB", None, "admin_has_no_school"),
        ("x@example.nl", "admin", None, "Midden-Brabant", "admin_has_no_school"),
    ],
)
async def test_add_user_refuses_clearly(database, clock, email, role, school, region, error):
    await _school(database, clock.now())
    async with database.transaction() as session:
        await add_user(
            session,
            "anouk@example.nl",
            "Anouk",
            "coordinator",
            region_name="Midden-Brabant",
            now=clock.now(),
        )
    with pytest.raises(OrganisationError) as raised:
        async with database.transaction() as session:
            await add_user(session, email, "Naam", role, school, region, now=clock.now())
    assert raised.value.code == error
    async with database.session() as session:
        assert len((await session.exec(select(StaffUser))).all()) == 1


async def test_coordinator_link_is_single_use_and_replaces_older_links(database, clock):
    await _school(database, clock.now())
    async with database.transaction() as session:
        anouk = await add_user(
            session, "anouk@example.nl", "Anouk", "coordinator", "PRO-TLB", now=clock.now()
        )
        old = await coordinator_link(session, anouk, "@InBeeldTestBot", clock.now())
        new = await coordinator_link(session, anouk, "InBeeldTestBot", clock.now())
    assert new.startswith("https://t.me/InBeeldTestBot?start=") and new != old
    async with database.session() as session:
        rows = (await session.exec(select(Invitation).order_by(Invitation.id))).all()
    token = new.rsplit("=", 1)[1]
    assert [r.revoked_at is not None for r in rows] == [True, False]
    assert rows[1].token_hash == hash_token(token) and rows[1].staff_user_id == anouk.id

    start = StartLink(database, clock)
    assert "werkt niet" in await start(9001, old)
    assert "meldingen" in await start(9001, new)
    async with database.session() as session:
        assert (await session.get(StaffUser, anouk.id)).telegram_chat_id == 9001
    assert "al gebruikt" in await start(9002, new)


async def test_only_active_coordinators_get_a_telegram_link(database, clock):
    await _school(database, clock.now())
    async with database.transaction() as session:
        admin = await add_user(session, "beheer@example.nl", "Beheer", "admin", now=clock.now())
        with pytest.raises(OrganisationError) as raised:
            await coordinator_link(session, admin, "InBeeldBot", clock.now())
    assert raised.value.code == "not_a_coordinator"

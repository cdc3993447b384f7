"""Issuing invitations: one fresh token per youth, hash only, 90 days, the old link revoked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from importer_helpers import SMALL, StartLink, make_plans, seed_database
from sqlmodel import select

from bot.cohort.apply import import_cohort
from bot.invites import hash_token
from bot.invites.issue import invitation_cards, issue_invitations
from bot.models import Invitation, School, Youth

pytestmark = pytest.mark.db

BOT = "InBeeldTestBot"


async def _imported(database, now):
    await seed_database(database, now)
    async with database.transaction() as session:
        await import_cohort(session, SMALL.read_bytes(), dry_run=False, plans=make_plans(), now=now)


async def _school_id(database, code):
    async with database.session() as session:
        return (await session.exec(select(School.id).where(School.code == code))).one()


async def _invitations(database):
    async with database.session() as session:
        return (await session.exec(select(Invitation).order_by(Invitation.id))).all()


async def test_one_token_per_youth_only_the_hash_stored_valid_90_days(database, clock):
    await _imported(database, clock.now())
    school_id = await _school_id(database, "PRO-DONGEN")
    async with database.transaction() as session:
        issued = await issue_invitations(
            session, now=clock.now(), bot_username=BOT, school_id=school_id
        )
        cards = await invitation_cards(session, issued, clock.now())
    assert len(issued) == 11  # PRO-DONGEN's rows in the sample
    assert {item.youth.school_id for item in issued} == {school_id}
    assert len({item.token for item in issued}) == 11
    rows = await _invitations(database)
    assert sorted(r.token_hash for r in rows) == sorted(hash_token(i.token) for i in issued)
    stored_text = " ".join(f"{r.token_hash} {r.youth_id}" for r in rows)
    assert not any(item.token in stored_text for item in issued)
    assert {r.expires_at - r.created_at for r in rows} == {timedelta(days=90)}
    assert all(item.link == f"https://t.me/{BOT}?start={item.token}" for item in issued)
    assert [c.school_name for c in cards] == ["Pro-Dongen"] * 11
    assert {c.link for c in cards} == {link for _youth, _token, link in issued}
    assert {c.expires_on for c in cards} == {date(2026, 11, 30)}  # 1 September + 90 days
    # Each card also speaks the youth's own language (from the import's language column).
    languages = {item.youth.first_name: item.youth.language for item in issued}
    assert {c.first_name: c.language for c in cards} == languages
    assert len(set(languages.values())) > 1


async def test_a_new_invitation_revokes_the_old_one(database, clock):
    await _imported(database, clock.now())
    async with database.session() as session:
        youth = (
            await session.exec(select(Youth).where(Youth.student_number == "12673900017"))
        ).one()
    async with database.transaction() as session:
        [old] = await issue_invitations(
            session, now=clock.now(), bot_username=BOT, youth_ids=[youth.id]
        )
    clock.advance(timedelta(hours=1))
    async with database.transaction() as session:
        [new] = await issue_invitations(
            session, now=clock.now(), bot_username=BOT, youth_ids=[youth.id]
        )
    rows = await _invitations(database)
    assert [(r.token_hash, r.revoked_at) for r in rows] == [
        (hash_token(old.token), clock.now()),
        (hash_token(new.token), None),
    ]
    start = StartLink(database, clock)
    assert "werkt niet" in await start(7001, old.link)
    assert "Hoi Lucas" in await start(7001, new.link)


async def test_school_wide_issuing_skips_linked_youths(database, clock):
    await _imported(database, clock.now())
    school_id = await _school_id(database, "PRO-TILBURG")
    async with database.transaction() as session:
        linked = (await session.exec(select(Youth).where(Youth.school_id == school_id))).first()
        linked.telegram_user_id = linked.telegram_chat_id = 4242
        session.add(linked)
    async with database.transaction() as session:
        issued = await issue_invitations(
            session, now=clock.now(), bot_username=BOT, school_id=school_id
        )
        everyone = await issue_invitations(session, now=clock.now(), bot_username=BOT)
    assert linked.id not in {i.youth.id for i in issued}
    assert len(issued) == 4
    assert len(everyone) == 39


async def test_bad_requests_change_nothing(database, clock):
    await _imported(database, clock.now())
    async with database.transaction() as session:
        with pytest.raises(ValueError, match="username"):
            await issue_invitations(session, now=clock.now(), bot_username="x!", school_id=1)
        with pytest.raises(LookupError):
            await issue_invitations(session, now=clock.now(), bot_username=BOT, youth_ids=[999999])
    assert await _invitations(database) == []

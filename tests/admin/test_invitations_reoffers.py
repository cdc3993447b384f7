"""Invitation cards per school and the one-year re-offer evidence: scope, confirmation, files."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.models import AuditEvent, Invitation
from tests.admin import factories
from tests.admin.conftest import BROWSER, SESSION_COOKIE, csrf_from

pytestmark = pytest.mark.db


async def signed_in(make_client, database, clock, user, **settings):
    from tests.admin.conftest import demo_settings

    client = await make_client(demo_settings(**settings))
    raw = await factories.signed_in_cookie(database, clock, user)
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: raw})
    return client


async def invitation_count(database) -> int:
    async with database.session() as session:
        return (await session.exec(select(func.count()).select_from(Invitation))).one()


async def test_invitations_page_lists_only_the_users_schools(make_client, database, clock, world):
    client = await signed_in(make_client, database, clock, world.school_user_a)
    page = await (await client.get("/invitations")).text()
    assert f'data-school-id="{world.school_a.id}"' in page
    assert f'data-school-id="{world.school_b.id}"' not in page
    assert 'id="revoke-warning"' in page
    assert "Kiest de leerling een andere taal, dan staat de uitleg er ook in die taal" in page
    admin = await signed_in(make_client, database, clock, world.admin)
    page = await (await admin.get("/invitations")).text()
    assert f'data-school-id="{world.school_b.id}"' in page


async def test_issuing_needs_the_confirmation(make_client, database, clock, world):
    client = await signed_in(make_client, database, clock, world.admin)
    token = csrf_from(await (await client.get("/invitations")).text())
    response = await client.post(
        f"/invitations/{world.school_a.id}",
        data={"csrf_token": token, "format": "pdf"},
        headers=BROWSER,
    )
    assert response.status == 400
    assert "Vink eerst aan" in await response.text()
    assert await invitation_count(database) == 0


async def test_issuing_for_another_school_is_not_found(make_client, database, clock, world):
    client = await signed_in(make_client, database, clock, world.school_user_a)
    token = csrf_from(await (await client.get("/invitations")).text())
    response = await client.post(
        f"/invitations/{world.school_b.id}",
        data={"csrf_token": token, "format": "csv", "confirm": "yes"},
        headers=BROWSER,
    )
    assert response.status == 404
    assert await invitation_count(database) == 0


@pytest.mark.parametrize(
    ("kind", "content_type", "magic"),
    [("pdf", "application/pdf", b"%PDF"), ("csv", "text/csv", b"")],
)
async def test_issuing_downloads_cards_and_revokes_old_links(
    make_client, database, clock, world, kind, content_type, magic
):
    client = await signed_in(make_client, database, clock, world.school_user_a)
    token = csrf_from(await (await client.get("/invitations")).text())
    for _round in range(2):
        response = await client.post(
            f"/invitations/{world.school_a.id}",
            data={"csrf_token": token, "format": kind, "confirm": "yes"},
            headers=BROWSER,
        )
        assert response.status == 200
        assert response.headers["Content-Type"].startswith(content_type)
        assert "attachment" in response.headers["Content-Disposition"]
        body = await response.read()
        assert body.startswith(magic)
    async with database.session() as session:
        rows = (await session.exec(select(Invitation))).all()
        events = (
            await session.exec(select(AuditEvent).where(AuditEvent.action == "invitations_issued"))
        ).all()
    assert {row.youth_id for row in rows} == {world.youth_a.id}
    assert sum(row.revoked_at is None for row in rows) == 1, "the first card stopped working"
    assert len(events) == 2


async def test_reoffer_list_shows_due_sent_and_answered_for_own_school_only(
    make_client, database, clock, world
):
    await factories.reoffer_contact(
        database, clock, world.youth_a, status="sent", answer_value="bel"
    )
    await factories.reoffer_contact(database, clock, world.youth_b)
    client = await signed_in(make_client, database, clock, world.school_user_a)
    page = await (await client.get("/reoffers")).text()
    assert f'data-youth-id="{world.youth_a.id}" data-status="sent"' in page
    assert "Wil gebeld worden" in page
    assert f'data-youth-id="{world.youth_b.id}"' not in page
    assert 'id="count-answered">1<' in page

    admin = await signed_in(make_client, database, clock, world.admin)
    page = await (await admin.get("/reoffers")).text()
    assert f'data-youth-id="{world.youth_b.id}" data-status="planned"' in page
    page = await (await admin.get(f"/reoffers?school={world.school_b.id}")).text()
    assert f'data-youth-id="{world.youth_a.id}"' not in page
    # A school the user may not see is ignored, not shown.
    page = await (await client.get(f"/reoffers?school={world.school_b.id}")).text()
    assert f'data-youth-id="{world.youth_b.id}"' not in page


async def test_reoffer_csv_is_the_same_evidence(make_client, database, clock, world):
    await factories.reoffer_contact(
        database, clock, world.youth_a, status="sent", answer_value="nee"
    )
    await factories.reoffer_contact(database, clock, world.youth_b)
    client = await signed_in(make_client, database, clock, world.school_user_a)
    response = await client.get("/reoffers.csv")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [row["leerlingnummer"] for row in rows] == [world.youth_a.student_number]
    assert rows[0]["antwoord"] == "nee" and rows[0]["status"] == "sent"
    async with database.session() as session:
        event = (
            await session.exec(select(AuditEvent).where(AuditEvent.action == "reoffers_exported"))
        ).one()
    assert event.actor_id == world.school_user_a.id

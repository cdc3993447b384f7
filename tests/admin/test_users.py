"""Managing staff accounts through the panel."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from admin.accounts import NewStaff, add_staff_user
from bot.models import AuditEvent, PasswordSetupToken, Role, StaffSession, StaffUser
from tests.admin.conftest import BROWSER, csrf_from
from tests.admin.test_routes import sign_in

pytestmark = pytest.mark.db


async def admin_post(client, path: str, data: dict[str, str]):
    token = csrf_from(await (await client.get("/users")).text())
    return await client.post(
        path, data={**data, "csrf_token": token}, headers=BROWSER, allow_redirects=False
    )


async def test_adding_a_user_gives_a_working_setup_link(
    client, make_client, database, clock, world
):
    await sign_in(client, database, clock, world.admin)
    response = await admin_post(
        client,
        "/users",
        {
            "name": "Nina Nieuw",
            "email": "Nina@Example.nl",
            "role": "school",
            "school_id": str(world.school_a.id),
        },
    )
    assert response.status == 200
    page = await response.text()
    link = re.search(r'id="setup-link">([^<]+)<', page).group(1)
    assert link.startswith("/password/")
    async with database.session() as session:
        user = (
            await session.exec(select(StaffUser).where(StaffUser.email == "nina@example.nl"))
        ).one()
        tokens = (await session.exec(select(PasswordSetupToken))).all()
        events = (await session.exec(select(AuditEvent.action))).all()
    assert user.role == "school" and user.school_id == world.school_a.id
    assert user.password_hash is None
    assert link.removeprefix("/password/") not in {t.token_hash for t in tokens}, (
        "only the hash is stored"
    )
    assert "user_added" in events
    anonymous = await make_client()
    assert (await anonymous.get(link)).status == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "X", "email": "geen-adres", "role": "admin"}, "geldig e-mailadres"),
        ({"name": "X", "email": "x@example.nl", "role": "school"}, "Kies een school"),
        ({"name": "X", "email": "x@example.nl", "role": "superuser"}, "Kies een rol"),
        ({"name": "", "email": "x@example.nl", "role": "admin"}, "Vul een naam in"),
    ],
)
async def test_adding_a_user_with_bad_input_explains_why(
    data, message, client, database, clock, world
):
    await sign_in(client, database, clock, world.admin)
    response = await admin_post(client, "/users", data)
    assert response.status == 400
    assert message in await response.text()


async def test_duplicate_email_is_refused(client, database, clock, world):
    await sign_in(client, database, clock, world.admin)
    response = await admin_post(
        client, "/users", {"name": "Dubbel", "email": world.coordinator_a.email, "role": "admin"}
    )
    assert response.status == 400
    assert "al een account" in await response.text()


async def test_disabling_kills_the_users_sessions(client, make_client, database, clock, world):
    victim_client = await make_client()
    await sign_in(victim_client, database, clock, world.coordinator_a)
    assert (await victim_client.get("/youths")).status == 200

    await sign_in(client, database, clock, world.admin)
    response = await admin_post(client, f"/users/{world.coordinator_a.id}/disable", {})
    assert response.status == 303

    response = await victim_client.get("/youths", allow_redirects=False)
    assert response.headers["Location"] == "/login"
    async with database.session() as session:
        sessions = (
            await session.exec(
                select(StaffSession).where(StaffSession.staff_user_id == world.coordinator_a.id)
            )
        ).all()
        user = await session.get(StaffUser, world.coordinator_a.id)
    assert user.disabled_at is not None
    assert sessions and all(s.ended_reason == "disabled" for s in sessions)


@pytest.mark.parametrize("action", ["disable", "reset"])
async def test_admin_cannot_lock_themselves_out(action, client, database, clock, world):
    await sign_in(client, database, clock, world.admin)
    response = await admin_post(client, f"/users/{world.admin.id}/{action}", {})
    assert response.status == 400
    async with database.session() as session:
        admin = await session.get(StaffUser, world.admin.id)
    assert admin.disabled_at is None and admin.password_hash is not None
    assert (await client.get("/users")).status == 200


async def test_reset_forgets_password_and_totp_and_gives_a_link(
    client, make_client, database, clock, world
):
    victim_client = await make_client()
    await sign_in(victim_client, database, clock, world.coordinator_a)
    await sign_in(client, database, clock, world.admin)
    response = await admin_post(client, f"/users/{world.coordinator_a.id}/reset", {})
    assert response.status == 200
    assert re.search(r'id="setup-link">/password/[^<]+<', await response.text())
    async with database.session() as session:
        user = await session.get(StaffUser, world.coordinator_a.id)
    assert user.password_hash is None and user.totp_secret is None
    response = await victim_client.get("/youths", allow_redirects=False)
    assert response.headers["Location"] == "/login"


async def test_unknown_user_is_not_found(client, database, clock, world):
    await sign_in(client, database, clock, world.admin)
    assert (await admin_post(client, "/users/999999/disable", {})).status == 404


async def test_add_staff_user_is_usable_without_the_web(database, clock, world):
    async with database.transaction() as session:
        user, link = await add_staff_user(
            session,
            clock,
            NewStaff(
                email="cli@example.nl",
                name="Cli",
                role=Role.COORDINATOR,
                region_id=world.region_a.id,
            ),
            actor_id=None,
        )
    assert user.id is not None and link.startswith("/password/")
    assert user.password_hash is None

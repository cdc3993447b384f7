"""Login with password and TOTP, enrolment, throttling, sessions, logout, setup links."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from cryptography.fernet import Fernet
from sqlmodel import select

from admin.accounts import issue_password_setup
from admin.security.sealing import SealError, unseal
from admin.security.sessions import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT
from bot.models import Role, StaffSession, StaffUser
from tests.admin import factories
from tests.admin.conftest import BROWSER, SESSION_COOKIE, csrf_from, demo_settings

pytestmark = pytest.mark.db


async def post_form(client, path: str, data: dict[str, str], page: str | None = None):
    """Fetch ``page`` (default ``path``) for its CSRF token, then post ``data`` like a browser."""
    form_page = await client.get(page or path, allow_redirects=False)
    token = csrf_from(await form_page.text())
    return await client.post(
        path, data={**data, "csrf_token": token}, headers=BROWSER, allow_redirects=False
    )


async def login(client, clock, user: StaffUser, password: str = factories.PASSWORD):
    response = await post_form(client, "/login", {"email": user.email, "password": password})
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == "/login/totp"
    code = factories.now_code(user.totp_secret, clock.now())
    response = await post_form(client, "/login/totp", {"code": code})
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == "/"
    return response


def session_cookie(client) -> str | None:
    for cookie in client.session.cookie_jar:
        if cookie.key == SESSION_COOKIE:
            return cookie.value
    return None


async def test_login_with_password_and_totp_reaches_the_dashboard(client, database, clock):
    user = await factories.staff(database, clock, Role.ADMIN)
    await login(client, clock, user)
    response = await client.get("/")
    assert response.status == 200
    assert user.name in await response.text()


async def test_wrong_password_and_wrong_code_are_refused(client, database, clock):
    user = await factories.staff(database, clock, Role.ADMIN)
    response = await post_form(client, "/login", {"email": user.email, "password": "wrong" * 4})
    assert response.status == 401
    assert "klopt niet" in await response.text()
    assert (await client.get("/", allow_redirects=False)).status == 303

    response = await post_form(
        client, "/login", {"email": user.email, "password": factories.PASSWORD}
    )
    assert response.status == 303
    totp = pyotp.TOTP(user.totp_secret)
    valid = {totp.at(clock.now() + timedelta(seconds=30 * step)) for step in (-1, 0, 1)}
    wrong = next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)
    response = await post_form(client, "/login/totp", {"code": wrong})
    assert response.status == 401
    # Password alone gives no access to any page.
    response = await client.get("/youths", allow_redirects=False)
    assert response.headers["Location"] == "/login/totp"


async def test_a_totp_code_works_only_once(client, make_client, database, clock):
    user = await factories.staff(database, clock, Role.ADMIN)
    await login(client, clock, user)
    other = await make_client()
    response = await post_form(
        other, "/login", {"email": user.email, "password": factories.PASSWORD}
    )
    assert response.status == 303
    code = factories.now_code(user.totp_secret, clock.now())
    response = await post_form(other, "/login/totp", {"code": code})
    assert response.status == 401


async def test_disabled_account_cannot_log_in(client, database, clock):
    user = await factories.staff(database, clock, Role.ADMIN)
    async with database.transaction() as session:
        row = await session.get(StaffUser, user.id)
        row.disabled_at = clock.now()
        session.add(row)
    response = await post_form(
        client, "/login", {"email": user.email, "password": factories.PASSWORD}
    )
    assert response.status == 401


async def test_first_login_after_setup_link_enrols_totp(client, database, clock):
    user = await factories.staff(database, clock, Role.COORDINATOR, password=None, totp_secret=None)
    path = await issue_password_setup(database, user, clock)
    assert path.startswith("/password/")

    new_password = "een lang en sterk wachtwoord"
    response = await post_form(
        client, path, {"password": new_password, "password_confirm": new_password}
    )
    assert response.status == 200
    assert 'id="password-done"' in await response.text()
    # Single use: the link is spent.
    assert (await client.get(path)).status == 404

    response = await post_form(client, "/login", {"email": user.email, "password": new_password})
    assert response.status == 303
    response = await client.get("/login/totp", allow_redirects=False)
    assert response.headers["Location"] == "/login/totp/setup"
    page = await client.get("/login/totp/setup")
    html = await page.text()
    secret = html.split('id="totp-secret">')[1].split("<")[0].replace(" ", "")
    qr = await client.get("/login/totp/qr.svg")
    assert qr.status == 200 and qr.content_type == "image/svg+xml"
    assert b"<svg" in await qr.read()

    response = await post_form(
        client, "/login/totp/setup", {"code": pyotp.TOTP(secret).at(clock.now())}
    )
    assert response.status == 303 and response.headers["Location"] == "/"
    async with database.session() as session:
        stored = await session.get(StaffUser, user.id)
    assert stored.totp_secret == secret
    assert (await client.get("/")).status == 200


async def test_setup_link_rules(client, database, clock):
    user = await factories.staff(database, clock, Role.ADMIN, password=None, totp_secret=None)
    first = await issue_password_setup(database, user, clock)
    second = await issue_password_setup(database, user, clock)
    assert (await client.get(first)).status == 404, "a newer link revokes the older one"
    assert (await client.get(second)).status == 200

    response = await post_form(client, second, {"password": "short", "password_confirm": "short"})
    assert response.status == 400
    assert "minstens 12" in await response.text()
    response = await post_form(client, second, {"password": "a" * 20, "password_confirm": "b" * 20})
    assert response.status == 400

    clock.advance(timedelta(hours=72))
    assert (await client.get(second)).status == 404, "links expire after 72 hours"
    assert (await client.get("/password/made-up-token")).status == 404


async def test_eleventh_attempt_is_refused_even_with_the_right_password(client, database, clock):
    user = await factories.staff(database, clock, Role.ADMIN)
    for _ in range(10):
        response = await post_form(client, "/login", {"email": user.email, "password": "nope" * 4})
        assert response.status == 401
    response = await post_form(
        client, "/login", {"email": user.email, "password": factories.PASSWORD}
    )
    assert response.status == 429
    assert "Te veel" in await response.text()

    clock.advance(timedelta(minutes=15, seconds=1))
    response = await post_form(
        client, "/login", {"email": user.email, "password": factories.PASSWORD}
    )
    assert response.status == 303


async def test_throttling_counts_per_address_across_accounts(client, database, clock):
    victim = await factories.staff(database, clock, Role.ADMIN)
    for number in range(10):
        response = await post_form(
            client, "/login", {"email": f"guess{number}@example.nl", "password": "nope" * 4}
        )
        assert response.status == 401
    response = await post_form(
        client, "/login", {"email": victim.email, "password": factories.PASSWORD}
    )
    assert response.status == 429


async def test_session_id_changes_at_login(client, database, clock):
    user = await factories.staff(database, clock, Role.ADMIN)
    planted = "attacker-chosen-session-id"
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: planted})
    response = await login(client, clock, user)
    issued = response.cookies[SESSION_COOKIE].value
    assert issued and issued != planted


async def test_idle_and_absolute_session_expiry(client, database, clock):
    user = await factories.staff(database, clock, Role.ADMIN)
    await login(client, clock, user)
    clock.advance(IDLE_TIMEOUT - timedelta(minutes=1))
    assert (await client.get("/")).status == 200
    clock.advance(IDLE_TIMEOUT)
    response = await client.get("/", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/login"

    await login(client, clock, user)
    started = clock.now()
    while clock.now() - started < ABSOLUTE_TIMEOUT - timedelta(minutes=20):
        clock.advance(timedelta(minutes=20))
        assert (await client.get("/")).status == 200
    clock.advance(timedelta(minutes=20))
    response = await client.get("/", allow_redirects=False)
    assert response.status == 303, "12 hours after login the session ends, however active"


async def test_logout_ends_the_session_on_the_server(client, database, clock):
    user = await factories.staff(database, clock, Role.ADMIN)
    await login(client, clock, user)
    old = session_cookie(client)
    page = await client.get("/")
    response = await client.post(
        "/logout",
        data={"csrf_token": csrf_from(await page.text())},
        headers=BROWSER,
        allow_redirects=False,
    )
    assert response.status == 303
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: old})
    response = await client.get("/", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/login"
    async with database.session() as session:
        rows = (
            await session.exec(select(StaffSession).where(StaffSession.staff_user_id == user.id))
        ).all()
    assert all(row.ended_at is not None for row in rows)


async def test_totp_secret_is_encrypted_at_rest_when_a_data_key_is_set(
    make_client, database, clock
):
    key = Fernet.generate_key().decode()
    client = await make_client(demo_settings(data_key=key))
    user = await factories.staff(database, clock, Role.ADMIN, totp_secret=None)
    response = await post_form(
        client, "/login", {"email": user.email, "password": factories.PASSWORD}
    )
    assert response.headers["Location"] == "/login/totp"
    html = await (await client.get("/login/totp/setup")).text()
    secret = html.split('id="totp-secret">')[1].split("<")[0].replace(" ", "")
    response = await post_form(
        client, "/login/totp/setup", {"code": pyotp.TOTP(secret).at(clock.now())}
    )
    assert response.status == 303
    async with database.session() as session:
        stored = (await session.get(StaffUser, user.id)).totp_secret
    assert stored.startswith("fernet:") and secret not in stored

    clock.advance(timedelta(seconds=60))
    fresh = await make_client(demo_settings(data_key=key))
    response = await post_form(
        fresh, "/login", {"email": user.email, "password": factories.PASSWORD}
    )
    response = await post_form(fresh, "/login/totp", {"code": pyotp.TOTP(secret).at(clock.now())})
    assert response.status == 303 and response.headers["Location"] == "/"

    with pytest.raises(SealError, match="INBEELD_DATA_KEY"):
        unseal(demo_settings(), stored)

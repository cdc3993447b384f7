"""Checks generated from the route table: every route is guarded the way it declares."""

from __future__ import annotations

import re

import pytest
from aiohttp import DummyCookieJar
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from admin.app import ROUTES, create_admin_app
from admin.guard import Access, Route
from admin.security.sessions import Stage
from bot.context import Services
from bot.models import AuditEvent, Role, StaffUser, Youth
from tests.admin import factories
from tests.admin.conftest import BROWSER, SESSION_COOKIE, csrf_from, demo_settings

pytestmark = pytest.mark.db

PROTECTED = [r for r in ROUTES if r.access == Access.ROLES]
RESTRICTED = [
    (route, role)
    for route in ROUTES
    if route.access == Access.ROLES
    for role in Role
    if role not in route.roles
]
UNSAFE = [r for r in ROUTES if r.unsafe]
SECURITY_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@pytest.fixture
async def world(database, clock) -> factories.World:
    """The shared world plus an open escalation in each region (for the escalation routes)."""
    found = await factories.world(database, clock)
    found.escalation_a = await factories.escalation(database, clock, found.youth_a, "attention")
    found.escalation_b = await factories.escalation(database, clock, found.youth_b, "attention")
    return found


def concrete(route: Route, world: factories.World, *, other_region: bool = False) -> str:
    youth = world.youth_b if other_region else world.youth_a
    escalation = world.escalation_b if other_region else world.escalation_a
    path = re.sub(r"\{youth_id[^}]*\}", str(youth.id), route.path)
    if escalation is not None:
        path = re.sub(r"\{escalation_id[^}]*\}", str(escalation.id), path)
    path = re.sub(r"\{user_id[^}]*\}", str(world.coordinator_a.id), path)
    path = re.sub(r"\{school_id[^}]*\}", str(world.school_a.id), path)
    path = re.sub(r"\{upload_id:.*?\}\}", "x" * 24, path)  # no such upload: a 404 once let in
    return re.sub(r"\{token\}", "not-a-token", path)


def user_for(world: factories.World, role: Role) -> StaffUser:
    return {
        Role.ADMIN: world.admin,
        Role.COORDINATOR: world.coordinator_a,
        Role.SCHOOL: world.school_user_a,
    }[role]


async def sign_in(client, database, clock, user: StaffUser, stage: Stage = Stage.FULL) -> None:
    raw = await factories.signed_in_cookie(database, clock, user, stage)
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: raw})


async def token_for(route: Route, client, database, clock, world) -> str:
    """Sign in as far as the route needs and return the page's valid CSRF token."""
    page = "/login"
    if route.access == Access.SECOND_FACTOR:
        await sign_in(client, database, clock, world.admin, Stage.SECOND_FACTOR)
        page = "/login/totp"
    elif route.access != Access.PUBLIC:
        await sign_in(client, database, clock, world.admin)
        page = "/"
    return csrf_from(await (await client.get(page)).text())


def test_the_route_table_covers_every_area():
    names = {route.name for route in ROUTES}
    assert {
        "login",
        "totp",
        "totp_setup",
        "logout",
        "password",
        "dashboard",
        "youths",
        "youth",
        "audit",
        "users",
        "user_add",
        "user_disable",
        "user_reset",
        "import_form",
        "import_upload",
        "import_status",
        "import_confirm",
        "invitations",
        "invitations_issue",
        "reoffers",
        "reoffers_csv",
        "youth_pause",
        "youth_pause-end",
        "youth_programme",
        "youth_coordinator",
        "youth_invitation",
        "youth_message",
        "youth_consent",
        "youth_withdrawal",
        "youth_erase",
        "escalations",
        "escalation_acknowledge",
        "escalation_start",
        "escalation_assign",
        "escalation_handover",
        "escalation_accept",
        "escalation_withdraw",
        "escalation_close",
        "reports",
        "reports_csv",
        "account",
        "account_language",
    } <= names
    for route in ROUTES:
        if route.access == Access.ROLES:
            assert route.roles, f"{route.name} declares no roles"


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: f"{r.method} {r.path}")
async def test_anonymous_is_sent_to_login_or_refused(route, client, world):
    response = await client.request(
        route.method, concrete(route, world), headers=BROWSER, allow_redirects=False
    )
    if route.method == "GET":
        assert response.status == 303
        assert response.headers["Location"] == "/login"
    else:
        assert response.status in (401, 403)


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if r.access == Access.SECOND_FACTOR], ids=lambda r: r.path
)
async def test_second_factor_pages_need_a_password_first(route, client, world):
    response = await client.request(
        route.method, concrete(route, world), headers=BROWSER, allow_redirects=False
    )
    assert response.status in (303, 401, 403)
    if route.method == "GET":
        assert response.headers["Location"] == "/login"


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: f"{r.method} {r.path}")
async def test_half_signed_in_sessions_reach_no_page(route, client, database, clock, world):
    await sign_in(client, database, clock, world.admin, Stage.SECOND_FACTOR)
    response = await client.request(
        route.method, concrete(route, world), headers=BROWSER, allow_redirects=False
    )
    if route.method == "GET":
        assert response.headers["Location"] == "/login/totp"
    else:
        assert response.status in (401, 403)


@pytest.mark.parametrize(
    ("route", "role"), RESTRICTED, ids=lambda v: v.path if isinstance(v, Route) else str(v)
)
async def test_wrong_role_is_forbidden(route, role, client, database, clock, world):
    await sign_in(client, database, clock, user_for(world, role))
    token = csrf_from(await (await client.get("/")).text())
    response = await client.request(
        route.method,
        concrete(route, world),
        data={"csrf_token": token} if route.unsafe else None,
        headers=BROWSER,
        allow_redirects=False,
    )
    assert response.status in (403, 404)
    assert 'id="error-message"' in await response.text(), "refusals use the panel layout"


SCOPED = [
    (route, role)
    for route in ROUTES
    if route.access == Access.ROLES
    and ("{youth_id" in route.path or "{escalation_id" in route.path)
    for role in (Role.COORDINATOR, Role.SCHOOL)
    if role in route.roles
]


@pytest.mark.parametrize(
    ("route", "role"), SCOPED, ids=lambda v: f"{v.method} {v.path}" if isinstance(v, Route) else v
)
async def test_another_regions_youth_or_case_is_not_found(
    route, role, client, database, clock, world
):
    """Every route about one youth or case answers 404 for another region's, and changes
    nothing (no audit entry is written)."""
    await sign_in(client, database, clock, user_for(world, role))
    token = csrf_from(await (await client.get("/")).text())
    async with database.session() as session:
        before = len((await session.exec(select(AuditEvent))).all())
    response = await client.request(
        route.method,
        concrete(route, world, other_region=True),
        data={"csrf_token": token, "confirm_first_name": "Bram"} if route.unsafe else None,
        headers=BROWSER,
        allow_redirects=False,
    )
    assert response.status == 404
    assert 'id="error-message"' in await response.text()
    async with database.session() as session:
        assert len((await session.exec(select(AuditEvent))).all()) == before
        assert await session.get(Youth, world.youth_b.id) is not None


@pytest.mark.parametrize("route", UNSAFE, ids=lambda r: r.path)
async def test_unsafe_routes_refuse_missing_or_wrong_csrf_token(
    route, client, database, clock, world
):
    token = await token_for(route, client, database, clock, world)
    path = concrete(route, world)
    for data in ({}, {"csrf_token": ""}, {"csrf_token": token + "x"}):
        response = await client.post(path, data=data, headers=BROWSER, allow_redirects=False)
        assert response.status == 403, (path, data)


@pytest.mark.parametrize("route", UNSAFE, ids=lambda r: r.path)
@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ],
    ids=["cross-site", "same-site", "foreign-origin", "null-origin"],
)
async def test_unsafe_routes_refuse_cross_site_requests(
    route, headers, client, database, clock, world
):
    token = await token_for(route, client, database, clock, world)
    response = await client.post(
        concrete(route, world), data={"csrf_token": token}, headers=headers, allow_redirects=False
    )
    assert response.status == 403


async def test_cross_site_disable_changes_nothing(client, database, clock, world):
    await sign_in(client, database, clock, world.admin)
    token = csrf_from(await (await client.get("/")).text())
    response = await client.post(
        f"/users/{world.coordinator_a.id}/disable",
        data={"csrf_token": token},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status == 403
    async with database.session() as session:
        assert (await session.get(StaffUser, world.coordinator_a.id)).disabled_at is None


async def test_same_origin_without_fetch_metadata_is_accepted(client, database, clock, world):
    await sign_in(client, database, clock, world.admin)
    token = csrf_from(await (await client.get("/")).text())
    origin = str(client.make_url("/")).rstrip("/")
    response = await client.post(
        "/logout", data={"csrf_token": token}, headers={"Origin": origin}, allow_redirects=False
    )
    assert response.status == 303


@pytest.mark.parametrize("role", list(Role))
async def test_every_page_carries_the_security_headers(role, client, database, clock, world):
    await sign_in(client, database, clock, user_for(world, role))
    for route in ROUTES:
        if route.method != "GET":
            continue
        response = await client.get(concrete(route, world), allow_redirects=False)
        for name, expected in SECURITY_HEADERS.items():
            assert expected in response.headers.get(name, ""), (route.path, name)
        assert "Strict-Transport-Security" not in response.headers  # plain http demo


async def test_static_files_are_cacheable_and_errors_have_headers(client):
    response = await client.get("/static/panel.css")
    assert response.status == 200
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    missing = await client.get("/no-such-page")
    assert missing.status == 404
    assert "frame-ancestors 'none'" in missing.headers["Content-Security-Policy"]


async def test_csp_forbids_inline_script(client):
    policy = (await client.get("/login")).headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    html = await (await client.get("/login")).text()
    assert "<script>" not in html and " on" + "click=" not in html


async def test_demo_cookies_are_httponly_and_samesite(client):
    response = await client.get("/login")
    cookie = response.cookies["inbeeld-csrf"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["secure"]


async def test_production_cookies_are_secure_with_host_prefix(database, clock, world):
    settings = demo_settings(admin_host="0.0.0.0", public_url="https://panel.example")  # noqa: S104
    services = Services(settings=settings, database=database, clock=clock)
    async with TestClient(TestServer(create_admin_app(services)), cookie_jar=DummyCookieJar()) as c:
        page = await c.get("/login")
        assert "max-age" in page.headers["Strict-Transport-Security"]
        pre = page.cookies["__Host-inbeeld-csrf"]
        assert pre["secure"] and pre["httponly"] and pre["samesite"] == "Lax"
        token = csrf_from(await page.text())
        response = await c.post(
            "/login",
            data={"email": world.admin.email, "password": factories.PASSWORD, "csrf_token": token},
            headers={**BROWSER, "Cookie": f"__Host-inbeeld-csrf={pre.value}"},
            allow_redirects=False,
        )
        assert response.status == 303
        session_cookie = response.cookies["__Host-inbeeld"]
        assert session_cookie["secure"] and session_cookie["httponly"]
        assert session_cookie["samesite"] == "Lax" and session_cookie["path"] == "/"
        assert not session_cookie["domain"]

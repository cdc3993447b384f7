"""Request-level helpers shared by the views: services, the signed-in user, cookies, rendering."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from admin.i18n import _
from admin.security.sessions import ActiveSession, cookie_name, cookie_secure
from admin.security.tokens import new_token
from bot.context import Services
from bot.conversations.plans import PlanSync
from bot.models import StaffUser
from bot.watchers.service import WatchersService

SERVICES_KEY = web.AppKey("services", Services)
# Programmes and flows, loaded once when the app is made (replanning needs them).
PLANS_KEY = web.AppKey("plans", PlanSync)
# The service's watchers: staff messages to youths go through them.
WATCHERS_KEY = web.AppKey("watchers", WatchersService)
AUTH = web.RequestKey("inbeeld.auth", ActiveSession | None)  # type: ignore[arg-type]
# A pre-login form value minted for this request; the guard sets it as a cookie.
FRESH_PRE_LOGIN_VALUE = web.RequestKey("inbeeld.fresh_pre_login", str)
PRE_LOGIN_COOKIE_SUFFIX = "-csrf"


def services(request: web.Request) -> Services:
    return request.app[SERVICES_KEY]


def plans(request: web.Request) -> PlanSync:
    return request.app[PLANS_KEY]


def watchers(request: web.Request) -> WatchersService:
    return request.app[WATCHERS_KEY]


def auth(request: web.Request) -> ActiveSession | None:
    return request.get(AUTH)


def current_user(request: web.Request) -> StaffUser:
    """The signed-in user; only call from routes the guard has let through."""
    active = auth(request)
    if active is None:
        raise web.HTTPUnauthorized()
    return active.user


def client_address(request: web.Request) -> str:
    # X-Forwarded-For is not trusted: a proxy in front must be configured to set remote.
    return (request.remote or "unknown")[:64]


def is_secure_cookie(request: web.Request) -> bool:
    return cookie_secure(services(request).settings)


def session_cookie_name(request: web.Request) -> str:
    return cookie_name(is_secure_cookie(request))


def pre_login_cookie_name(request: web.Request) -> str:
    return session_cookie_name(request) + PRE_LOGIN_COOKIE_SUFFIX


def form_token(request: web.Request) -> str:
    """The CSRF token for forms on this page."""
    active = auth(request)
    if active is not None:
        return active.record.csrf_token
    existing = request.cookies.get(pre_login_cookie_name(request)) or request.get(
        FRESH_PRE_LOGIN_VALUE
    )
    if existing:
        return existing
    token = new_token()
    request[FRESH_PRE_LOGIN_VALUE] = token
    return token


def set_cookie(response: web.StreamResponse, request: web.Request, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path="/",
        secure=is_secure_cookie(request),
        httponly=True,
        samesite="Lax",
    )


def set_session_cookie(response: web.StreamResponse, request: web.Request, raw_id: str) -> None:
    set_cookie(response, request, session_cookie_name(request), raw_id)


def clear_session_cookie(response: web.StreamResponse, request: web.Request) -> None:
    response.del_cookie(
        session_cookie_name(request),
        path="/",
        secure=is_secure_cookie(request),
        httponly=True,
        samesite="Lax",
    )


def render(
    request: web.Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> web.Response:
    active = auth(request)
    full = dict(context or {})
    full.setdefault("page_title", "")
    full["current_user"] = active.user if active is not None and active.is_full else None
    full["csrf_token"] = form_token(request)
    return aiohttp_jinja2.render_template(template, request, full, status=status)


def redirect(location: str) -> web.HTTPSeeOther:
    """303 after a POST, so a reload does not repeat it."""
    return web.HTTPSeeOther(location)


def not_found() -> web.HTTPNotFound:
    return web.HTTPNotFound(text=_("Niet gevonden."))

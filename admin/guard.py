"""The one gate every panel route passes: session, stage, role and CSRF checks.

Each route in `admin.app.ROUTES` declares who may use it; `guarded` wraps its handler. Checks
live here rather than in global middleware so routes the service adds next to the panel (the
Telegram webhook, health checks) are not affected.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from aiohttp import web

from admin.i18n import _, use_language
from admin.security import csrf
from admin.security.sessions import ActiveSession, load_session
from admin.web import (
    AUTH,
    FRESH_PRE_LOGIN_VALUE,
    auth,
    pre_login_cookie_name,
    render,
    services,
    session_cookie_name,
    set_cookie,
)
from bot.models import Role

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

log = logging.getLogger(__name__)

LOGIN_PATH = "/login"
SECOND_FACTOR_PATH = "/login/totp"


class Access(StrEnum):
    PUBLIC = "public"  # anyone (login, password setup)
    SECOND_FACTOR = "second_factor"  # password accepted, TOTP still to do
    ROLES = "roles"  # fully signed in with one of the route's roles


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Handler
    name: str
    access: Access
    roles: frozenset[Role] = frozenset()
    # A larger request body than the app's default (file uploads); None keeps the default.
    max_body: int | None = None

    @property
    def unsafe(self) -> bool:
        return self.method in csrf.UNSAFE_METHODS


ALL_ROLES = frozenset(Role)


def guarded(route: Route) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        if route.max_body is not None:
            request = request.clone(client_max_size=route.max_body)
        await _attach_session(request)
        try:
            _check_access(route, request)
            _check_size(route, request)
            if route.unsafe:
                await _check_csrf(request)
            response = await route.handler(request)
        except web.HTTPRequestEntityTooLarge:
            response = _error_page(request, _too_large(request))
        except web.HTTPException as exc:
            if exc.status in ERROR_PAGES:
                response = _error_page(request, exc)
            else:
                _remember_pre_login_value(request, exc)
                raise
        _remember_pre_login_value(request, response)
        return response

    handler.__name__ = getattr(route.handler, "__name__", route.name)
    return handler


async def _attach_session(request: web.Request) -> None:
    request[AUTH] = None
    use_language(None)
    raw = request.cookies.get(session_cookie_name(request))
    if not raw:
        return
    svc = services(request)
    async with svc.database.transaction() as session:
        active: ActiveSession | None = await load_session(session, svc.clock, raw)
    request[AUTH] = active
    # Refusals and pages alike speak the signed-in user's language from here on.
    use_language(active.user.language if active is not None else None)


def _check_access(route: Route, request: web.Request) -> None:
    if route.access == Access.PUBLIC:
        return
    active = auth(request)
    if active is None:
        _refuse_anonymous(route)
    assert active is not None
    if route.access == Access.SECOND_FACTOR:
        if active.is_full:
            raise web.HTTPSeeOther("/")
        return
    if not active.is_full:
        if route.method == "GET":
            raise web.HTTPSeeOther(SECOND_FACTOR_PATH)
        raise web.HTTPUnauthorized(text=_("Log eerst in."))
    if active.user.role not in route.roles:
        raise web.HTTPForbidden(text=_("Je hebt geen toegang tot deze pagina."))


def _check_size(route: Route, request: web.Request) -> None:
    """Refuse an announced oversized body before reading any of it."""
    length = request.content_length
    if length is not None and length > request.client_max_size:
        raise web.HTTPRequestEntityTooLarge(request.client_max_size, length)


def _too_large(request: web.Request) -> web.HTTPException:
    megabytes = max(1, request.client_max_size // (1024 * 1024))
    return web.HTTPRequestEntityTooLarge(
        request.client_max_size,
        request.content_length or 0,
        text=_(
            "Dit is te groot om te versturen. Een bestand mag hoogstens {mb} MB zijn.",
            mb=megabytes,
        ),
    )


def _refuse_anonymous(route: Route) -> None:
    if route.method == "GET":
        raise web.HTTPSeeOther(LOGIN_PATH)
    raise web.HTTPUnauthorized(text=_("Log eerst in."))


async def _check_csrf(request: web.Request) -> None:
    reason = csrf.cross_origin_refusal(request, services(request).settings.public_url)
    if reason is not None:
        log.warning("csrf.cross_site_refused", extra={"path": request.path, "reason": reason})
        raise web.HTTPForbidden(text=_("Dit verzoek kwam niet van deze website."))
    active = auth(request)
    expected = (
        active.record.csrf_token
        if active is not None
        else request.cookies.get(pre_login_cookie_name(request))
    )
    submitted = None
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.post()).get(csrf.FORM_FIELD)
        submitted = value if isinstance(value, str) else None
    if not csrf.token_matches(expected, submitted):
        log.warning("csrf.token_refused", extra={"path": request.path})
        raise web.HTTPForbidden(
            text=_("Dit formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens.")
        )


ERROR_PAGES = frozenset({401, 403, 404})


def _default_reason(status: int) -> str:
    if status == 401:
        return _("Log eerst in.")
    if status == 403:
        return _("Je hebt geen toegang tot deze pagina.")
    return _("Deze pagina bestaat niet, of je mag hem niet zien.")


def _error_page(request: web.Request, exc: web.HTTPException) -> web.Response:
    """Refusals in the panel's own layout; the reason shown is the one the check gave."""
    message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else None
    return render(
        request,
        "error.html",
        {"page_title": _("Dat lukt niet"), "message": message or _default_reason(exc.status)},
        status=exc.status,
    )


def _remember_pre_login_value(request: web.Request, response: web.StreamResponse) -> None:
    value = request.get(FRESH_PRE_LOGIN_VALUE)
    if value:
        set_cookie(response, request, pre_login_cookie_name(request), value)

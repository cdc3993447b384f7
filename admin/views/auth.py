"""Login with password and TOTP, TOTP enrolment, logout and password setup."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from admin.accounts import complete_password_setup, find_setup_link
from admin.i18n import _
from admin.security import totp
from admin.security.passwords import verify_password
from admin.security.sealing import seal, unseal
from admin.security.sessions import EndReason, Stage, end_session, start_session
from admin.security.throttle import (
    Factor,
    is_throttled,
    normalise_account,
    record_attempt,
    totp_counter_used,
)
from admin.web import (
    auth,
    clear_session_cookie,
    client_address,
    redirect,
    render,
    services,
    set_session_cookie,
)
from bot.audit import AuditAction, record_event
from bot.models import StaffSession, StaffUser

log = logging.getLogger(__name__)

SETUP_TOTP_PATH = "/login/totp/setup"
VERIFY_TOTP_PATH = "/login/totp"


def _throttled() -> str:
    return _("Te veel mislukte pogingen. Probeer het over 15 minuten opnieuw.")


async def login_form(request: web.Request) -> web.Response:
    active = auth(request)
    if active is not None and active.is_full:
        raise redirect("/")
    return render(request, "login.html", {"page_title": _("Inloggen")})


async def login_submit(request: web.Request) -> web.StreamResponse:
    svc = services(request)
    form = await request.post()
    email = normalise_account(str(form.get("email", "")))
    password = str(form.get("password", ""))
    address = client_address(request)
    raw_session: str | None = None
    outcome = "wrong"
    async with svc.database.transaction() as session:
        if await is_throttled(session, svc.clock, account=email, client_address=address):
            outcome = "throttled"
        else:
            user = (await session.exec(select(StaffUser).where(StaffUser.email == email))).first()
            stored_hash = user.password_hash if user is not None else None
            # Argon2 takes tens of milliseconds of CPU: keep the event loop free meanwhile.
            ok = await asyncio.to_thread(verify_password, stored_hash, password)
            ok = ok and user is not None and user.disabled_at is None
            await record_attempt(
                session,
                svc.clock,
                account=email,
                client_address=address,
                factor=Factor.PASSWORD,
                succeeded=ok,
                staff_user_id=user.id if user is not None else None,
            )
            if ok and user is not None:
                outcome = "ok"
                await _end_current(request, session)
                pending = None if user.totp_secret else totp.new_secret()
                raw_session, _record = await start_session(
                    session,
                    svc.clock,
                    user,
                    Stage.SECOND_FACTOR,
                    client_address=address,
                    pending_totp_secret=pending,
                )
    # Never log the e-mail address typed: people sometimes type their password there.
    log.info("login.password", extra={"outcome": outcome})
    if outcome == "throttled":
        return render(request, "login.html", {"error": _throttled(), "email": email}, status=429)
    if outcome == "wrong" or raw_session is None:
        return render(
            request,
            "login.html",
            {"error": _("E-mailadres of wachtwoord klopt niet."), "email": email},
            status=401,
        )
    response = redirect(VERIFY_TOTP_PATH)
    set_session_cookie(response, request, raw_session)
    raise response


async def _end_current(
    request: web.Request, session: AsyncSession, reason: EndReason = EndReason.ROTATED
) -> None:
    active = auth(request)
    if active is not None:
        record = await session.get(StaffSession, active.record.id)
        if record is not None and record.ended_at is None:
            await end_session(session, services(request).clock, record, reason)


async def totp_form(request: web.Request) -> web.Response:
    active = auth(request)
    assert active is not None
    if not active.user.totp_secret:
        raise redirect(SETUP_TOTP_PATH)
    return render(request, "totp_verify.html", {"page_title": _("Inlogcode")})


async def totp_submit(request: web.Request) -> web.StreamResponse:
    active = auth(request)
    assert active is not None
    if not active.user.totp_secret:
        raise redirect(SETUP_TOTP_PATH)
    secret = unseal(services(request).settings, active.user.totp_secret)
    return await _finish_second_factor(
        request, secret, enrolling=False, template="totp_verify.html"
    )


async def totp_setup_form(request: web.Request) -> web.Response:
    active = auth(request)
    assert active is not None
    if active.user.totp_secret or not active.record.pending_totp_secret:
        raise redirect(VERIFY_TOTP_PATH)
    return render(request, "totp_setup.html", _setup_context(active.record.pending_totp_secret))


def _setup_context(secret: str) -> dict[str, object]:
    # Groups of four are easier to type over from a screen.
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {"page_title": _("Tweestapsverificatie instellen"), "secret": grouped}


async def totp_setup_qr(request: web.Request) -> web.Response:
    active = auth(request)
    assert active is not None
    secret = active.record.pending_totp_secret
    if active.user.totp_secret or not secret:
        raise web.HTTPNotFound()
    svg = totp.qr_svg(totp.provisioning_uri(secret, active.user.email))
    return web.Response(body=svg, content_type="image/svg+xml")


async def totp_setup_submit(request: web.Request) -> web.StreamResponse:
    active = auth(request)
    assert active is not None
    secret = active.record.pending_totp_secret
    if active.user.totp_secret or not secret:
        raise redirect(VERIFY_TOTP_PATH)
    return await _finish_second_factor(request, secret, enrolling=True, template="totp_setup.html")


async def _finish_second_factor(
    request: web.Request, secret: str, *, enrolling: bool, template: str
) -> web.StreamResponse:
    svc = services(request)
    active = auth(request)
    assert active is not None and active.user.id is not None
    user_id = active.user.id
    form = await request.post()
    code = str(form.get("code", ""))
    address = client_address(request)
    outcome = "wrong"
    raw_session: str | None = None
    async with svc.database.transaction() as session:
        if await is_throttled(
            session, svc.clock, account=active.user.email, client_address=address
        ):
            outcome = "throttled"
        else:
            counter = totp.matching_counter(secret, code, svc.clock.now())
            ok = counter is not None and not await totp_counter_used(session, user_id, counter)
            await record_attempt(
                session,
                svc.clock,
                account=active.user.email,
                client_address=address,
                factor=Factor.TOTP,
                succeeded=ok,
                staff_user_id=user_id,
                totp_counter=counter if ok else None,
            )
            if ok:
                outcome = "ok"
                user = await session.get(StaffUser, user_id)
                assert user is not None
                if enrolling:
                    user.totp_secret = seal(svc.settings, secret)
                    session.add(user)
                    await record_event(
                        session,
                        svc.clock,
                        action=AuditAction.TOTP_ENROLLED,
                        actor_id=user_id,
                        target_user_id=user_id,
                        client_address=address,
                    )
                await _end_current(request, session)
                raw_session, _record = await start_session(
                    session, svc.clock, user, Stage.FULL, client_address=address
                )
                await record_event(
                    session,
                    svc.clock,
                    action=AuditAction.LOGIN,
                    actor_id=user_id,
                    client_address=address,
                )
    log.info(
        "login.second_factor",
        extra={"outcome": outcome, "staff_user_id": user_id, "enrolling": enrolling},
    )
    if outcome == "ok" and raw_session is not None:
        response = redirect("/")
        set_session_cookie(response, request, raw_session)
        raise response
    context = _setup_context(secret) if enrolling else {"page_title": _("Inlogcode")}
    if outcome == "throttled":
        context["error"] = _throttled()
        return render(request, template, context, status=429)
    context["error"] = _("Deze code klopt niet. Kijk in je app en probeer het opnieuw.")
    return render(request, template, context, status=401)


async def logout(request: web.Request) -> web.StreamResponse:
    svc = services(request)
    active = auth(request)
    if active is not None:
        async with svc.database.transaction() as session:
            await _end_current(request, session, EndReason.LOGOUT)
            await record_event(
                session,
                svc.clock,
                action=AuditAction.LOGOUT,
                actor_id=active.user.id,
                client_address=client_address(request),
            )
    response = redirect("/login")
    clear_session_cookie(response, request)
    raise response


async def password_form(request: web.Request) -> web.Response:
    svc = services(request)
    token = request.match_info["token"]
    async with svc.database.session() as session:
        found = await find_setup_link(session, svc.clock, token)
    if found is None:
        return render(request, "password_setup.html", {"invalid": True}, status=404)
    return render(
        request,
        "password_setup.html",
        {"page_title": _("Wachtwoord instellen"), "email": found[1].email},
    )


async def password_submit(request: web.Request) -> web.Response:
    svc = services(request)
    token = request.match_info["token"]
    form = await request.post()
    try:
        async with svc.database.transaction() as session:
            await complete_password_setup(
                session,
                svc.clock,
                token,
                str(form.get("password", "")),
                str(form.get("password_confirm", "")),
                client_address=client_address(request),
            )
    except ValueError as exc:
        async with svc.database.session() as session:
            found = await find_setup_link(session, svc.clock, token)
        if found is None:
            return render(request, "password_setup.html", {"invalid": True}, status=404)
        return render(
            request,
            "password_setup.html",
            {"page_title": _("Wachtwoord instellen"), "email": found[1].email, "error": str(exc)},
            status=400,
        )
    return render(
        request, "password_setup.html", {"page_title": _("Wachtwoord instellen"), "done": True}
    )

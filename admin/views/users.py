"""Staff accounts, for admins: list, add (gives a setup link), disable, reset password."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlmodel import col, select

from admin.accounts import (
    AccountError,
    NewStaff,
    add_staff_user,
    disable_staff_user,
    reset_staff_password,
)
from admin.i18n import _
from admin.web import client_address, current_user, not_found, redirect, render, services
from bot.models import Region, Role, School, StaffUser


def role_labels() -> dict[str, str]:
    return {
        Role.ADMIN.value: _("Beheerder"),
        Role.COORDINATOR.value: _("Coördinator"),
        Role.SCHOOL.value: _("School"),
    }


async def _page(
    request: web.Request, extra: dict[str, Any] | None = None, status: int = 200
) -> web.Response:
    svc = services(request)
    async with svc.database.session() as session:
        users = (await session.exec(select(StaffUser).order_by(col(StaffUser.name)))).all()
        schools = (await session.exec(select(School).order_by(col(School.name)))).all()
        regions = (await session.exec(select(Region).order_by(col(Region.name)))).all()
    context: dict[str, Any] = {
        "page_title": _("Gebruikers"),
        "users": users,
        "schools": schools,
        "regions": regions,
        "roles": role_labels(),
        "public_url": svc.settings.public_url or "",
        "form": {},
    }
    context.update(extra or {})
    return render(request, "users.html", context, status=status)


async def user_list(request: web.Request) -> web.Response:
    return await _page(request)


def _optional_id(value: object) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and int(text) < 2**31 else None


async def user_add(request: web.Request) -> web.Response:
    svc = services(request)
    actor = current_user(request)
    form = await request.post()
    role_value = str(form.get("role", ""))
    try:
        role = Role(role_value)
    except ValueError:
        return await _page(request, {"error": _("Kies een rol."), "form": form}, status=400)
    new = NewStaff(
        email=str(form.get("email", "")),
        name=str(form.get("name", "")),
        role=role,
        school_id=_optional_id(form.get("school_id")),
        region_id=_optional_id(form.get("region_id")),
    )
    try:
        async with svc.database.transaction() as session:
            user, link = await add_staff_user(
                session, svc.clock, new, actor_id=actor.id, client_address=client_address(request)
            )
    except AccountError as exc:
        return await _page(request, {"error": str(exc), "form": form}, status=400)
    return await _page(request, {"setup_link": link, "setup_for": user})


async def _target(request: web.Request) -> StaffUser:
    user_id = _optional_id(request.match_info["user_id"])
    if user_id is None:
        raise not_found()
    async with services(request).database.session() as session:
        user = await session.get(StaffUser, user_id)
    if user is None:
        raise not_found()
    return user


async def user_disable(request: web.Request) -> web.StreamResponse:
    svc = services(request)
    actor = current_user(request)
    target = await _target(request)
    if target.id == actor.id:
        return await _page(
            request, {"error": _("Je kunt je eigen account niet uitschakelen.")}, status=400
        )
    async with svc.database.transaction() as session:
        user = await session.get(StaffUser, target.id)
        assert user is not None
        await disable_staff_user(
            session, svc.clock, user, actor_id=actor.id, client_address=client_address(request)
        )
    raise redirect("/users")


async def user_reset(request: web.Request) -> web.Response:
    svc = services(request)
    actor = current_user(request)
    target = await _target(request)
    if target.id == actor.id:
        # It would end this very session and clear the password: ask another admin instead.
        return await _page(
            request,
            {"error": _("Vraag een andere beheerder om jouw wachtwoord te resetten.")},
            status=400,
        )
    try:
        async with svc.database.transaction() as session:
            user = await session.get(StaffUser, target.id)
            assert user is not None
            link = await reset_staff_password(
                session, svc.clock, user, actor_id=actor.id, client_address=client_address(request)
            )
    except AccountError as exc:
        return await _page(request, {"error": str(exc)}, status=400)
    return await _page(request, {"setup_link": link, "setup_for": target})

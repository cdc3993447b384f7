"""Invitation cards per school: new links for youths without a linked chat, as PDF or CSV.

Issuing revokes every earlier unused link of those youths (`bot.invites.issue`), so it is a
POST with an explicit confirmation, and the page says so.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Sequence
from datetime import datetime
from types import ModuleType
from typing import Any

from aiohttp import web
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from admin.i18n import _
from admin.scope import get_visible_school, visible_schools
from admin.web import client_address, current_user, not_found, render, services
from bot.audit import record_event
from bot.invites import (
    InviteCard,
    expiry_day,
    invite_expires_at,
    render_cards_csv,
    render_cards_pdf,
)
from bot.models import Invitation, Youth

FORMATS = ("pdf", "csv")
ISSUE_AUDIT_ACTION = "invitations_issued"


def issuing_module() -> ModuleType | None:
    """`bot.invites.issue`, or None while this build does not have it."""
    try:
        return importlib.import_module("bot.invites.issue")
    except ModuleNotFoundError as exc:
        if exc.name != "bot.invites.issue":
            raise
        return None


def _bot_username(request: web.Request) -> str | None:
    return getattr(services(request).settings, "bot_username", None)


async def invitations_page(request: web.Request) -> web.Response:
    return await _page(request)


async def _page(
    request: web.Request, *, error: str | None = None, notice: str | None = None, status: int = 200
) -> web.Response:
    svc = services(request)
    user = current_user(request)
    async with svc.database.session() as session:
        schools = (await session.exec(visible_schools(user))).all()
        counts = await _counts(
            session, [s.id for s in schools if s.id is not None], svc.clock.now()
        )
    return render(
        request,
        "invitations.html",
        {
            "page_title": _("Uitnodigingen"),
            "schools": schools,
            "counts": counts,
            "error": error,
            "notice": notice,
            "available": issuing_module() is not None and _bot_username(request) is not None,
        },
        status=status,
    )


async def _counts(
    session: AsyncSession, school_ids: list[int], now: Any
) -> dict[int, tuple[int, int, int]]:
    """Per school: youths, youths without a linked chat, youths with a link that still works."""
    if not school_ids:
        return {}
    totals = dict(
        (
            await session.exec(
                select(Youth.school_id, func.count())
                .where(col(Youth.school_id).in_(school_ids))
                .group_by(col(Youth.school_id))
            )
        ).all()
    )
    unlinked = dict(
        (
            await session.exec(
                select(Youth.school_id, func.count())
                .where(col(Youth.school_id).in_(school_ids), col(Youth.telegram_user_id).is_(None))
                .group_by(col(Youth.school_id))
            )
        ).all()
    )
    open_links = dict(
        (
            await session.exec(
                select(Youth.school_id, func.count(func.distinct(Invitation.youth_id)))
                .join(Invitation, col(Invitation.youth_id) == col(Youth.id))
                .where(
                    col(Youth.school_id).in_(school_ids),
                    col(Invitation.used_at).is_(None),
                    col(Invitation.revoked_at).is_(None),
                    col(Invitation.expires_at) > now,
                )
                .group_by(col(Youth.school_id))
            )
        ).all()
    )
    return {
        sid: (totals.get(sid, 0), unlinked.get(sid, 0), open_links.get(sid, 0))
        for sid in school_ids
    }


async def invitations_issue(request: web.Request) -> web.StreamResponse:
    svc = services(request)
    user = current_user(request)
    school_id = int(request.match_info["school_id"])
    form = await request.post()
    kind = str(form.get("format", ""))
    issuing = issuing_module()
    username = _bot_username(request)
    if issuing is None or username is None:
        return await _page(request, error=_unavailable(), status=503)
    if kind not in FORMATS:
        return await _page(request, error=_("Kies PDF of CSV."), status=400)
    if form.get("confirm") != "yes":
        return await _page(
            request,
            error=_(
                "Vink eerst aan dat je begrijpt dat de oude links stoppen. Er is niets veranderd."
            ),
            status=400,
        )
    now = svc.clock.now()
    async with svc.database.transaction() as session:
        school = await get_visible_school(session, user, school_id)
        if school is None:
            raise not_found()
        issued = await issuing.issue_invitations(
            session, now=now, bot_username=username, school_id=school_id
        )
        if not issued:
            body = None
        else:
            cards = _cards(issued, school.name, now)
            # Rendered before the commit: if the file cannot be made, the old links still work.
            body = await asyncio.to_thread(
                render_cards_pdf if kind == "pdf" else render_cards_csv, cards
            )
            await record_event(
                session,
                svc.clock,
                action=ISSUE_AUDIT_ACTION,
                actor_id=user.id,
                client_address=client_address(request),
                detail={"school_id": school_id, "count": len(issued), "format": kind},
            )
    if body is None:
        return await _page(
            request,
            notice=_(
                "Alle leerlingen van {school} gebruiken de bot al. Er zijn geen nieuwe "
                "uitnodigingen nodig.",
                school=school.name,
            ),
        )
    filename = f"uitnodigingen-{_safe_name(school.code)}-{now:%Y%m%d}.{kind}"
    return web.Response(
        body=body,
        content_type="application/pdf" if kind == "pdf" else "text/csv",
        charset=None if kind == "pdf" else "utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cards(issued: Sequence[Any], school_name: str, now: datetime) -> list[InviteCard]:
    """One printable card per issued invitation, sorted by name so a teacher can hand them out."""
    expires_on = expiry_day(invite_expires_at(now))
    cards = [
        InviteCard(
            first_name=item.youth.first_name,
            last_name=item.youth.last_name or "",
            school_name=school_name,
            link=item.link,
            expires_on=expires_on,
        )
        for item in issued
    ]
    cards.sort(key=lambda card: (card.last_name.casefold(), card.first_name.casefold()))
    return cards


def _safe_name(code: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in code)


def _unavailable() -> str:
    return _("Uitnodigingen maken kan op deze installatie nog niet. Vraag de beheerder om hulp.")

"""Invitation cards per school: new links for youths without a linked chat, as PDF or CSV.

Issuing revokes every earlier unused link of those youths (`bot.invites.issue`), so it is a
POST with an explicit confirmation, and the page says so.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from admin.i18n import _
from admin.scope import get_visible_school, visible_schools
from admin.web import client_address, current_user, not_found, render, services
from bot.audit import record_event
from bot.invites import render_cards_csv, render_cards_pdf
from bot.invites.issue import invitation_cards, issue_invitations
from bot.models import Invitation, Youth

FORMATS = ("pdf", "csv")
ISSUE_AUDIT_ACTION = "invitations_issued"


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
        issued = await issue_invitations(
            session, now=now, bot_username=svc.settings.bot_username, school_id=school_id
        )
        if not issued:
            body = None
        else:
            cards = await invitation_cards(session, issued, now)
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


def _safe_name(code: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in code)

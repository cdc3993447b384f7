"""The start page: how many youths, and open escalations by severity."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import func
from sqlmodel import col, select

from admin.i18n import _
from admin.scope import youth_is_visible
from admin.web import current_user, render, services
from bot.models import Escalation, Youth


async def dashboard(request: web.Request) -> web.Response:
    svc = services(request)
    user = current_user(request)
    visible = youth_is_visible(user)
    async with svc.database.session() as session:
        by_participation = (
            await session.exec(
                select(Youth.participation, func.count())
                .where(visible)
                .group_by(col(Youth.participation))
            )
        ).all()
        by_severity = (
            await session.exec(
                select(Escalation.severity, func.count())
                .join(Youth, col(Youth.id) == col(Escalation.youth_id))
                .where(visible, col(Escalation.closed_at).is_(None))
                .group_by(col(Escalation.severity))
                .order_by(col(Escalation.severity))
            )
        ).all()
    participation = dict(by_participation)
    return render(
        request,
        "dashboard.html",
        {
            "page_title": _("Overzicht"),
            "youth_total": sum(participation.values()),
            "participation": sorted(participation.items()),
            "open_escalations": list(by_severity),
            "open_total": sum(count for _severity, count in by_severity),
        },
    )

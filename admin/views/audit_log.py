"""The audit log, for admins: newest first, and whether the hash chain is intact."""

from __future__ import annotations

from math import ceil

from aiohttp import web
from sqlalchemy import func
from sqlmodel import col, select

from admin.i18n import _
from admin.web import render, services
from bot.audit import verify_chain
from bot.models import AuditEvent, StaffUser

PAGE_SIZE = 100


async def audit_log(request: web.Request) -> web.Response:
    svc = services(request)
    page_param = request.query.get("page", "1")
    requested = int(page_param) if page_param.isdigit() and 0 < int(page_param) < 2**31 else 1
    async with svc.database.session() as session:
        total = (await session.exec(select(func.count()).select_from(AuditEvent))).one()
        pages = max(1, ceil(total / PAGE_SIZE))
        page = min(requested, pages)
        rows = (
            await session.exec(
                select(AuditEvent, StaffUser.name)
                .outerjoin(StaffUser, col(StaffUser.id) == col(AuditEvent.actor_id))
                .order_by(col(AuditEvent.id).desc())
                .limit(PAGE_SIZE)
                .offset((page - 1) * PAGE_SIZE)
            )
        ).all()
    # Verifying reads the whole log; only on request, not on every page view.
    report = await verify_chain(svc.database) if request.query.get("verify") == "1" else None
    return render(
        request,
        "audit.html",
        {
            "page_title": _("Auditlog"),
            "rows": rows,
            "page": page,
            "pages": pages,
            "total": total,
            "report": report,
        },
    )

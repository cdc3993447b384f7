"""The one-year re-offer per school: who is due, what was sent when, what they answered.

This is the evidence a school shows the Inspectie; the CSV holds the same rows. Read from
`bot.outreach.reoffers`; school accounts see only their own school.
"""

from __future__ import annotations

from aiohttp import web
from sqlmodel.ext.asyncio.session import AsyncSession

from admin.i18n import _
from admin.scope import visible_schools
from admin.web import client_address, current_user, render, services
from bot.audit import record_event
from bot.models import School, StaffUser
from bot.outreach.reoffers import ReofferRecord, reoffer_evidence, reoffers_csv

EXPORT_AUDIT_ACTION = "reoffers_exported"


def status_labels() -> dict[str, str]:
    return {
        "planned": _("Gepland"),
        "sent": _("Verstuurd"),
        "skipped": _("Overgeslagen"),
        "cancelled": _("Vervallen"),
    }


def answer_labels() -> dict[str, str]:
    return {
        "ja": _("Ja, wil weer meedoen"),
        "nee": _("Nee, wil niet meedoen"),
        "bel": _("Wil gebeld worden"),
    }


async def _selection(
    session: AsyncSession, user: StaffUser, requested: str | None
) -> tuple[list[School], School | None, list[ReofferRecord]]:
    schools = list((await session.exec(visible_schools(user))).all())
    chosen = next((s for s in schools if requested and str(s.id) == requested), None)
    records: list[ReofferRecord] = []
    for school in [chosen] if chosen else schools:
        records.extend(await reoffer_evidence(session, school.id))
    return schools, chosen, records


async def reoffers_page(request: web.Request) -> web.Response:
    svc = services(request)
    user = current_user(request)
    async with svc.database.session() as session:
        schools, chosen, records = await _selection(session, user, request.query.get("school"))
    return render(
        request,
        "reoffers.html",
        {
            "page_title": _("Heraanbod na een jaar"),
            "schools": schools,
            "chosen": chosen,
            "records": records,
            "planned": sum(1 for r in records if r.status == "planned"),
            "sent": sum(1 for r in records if r.status == "sent"),
            "answered": sum(1 for r in records if r.answer),
            "statuses": status_labels(),
            "answers": answer_labels(),
        },
    )


async def reoffers_export(request: web.Request) -> web.Response:
    svc = services(request)
    user = current_user(request)
    async with svc.database.transaction() as session:
        _schools, chosen, records = await _selection(session, user, request.query.get("school"))
        await record_event(
            session,
            svc.clock,
            action=EXPORT_AUDIT_ACTION,
            actor_id=user.id,
            client_address=client_address(request),
            detail={"school_id": chosen.id if chosen else None, "rows": len(records)},
        )
    name = chosen.code if chosen else "alle-scholen"
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in name)
    filename = f"heraanbod-{safe}-{svc.clock.now():%Y%m%d}.csv"
    return web.Response(
        text=reoffers_csv(records, svc.settings.zone),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

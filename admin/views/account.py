"""'My account': the signed-in user's own settings (for now: the panel's language)."""

from __future__ import annotations

from aiohttp import web

from admin.audit_actions import PanelAction
from admin.i18n import PANEL_LANGUAGES, _, language_options, use_language
from admin.web import client_address, current_user, redirect, render, services
from bot.audit import record_event
from bot.models import StaffUser


def _page(request: web.Request, *, error: str | None = None, status: int = 200) -> web.Response:
    notice = _("Je taal is opgeslagen.") if request.query.get("done") == "language" else None
    return render(
        request,
        "account.html",
        {
            "page_title": _("Mijn account"),
            "languages": language_options(),
            "error": error,
            "notice": notice,
        },
        status=status,
    )


async def account(request: web.Request) -> web.Response:
    return _page(request)


async def set_language(request: web.Request) -> web.StreamResponse:
    svc = services(request)
    user = current_user(request)
    form = await request.post()
    chosen = form.get("language")
    if chosen not in PANEL_LANGUAGES:
        return _page(request, error=_("Kies een taal uit de lijst."), status=400)
    async with svc.database.transaction() as session:
        row = await session.get(StaffUser, user.id)
        assert row is not None
        row.language = str(chosen)
        session.add(row)
        await record_event(
            session,
            svc.clock,
            action=PanelAction.LANGUAGE_CHANGED,
            actor_id=user.id,
            target_user_id=user.id,
            client_address=client_address(request),
            detail={"language": str(chosen)},
        )
    use_language(str(chosen))
    raise redirect("/account?done=language")

"""The actions on a youth's page: each a POST that checks its form, changes the youth in one
transaction together with its audit entry, and answers with a clear message.

A wrong field re-shows the page with status 400, the error and the values typed; nothing is
changed. Success redirects (303) to the page with a confirmation, so a reload repeats nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from aiohttp import web
from sqlmodel.ext.asyncio.session import AsyncSession

from admin import youth_actions as actions
from admin.audit_actions import PanelAction
from admin.i18n import _
from admin.scope import get_visible_youth
from admin.views.youths import region_coordinators, show_youth
from admin.web import (
    client_address,
    current_user,
    not_found,
    plans,
    redirect,
    render,
    services,
    watchers,
)
from bot.audit import record_event
from bot.invites.issue import issue_invitations
from bot.models import ConsentEvent, School, StaffUser, Youth
from bot.models.consent import GivenBy
from bot.outreach.programmes import UnknownProgramme, change_programme
from bot.privacy.erasure import ErasureReason, erase_youth
from bot.watchers import RelayError

MAX_PAUSE = timedelta(days=366)
MAX_REASON = 500
MAX_MESSAGE = 2000
MAX_NAME = 120
MAX_RELATION = 60


class FormError(Exception):
    """A form field is wrong; the message is already translated for the user."""


def _youth_id(request: web.Request) -> int:
    raw = request.match_info["youth_id"]
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise not_found()
    return int(raw)


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


async def _refuse(
    request: web.Request, youth_id: int, message: str, form: Mapping[str, Any]
) -> web.Response:
    return await show_youth(request, youth_id, error=message, extra={"form": form}, status=400)


async def _visible(session: AsyncSession, request: web.Request, youth_id: int) -> Youth:
    youth = await get_visible_youth(session, current_user(request), youth_id)
    if youth is None:
        raise not_found()
    return youth


async def _audit(
    session: AsyncSession,
    request: web.Request,
    action: PanelAction,
    youth_id: int | None,
    detail: Mapping[str, object] | None = None,
) -> None:
    await record_event(
        session,
        services(request).clock,
        action=action,
        actor_id=current_user(request).id,
        youth_id=youth_id,
        client_address=client_address(request),
        detail=detail,
    )


def _done(youth_id: int, key: str) -> web.HTTPSeeOther:
    return redirect(f"/youths/{youth_id}?done={key}")


# -- rust (pause) ------------------------------------------------------------------------


def parse_pause(form: Mapping[str, Any], today: date) -> tuple[date, str]:
    raw = _text(form, "until")
    try:
        until = date.fromisoformat(raw)
    except ValueError:
        raise FormError(_("Vul een geldige datum in voor het einde van de rust.")) from None
    if until <= today:
        raise FormError(_("De rust moet na vandaag eindigen."))
    if until > today + MAX_PAUSE:
        raise FormError(_("Een rust duurt hoogstens een jaar. Kies een eerdere datum."))
    reason = _text(form, "reason")
    if not reason:
        raise FormError(_("Schrijf kort op waarom de jongere rust krijgt."))
    if len(reason) > MAX_REASON:
        raise FormError(_("De reden is te lang (hoogstens {n} tekens).", n=MAX_REASON))
    return until, reason


async def pause(request: web.Request) -> web.StreamResponse:
    svc = services(request)
    youth_id = _youth_id(request)
    form = await request.post()
    today = svc.clock.now().astimezone(svc.settings.zone).date()
    try:
        async with svc.database.transaction() as session:
            youth = await _visible(session, request, youth_id)
            until, reason = parse_pause(form, today)
            actions.pause(youth, until, reason, svc.clock.now())
            session.add(youth)
            await _audit(session, request, PanelAction.PAUSE_SET, youth_id, {"until": str(until)})
    except FormError as exc:
        return await _refuse(request, youth_id, str(exc), form)
    raise _done(youth_id, "pause")


async def end_pause(request: web.Request) -> web.StreamResponse:
    svc = services(request)
    youth_id = _youth_id(request)
    try:
        async with svc.database.transaction() as session:
            youth = await _visible(session, request, youth_id)
            if youth.paused_until is None:
                raise FormError(_("Deze jongere heeft geen rust."))
            actions.end_pause(youth, svc.clock.now())
            session.add(youth)
            await _audit(session, request, PanelAction.PAUSE_ENDED, youth_id)
    except FormError as exc:
        return await _refuse(request, youth_id, str(exc), {})
    raise _done(youth_id, "pause_ended")


# -- programme and coordinator ----------------------------------------------------------------


async def programme(request: web.Request) -> web.StreamResponse:
    svc = services(request)
    youth_id = _youth_id(request)
    form = await request.post()
    chosen = _text(form, "programme_id") or None
    try:
        async with svc.database.transaction() as session:
            youth = await _visible(session, request, youth_id)
            try:
                await change_programme(session, youth, chosen, plans(request), svc.clock.now())
            except UnknownProgramme:
                raise FormError(_("Kies een programma uit de lijst.")) from None
            await _audit(
                session, request, PanelAction.PROGRAMME_CHANGED, youth_id, {"programme": chosen}
            )
    except FormError as exc:
        return await _refuse(request, youth_id, str(exc), form)
    raise _done(youth_id, "programme")


async def coordinator(request: web.Request) -> web.StreamResponse:
    svc = services(request)
    youth_id = _youth_id(request)
    form = await request.post()
    raw = _text(form, "coordinator_id")
    try:
        async with svc.database.transaction() as session:
            youth = await _visible(session, request, youth_id)
            school = await session.get(School, youth.school_id)
            allowed = {c.id: c for c in await region_coordinators(session, school)}
            chosen: StaffUser | None = None
            if raw:
                chosen = allowed.get(int(raw)) if raw.isdigit() and int(raw) < 2**31 else None
                if chosen is None:
                    raise FormError(_("Kies een coördinator van de regio van deze school."))
            youth.coordinator_id = chosen.id if chosen else None
            youth.updated_at = svc.clock.now()
            session.add(youth)
            await _audit(
                session,
                request,
                PanelAction.COORDINATOR_CHANGED,
                youth_id,
                {"coordinator_id": youth.coordinator_id},
            )
    except FormError as exc:
        return await _refuse(request, youth_id, str(exc), form)
    raise _done(youth_id, "coordinator")


# -- invitation and message -------------------------------------------------------------------


async def invitation(request: web.Request) -> web.Response:
    """A new single-use link; the old one stops working. The link is shown once, here."""
    svc = services(request)
    youth_id = _youth_id(request)
    bot_username = svc.settings.bot_username
    async with svc.database.transaction() as session:
        await _visible(session, request, youth_id)
        issued = await issue_invitations(
            session, now=svc.clock.now(), bot_username=bot_username, youth_ids=[youth_id]
        )
        await _audit(session, request, PanelAction.INVITATION_ISSUED, youth_id)
    return await show_youth(
        request,
        youth_id,
        notice=_("Er is een nieuwe uitnodiging gemaakt. De vorige link werkt niet meer."),
        extra={"invitation_link": issued[0].link},
    )


async def message(request: web.Request) -> web.StreamResponse:
    svc = services(request)
    youth_id = _youth_id(request)
    form = await request.post()
    text = _text(form, "text")
    try:
        if not text:
            raise FormError(_("Schrijf eerst een bericht."))
        if len(text) > MAX_MESSAGE:
            raise FormError(_("Het bericht is te lang (hoogstens {n} tekens).", n=MAX_MESSAGE))
        async with svc.database.transaction() as session:
            youth = await _visible(session, request, youth_id)
            if youth.telegram_chat_id is None:
                raise FormError(_("Deze jongere heeft Telegram nog niet gekoppeld."))
            try:
                await watchers(request).send_staff_message(
                    session, youth, current_user(request), text, svc.clock.now()
                )
            except RelayError:
                raise FormError(_("Het bericht kon niet worden klaargezet.")) from None
            await _audit(session, request, PanelAction.MESSAGE_SENT, youth_id)
    except FormError as exc:
        return await _refuse(request, youth_id, str(exc), form)
    raise _done(youth_id, "message")


# -- consent ----------------------------------------------------------------------------------


def parse_giver(form: Mapping[str, Any], allowed: tuple[GivenBy, ...]) -> actions.ConsentGiver:
    raw = _text(form, "given_by")
    if raw not in {g.value for g in allowed}:
        raise FormError(_("Kies wie de toestemming geeft of intrekt."))
    given_by = GivenBy(raw)
    if given_by != GivenBy.REPRESENTATIVE:
        return actions.ConsentGiver(given_by)
    name = _text(form, "representative_name")
    relation = _text(form, "representative_relation")
    if not name or not relation:
        raise FormError(_("Vul de naam van de vertegenwoordiger en de relatie met de jongere in."))
    if len(name) > MAX_NAME or len(relation) > MAX_RELATION:
        raise FormError(_("De naam of de relatie is te lang."))
    return actions.ConsentGiver(given_by, name, relation)


async def _record_step(
    request: web.Request,
    session: AsyncSession,
    youth: Youth,
    giver: actions.ConsentGiver,
    step: actions.LedgerStep,
) -> ConsentEvent:
    svc = services(request)
    return await actions.record_consent_step(
        session, youth, current_user(request), giver, plans(request), svc.clock.now(), step
    )


async def consent(request: web.Request) -> web.StreamResponse:
    svc = services(request)
    youth_id = _youth_id(request)
    form = await request.post()
    try:
        giver = parse_giver(form, (GivenBy.STAFF, GivenBy.REPRESENTATIVE))
        if form.get("signed") != "yes":
            raise FormError(_("Vink aan dat het formulier is ondertekend."))
    except FormError as exc:
        return await _refuse(request, youth_id, str(exc), form)
    async with svc.database.transaction() as session:
        youth = await _visible(session, request, youth_id)
        event = await _record_step(request, session, youth, giver, actions.PAPER_CONSENT)
        await _audit(
            session,
            request,
            PanelAction.CONSENT_RECORDED,
            youth_id,
            {"given_by": str(giver.given_by), "version": event.text_version},
        )
    raise _done(youth_id, "consent")


async def withdrawal(request: web.Request) -> web.StreamResponse:
    svc = services(request)
    youth_id = _youth_id(request)
    form = await request.post()
    try:
        giver = parse_giver(form, (GivenBy.YOUTH, GivenBy.REPRESENTATIVE))
    except FormError as exc:
        return await _refuse(request, youth_id, str(exc), form)
    async with svc.database.transaction() as session:
        youth = await _visible(session, request, youth_id)
        await _record_step(request, session, youth, giver, actions.PANEL_WITHDRAWAL)
        await _audit(
            session,
            request,
            PanelAction.WITHDRAWAL_RECORDED,
            youth_id,
            {"given_by": str(giver.given_by)},
        )
    raise _done(youth_id, "withdrawal")


# -- erase ------------------------------------------------------------------------------------


async def erase(request: web.Request) -> web.StreamResponse:
    """Erase everything about the youth. Typing the first name is the confirmation step."""
    svc = services(request)
    youth_id = _youth_id(request)
    form = await request.post()
    typed = _text(form, "confirm_first_name")
    try:
        async with svc.database.transaction() as session:
            youth = await _visible(session, request, youth_id)
            if not typed or typed.casefold() != youth.first_name.strip().casefold():
                raise FormError(
                    _("Typ de voornaam van de jongere precies over om het wissen te bevestigen.")
                )
            # Erasure writes its own audit entry, without the youth's id (nothing left to link).
            await erase_youth(
                session,
                youth_id,
                current_user(request),
                svc.clock.now(),
                reason=ErasureReason.REQUEST,
            )
    except FormError as exc:
        return await _refuse(request, youth_id, str(exc), {})
    return render(
        request,
        "erased.html",
        {"page_title": _("Gewist"), "notice": _("Alle gegevens van deze jongere zijn gewist.")},
    )

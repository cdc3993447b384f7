"""The escalations inbox: by severity and age, overdue acknowledgements marked, and the
lifecycle actions (acknowledge, start, assign, hand over, receiver accepted, close).

Transitions go through `bot.watchers.lifecycle` (the stored lifecycle over the pure model) and
`admin.casework.assign`; each is audited in the same transaction. Only escalations of youths
the user may see are listed or changed: any other id answers 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from admin import casework
from admin.audit_actions import PanelAction
from admin.i18n import _
from admin.scope import youth_is_visible
from admin.views.labels import outcome_labels, severity_labels, state_labels
from admin.web import client_address, current_user, not_found, redirect, render, services
from bot.audit import record_event
from bot.escalation import IllegalTransition, Outcome
from bot.models import Escalation, Role, School, StaffUser, Youth
from bot.watchers import lifecycle

LIST_LIMIT = 300
MAX_NAME = 120
FILTERS = ("active", "open", "acknowledged", "in_progress", "handover", "closed", "all")
SEVERITY_ORDER = case(
    {"urgent": 0, "attention": 1, "info": 2}, value=col(Escalation.severity), else_=3
)


class FormError(Exception):
    """A wrong field or a move the lifecycle refuses; the message is translated."""


@dataclass(frozen=True)
class InboxRow:
    escalation: Escalation
    youth: Youth
    school_name: str
    coordinator_name: str | None
    deadline: datetime | None
    overdue: bool
    coordinators: list[StaffUser]


def _filter_condition(name: str) -> Any:
    state = col(Escalation.state)
    if name == "active":
        return state != "closed"
    if name == "handover":
        return state.in_(("handover_requested", "handed_over"))
    if name == "all":
        return True
    return state == name


async def _rows(session: AsyncSession, user: StaffUser, flt: str, now: datetime) -> list[InboxRow]:
    coordinator = StaffUser.__table__.alias("coordinator")  # type: ignore[attr-defined]
    found = (
        await session.exec(
            select(Escalation, Youth, School.name, coordinator.c.name)
            .join(Youth, col(Youth.id) == col(Escalation.youth_id))
            .join(School, col(School.id) == col(Youth.school_id))
            .outerjoin(coordinator, coordinator.c.id == col(Escalation.coordinator_id))
            .where(youth_is_visible(user), _filter_condition(flt))
            .order_by(SEVERITY_ORDER, col(Escalation.opened_at), col(Escalation.id))
            .limit(LIST_LIMIT)
        )
    ).all()
    school_ids = {youth.school_id for _e, youth, _s, _c in found}
    school_region: dict[int, int] = (
        dict(
            (
                await session.exec(
                    select(School.id, School.region_id).where(col(School.id).in_(school_ids))
                )
            ).all()  # type: ignore[arg-type]
        )
        if school_ids
        else {}
    )
    by_region: dict[int, list[StaffUser]] = {}
    if school_region:
        staff = (
            await session.exec(
                select(StaffUser)
                .where(
                    StaffUser.role == Role.COORDINATOR,
                    col(StaffUser.region_id).in_(set(school_region.values())),
                    col(StaffUser.disabled_at).is_(None),
                )
                .order_by(col(StaffUser.name))
            )
        ).all()
        for person in staff:
            by_region.setdefault(person.region_id or 0, []).append(person)
    rows = []
    for escalation, youth, school_name, coordinator_name in found:
        deadline = _deadline(escalation)
        rows.append(
            InboxRow(
                escalation=escalation,
                youth=youth,
                school_name=school_name,
                coordinator_name=coordinator_name,
                deadline=deadline,
                overdue=escalation.state == "open" and deadline is not None and deadline < now,
                coordinators=by_region.get(school_region.get(youth.school_id, 0), []),
            )
        )
    return rows


async def _count(session: AsyncSession, user: StaffUser, flt: str) -> int:
    """All cases the filter matches for this user, for when the list stops at LIST_LIMIT."""
    statement = (
        select(func.count())
        .select_from(Escalation)
        .join(Youth, col(Youth.id) == col(Escalation.youth_id))
        .where(youth_is_visible(user), _filter_condition(flt))
    )
    return (await session.exec(statement)).one()


def _deadline(escalation: Escalation) -> datetime | None:
    try:
        return casework.ack_deadline(escalation)
    except ValueError:  # a severity the lifecycle does not know: no deadline to show
        return None


def done_notice(key: str | None) -> str | None:
    return {
        "acknowledge": _("De melding is opgepakt."),
        "start": _("De melding staat op 'mee bezig'."),
        "assign": _("De melding is aan een andere coördinator gegeven."),
        "handover": _(
            "De overdracht is gevraagd. Jij blijft verantwoordelijk tot de ontvanger accepteert."
        ),
        "accept": _("De overdracht is geaccepteerd. De ontvanger is nu verantwoordelijk."),
        "withdraw": _("De overdracht is ingetrokken. De melding staat weer op 'mee bezig'."),
        "close": _("De melding is gesloten."),
    }.get(key or "")


async def inbox(request: web.Request) -> web.Response:
    return await _show(request, notice=done_notice(request.query.get("done")))


async def _show(
    request: web.Request,
    *,
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> web.Response:
    svc = services(request)
    user = current_user(request)
    flt = request.query.get("state", "active")
    flt = flt if flt in FILTERS else "active"
    now = svc.clock.now()
    async with svc.database.transaction() as session:
        rows = await _rows(session, user, flt, now)
        total = len(rows) if len(rows) < LIST_LIMIT else await _count(session, user, flt)
        await record_event(
            session,
            svc.clock,
            action=PanelAction.VIEW_ESCALATIONS,
            actor_id=user.id,
            client_address=client_address(request),
            detail={"filter": flt, "shown": len(rows)},
        )
    filters = {
        "active": _("Niet gesloten"),
        "open": _("Nieuw"),
        "acknowledged": _("Opgepakt"),
        "in_progress": _("Mee bezig"),
        "handover": _("Overdracht"),
        "closed": _("Gesloten"),
        "all": _("Alle"),
    }
    return render(
        request,
        "escalations.html",
        {
            "page_title": _("Meldingen"),
            "rows": rows,
            "total": total,
            "filter": flt,
            "filters": filters,
            "overdue_count": sum(1 for row in rows if row.overdue),
            "severities": severity_labels(),
            "states": state_labels(),
            "outcomes": outcome_labels(),
            "error": error,
            "notice": notice,
            "now": now,
        },
        status=status,
    )


# -- actions ----------------------------------------------------------------------------------


def _escalation_id(request: web.Request) -> int:
    raw = request.match_info["escalation_id"]
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise not_found()
    return int(raw)


async def _visible(
    session: AsyncSession, user: StaffUser, escalation_id: int
) -> tuple[Escalation, Youth]:
    found = (
        await session.exec(
            select(Escalation, Youth)
            .join(Youth, col(Youth.id) == col(Escalation.youth_id))
            .where(col(Escalation.id) == escalation_id, youth_is_visible(user))
        )
    ).first()
    if found is None:
        raise not_found()
    return found[0], found[1]


def _name(form: Mapping[str, Any], field: str, missing: str) -> str:
    value = form.get(field, "")
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise FormError(missing)
    if len(text) > MAX_NAME:
        raise FormError(_("Een naam is hoogstens {n} tekens.", n=MAX_NAME))
    return text


async def _act(request: web.Request, key: str) -> web.StreamResponse:
    svc = services(request)
    user = current_user(request)
    escalation_id = _escalation_id(request)
    form = await request.post()
    now = svc.clock.now()
    try:
        async with svc.database.transaction() as session:
            escalation, youth = await _visible(session, user, escalation_id)
            action, detail = await _apply(session, key, escalation, youth, user, form, now)
            await record_event(
                session,
                svc.clock,
                action=action,
                actor_id=user.id,
                youth_id=youth.id,
                client_address=client_address(request),
                detail={"escalation_id": escalation_id, **detail},
            )
    except IllegalTransition as exc:
        message = _(
            "Dat kan niet: de melding staat op '{state}'.",
            state=state_labels().get(str(exc.state), str(exc.state)),
        )
        return await _show(request, error=message, status=400)
    except FormError as exc:
        return await _show(request, error=str(exc), status=400)
    raise redirect(f"/escalations?done={key}")


async def _apply(
    session: AsyncSession,
    key: str,
    escalation: Escalation,
    youth: Youth,
    user: StaffUser,
    form: Mapping[str, Any],
    now: datetime,
) -> tuple[PanelAction, dict[str, object]]:
    assert escalation.id is not None
    eid = escalation.id
    if key == "acknowledge":
        await lifecycle.acknowledge(session, eid, user, now)
        return PanelAction.ESCALATION_ACKNOWLEDGED, {}
    if key == "start":
        await lifecycle.start_work(session, eid, user, now)
        return PanelAction.ESCALATION_STARTED, {}
    if key == "assign":
        return await _assign(session, eid, youth, form, now)
    if key == "handover":
        receiver = _name(form, "receiver_name", _("Vul de naam in van wie het overneemt."))
        organisation = _name(form, "organisation", _("Vul de organisatie in die het overneemt."))
        await lifecycle.request_handover(
            session, eid, user, now, receiver_name=receiver, organisation=organisation
        )
        return PanelAction.HANDOVER_REQUESTED, {}
    if key == "accept":
        receiver = _name(form, "receiver_name", _("Vul de naam in van wie het heeft geaccepteerd."))
        organisation = _name(
            form, "organisation", _("Vul de organisatie in die het heeft geaccepteerd.")
        )
        offered = escalation.handover_receiver_organisation
        if offered and organisation.casefold() != offered.casefold():
            raise FormError(
                _(
                    "De overdracht was gevraagd aan {organisation}. Alleen zij kunnen accepteren.",
                    organisation=offered,
                )
            )
        await lifecycle.accept_handover(
            session, eid, user, now, receiver_name=receiver, organisation=organisation
        )
        return PanelAction.HANDOVER_ACCEPTED, {}
    if key == "withdraw":
        await lifecycle.withdraw_handover(session, eid, user, now)
        return PanelAction.HANDOVER_WITHDRAWN, {}
    if key == "close":
        outcome = form.get("outcome", "")
        if outcome not in {o.value for o in Outcome}:
            raise FormError(_("Kies een uitkomst om de melding te sluiten."))
        await lifecycle.close(session, eid, user, now, str(outcome))
        return PanelAction.ESCALATION_CLOSED, {"outcome": str(outcome)}
    raise not_found()


async def _assign(
    session: AsyncSession, eid: int, youth: Youth, form: Mapping[str, Any], now: datetime
) -> tuple[PanelAction, dict[str, object]]:
    raw = form.get("coordinator_id", "")
    school = await session.get(School, youth.school_id)
    chosen = None
    if isinstance(raw, str) and raw.isdigit() and int(raw) < 2**31 and school is not None:
        chosen = (
            await session.exec(
                select(StaffUser).where(
                    StaffUser.id == int(raw),
                    StaffUser.role == Role.COORDINATOR,
                    StaffUser.region_id == school.region_id,
                    col(StaffUser.disabled_at).is_(None),
                )
            )
        ).first()
    if chosen is None:
        raise FormError(_("Kies een coördinator van de regio van deze jongere."))
    try:
        await casework.assign(session, eid, chosen)
    except casework.NotACoordinator:
        raise FormError(_("Kies een coördinator van de regio van deze jongere.")) from None
    return PanelAction.ESCALATION_ASSIGNED, {"coordinator_id": chosen.id}


def _action(key: str) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        return await _act(request, key)

    handler.__name__ = f"escalation_{key}"
    return handler


acknowledge = _action("acknowledge")
start = _action("start")
assign = _action("assign")
handover = _action("handover")
accept = _action("accept")
withdraw = _action("withdraw")
close = _action("close")

"""The youth list (search, filters, sorting, pages) and a youth's page with its timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from math import ceil
from typing import Any

from aiohttp import web
from sqlalchemy import ColumnElement, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from yarl import URL

from admin.i18n import _
from admin.scope import can_see_answers, get_visible_youth, youth_is_visible
from admin.views.delivery import Delivery, delivery_status
from admin.views.labels import participation_labels
from admin.web import client_address, current_user, not_found, plans, render, services
from bot.audit import AuditAction, record_event
from bot.consent import has_active_consent
from bot.consent.forms import PAPER_FORM
from bot.models import (
    Answer,
    ChatMessage,
    ConsentEvent,
    Escalation,
    OutboxMessage,
    Participation,
    Role,
    School,
    Signal,
    StaffUser,
    Youth,
)
from bot.models.signals import EscalationMessage
from bot.watchers import signals_for

PAGE_SIZE = 50
TIMELINE_LIMIT = 200
SORTS: dict[str, tuple[Any, ...]] = {
    "name": (Youth.last_name, Youth.first_name, Youth.id),
    "number": (Youth.student_number, Youth.id),
    "school": (School.name, Youth.last_name, Youth.id),
    "municipality": (Youth.municipality, Youth.last_name, Youth.id),
    "leaving": (Youth.leaving_date, Youth.last_name, Youth.id),
}
STATUSES = tuple(p.value for p in Participation)


@dataclass(frozen=True)
class ListQuery:
    q: str = ""
    school_id: int | None = None
    municipality: str = ""
    status: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 1

    @classmethod
    def from_request(cls, request: web.Request) -> ListQuery:
        params = request.query
        sort = params.get("sort", "name")
        status = params.get("status", "")
        return cls(
            q=params.get("q", "").strip()[:100],
            school_id=_positive_int(params.get("school")),
            municipality=params.get("municipality", "").strip()[:120],
            status=status if status in STATUSES else "",
            sort=sort if sort in SORTS else "name",
            descending=params.get("dir") == "desc",
            page=_positive_int(params.get("page")) or 1,
        )

    def link(self, **changes: object) -> str:
        """The list URL with some parameters changed (for sorting and paging links)."""
        values = {
            "q": self.q,
            "school": self.school_id or "",
            "municipality": self.municipality,
            "status": self.status,
            "sort": self.sort,
            "dir": "desc" if self.descending else "asc",
            "page": self.page,
        }
        values.update(changes)
        kept = {key: str(value) for key, value in values.items() if value not in ("", None)}
        return str(URL("/youths").with_query(kept))


def _positive_int(value: str | None) -> int | None:
    if value is None or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number < 2**31 else None


def _filters(user: StaffUser, query: ListQuery) -> list[ColumnElement[bool]]:
    conditions = [youth_is_visible(user)]
    if query.q:
        full_name = func.coalesce(Youth.first_name, "") + " " + func.coalesce(Youth.last_name, "")
        conditions.append(
            or_(
                full_name.icontains(query.q, autoescape=True),
                col(Youth.student_number).startswith(query.q, autoescape=True),
            )
        )
    if query.school_id is not None:
        conditions.append(col(Youth.school_id) == query.school_id)
    if query.municipality:
        conditions.append(col(Youth.municipality) == query.municipality)
    if query.status:
        conditions.append(col(Youth.participation) == query.status)
    return conditions


async def youth_list(request: web.Request) -> web.Response:
    svc = services(request)
    user = current_user(request)
    query = ListQuery.from_request(request)
    conditions = _filters(user, query)
    order = [col(c).desc() if query.descending else col(c).asc() for c in SORTS[query.sort]]
    async with svc.database.session() as session:
        total = (
            await session.exec(
                select(func.count())
                .select_from(Youth)
                .join(School, col(School.id) == col(Youth.school_id))
                .where(*conditions)
            )
        ).one()
        pages = max(1, ceil(total / PAGE_SIZE))
        page = min(query.page, pages)
        rows = (
            await session.exec(
                select(Youth, School.name)
                .join(School, col(School.id) == col(Youth.school_id))
                .where(*conditions)
                .order_by(*order)
                .limit(PAGE_SIZE)
                .offset((page - 1) * PAGE_SIZE)
            )
        ).all()
        schools, municipalities = await _filter_options(session, user)
    return render(
        request,
        "youth_list.html",
        {
            "page_title": _("Jongeren"),
            "query": query,
            "rows": rows,
            "total": total,
            "page": page,
            "pages": pages,
            "schools": schools,
            "municipalities": municipalities,
            "statuses": STATUSES,
            "sorts": {
                "name": _("Naam"),
                "number": _("Leerlingnummer"),
                "school": _("School"),
                "municipality": _("Gemeente"),
                "leaving": _("Uitstroomdatum"),
            },
        },
    )


async def _filter_options(
    session: AsyncSession, user: StaffUser
) -> tuple[list[tuple[int, str]], list[str]]:
    visible = youth_is_visible(user)
    schools = (
        await session.exec(
            select(School.id, School.name)
            .where(col(School.id).in_(select(Youth.school_id).where(visible)))
            .order_by(col(School.name))
        )
    ).all()
    municipalities = (
        await session.exec(
            select(Youth.municipality).where(visible).distinct().order_by(col(Youth.municipality))
        )
    ).all()
    return [(sid, name) for sid, name in schools if sid is not None], list(municipalities)


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str  # message_in|message_out|answer|consent|signal|escalation
    title: str
    text: str | None = None
    delivery: Delivery | None = None  # outgoing messages: sent, waiting, not sent, uncertain


async def youth_page(request: web.Request) -> web.Response:
    youth_id = _positive_int(request.match_info["youth_id"])
    if youth_id is None:
        raise not_found()
    return await show_youth(request, youth_id, notice=done_notice(request.query.get("done")))


def done_notice(key: str | None) -> str | None:
    """The confirmation after an action (Post/Redirect/Get: the key travels, never a text)."""
    messages = {
        "pause": _("De rust is opgeslagen. De jongere krijgt tot die datum geen berichten."),
        "pause_ended": _("De rust is beëindigd."),
        "programme": _("Het programma is gewijzigd. Alleen toekomstige contacten zijn aangepast."),
        "coordinator": _("De coördinator is gewijzigd."),
        "message": _("Het bericht staat klaar om te versturen."),
        "consent": _("De toestemming is vastgelegd en de planning is bijgewerkt."),
        "withdrawal": _("De intrekking is vastgelegd. Er gaan geen check-ins meer uit."),
    }
    return messages.get(key or "")


async def show_youth(
    request: web.Request,
    youth_id: int,
    *,
    error: str | None = None,
    notice: str | None = None,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> web.Response:
    """The youth page (also after a refused or completed action); every showing is audited."""
    svc = services(request)
    user = current_user(request)
    async with svc.database.transaction() as session:
        youth = await get_visible_youth(session, user, youth_id)
        if youth is None:
            raise not_found()
        school = await session.get(School, youth.school_id)
        answers_visible = await can_see_answers(session, user, youth)
        timeline = await _timeline(session, youth_id, answers_visible, svc.settings.zone)
        coordinators = await region_coordinators(session, school)
        coordinator = (
            await session.get(StaffUser, youth.coordinator_id) if youth.coordinator_id else None
        )
        consent_active = await has_active_consent(session, youth_id)
        signal_trend = await signals_for(session, youth_id, now=svc.clock.now())
        await record_event(
            session,
            svc.clock,
            action=AuditAction.VIEW_YOUTH,
            actor_id=user.id,
            youth_id=youth_id,
            client_address=client_address(request),
        )
    programmes = plans(request).programmes
    context: dict[str, Any] = {
        "page_title": _("Jongere"),
        "youth": youth,
        "school": school,
        "timeline": timeline,
        "signal_trend": signal_trend,
        "answers_visible": answers_visible,
        "error": error,
        "notice": notice,
        "form": {},
        "can_act": user.role in (Role.ADMIN, Role.COORDINATOR),
        "programmes": sorted((p.id, p.name) for p in programmes.values()),
        "coordinators": coordinators,
        "coordinator": coordinator,
        "consent_active": consent_active,
        "paper_form": PAPER_FORM,
        "participation_labels": participation_labels(),
        "today": svc.clock.now().astimezone(svc.settings.zone).date(),
    }
    context.update(extra or {})
    return render(request, "youth.html", context, status=status)


async def region_coordinators(session: AsyncSession, school: School | None) -> list[StaffUser]:
    """The active coordinators of the school's region: who a youth or case may go to."""
    if school is None:
        return []
    return list(
        (
            await session.exec(
                select(StaffUser)
                .where(
                    StaffUser.role == Role.COORDINATOR,
                    StaffUser.region_id == school.region_id,
                    col(StaffUser.disabled_at).is_(None),
                )
                .order_by(col(StaffUser.name))
            )
        ).all()
    )


async def _latest(session: AsyncSession, model: Any, moment: Any, youth_id: int) -> Any:
    """The newest timeline-sized slice of one of a youth's tables."""
    return await session.exec(
        select(model)
        .where(col(model.youth_id) == youth_id)
        .order_by(col(moment).desc())
        .limit(TIMELINE_LIMIT)
    )


async def _timeline(
    session: AsyncSession, youth_id: int, with_answers: bool, zone: tzinfo
) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    # The outbox row's state comes along in the same query (its columns only: the payload is a
    # copy of the text, encrypted, and not needed here).
    messages = await session.exec(
        select(
            ChatMessage,
            StaffUser.name,
            OutboxMessage.status,
            OutboxMessage.sent_at,
            OutboxMessage.last_error,
            OutboxMessage.attempts,
            EscalationMessage.email_status,
            EscalationMessage.emailed_at,
        )
        .outerjoin(StaffUser, col(StaffUser.id) == col(ChatMessage.author_staff_id))
        .outerjoin(OutboxMessage, col(OutboxMessage.id) == col(ChatMessage.outbox_id))
        .outerjoin(
            EscalationMessage,
            col(EscalationMessage.id) == col(ChatMessage.escalation_message_id),
        )
        .where(col(ChatMessage.youth_id) == youth_id)
        .order_by(col(ChatMessage.created_at).desc())
        .limit(TIMELINE_LIMIT)
    )
    for (
        message,
        author,
        status,
        sent_at,
        last_error,
        attempts,
        email_status,
        emailed_at,
    ) in messages:
        incoming = message.direction == "in"
        if incoming:
            title = _("Bericht van jongere")
        elif message.kind.startswith("staff_"):
            # An alert, reminder or task about the youth went to a coordinator's chat: its
            # delivery line is about that chat, so the title must not say it went to the youth.
            title = _("Bericht aan de coördinator over deze jongere")
        elif author:
            title = _("Bericht van {name} aan jongere", name=author)
        else:
            title = _("Bericht aan jongere")
        items.append(
            TimelineItem(
                at=message.created_at,
                kind="message_in" if incoming else "message_out",
                title=title,
                # A check-in answer is also a chat message: whoever may not read the answers
                # sees that contact happened, not what was said.
                text=message.text if with_answers else None,
                # Whether it arrived is no content: whoever sees the message sees its delivery.
                delivery=delivery_status(
                    status,
                    sent_at=sent_at,
                    last_error=last_error,
                    attempts=attempts or 0,
                    zone=zone,
                    email_status=email_status,
                    emailed_at=emailed_at,
                ),
            )
        )
    if with_answers:
        answers = await _latest(session, Answer, Answer.answered_at, youth_id)
        for answer in answers:
            items.append(
                TimelineItem(
                    at=answer.answered_at,
                    kind="answer",
                    title=_("Antwoord: {key}", key=answer.key),
                    text=answer.value,
                )
            )
    consents = await _latest(session, ConsentEvent, ConsentEvent.recorded_at, youth_id)
    for consent in consents:
        items.append(
            TimelineItem(
                at=consent.recorded_at,
                kind="consent",
                title=_(
                    "Toestemming {purpose}: {action}",
                    purpose=consent.purpose,
                    action=consent.action,
                ),
                text=_(
                    "Door: {who}, tekstversie {version}",
                    who=consent.given_by,
                    version=consent.text_version,
                ),
            )
        )
    signals = await _latest(session, Signal, Signal.fired_at, youth_id)
    for signal in signals:
        items.append(
            TimelineItem(
                at=signal.fired_at,
                kind="signal",
                title=_(
                    "Signaal {rule} ({severity})", rule=signal.rule_id, severity=signal.severity
                ),
            )
        )
    escalations = await _latest(session, Escalation, Escalation.opened_at, youth_id)
    for escalation in escalations:
        items.append(
            TimelineItem(
                at=escalation.opened_at,
                kind="escalation",
                title=_("Melding geopend ({severity})", severity=escalation.severity),
                text=_("Stand: {state}", state=escalation.state),
            )
        )
        if escalation.closed_at is not None:
            items.append(
                TimelineItem(
                    at=escalation.closed_at,
                    kind="escalation",
                    title=_("Melding gesloten"),
                    text=escalation.outcome,
                )
            )
    items.sort(key=lambda item: item.at, reverse=True)
    return items

"""Messages to coordinators: alerts, reminders, relays and notes, by Telegram or e-mail.

Routine messages go through the outbox (`staff_user_id=...`, no consent check). Urgent ones go
directly (see `direct.py`) to the coordinator and the backup at once. Every message is recorded
as an `EscalationMessage`, which ties Telegram's message id (via the outbox row) to the youth,
so a coordinator's reply can be routed, and which carries the e-mail fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import Blocked, Button, Failed, OutgoingMessage
from bot.clock import Clock
from bot.delivery.outbox import PRIORITY_CRISIS, PRIORITY_REPLY, enqueue
from bot.escalation import DEFAULT_POLICY, AckPolicy, EscalationState, build_alert
from bot.i18n import format_datetime_local, format_day_with_year, gettext, render
from bot.models import ChatMessage, Escalation, OutboxMessage, School, Signal, StaffUser, Youth
from bot.models.signals import EscalationMessage
from bot.signals import Severity
from bot.storage.db import Database
from bot.watchers import texts
from bot.watchers.aftercommit import after_commit
from bot.watchers.answers import previous_checkin
from bot.watchers.direct import DirectSender
from bot.watchers.lifecycle import to_pure
from bot.watchers.mail import Mailer, MailError
from bot.watchers.signalstore import hit_of

log = logging.getLogger(__name__)

Spawn = Callable[[Callable[[], Awaitable[object]]], None]

# Button data for coordinators; "c:" is the flows' prefix, "m:"/"l:" the commands'.
ACK_PREFIX = "e:ack:"
HANDOVER_PREFIX = "e:fwd:"

ALERT_KINDS = ("alert", "reminder", "backup", "handover")


def first_name(youth: Youth) -> str:
    parts = youth.first_name.strip().split()
    return parts[0] if parts else ""


@dataclass(frozen=True)
class Composed:
    text: str
    buttons: tuple[tuple[Button, ...], ...]
    urgent: bool


class Notifier:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        panel_url: str,
        direct: DirectSender | None,
        mailer: Mailer | None,
        spawn: Spawn,
        policy: AckPolicy = DEFAULT_POLICY,
    ) -> None:
        self.database = database
        self.clock = clock
        self.panel_url = panel_url.rstrip("/")
        self.direct = direct
        self.mailer = mailer
        self.spawn = spawn
        self.policy = policy

    def youth_link(self, youth_id: int) -> str:
        return f"{self.panel_url}/youths/{youth_id}"

    # -- who ------------------------------------------------------------------------------------

    async def coordinator_of(self, session: AsyncSession, youth: Youth) -> StaffUser | None:
        """The named coordinator, else the school's default coordinator."""
        staff_id = youth.coordinator_id
        if staff_id is None:
            school = await session.get(School, youth.school_id)
            staff_id = school.default_coordinator_id if school else None
        staff = await session.get(StaffUser, staff_id) if staff_id else None
        if staff is not None and staff.disabled_at is not None:
            return await self.backup_of(session, staff)
        return staff

    async def backup_of(self, session: AsyncSession, staff: StaffUser | None) -> StaffUser | None:
        if staff is None or staff.backup_id is None:
            return None
        backup = await session.get(StaffUser, staff.backup_id)
        if backup is None or backup.disabled_at is not None or backup.id == staff.id:
            return None
        return backup

    # -- what -----------------------------------------------------------------------------------

    async def compose(
        self,
        session: AsyncSession,
        kind: str,
        youth: Youth,
        staff: StaffUser,
        row: Escalation | None,
        *,
        text: str | None = None,
    ) -> Composed:
        school = await session.get(School, youth.school_id)
        lang = staff.language or "nl"
        values = {"first_name": first_name(youth), "school": school.name if school else ""}
        link = self.youth_link(youth.id)  # type: ignore[arg-type]
        if kind == "relay":
            # Telegram takes 4096 characters; the prefix needs a few of them.
            body = render(texts.RELAY, lang, **values, text=(text or "")[:4000])
            return Composed(body, (), False)
        if kind == "representative":
            return Composed(
                render(texts.REPRESENTATIVE_NEEDED, lang, **values, link=link), (), False
            )
        if kind == "erasure":
            return Composed(render(texts.ERASURE_REQUESTED, lang, **values, link=link), (), False)
        if kind == "task":
            body = render(texts.TASK, lang, **values, note=(text or "")[:1000])
            return Composed(body, self._buttons(None, lang, link), False)
        if kind == "conversation":
            return Composed(
                render(texts.CONVERSATION_WISH, lang, **values)
                + "\n"
                + render(texts.REPLY_HINT, lang, **values),
                self._buttons(row, lang, link),
                False,
            )
        assert row is not None
        return await self._alert(session, kind, youth, staff, row, values, lang, link)

    async def _alert(
        self,
        session: AsyncSession,
        kind: str,
        youth: Youth,
        staff: StaffUser,
        row: Escalation,
        values: dict[str, str],
        lang: str,
        link: str,
    ) -> Composed:
        signals = (
            await session.exec(
                select(Signal)
                .where(Signal.escalation_id == row.id)
                .order_by(col(Signal.fired_at), col(Signal.id))
            )
        ).all()
        last = await previous_checkin(session, youth.id, None)  # type: ignore[arg-type]
        alert = build_alert(
            values["first_name"],
            values["school"],
            to_pure(row),
            [hit_of(s) for s in signals],
            last,
            self.policy,
        )
        urgent = alert.severity is Severity.URGENT
        if kind == "reminder":
            header = render(texts.REMINDER, lang, **values)
        elif kind == "backup":
            coordinator = (
                await session.get(StaffUser, row.coordinator_id) if row.coordinator_id else None
            )
            header = render(
                texts.ALERT_BACKUP,
                lang,
                **values,
                coordinator=coordinator.name if coordinator else "-",
            )
        elif kind == "handover":
            header = render(
                texts.HANDOVER_REMINDER,
                lang,
                **values,
                organisation=row.handover_receiver_organisation or "",
            )
        elif urgent:
            header = render(texts.ALERT_URGENT, lang, **values)
        elif row.conversation_requested_at is not None and all(
            s.rule_id == HANDOFF_RULE for s in signals
        ):
            header = render(texts.ALERT_CONVERSATION, lang, **values)
        else:
            header = render(texts.ALERT_ATTENTION, lang, **values)
        lines = [header, "", gettext(texts.REASONS, lang)]
        for reason in alert.reasons:
            details = [d for d in reason.details if not d.startswith("event ")]
            description = reason.description + (f" [{', '.join(details)}]" if details else "")
            if reason.since is not None:
                day = format_day_with_year(reason.since, lang)
                lines.append(render(texts.REASON_LINE, lang, description=description, day=day))
            else:
                lines.append(render(texts.REASON_LINE_UNDATED, lang, description=description))
        if alert.last_answers:
            day = format_day_with_year(max(a.given_at for a in alert.last_answers), lang)
            answers = ", ".join(f"{a.key}={a.value}" for a in alert.last_answers)
            lines += ["", render(texts.LAST_ANSWERS, lang, day=day, answers=answers)]
        if row.state == EscalationState.OPEN:
            deadline = format_datetime_local(alert.acknowledge_before, lang)
            lines += ["", render(texts.ACK_BEFORE, lang, deadline=deadline)]
        lines.append(render(texts.REPLY_HINT, lang, **values))
        return Composed("\n".join(lines), self._buttons(row, lang, link), urgent)

    def _buttons(
        self, row: Escalation | None, lang: str, link: str
    ) -> tuple[tuple[Button, ...], ...]:
        if row is None:
            return ((Button(gettext(texts.BUTTON_PANEL, lang), url=link),),)
        rows: list[tuple[Button, ...]] = []
        if row.state == EscalationState.OPEN:
            rows.append((Button(gettext(texts.BUTTON_ACK, lang), f"{ACK_PREFIX}{row.id}"),))
        rows.append((Button(gettext(texts.BUTTON_PANEL, lang), url=link),))
        rows.append((Button(gettext(texts.BUTTON_HANDOVER, lang), f"{HANDOVER_PREFIX}{row.id}"),))
        return tuple(rows)

    # -- how ------------------------------------------------------------------------------------

    async def notify(
        self,
        session: AsyncSession,
        kind: str,
        youth: Youth,
        staff: StaffUser,
        row: Escalation | None,
        now: datetime,
        *,
        text: str | None = None,
        urgent: bool | None = None,
    ) -> EscalationMessage:
        """Compose and send one message to `staff`; returns its record (flushed)."""
        composed = await self.compose(session, kind, youth, staff, row, text=text)
        direct = composed.urgent if urgent is None else urgent
        record = EscalationMessage(
            escalation_id=row.id if row else None,
            youth_id=youth.id,  # type: ignore[arg-type]
            staff_user_id=staff.id,  # type: ignore[arg-type]
            kind=kind,
            # A task's note is staff text the e-mail needs later; a relay's text is never kept here.
            note=text[:500] if kind == "task" and text else None,
            created_at=now,
        )
        outbox: OutboxMessage | None = None  # stays None for a message that goes by e-mail
        if staff.telegram_chat_id is None:
            record.email_status = "pending"
            session.add(record)
            await session.flush()
            record_id = record.id
            after_commit(session, lambda: self.spawn(lambda: self.deliver_emails([record_id])))
        else:
            message = OutgoingMessage(
                chat_id=staff.telegram_chat_id, text=composed.text, buttons=composed.buttons
            )
            if direct and self.direct is not None:
                outbox = await self.direct.prepare(
                    session, message, youth_id=None, staff_user_id=staff.id, now=now
                )
            else:
                # No youth_id on the row: an alert about a youth who blocked the bot must still go.
                outbox = await enqueue(
                    session,
                    message,
                    youth_id=None,
                    staff_user_id=staff.id,
                    priority=PRIORITY_CRISIS if direct else PRIORITY_REPLY,
                    requires_consent=False,
                    now=now,
                )
            record.outbox_id = outbox.id
            session.add(record)
            await session.flush()
            if direct and self.direct is not None:
                outbox_id, record_id = outbox.id, record.id
                after_commit(
                    session,
                    lambda: self.spawn(lambda: self._send_direct(outbox_id, message, record_id)),
                )
        if kind != "relay":  # a relay repeats the youth's own message, already in the timeline
            session.add(
                ChatMessage(
                    youth_id=youth.id,
                    staff_user_id=staff.id,
                    direction="out",
                    kind=f"staff_{kind}"[:20],
                    text=composed.text,
                    created_at=now,
                    outbox=outbox,
                    escalation_message_id=record.id,
                )
            )
        return record

    async def _send_direct(self, outbox_id: int, message: OutgoingMessage, record_id: int) -> None:
        assert self.direct is not None
        outcome = await self.direct.send(outbox_id, message)
        if isinstance(outcome, (Blocked, Failed)):
            await self.fall_back_to_email([record_id])
            await self.deliver_emails([record_id])

    # -- e-mail ---------------------------------------------------------------------------------

    async def fall_back_to_email(self, record_ids: list[int] | None = None) -> list[int]:
        """Telegram refused these (blocked, bad request, or cancelled): send them by e-mail."""
        async with self.database.transaction() as session:
            statement = (
                select(EscalationMessage.id)
                .join(OutboxMessage, col(OutboxMessage.id) == col(EscalationMessage.outbox_id))
                .where(
                    col(EscalationMessage.email_status).is_(None),
                    col(OutboxMessage.status).in_(("failed", "cancelled")),
                )
            )
            if record_ids is not None:
                statement = statement.where(col(EscalationMessage.id).in_(record_ids))
            ids = list((await session.exec(statement)).all())
            if ids:
                connection = await session.connection()
                await connection.execute(
                    update(EscalationMessage)
                    .where(col(EscalationMessage.id).in_(ids))
                    .values(email_status="pending")
                )
        return [i for i in ids if i is not None]

    async def deliver_emails(self, record_ids: list[int] | None = None) -> int:
        """Send pending e-mails (claimed first, so two callers never send one twice)."""
        async with self.database.transaction() as session:
            statement = (
                update(EscalationMessage)
                .where(col(EscalationMessage.email_status) == "pending")
                .values(email_status="sending")
                .returning(col(EscalationMessage.id))
            )
            if record_ids is not None:
                statement = statement.where(col(EscalationMessage.id).in_(record_ids))
            connection = await session.connection()
            claimed = list((await connection.execute(statement)).scalars())
        sent = 0
        for record_id in claimed:
            status, error = "sent", None
            try:
                await self._email_one(record_id)
                sent += 1
            except MailError as exc:
                status, error = "failed", str(exc)
            except Exception as exc:
                log.exception("alert e-mail failed", extra={"record": record_id})
                status, error = "failed", type(exc).__name__
            if status == "failed":
                log.error("alert e-mail not sent", extra={"record": record_id, "error": error})
            async with self.database.transaction() as session:
                connection = await session.connection()
                await connection.execute(
                    update(EscalationMessage)
                    .where(col(EscalationMessage.id) == record_id)
                    .values(
                        email_status=status,
                        email_error=error,
                        emailed_at=self.clock.now() if status == "sent" else None,
                    )
                )
        return sent

    async def _email_one(self, record_id: int) -> None:
        if self.mailer is None:
            raise MailError("no mail server configured (INBEELD_SMTP_HOST)")
        async with self.database.session() as session:
            record = await session.get(EscalationMessage, record_id)
            assert record is not None
            youth = await session.get(Youth, record.youth_id)
            staff = await session.get(StaffUser, record.staff_user_id)
            row = (
                await session.get(Escalation, record.escalation_id)
                if record.escalation_id
                else None
            )
            assert youth is not None and staff is not None
            lang = staff.language or "nl"
            link = self.youth_link(youth.id)  # type: ignore[arg-type]
            values = {"first_name": first_name(youth)}
            if record.kind == "relay":
                school = await session.get(School, youth.school_id)
                # The youth's own words never go by e-mail: the coordinator reads them in the panel.
                body = render(
                    texts.EMAIL_RELAY,
                    lang,
                    **values,
                    school=school.name if school else "",
                    link=link,
                )
                urgent = False
            else:
                composed = await self.compose(
                    session, record.kind, youth, staff, row, text=record.note
                )
                body = composed.text
                if record.kind not in ("representative", "erasure", "task"):
                    body += "\n\n" + render(texts.EMAIL_FOOTER, lang, link=link)
                urgent = composed.urgent
            subject = render(
                texts.EMAIL_SUBJECT_URGENT if urgent else texts.EMAIL_SUBJECT, lang, **values
            )
            to = staff.email
        await self.mailer.send(to, subject, body)


HANDOFF_RULE = "gesprek_gevraagd"

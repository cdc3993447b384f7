"""Commands (/start, /stop, /help, /mijngegevens, /taal) and the buttons they show."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import Button, IncomingEvent
from bot.consent.queries import has_active_consent
from bot.conversations import texts
from bot.conversations.consent import record_withdrawal
from bot.conversations.context import flow_context
from bot.conversations.outbound import reply
from bot.conversations.plans import PlanSync
from bot.conversations.runner import FlowRunner
from bot.i18n import SUPPORTED_LANGUAGES, language_choices, normalize_language, render
from bot.invites import hash_token, is_expired, is_valid_token_format
from bot.models import Invitation, Profile, StaffUser, Youth

if TYPE_CHECKING:
    from bot.conversations.hooks import Watchers
    from bot.conversations.router import InboundRouter, Outcome

# Button data outside flows; flows use "c:..." (see flows.callback).
MY_DATA_EXPORT = "m:export"
MY_DATA_ERASE = "m:erase"
LANGUAGE_PREFIX = "l:"

# The command menu (setMyCommands), Dutch source; descriptions are translated per language.
COMMAND_MENU = (
    ("help", texts.MENU_HELP),
    ("mijngegevens", texts.MENU_MY_DATA),
    ("taal", texts.MENU_LANGUAGE),
    ("stop", texts.MENU_STOP),
)


class Commands:
    def __init__(self, runner: FlowRunner, plans: PlanSync, watchers: Watchers) -> None:
        self.runner = runner
        self.plans = plans
        self.watchers = watchers

    async def run(
        self, session: AsyncSession, event: IncomingEvent, youth: Youth | None, now: datetime
    ) -> None:
        name = event.command or ""
        if name == "start":
            await self.start(session, event, youth, now)
            return
        if youth is None:
            text = texts.HELP_NOT_LINKED if name == "help" else texts.NOT_LINKED
            await reply(
                session,
                chat_id=event.chat_id,
                text=render(text, normalize_language(event.language_code)),
                now=now,
            )
            return
        if name == "stop":
            await self.stop(session, youth, now)
        elif name == "help":
            await self._say(session, youth, texts.HELP, now)
        elif name == "mijngegevens":
            await self._say(
                session,
                youth,
                texts.MY_DATA,
                now,
                buttons=(
                    (Button(render(texts.MY_DATA_SEND, youth.language), MY_DATA_EXPORT),),
                    (Button(render(texts.MY_DATA_ERASE, youth.language), MY_DATA_ERASE),),
                ),
            )
        elif name == "taal":
            rows = tuple(
                (Button(own_name, LANGUAGE_PREFIX + code),) for code, own_name in language_choices()
            )
            await self._say(session, youth, texts.LANGUAGE_QUESTION, now, buttons=rows)
        else:
            await self._say(session, youth, texts.UNKNOWN_COMMAND, now)

    # -- /start ---------------------------------------------------------------------------------

    async def start(
        self, session: AsyncSession, event: IncomingEvent, youth: Youth | None, now: datetime
    ) -> None:
        language = normalize_language(event.language_code)
        if youth is not None:
            await self._start_again(session, youth, now)
            return
        token = event.args[0] if event.args else None
        if token is None:
            await reply(
                session, chat_id=event.chat_id, text=render(texts.NOT_LINKED, language), now=now
            )
            return
        invitation = None
        if is_valid_token_format(token):
            invitation = (
                await session.exec(
                    select(Invitation).where(Invitation.token_hash == hash_token(token))
                )
            ).first()
        problem = _invitation_problem(invitation, now)
        if problem is not None:
            await reply(session, chat_id=event.chat_id, text=render(problem, language), now=now)
            return
        assert invitation is not None
        if invitation.staff_user_id is not None:
            await self._link_coordinator(session, event, invitation, now)
            return
        target = await session.get(Youth, invitation.youth_id)
        if target is None or (target.telegram_user_id not in (None, event.user_id)):
            await reply(
                session, chat_id=event.chat_id, text=render(texts.TOKEN_USED, language), now=now
            )
            return
        invitation.used_at = now
        target.telegram_user_id = event.user_id
        target.telegram_chat_id = event.chat_id
        target.unreachable_since = None
        target.updated_at = now
        session.add_all([invitation, target])
        await session.flush()
        await self._welcome(session, target, now)

    async def _start_again(self, session: AsyncSession, youth: Youth, now: datetime) -> None:
        if await has_active_consent(session, youth.id):  # type: ignore[arg-type]
            await self._say(session, youth, texts.ALREADY_LINKED, now)
            return
        await self._say(session, youth, texts.WELCOME_BACK, now)
        await self._welcome(session, youth, now)

    async def _welcome(self, session: AsyncSession, youth: Youth, now: datetime) -> None:
        if youth.profile != Profile.ARBEID:
            # Nazorg on request only: no check-ins to consent to, but the coordinator is here.
            await self._say(session, youth, texts.ON_REQUEST_WELCOME, now)
            return
        await self.runner.start(session, youth, "onboarding", now)

    async def _link_coordinator(
        self, session: AsyncSession, event: IncomingEvent, invitation: Invitation, now: datetime
    ) -> None:
        staff = await session.get(StaffUser, invitation.staff_user_id)
        taken = (
            await session.exec(select(StaffUser).where(StaffUser.telegram_chat_id == event.chat_id))
        ).first()
        language = staff.language if staff else "nl"
        if staff is None or (taken is not None and taken.id != staff.id):
            await reply(
                session, chat_id=event.chat_id, text=render(texts.TOKEN_USED, language), now=now
            )
            return
        invitation.used_at = now
        staff.telegram_chat_id = event.chat_id
        session.add_all([invitation, staff])
        await reply(
            session,
            chat_id=event.chat_id,
            text=render(texts.COORDINATOR_LINKED, language),
            staff_user_id=staff.id,
            now=now,
        )

    # -- /stop ----------------------------------------------------------------------------------

    async def stop(self, session: AsyncSession, youth: Youth, now: datetime) -> None:
        await record_withdrawal(session, youth, now)
        conversation = await self.runner.active_conversation(session, youth)
        if conversation is not None:
            await self.runner.expire(session, conversation, now)
        await self._say(session, youth, texts.STOPPED, now)
        await self.plans.sync(session, youth, now)

    # -- buttons outside flows ------------------------------------------------------------------

    async def button(
        self,
        session: AsyncSession,
        youth: Youth,
        data: str,
        now: datetime,
        outcome: Outcome,
        router: InboundRouter,
    ) -> None:
        if data == MY_DATA_EXPORT and youth.id is not None and youth.telegram_chat_id:
            youth_id, chat, language = youth.id, youth.telegram_chat_id, youth.language
            outcome.after_commit.append(lambda: router.send_export(youth_id, chat, language))
        elif data == MY_DATA_ERASE:
            await self.watchers.youth_event(session, youth, "erasure_requested", now)
            await self._say(session, youth, texts.ERASURE_REQUESTED, now)
        elif (
            data.startswith(LANGUAGE_PREFIX) and data[len(LANGUAGE_PREFIX) :] in SUPPORTED_LANGUAGES
        ):
            youth.language = data[len(LANGUAGE_PREFIX) :]
            youth.updated_at = now
            session.add(youth)
            await self._say(session, youth, texts.LANGUAGE_SET, now)
        else:
            await self._say(session, youth, texts.OLD_BUTTON, now)

    async def _say(
        self,
        session: AsyncSession,
        youth: Youth,
        text: str,
        now: datetime,
        buttons: tuple[tuple[Button, ...], ...] = (),
    ) -> None:
        context = await flow_context(session, youth, now, self.plans.zone)
        await reply(
            session,
            chat_id=youth.telegram_chat_id,  # type: ignore[arg-type]
            text=render(text, youth.language, **context),
            buttons=buttons,
            youth_id=youth.id,
            language=youth.language,
            now=now,
        )


def _invitation_problem(invitation: Invitation | None, now: datetime) -> str | None:
    if invitation is None or invitation.revoked_at is not None:
        return texts.TOKEN_UNKNOWN
    if invitation.used_at is not None:
        return texts.TOKEN_USED
    if is_expired(invitation.expires_at, now):
        return texts.TOKEN_EXPIRED
    return None

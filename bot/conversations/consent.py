"""Consent as the conversations record it: the ledger event, with the exact text shown."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.consent.rules import local_day, needs_representative
from bot.conversations import texts
from bot.conversations.outbound import reply
from bot.i18n import gettext, render
from bot.models import ConsentEvent, Youth
from bot.models.consent import ConsentAction, GivenBy, Purpose
from flows.catalogue import iter_texts
from flows.model import Flow

if TYPE_CHECKING:
    from bot.conversations.hooks import Watchers
    from bot.conversations.plans import PlanSync
    from bot.conversations.runner import Progress

CHANNEL = "telegram"


@cache
def text_fingerprint(path: str, flow_sha256: str, language: str) -> str:
    """SHA-256 of every text of a flow as the youth read it (their language), plus the file hash."""
    source = Path(path).read_text(encoding="utf-8")
    shown = [gettext(text, language) for _line, text, _where in iter_texts(source)]
    digest = hashlib.sha256(flow_sha256.encode())
    for text in shown:
        digest.update(b"\x00" + text.encode("utf-8"))
    return digest.hexdigest()


def text_version(flow: Flow, language: str) -> str:
    return f"{flow.id}@{flow.version}/{language}"


async def record_youth_decision(
    session: AsyncSession, youth: Youth, flow: Flow, action: ConsentAction, now: datetime
) -> None:
    session.add(
        ConsentEvent(
            youth_id=youth.id,  # type: ignore[arg-type]
            purpose=Purpose.CHECKINS,
            action=action,
            given_by=GivenBy.YOUTH,
            text_version=text_version(flow, youth.language),
            text_sha256=text_fingerprint(str(flow.path), flow.sha256, youth.language),
            channel=CHANNEL,
            recorded_at=now,
        )
    )


async def record_withdrawal(session: AsyncSession, youth: Youth, now: datetime) -> None:
    """`/stop`: one step, whatever was granted before (AVG art. 7(3))."""
    session.add(
        ConsentEvent(
            youth_id=youth.id,  # type: ignore[arg-type]
            purpose=Purpose.CHECKINS,
            action=ConsentAction.WITHDRAWN,
            given_by=GivenBy.YOUTH,
            text_version="stop",
            text_sha256=hashlib.sha256(b"/stop").hexdigest(),
            channel=CHANNEL,
            recorded_at=now,
        )
    )


async def on_flow_finished(
    session: AsyncSession,
    youth: Youth,
    progress: Progress,
    now: datetime,
    plans: PlanSync,
    watchers: Watchers,
) -> None:
    """Act on a finished onboarding or re-offer: record the decision and replan."""
    conversation, step = progress.conversation, progress.step
    flow = plans.flows.get(conversation.flow_id)
    if flow is None or step.state.status != "finished":
        return
    if conversation.flow_id == "onboarding":
        decision = step.outcome.get("consent")
        if decision == "granted":
            await record_youth_decision(session, youth, flow, ConsentAction.GRANTED, now)
            youth.participation = "ja"
            if needs_representative(
                youth.date_of_birth, youth.representative_required, local_day(now)
            ):
                await reply(
                    session,
                    chat_id=youth.telegram_chat_id,  # type: ignore[arg-type]
                    text=render(texts.REPRESENTATIVE_NEEDED, youth.language),
                    youth_id=youth.id,
                    language=youth.language,
                    now=now,
                )
                await watchers.youth_event(session, youth, "representative_needed", now)
        elif decision == "declined":
            await record_youth_decision(session, youth, flow, ConsentAction.DECLINED, now)
            youth.participation = "nee"
        elif decision == "question":
            await watchers.handoff(session, youth, "question", None, now)
    elif conversation.flow_id == "reoffer" and step.outcome.get("reoffer") in ("accepted", "call"):
        await record_youth_decision(session, youth, flow, ConsentAction.GRANTED, now)
        youth.participation = "ja"
        await watchers.handoff(session, youth, "reoffer_" + str(step.outcome["reoffer"]), None, now)
    else:
        return
    youth.updated_at = now
    session.add(youth)
    joined = conversation.flow_id == "onboarding" and step.outcome.get("consent") == "granted"
    await plans.sync(session, youth, now, just_joined=joined)

"""What staff do to a youth from the panel, as domain functions (no aiohttp).

Each function changes rows in the caller's transaction; the views validate the form first,
write the audit entry and commit.

Messages to a youth go through `WatchersService.send_staff_message`, erasure through
`bot.privacy.erasure.erase_youth`; the views call those directly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.consent.forms import PAPER_FORM
from bot.conversations.plans import PlanSync
from bot.models import ConsentEvent, StaffUser, Youth
from bot.models.consent import ConsentAction, GivenBy, Purpose

PAPER_CHANNEL = "paper"
PANEL_CHANNEL = "panel"
WITHDRAWAL_VERSION = "panel-intrekking"


def pause(youth: Youth, until: date, reason: str, now: datetime) -> None:
    """No automated contact until `until` (the tick and the dispatcher check it at send time)."""
    youth.paused_until = until
    youth.pause_reason = reason
    youth.updated_at = now


def end_pause(youth: Youth, now: datetime) -> None:
    youth.paused_until = None
    youth.pause_reason = None
    youth.updated_at = now


@dataclass(frozen=True)
class ConsentGiver:
    """Who signed or asked: the youth themself (recorded by staff) or a representative."""

    given_by: GivenBy
    representative_name: str | None = None
    representative_relation: str | None = None


@dataclass(frozen=True)
class LedgerStep:
    """What a panel consent step writes to the ledger besides who and when."""

    action: ConsentAction
    text_version: str
    text_sha256: str
    channel: str


# A signed paper form: the form's version and hash.
PAPER_CONSENT = LedgerStep(
    ConsentAction.GRANTED, PAPER_FORM.version, PAPER_FORM.sha256, PAPER_CHANNEL
)
# The youth or their representative told staff to stop.
PANEL_WITHDRAWAL = LedgerStep(
    ConsentAction.WITHDRAWN,
    WITHDRAWAL_VERSION,
    hashlib.sha256(WITHDRAWAL_VERSION.encode()).hexdigest(),
    PANEL_CHANNEL,
)


async def record_consent_step(
    session: AsyncSession,
    youth: Youth,
    staff: StaffUser,
    giver: ConsentGiver,
    plans: PlanSync,
    now: datetime,
    step: LedgerStep,
) -> ConsentEvent:
    """One ledger entry recorded by staff, then replan: a grant plans the check-ins, a
    withdrawal cancels the future ones."""
    event = ConsentEvent(
        youth_id=youth.id,  # type: ignore[arg-type]
        purpose=Purpose.CHECKINS,
        action=step.action,
        given_by=giver.given_by,
        representative_name=giver.representative_name,
        representative_relation=giver.representative_relation,
        staff_user_id=staff.id,
        text_version=step.text_version,
        text_sha256=step.text_sha256,
        channel=step.channel,
        recorded_at=now,
    )
    session.add(event)
    youth.participation = "ja" if step.action is ConsentAction.GRANTED else "nee"
    youth.updated_at = now
    session.add(youth)
    await plans.sync(session, youth, now)
    return event

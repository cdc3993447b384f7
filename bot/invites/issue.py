"""Issuing invitations: a fresh single-use token per youth, only its hash stored.

The plain token lives only in the returned objects, long enough to show or print it; issuing
again revokes every earlier unused invitation of the youth, so only the newest one works.

Same shape as the importer branch's `issue_invitations` (which also issues per school in bulk);
this smaller version is what the panel's "new invitation" action needs until that one lands.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.invites.tokens import deep_link, hash_token, invite_expires_at, new_invite_token
from bot.models import Invitation, Youth


class IssuedInvitation(NamedTuple):
    """Unpacks as (youth, token, link); the token exists nowhere else."""

    youth: Youth
    token: str
    link: str


async def issue_invitations(
    session: AsyncSession,
    *,
    now: datetime,
    bot_username: str,
    youth_ids: Sequence[int] | None = None,
    school_id: int | None = None,
) -> list[IssuedInvitation]:
    """New invitations (valid 90 days) for the given youths, or for every youth of `school_id`
    who has not linked a chat yet; earlier unused invitations of those youths are revoked."""
    if (youth_ids is None) == (school_id is None):
        raise ValueError("pass youth_ids or school_id")
    deep_link(bot_username, new_invite_token())  # a bad username fails before any revoking
    statement = select(Youth).order_by(col(Youth.id))
    if youth_ids is not None:
        statement = statement.where(col(Youth.id).in_(sorted(set(youth_ids))))
    else:
        statement = statement.where(
            Youth.school_id == school_id, col(Youth.telegram_user_id).is_(None)
        )
    youths = list((await session.exec(statement)).all())
    if youth_ids is not None:
        missing = set(youth_ids) - {youth.id for youth in youths}
        if missing:
            raise LookupError(f"unknown youth ids: {sorted(missing)}")
    if not youths:
        return []
    await session.exec(
        update(Invitation)
        .where(
            col(Invitation.youth_id).in_([youth.id for youth in youths]),
            col(Invitation.used_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    issued = []
    for youth in youths:
        token = new_invite_token()
        session.add(
            Invitation(
                token_hash=hash_token(token),
                youth_id=youth.id,
                created_at=now,
                expires_at=invite_expires_at(now),
            )
        )
        issued.append(IssuedInvitation(youth, token, deep_link(bot_username, token)))
    await session.flush()
    return issued

"""Issuing invitations: a fresh single-use token per youth, only its hash stored.

The plain token lives only in the returned objects, long enough to print a card; issuing again
revokes every earlier unused invitation of the youth, so only the newest card works.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import insert, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.invites.cards import InviteCard, expiry_day
from bot.invites.tokens import deep_link, hash_token, invite_expires_at, new_invite_token
from bot.models import Invitation, School, Youth

_CHUNK = 500


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
    """New invitations for the given youths, or for every youth of `school_id` (or, with
    neither, of every school) who has not linked a chat yet. Valid 90 days.

    Named youths get one even when linked: a school asking for a specific card means it.
    """
    if youth_ids is not None and school_id is not None:
        raise ValueError("pass youth_ids or school_id, not both")
    deep_link(bot_username, new_invite_token())  # a bad username fails before any revoking
    youths = await _youths(session, youth_ids, school_id)
    if not youths:
        return []
    ids = [youth.id for youth in youths]
    for chunk in _chunks(ids):
        await session.exec(
            update(Invitation)
            .where(
                col(Invitation.youth_id).in_(chunk),
                col(Invitation.used_at).is_(None),
                col(Invitation.revoked_at).is_(None),
            )
            .values(revoked_at=now)
        )
    expires_at = invite_expires_at(now)
    issued = []
    rows = []
    for youth in youths:
        token = new_invite_token()
        issued.append(IssuedInvitation(youth, token, deep_link(bot_username, token)))
        rows.append(
            {
                "token_hash": hash_token(token),
                "youth_id": youth.id,
                "staff_user_id": None,
                "created_at": now,
                "expires_at": expires_at,
                "used_at": None,
                "revoked_at": None,
            }
        )
    for chunk in _chunks(rows, 2000):
        await session.exec(insert(Invitation), params=list(chunk))
    return issued


async def invitation_cards(
    session: AsyncSession, issued: Sequence[IssuedInvitation], issued_at: datetime
) -> list[InviteCard]:
    """The printable cards, sorted by school and name so a teacher can hand them out."""
    expires_on = expiry_day(invite_expires_at(issued_at))
    names = dict(
        (await session.exec(select(School.id, School.name))).all()  # type: ignore[arg-type]
    )
    cards = [
        (
            names.get(item.youth.school_id, ""),
            InviteCard(
                first_name=item.youth.first_name,
                last_name=item.youth.last_name or "",
                school_name=names.get(item.youth.school_id, ""),
                link=item.link,
                expires_on=expires_on,
                language=item.youth.language,
            ),
        )
        for item in issued
    ]
    cards.sort(key=lambda pair: (pair[0], pair[1].last_name.casefold(), pair[1].first_name))
    return [card for _school, card in cards]


async def _youths(
    session: AsyncSession, youth_ids: Sequence[int] | None, school_id: int | None
) -> list[Youth]:
    if youth_ids is not None:
        found: list[Youth] = []
        for chunk in _chunks(sorted(set(youth_ids))):
            found.extend((await session.exec(select(Youth).where(col(Youth.id).in_(chunk)))).all())
        missing = set(youth_ids) - {youth.id for youth in found}
        if missing:
            raise LookupError(f"unknown youth ids: {sorted(missing)}")
        return sorted(found, key=lambda youth: youth.id or 0)
    statement = select(Youth).where(col(Youth.telegram_user_id).is_(None)).order_by(Youth.id)
    if school_id is not None:
        statement = statement.where(Youth.school_id == school_id)
    return list((await session.exec(statement)).all())


def _chunks(items: Sequence[object], size: int = _CHUNK) -> Iterator[Sequence[object]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]

"""Append-only, hash-chained audit events.

Each row stores ``hash = sha256(prev_hash + canonical content)``. Editing or deleting a row in
the middle breaks the link of that row or the next one, and `verify_chain` names the first one.
Writers call `record_event` inside the transaction of the change they log, so the change and its
audit row commit together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.models.audit import AuditEvent
from bot.storage.db import Database
from bot.storage.dialects import dialect_of

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same in every process that appends.
_POSTGRES_LOCK_KEY = 7_513_2024
_VERIFY_BATCH = 1000


class AuditAction(StrEnum):
    VIEW_YOUTH = "view_youth"
    LOGIN = "login"
    LOGOUT = "logout"
    PASSWORD_SET = "password_set"  # noqa: S105 - an event name
    TOTP_ENROLLED = "totp_enrolled"
    USER_ADDED = "user_added"
    USER_DISABLED = "user_disabled"
    PASSWORD_RESET_ISSUED = "password_reset_issued"  # noqa: S105


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None


def canonical_content(event: AuditEvent) -> str:
    """The fields the hash covers, in one fixed textual form."""
    return json.dumps(
        {
            "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
            "actor_id": event.actor_id,
            "action": event.action,
            "youth_id": event.youth_id,
            "target_user_id": event.target_user_id,
            "client_address": event.client_address,
            "detail": event.detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_content(event)).encode("ascii")).hexdigest()


async def _last_hash(session: AsyncSession) -> str:
    if dialect_of(session) == "postgresql":
        # Serialise appenders so they do not race for the same predecessor; the unique
        # prev_hash column would refuse the loser anyway, but a wait beats a failed request.
        await session.exec(select(func.pg_advisory_xact_lock(_POSTGRES_LOCK_KEY)))
    last = (
        await session.exec(select(AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1))
    ).first()
    return last or GENESIS_HASH


async def record_event(
    session: AsyncSession,
    clock: Clock,
    *,
    action: AuditAction | str,
    actor_id: int | None,
    youth_id: int | None = None,
    target_user_id: int | None = None,
    client_address: str | None = None,
    detail: Mapping[str, object] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction. ``detail`` must never hold free text a
    youth wrote: the log is kept longer than the record itself."""
    event = AuditEvent(
        occurred_at=clock.now(),
        actor_id=actor_id,
        action=str(action),
        youth_id=youth_id,
        target_user_id=target_user_id,
        client_address=client_address,
        detail=json.dumps(dict(detail or {}), sort_keys=True, separators=(",", ":")),
        prev_hash=GENESIS_HASH,
        hash=GENESIS_HASH,
    )
    event.prev_hash = await _last_hash(session)
    event.hash = chain_hash(event.prev_hash, event)
    session.add(event)
    await session.flush()
    return event


async def verify_chain(database: Database) -> ChainReport:
    """Walk the log in order; report the first row whose link or content does not check out."""
    expected_prev = GENESIS_HASH
    checked = 0
    after_id = 0
    async with database.session() as session:
        while True:
            rows = (
                await session.exec(
                    select(AuditEvent)
                    .where(col(AuditEvent.id) > after_id)
                    .order_by(col(AuditEvent.id))
                    .limit(_VERIFY_BATCH)
                )
            ).all()
            if not rows:
                return ChainReport(ok=True, checked=checked)
            for event in rows:
                assert event.id is not None
                if event.prev_hash != expected_prev:
                    return ChainReport(False, checked, event.id, "link to the previous row broken")
                if event.hash != chain_hash(event.prev_hash, event):
                    return ChainReport(False, checked, event.id, "content does not match its hash")
                expected_prev = event.hash
                checked += 1
                after_id = event.id

"""A youth's full data export (AVG art. 15/20): every row in every table that refers to them.

Rows are found by walking the foreign keys (`bot.privacy.schema`): direct ones (`youth_id`) and
indirect ones (answers of their conversations, signals of their escalations), so a new table is
exported without anyone remembering to add it here. Encrypted columns come out decrypted.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import MetaData, Table, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import AuditEvent, StaffUser, metadata
from bot.privacy.schema import YOUTH_TABLE, referring_tables, youth_rows

# Secrets and internals that say nothing about the youth and must never leave the system.
OMITTED_COLUMNS = frozenset({"token_hash", "password_hash", "totp_secret", "state"})


def youth_tables(schema: MetaData = metadata) -> list[Table]:
    """Every table the export covers: a foreign key to the youth, direct or through others."""
    return referring_tables(schema)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def export_youth(
    session: AsyncSession, youth_id: int, *, schema: MetaData = metadata
) -> dict[str, Any]:
    youth_table = schema.tables[YOUTH_TABLE]
    youth = (
        (await session.exec(select(youth_table).where(youth_table.c.id == youth_id)))
        .mappings()
        .first()
    )
    if youth is None:
        raise LookupError("no such youth")
    result: dict[str, Any] = {YOUTH_TABLE: _row(youth)}
    found = await youth_rows(session, schema, youth_id)
    for table in youth_tables(schema):
        ids = sorted(found.ids.get(table.name, ()))
        key = next(iter(table.primary_key.columns))
        rows = (
            (await session.exec(select(table).where(key.in_(ids)).order_by(key))).mappings()
            if ids
            else []
        )
        result[table.name] = [_row(row) for row in rows]
    result["record_access"] = await record_access(session, youth_id)
    return result


async def record_access(session: AsyncSession, youth_id: int) -> list[dict[str, Any]]:
    """Who viewed or changed the youth's record, and when (from the audit log: it has no
    foreign key on purpose, so the schema walk does not find it)."""
    rows = (
        await session.exec(
            select(AuditEvent, StaffUser)
            .join(StaffUser, StaffUser.id == AuditEvent.actor_id, isouter=True)  # type: ignore[arg-type]
            .where(AuditEvent.youth_id == youth_id)
            .order_by(AuditEvent.occurred_at)  # type: ignore[arg-type]
        )
    ).all()
    return [
        {
            "when": _plain(event.occurred_at),
            "action": event.action,
            "by": staff.name if staff else None,
            "role": staff.role if staff else None,
        }
        for event, staff in rows
    ]


def _row(row: Any) -> dict[str, Any]:
    return {k: _plain(v) for k, v in row.items() if k not in OMITTED_COLUMNS}


def export_document(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")

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

from bot.models import metadata
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
    return result


def _row(row: Any) -> dict[str, Any]:
    return {k: _plain(v) for k, v in row.items() if k not in OMITTED_COLUMNS}


def export_document(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")

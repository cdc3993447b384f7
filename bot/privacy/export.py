"""A youth's full data export: every row in every table that refers to them.

Tables are found from the metadata (a `youth_id` column), so a new table is exported without
anyone remembering to add it here.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Youth, metadata

# Secrets and internals that say nothing about the youth and must never leave the system.
OMITTED_COLUMNS = frozenset({"token_hash", "password_hash", "totp_secret", "state"})


def youth_tables() -> list[Table]:
    return [
        table
        for name, table in sorted(metadata.tables.items())
        if "youth_id" in table.c and name != "youth"
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def export_youth(session: AsyncSession, youth_id: int) -> dict[str, Any]:
    youth = await session.get(Youth, youth_id)
    if youth is None:
        raise LookupError("no such youth")
    result: dict[str, Any] = {
        "youth": {k: _plain(v) for k, v in youth.model_dump().items() if k not in OMITTED_COLUMNS}
    }
    for table in youth_tables():
        rows = (await session.execute(select(table).where(table.c.youth_id == youth_id))).mappings()
        result[table.name] = [
            {k: _plain(v) for k, v in row.items() if k not in OMITTED_COLUMNS} for row in rows
        ]
    return result


def export_document(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")

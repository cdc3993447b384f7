"""Key rotation: re-encrypt every encrypted column with the newest data key.

Put the new key first in ``INBEELD_DATA_KEY`` (``new,old``), restart the service so new writes
use it, run ``inbeeld keys rotate``, then drop the old key. The columns are found from the
metadata (every `EncryptedText`/`EncryptedJSON` column), read in batches by primary key, and
each batch is committed on its own: an interrupted run keeps what it did, and a rerun skips
every value the newest key already opens, so running it twice changes nothing the second time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import Column, MetaData, Table, Text, bindparam, select, type_coerce, update

from bot.models import metadata
from bot.privacy.crypto import ENCRYPTED_TYPES, KeyRing
from bot.storage.db import Database

log = logging.getLogger(__name__)

ROTATE_BATCH = 500
# Columns sealed outside the ORM type, with a marker in front of the token: the panel's TOTP
# secrets (admin/security/sealing.py). Rotated too, or dropping an old key would lock staff out.
PREFIXED_COLUMNS: tuple[tuple[str, str, str], ...] = (("staffuser", "totp_secret", "fernet:"),)


@dataclass
class RotationReport:
    checked: int = 0
    rewritten: int = 0
    by_column: dict[str, int] = field(default_factory=dict)


def encrypted_columns(schema: MetaData = metadata) -> list[tuple[Table, Column]]:
    return [
        (table, column)
        for table in schema.sorted_tables
        for column in table.columns
        if isinstance(column.type, ENCRYPTED_TYPES)
    ]


async def rotate_column(
    database: Database,
    ring: KeyRing,
    table: Table,
    column: Column,
    *,
    batch: int = ROTATE_BATCH,
    prefix: str = "",
) -> tuple[int, int]:
    """(values checked, values rewritten) for one column. With a `prefix`, only values that
    carry it are tokens (behind the prefix); other values are left alone."""
    keys = list(table.primary_key.columns)
    if len(keys) != 1:
        raise ValueError(f"{table.name}: rotation needs a one-column primary key")
    key = keys[0]
    raw = type_coerce(column, Text)  # the stored token, not the decrypted text
    rewrite = (
        update(table)
        .where(key == bindparam("_row_id"))
        .values({column.name: bindparam("_token", type_=Text)})
    )
    checked = rewritten = 0
    last = None
    while True:
        query = select(key, raw).where(raw.is_not(None)).order_by(key).limit(batch)
        if prefix:
            query = query.where(raw.startswith(prefix, autoescape=True))
        if last is not None:
            query = query.where(key > last)
        async with database.transaction() as session:
            rows = (await session.exec(query)).all()
            if not rows:
                return checked, rewritten
            changes = [
                {"_row_id": row_id, "_token": prefix + ring.rotate(token.removeprefix(prefix))}
                for row_id, token in rows
                if not ring.is_current(token.removeprefix(prefix))
            ]
            if changes:
                await session.exec(rewrite, params=changes)
        checked += len(rows)
        rewritten += len(changes)
        last = rows[-1][0]


async def rotate_keys(
    database: Database, ring: KeyRing, *, batch: int = ROTATE_BATCH, schema: MetaData = metadata
) -> RotationReport:
    report = RotationReport()
    for table, column in encrypted_columns(schema):
        checked, rewritten = await rotate_column(database, ring, table, column, batch=batch)
        report.checked += checked
        report.rewritten += rewritten
        report.by_column[f"{table.name}.{column.name}"] = rewritten
    for table_name, column_name, prefix in PREFIXED_COLUMNS:
        if table_name not in schema.tables:
            continue
        table = schema.tables[table_name]
        checked, rewritten = await rotate_column(
            database, ring, table, table.c[column_name], batch=batch, prefix=prefix
        )
        report.checked += checked
        report.rewritten += rewritten
        report.by_column[f"{table_name}.{column_name}"] = rewritten
    log.info("data_keys_rotated", extra={"checked": report.checked, "rewritten": report.rewritten})
    return report

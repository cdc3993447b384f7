"""free text encrypted at rest

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22

Answers, chat messages, pause reasons, outbox payloads and signal evidence become Fernet tokens
(bot.privacy.crypto.EncryptedText / EncryptedJSON). A token is longer than its text, so the
columns become TEXT, and rows that already exist are encrypted here with the configured data key
(INBEELD_DATA_KEY, or the SQLite key file).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table, column, old length, nullable
COLUMNS = (
    ("answer", "value", 4000, False),
    ("chatmessage", "text", 8000, True),
    ("youth", "pause_reason", 500, True),
)
# JSON documents that become one token each: table, column
JSON_COLUMNS = (("outboxmessage", "payload"), ("signal", "reason"))
BATCH = 500
# Tables other tables point at: SQLite's batch mode would rebuild them (DROP TABLE), which the
# foreign keys of existing rows refuse inside a transaction. Their columns are swapped instead.
REFERENCED_TABLES = {"youth"}


def _key_ring():  # type: ignore[no-untyped-def]
    from bot.config import load_settings
    from bot.privacy import crypto

    if crypto.key_ring_configured():
        return crypto.key_ring()
    url = op.get_bind().engine.url.render_as_string(hide_password=False)
    return crypto.configure_data_keys(load_settings(database_url=url))


def _convert(table: str, column: str, change) -> None:  # type: ignore[no-untyped-def]
    """Rewrite every non-null value of one column, in batches by id."""
    bind = op.get_bind()
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column(column, sa.Text))
    last_id = 0
    ring = None
    while True:
        batch = bind.execute(
            sa.select(rows.c.id, rows.c[column])
            .where(rows.c.id > last_id, rows.c[column].is_not(None))
            .order_by(rows.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        ring = ring or _key_ring()
        for row_id, value in batch:
            bind.execute(
                sa.update(rows).where(rows.c.id == row_id).values({column: change(ring, value)})
            )
        last_id = batch[-1][0]


def _retype(
    table: str, column: str, old: sa.types.TypeEngine, new: sa.types.TypeEngine, nullable: bool
) -> None:
    if op.get_bind().dialect.name == "sqlite" and table in REFERENCED_TABLES:
        # SQLite 3.35+: add, copy, drop, rename, without rebuilding the table.
        assert nullable, "the column swap suits nullable columns only"
        swap = f"{column}_swap"
        op.add_column(table, sa.Column(swap, new, nullable=True))
        op.execute(f"UPDATE {table} SET {swap} = {column}")  # noqa: S608 - constant names
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {swap} TO {column}")
        return
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column(column, existing_type=old, type_=new, existing_nullable=nullable)


def upgrade() -> None:
    for table, column in JSON_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.JSON(),
                type_=sa.Text(),
                existing_nullable=False,
                postgresql_using=f"{column}::text",
            )
        _convert(table, column, lambda ring, value: ring.encrypt(value))
    for table, column, length, nullable in COLUMNS:
        _retype(table, column, sqlmodel.sql.sqltypes.AutoString(length=length), sa.Text(), nullable)
        _convert(table, column, lambda ring, value: ring.encrypt(value))


def downgrade() -> None:
    for table, column, length, nullable in COLUMNS:
        _convert(table, column, lambda ring, value, length=length: ring.decrypt(value)[:length])
        _retype(table, column, sa.Text(), sqlmodel.sql.sqltypes.AutoString(length=length), nullable)
    for table, column in JSON_COLUMNS:
        _convert(table, column, lambda ring, value: ring.decrypt(value))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.Text(),
                type_=sa.JSON(),
                existing_nullable=False,
                postgresql_using=f"{column}::json",
            )

"""chat messages and outbox rows get an insert sentinel column

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

SQLite does not promise that INSERT ... RETURNING gives rows back in the order of VALUES, so
SQLAlchemy inserted the chat messages and outbox rows of a flush one statement each. A
sentinel column (`bot.storage.types.batch_insert_sentinel`) lets it insert them in one
statement and match their ids by position. Old rows keep NULL; nothing reads the column.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("chatmessage", "outboxmessage")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("insert_sentinel", sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("insert_sentinel")

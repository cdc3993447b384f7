"""outbox automated flag and domain events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

The outbox learns which messages are automated (a pause cancels them, an open human
conversation holds them); domain events carry facts such as "blocked the bot" to the signals code.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "domainevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("occurred_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("handled_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["youth.id"], name=op.f("fk_domainevent_youth_id_youth")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_domainevent")),
    )
    with op.batch_alter_table("domainevent", schema=None) as batch_op:
        batch_op.create_index(
            "ix_domainevent_kind_handled_at", ["kind", "handled_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_domainevent_youth_id"), ["youth_id"], unique=False)

    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("automated", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_column("automated")

    with op.batch_alter_table("domainevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_domainevent_youth_id"))
        batch_op.drop_index("ix_domainevent_kind_handled_at")

    op.drop_table("domainevent")

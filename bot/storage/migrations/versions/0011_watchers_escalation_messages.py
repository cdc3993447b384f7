"""watchers: escalation messages, conversation requests, history and reminder bookkeeping

Revision ID: 0011
Revises: 0003
Create Date: 2026-11-22

Coordinator alerts, reminders and relayed messages are remembered per escalation, so a reply
in Telegram can be routed back to the youth and a failed Telegram message can go by e-mail.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.storage.types

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "conversation_requested_at",
                bot.storage.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("history", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column(
                "last_reminder_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column(
                "backup_alerted_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True
            )
        )

    op.create_table(
        "escalationmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("email_status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("email_error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("created_at", bot.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("emailed_at", bot.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalation.id"],
            name=op.f("fk_escalationmessage_escalation_id_escalation"),
        ),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outboxmessage.id"],
            name=op.f("fk_escalationmessage_outbox_id_outboxmessage"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staffuser.id"],
            name=op.f("fk_escalationmessage_staff_user_id_staffuser"),
        ),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["youth.id"], name=op.f("fk_escalationmessage_youth_id_youth")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalationmessage")),
    )
    with op.batch_alter_table("escalationmessage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalationmessage_escalation_id"), ["escalation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_escalationmessage_outbox_id"), ["outbox_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_escalationmessage_staff_user_id"), ["staff_user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_escalationmessage_youth_id"), ["youth_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("escalationmessage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalationmessage_youth_id"))
        batch_op.drop_index(batch_op.f("ix_escalationmessage_staff_user_id"))
        batch_op.drop_index(batch_op.f("ix_escalationmessage_outbox_id"))
        batch_op.drop_index(batch_op.f("ix_escalationmessage_escalation_id"))
    op.drop_table("escalationmessage")

    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_column("backup_alerted_at")
        batch_op.drop_column("last_reminder_at")
        batch_op.drop_column("history")
        batch_op.drop_column("conversation_requested_at")

"""chat messages to a coordinator link to their escalation message

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05

A message to a coordinator about a youth appears on the youth's timeline; its escalation message
record says whether it went by e-mail instead of Telegram and how that went, so the timeline can
say so. Deleting the record empties the link (ON DELETE SET NULL); the index serves that delete.
Messages logged before this revision keep an empty link.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chatmessage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalation_message_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_chatmessage_escalation_message_id"),
            ["escalation_message_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_chatmessage_escalation_message_id_escalationmessage"),
            "escalationmessage",
            ["escalation_message_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("chatmessage", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_chatmessage_escalation_message_id_escalationmessage"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_chatmessage_escalation_message_id"))
        batch_op.drop_column("escalation_message_id")

"""chat messages link to their outbox row

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05

An outgoing message on the youth's timeline points at the outbox row that sends it, so the panel
can show whether it was sent, cancelled (and why), failed or is uncertain. Deleting an outbox row
empties the link (ON DELETE SET NULL) instead of being refused; the index serves that delete.
Messages logged before this revision keep an empty link: nobody can tell which row was theirs.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chatmessage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outbox_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_chatmessage_outbox_id"), ["outbox_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_chatmessage_outbox_id_outboxmessage"),
            "outboxmessage",
            ["outbox_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("chatmessage", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_chatmessage_outbox_id_outboxmessage"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_chatmessage_outbox_id"))
        batch_op.drop_column("outbox_id")

"""outbox rows remember where a probe for them starts, and message ids are indexed

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

A send that goes unanswered (a crash, a timeout, a dropped connection) is no longer given up as
"maybe delivered": the dispatcher asks Telegram whether it arrived (`bot.delivery.checking`).
`probe_from` is the highest message id the sender had seen when it marked the row `sending`;
the message's own id can only be above it. The recorded message ids in the range it then
searches are excluded, hence the index. Old rows keep NULL and are settled the old way.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.add_column(sa.Column("probe_from", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outboxmessage_channel_message_id"), ["channel_message_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outboxmessage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outboxmessage_channel_message_id"))
        batch_op.drop_column("probe_from")

"""responses.rules_revision: the revision the case rules have evaluated (the case outbox)

A response waits for the case rules while ``rules_revision < revision``; the web process's
case worker and the scheduler's sweep evaluate it and move the mark. Responses the old
watermark (``case_sweeps`` row ``responses``) had passed are marked as evaluated.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 22:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

PENDING = "rules_revision < revision AND customer_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rules_revision", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(
        "UPDATE responses SET rules_revision = revision WHERE id <= "
        "(SELECT last_id FROM case_sweeps WHERE name = 'responses')"
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_responses_rules_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text(PENDING),
            postgresql_where=sa.text(PENDING),
        )


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_rules_pending")
        batch_op.drop_column("rules_revision")

"""consent changes: the history of every consent change made through Loyalloop

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 17:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loyalloop.store.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("at", loyalloop.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_changes")),
    )
    with op.batch_alter_table("consent_changes", schema=None) as batch_op:
        batch_op.create_index("ix_consent_changes_customer", ["customer_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("consent_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_changes_customer")
    op.drop_table("consent_changes")

"""saved segments: named segment specs from the builder page and the API

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 16:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import loyalloop.store.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_count", sa.Integer(), nullable=True),
        sa.Column("last_run", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", loyalloop.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", loyalloop.store.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_segments")),
        sa.UniqueConstraint("name", name=op.f("uq_saved_segments_name")),
    )


def downgrade() -> None:
    op.drop_table("saved_segments")

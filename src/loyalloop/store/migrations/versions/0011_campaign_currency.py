"""campaigns.currency: the currency a campaign's money is in

A campaign's budget, offer costs, expected cost and ROI were read in the project's currency
at the time they were read, so a project whose currency changed (a new run over data in
another currency) showed a CNY campaign's costs as USD. Each campaign now records its
currency at creation. Campaigns made before this revision take the project's currency (that
of the latest published run's amounts, handed in by :func:`loyalloop.store.migrate.upgrade`
as ``project_currency``); when no run names one they keep ``NULL`` and get the project's
currency at their next launch.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 01:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BACKFILL = sa.text("UPDATE campaigns SET currency = :currency WHERE currency IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
    config = op.get_context().config
    currency = config.attributes.get("project_currency") if config is not None else None
    if currency:
        op.execute(BACKFILL.bindparams(currency=str(currency)))


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("currency")

"""case_events.currency: the currency of a compensation event's amount

A case's timeline showed every compensation amount in the currency of the *current* policy
(CNY by default), so a USD project read its grants as CNY. Each compensation event now
carries the currency it was given in. Events written before this revision take the currency
of their grant in ``compensation_grants`` (which always kept it: same case, time and amount);
an event without a matching grant keeps ``NULL`` (shown without a currency).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 19:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BACKFILL = sa.text(
    "UPDATE case_events SET currency = ("
    " SELECT MIN(g.currency) FROM compensation_grants g"
    " WHERE g.case_id = case_events.case_id AND g.at = case_events.at"
    " AND g.amount = case_events.amount"
    ") WHERE kind = 'compensation' AND amount IS NOT NULL"
)


def upgrade() -> None:
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_column("currency")

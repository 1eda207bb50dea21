"""campaign_assignments.propensity: the design chance of each row's arm

Logged with every assignment (the holdout share, an arm's share of the rest, the global
control share; or the chance a learning round drew), so that a campaign's rows can be valued by
inverse-propensity weighting without re-deriving the design. Rows written before this revision
keep ``NULL``: their design is not known here.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 16:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("propensity", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_assignments", schema=None) as batch_op:
        batch_op.drop_column("propensity")

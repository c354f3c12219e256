"""metadata_proposals.doubt: why a proposal is only a guess («Подшить как предложено»
does not take it)

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("metadata_proposals", sa.Column("doubt", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("metadata_proposals") as batch_op:
        batch_op.drop_column("doubt")

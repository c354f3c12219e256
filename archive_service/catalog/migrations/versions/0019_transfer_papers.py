"""pupil_transfers: the application's scan and the receiving school's notice

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pupil_transfers") as batch_op:
        batch_op.add_column(
            sa.Column("application_document_id", sa.String(length=32), nullable=True)
        )
        batch_op.add_column(sa.Column("notice_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("notice", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("notice_document_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pupil_transfers") as batch_op:
        for name in ("notice_document_id", "notice", "notice_on", "application_document_id"):
            batch_op.drop_column(name)

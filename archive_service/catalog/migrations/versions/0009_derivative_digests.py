"""derivative digests: each page's stored files with the SHA-256 read back at writing

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = ("preview_sha256", "text_sha256", "pdf_sha256")


def upgrade() -> None:
    with op.batch_alter_table("pages", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pages", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)

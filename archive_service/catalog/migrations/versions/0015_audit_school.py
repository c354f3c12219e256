"""audit_log.school_id: the school a row is about, so a school's auditor reads its own

Added with ALTER TABLE ADD COLUMN on both databases: copying the table (SQLite's batch
mode) would drop the triggers that keep the log append-only. Rows from before keep no
school, and their hashes are unchanged: the school enters a row's hash only when set.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("school_id", sa.Integer(), nullable=True))
    op.create_index("ix_audit_log_school_id", "audit_log", ["school_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_school_id", table_name="audit_log")
    op.drop_column("audit_log", "school_id")

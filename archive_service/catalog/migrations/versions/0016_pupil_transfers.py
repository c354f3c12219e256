"""pupil_transfers: the application, the order and the issue of a personal file

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pupil_transfers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("application_date", sa.Date(), nullable=False),
        sa.Column("applicant", sa.String(length=300), nullable=False),
        sa.Column("applicant_document", sa.String(length=300), nullable=False),
        sa.Column("destination", sa.String(length=500), nullable=False),
        sa.Column("order_number", sa.String(length=32), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("sheets", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"]),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupils.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "year", "number"),
    )
    op.create_index("ix_pupil_transfers_school_id", "pupil_transfers", ["school_id"])
    op.create_index("ix_pupil_transfers_pupil_id", "pupil_transfers", ["pupil_id"])


def downgrade() -> None:
    op.drop_index("ix_pupil_transfers_pupil_id", table_name="pupil_transfers")
    op.drop_index("ix_pupil_transfers_school_id", table_name="pupil_transfers")
    op.drop_table("pupil_transfers")

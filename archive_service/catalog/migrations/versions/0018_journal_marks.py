"""journal_marks: the marks of archived e-journal exports, as data; documents.media_type
wide enough for XLSX's media type (65 characters)

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch_op:
        batch_op.alter_column(
            "media_type",
            type_=sa.String(length=128),
            existing_type=sa.String(length=64),
            existing_nullable=False,
        )
    op.create_table(
        "journal_marks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(length=32), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.String(length=32), nullable=True),
        sa.Column("pupil_name", sa.String(length=300), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("class_label", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("on", sa.Date(), nullable=True),
        sa.Column("mark", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"]),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupils.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_journal_marks_document_id", "journal_marks", ["document_id"])
    op.create_index("ix_journal_marks_pupil_id", "journal_marks", ["pupil_id"])
    op.create_index("ix_journal_marks_school_id", "journal_marks", ["school_id"])


def downgrade() -> None:
    op.drop_table("journal_marks")
    with op.batch_alter_table("documents") as batch_op:
        batch_op.alter_column(
            "media_type", type_=sa.String(length=64), existing_type=sa.String(length=128)
        )

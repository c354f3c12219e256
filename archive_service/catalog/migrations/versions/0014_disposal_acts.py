"""disposal acts and their rows; a destroyed document's stub (when, under which act)

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disposal_acts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("drafted_by", sa.String(length=64), nullable=False),
        sa.Column("drafted_at", sa.DateTime(), nullable=False),
        sa.Column("protocol_number", sa.String(length=32), nullable=True),
        sa.Column("protocol_date", sa.Date(), nullable=True),
        sa.Column("commission", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("executed_at", sa.DateTime(), nullable=True),
        sa.Column("executed_by", sa.String(length=64), nullable=True),
        sa.Column("pdf_document_id", sa.String(length=32), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "year", "number"),
    )
    op.create_index("ix_disposal_acts_school_id", "disposal_acts", ["school_id"])
    op.create_table(
        "disposal_act_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("act_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=600), nullable=False),
        sa.Column("dates", sa.String(length=32), nullable=False),
        sa.Column("inventory", sa.String(length=100), nullable=False),
        sa.Column("index", sa.String(length=16), nullable=False),
        sa.Column("case_count", sa.Integer(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["act_id"], ["disposal_acts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("act_id", "case_id"),
    )
    op.create_index("ix_disposal_act_cases_case_id", "disposal_act_cases", ["case_id"])
    op.create_table(
        "disposal_act_subjects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("act_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.String(length=32), nullable=False),
        sa.Column("full_name", sa.String(length=300), nullable=False),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("sheets", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Text(), nullable=False),
        sa.Column("document_ids", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["act_id"], ["disposal_acts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_disposal_act_subjects_act_id", "disposal_act_subjects", ["act_id"])
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("destroyed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("act_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_documents_act_id", "disposal_acts", ["act_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint("fk_documents_act_id", type_="foreignkey")
        batch_op.drop_column("act_id")
        batch_op.drop_column("destroyed_at")
    op.drop_index("ix_disposal_act_subjects_act_id", table_name="disposal_act_subjects")
    op.drop_table("disposal_act_subjects")
    op.drop_index("ix_disposal_act_cases_case_id", table_name="disposal_act_cases")
    op.drop_table("disposal_act_cases")
    op.drop_index("ix_disposal_acts_school_id", table_name="disposal_acts")
    op.drop_table("disposal_acts")

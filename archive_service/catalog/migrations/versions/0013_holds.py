"""holds: приостановка уничтожения on a case, a pupil or a nomenclature item; and how
each original is protected in the store (its retention date and legal hold as last set)

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "holds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("pupil_id", sa.String(length=32), nullable=True),
        sa.Column("item_index", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("lifted_by", sa.String(length=64), nullable=True),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["pupil_id"], ["pupils.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_holds_school_id", "holds", ["school_id"])
    op.create_index("ix_holds_case_id", "holds", ["case_id"])
    op.create_index("ix_holds_pupil_id", "holds", ["pupil_id"])
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("legal_hold")
        batch_op.drop_column("locked_until")
    op.drop_index("ix_holds_pupil_id", table_name="holds")
    op.drop_index("ix_holds_case_id", table_name="holds")
    op.drop_index("ix_holds_school_id", table_name="holds")
    op.drop_table("holds")

"""schools.merged_into_id (реорганизация) and account_schools (a district role's grant)

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("schools") as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_schools_merged_into", "schools", ["merged_into_id"], ["id"])
    op.create_table(
        "account_schools",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"]),
        sa.PrimaryKeyConstraint("user_id", "school_id"),
    )


def downgrade() -> None:
    op.drop_table("account_schools")
    with op.batch_alter_table("schools") as batch_op:
        batch_op.drop_constraint("fk_schools_merged_into", type_="foreignkey")
        batch_op.drop_column("merged_into_id")

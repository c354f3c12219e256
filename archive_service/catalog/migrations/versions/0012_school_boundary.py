"""the school as a boundary: documents, stacks and accounts belong to a school

Existing documents and stacks go into the archive's own school (the first registered,
created if records exist and no school does yet); existing accounts of a school role
work in it, administrators stay district-wide.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

DEFAULT_SCHOOL = "Образовательная организация"  # as services.records.nomenclature


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("school_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_documents_school_id"), ["school_id"], unique=False)
        batch_op.create_foreign_key("fk_documents_school_id", "schools", ["school_id"], ["id"])
    with op.batch_alter_table("stacks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("school_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_stacks_school_id", "schools", ["school_id"], ["id"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("school_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_users_school_id", "schools", ["school_id"], ["id"])

    bind = op.get_bind()
    held = bind.execute(
        sa.text(
            "SELECT (SELECT count(*) FROM documents) + (SELECT count(*) FROM stacks)"
            " + (SELECT count(*) FROM users WHERE role <> 'administrator')"
        )
    ).scalar()
    if not held:
        return
    own = bind.execute(sa.text("SELECT min(id) FROM schools")).scalar()
    if own is None:
        bind.execute(sa.text("INSERT INTO schools (name) VALUES (:n)"), {"n": DEFAULT_SCHOOL})
        own = bind.execute(sa.text("SELECT min(id) FROM schools")).scalar()
    bind.execute(sa.text("UPDATE documents SET school_id = :s"), {"s": own})
    bind.execute(sa.text("UPDATE stacks SET school_id = :s"), {"s": own})
    bind.execute(
        sa.text("UPDATE users SET school_id = :s WHERE role <> 'administrator'"), {"s": own}
    )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("fk_users_school_id", type_="foreignkey")
        batch_op.drop_column("school_id")
    with op.batch_alter_table("stacks", schema=None) as batch_op:
        batch_op.drop_constraint("fk_stacks_school_id", type_="foreignkey")
        batch_op.drop_column("school_id")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint("fk_documents_school_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_documents_school_id"))
        batch_op.drop_column("school_id")

"""Caseload imports: verification, confirmation, progress, and the journal of what was written.

The import page follows an import by its row (rows checked, rows written,
the report). An import writes in chunks, each its own short transaction (SQLite keeps
its write lock about a second at most); ``import_batches`` keeps, with each
chunk, the ids it wrote, so that a failure undoes the whole import. One
import at a time writes into a platform (partial unique index).

Revision ID: 5d29db8a82dd
Revises: cc9fde792532
Create Date: 2026-12-01 16:07:07.605286
"""

import sqlalchemy as sa
from alembic import op

revision = "5d29db8a82dd"
down_revision = "cc9fde792532"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_checked", sa.Integer(), nullable=False),
        sa.Column("rows_written", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("stored_as", sa.String(length=100), nullable=True),
        sa.Column("written", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_import_batches_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_import_batches_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.create_index(
            "uq_import_batches_platform_id_writing",
            ["platform_id"],
            unique=True,
            sqlite_where=sa.text("status = 'writing'"),
            postgresql_where=sa.text("status = 'writing'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("import_batches", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_import_batches_platform_id_writing",
            sqlite_where=sa.text("status = 'writing'"),
            postgresql_where=sa.text("status = 'writing'"),
        )
    op.drop_table("import_batches")

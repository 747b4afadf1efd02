"""Hardening (issue 9): a version on every editable record, one-time tokens of creating forms.

Revision ID: b312c736474f
Revises: ba4b87bfc3f7
Create Date: 2026-12-01 15:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b312c736474f"
down_revision = "ba4b87bfc3f7"
branch_labels = None
depends_on = None

VERSIONED = (
    "barriers",
    "checkpoints",
    "immersions",
    "trainings",
    "employers",
    "training_organisations",
    "prescribers",
)


def upgrade() -> None:
    for table in VERSIONED:
        # Existing rows start at version 1. The server default stays: dropping it
        # would make SQLite rebuild tables that other tables reference.
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "form_submissions",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_form_submissions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_form_submissions")),
    )
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_submissions_submitted_at"), ["submitted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_submissions_submitted_at"))
    op.drop_table("form_submissions")
    for table in reversed(VERSIONED):
        if op.get_bind().dialect.name == "sqlite":
            # SQLite ≥ 3.35 drops a column in place; a batch rebuild would drop
            # tables that others reference, which the foreign keys refuse.
            op.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN version"))
        else:
            op.drop_column(table, "version")

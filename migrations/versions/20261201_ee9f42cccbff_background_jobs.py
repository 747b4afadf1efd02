"""Background jobs: what was asked of the job queue, by whom, and how far it went.

Revision ID: ee9f42cccbff
Revises: b312c736474f
Create Date: 2026-12-01 15:17:59.446707
"""

import sqlalchemy as sa
from alembic import op

revision = "ee9f42cccbff"
down_revision = "b312c736474f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "background_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=True),
        sa.Column("progress_label", sa.String(length=200), nullable=False),
        sa.Column("error_message", sa.String(length=500), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("result_file", sa.String(length=200), nullable=True),
        sa.Column("result_name", sa.String(length=200), nullable=True),
        sa.Column("result_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("progress_done >= 0", name=op.f("ck_background_jobs_progress_not_negative")),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_background_jobs_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_background_jobs_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_background_jobs")),
        sa.UniqueConstraint("kind", "idempotency_key", name=op.f("uq_background_jobs_kind_idempotency_key")),
    )
    with op.batch_alter_table("background_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_background_jobs_platform_id"), ["platform_id"], unique=False)
        batch_op.create_index("ix_background_jobs_status_updated_at", ["status", "updated_at"], unique=False)
        batch_op.create_index("ix_background_jobs_user_id_created_at", ["user_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("background_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_background_jobs_user_id_created_at")
        batch_op.drop_index("ix_background_jobs_status_updated_at")
        batch_op.drop_index(batch_op.f("ix_background_jobs_platform_id"))
    op.drop_table("background_jobs")

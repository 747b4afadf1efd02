"""An index for a caseload listed most recent first (no state filter).

Revision ID: d75d279fd874
Revises: e68f3ae3e4ae
Create Date: 2026-11-24 01:10:25.392701
"""

from alembic import op

revision = "d75d279fd874"
down_revision = "e68f3ae3e4ae"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pathways_adviser_id_last_event_on", ["adviser_id", "last_event_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.drop_index("ix_pathways_adviser_id_last_event_on")

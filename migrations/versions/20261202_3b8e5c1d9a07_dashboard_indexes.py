"""Indexes for the dashboard (issue 14): alerts counted one by one, persons grouped in order.

Each alert of the dashboard is a comparison of one date of the pathway's
summary with today; one count per alert walks an index of that date on the
platform's pathways that have one, where a single pass summing every
condition read every pathway in progress (and probed each one's person for
the notice). Partial where the date is often empty, so the indexes stay small.

Revision ID: 3b8e5c1d9a07
Revises: 7f3c2a91d4e5
Create Date: 2026-12-02 21:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "3b8e5c1d9a07"
down_revision = "7f3c2a91d4e5"
branch_labels = None
depends_on = None

# The columns the funnel and the cohorts read, carried by their index on PostgreSQL.
FUNNEL_COLUMNS = (
    "state",
    "exit_reason",
    "last_event_on",
    "accompanied_on",
    "step_on",
    "contract_on",
    "six_months_on",
)
# The summary's dates an alert compares with today, as they stand in this revision.
ALERT_DATE_COLUMNS = ("checkpoint_due_on", "planned_on", "immersion_ends_on", "training_starts_on")


def upgrade() -> None:
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pathways_platform_id_last_contact_on", ["platform_id", "last_contact_on", "state"], unique=False
        )
        for column in ALERT_DATE_COLUMNS:
            batch_op.create_index(
                f"ix_pathways_platform_id_{column}",
                ["platform_id", column, "state"],
                unique=False,
                sqlite_where=sa.text(f"{column} IS NOT NULL"),
                postgresql_where=sa.text(f"{column} IS NOT NULL"),
            )
        batch_op.create_index(
            "ix_pathways_platform_id_person_id_entered_on",
            ["platform_id", "person_id", "entered_on", "id"],
            unique=False,
            postgresql_include=list(FUNNEL_COLUMNS),
        )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(
            "ix_persons_platform_id_not_informed",
            ["platform_id"],
            unique=False,
            sqlite_where=sa.text("informed_on IS NULL"),
            postgresql_where=sa.text("informed_on IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index("ix_persons_platform_id_not_informed")
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.drop_index("ix_pathways_platform_id_person_id_entered_on")
        for column in reversed(ALERT_DATE_COLUMNS):
            batch_op.drop_index(f"ix_pathways_platform_id_{column}")
        batch_op.drop_index("ix_pathways_platform_id_last_contact_on")

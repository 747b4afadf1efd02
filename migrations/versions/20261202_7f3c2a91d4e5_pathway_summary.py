"""The pathway's summary: what the pages need about it, kept beside its state (issue 14).

Eleven columns on ``pathways`` (services.summary): the entry day, the last
contact, the first day each milestone of the funnel was reached, the exit's
reason, and the dates the caseload's alerts look at; and an index for the
dashboard's entries by platform and day. Filled here from the records, with
the same definitions as ``services.summary.recomputed`` (written out in SQL,
as they stand today); ``flask rebuild-summaries`` recomputes them at any time.

Revision ID: 7f3c2a91d4e5
Revises: 67ad18facb7e
Create Date: 2026-12-02 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "7f3c2a91d4e5"
down_revision = "67ad18facb7e"
branch_labels = None
depends_on = None

DATE_COLUMNS = (
    "entered_on",
    "last_contact_on",
    "accompanied_on",
    "step_on",
    "contract_on",
    "six_months_on",
    "checkpoint_due_on",
    "planned_on",
    "immersion_ends_on",
    "training_starts_on",
)


def _fill(dialect: str) -> str:
    reason = "json_extract(e.details, '$.reason')" if dialect == "sqlite" else "(e.details ->> 'reason')"
    greatest = "max" if dialect == "sqlite" else "greatest"
    milestone = f"""CASE
        WHEN e.to_state IN ('follow_up', 'completed') THEN 3
        WHEN e.to_state IN ('immersion', 'training', 'employment') THEN 2
        WHEN e.trigger = 'exit' THEN CASE WHEN {reason} IN ('other_training', 'other_job') THEN 2 ELSE 0 END
        WHEN e.to_state IN ('orientation', 'reinforcement') THEN 1
        ELSE 0 END"""

    def reached(rank: int) -> str:
        return (
            f"(SELECT min(e.occurred_on) FROM pathway_events e "  # noqa: S608 (constants only)
            f"WHERE e.pathway_id = pathways.id AND {milestone} >= {rank})"
        )

    training = "(SELECT max(t.starts_on) FROM trainings t WHERE t.pathway_id = pathways.id)"
    planned_training = (
        "(SELECT max(s.planned_on) FROM planned_steps s WHERE s.pathway_id = pathways.id "
        "AND s.status = 'planned' AND s.trigger = 'start_training')"
    )
    # Built from constants only, no value from outside. (A pathway without
    # events, which only a hand-made row can be, enters on its last event's day.)
    return f"""
    UPDATE pathways SET
      entered_on = coalesce((SELECT e.occurred_on FROM pathway_events e
                             WHERE e.pathway_id = pathways.id AND e.sequence = 1),
                            pathways.last_event_on),
      accompanied_on = {reached(1)},
      step_on = {reached(2)},
      contract_on = {reached(3)},
      exit_reason = (SELECT {reason} FROM pathway_events e
                     WHERE e.pathway_id = pathways.id AND e.trigger = 'exit' LIMIT 1),
      last_contact_on = {greatest}(
        pathways.last_event_on,
        coalesce((SELECT max(x.occurred_on) FROM exchanges x WHERE x.pathway_id = pathways.id),
                 pathways.last_event_on),
        coalesce((SELECT max(n.written_on) FROM notes n WHERE n.pathway_id = pathways.id),
                 pathways.last_event_on),
        coalesce((SELECT max(c.recorded_on) FROM checkpoints c WHERE c.pathway_id = pathways.id),
                 pathways.last_event_on),
        coalesce((SELECT max(b.changed_on) FROM barrier_status_changes b
                  JOIN barriers f ON f.id = b.barrier_id WHERE f.pathway_id = pathways.id),
                 pathways.last_event_on)),
      six_months_on = (SELECT min(c.recorded_on) FROM checkpoints c WHERE c.pathway_id = pathways.id
                       AND c.month = 6 AND c.still_in_post = {"1" if dialect == "sqlite" else "true"}),
      checkpoint_due_on = (SELECT min(c.due_on) FROM checkpoints c WHERE c.pathway_id = pathways.id
                           AND c.recorded_on IS NULL AND c.cancelled_on IS NULL),
      planned_on = (SELECT min(s.planned_on) FROM planned_steps s WHERE s.pathway_id = pathways.id
                    AND s.status = 'planned'),
      immersion_ends_on = (SELECT max(i.ends_on) FROM immersions i WHERE i.pathway_id = pathways.id
                           AND i.outcome IS NULL),
      training_starts_on = {greatest}(coalesce({training}, {planned_training}),
                                      coalesce({planned_training}, {training}))
    """  # noqa: S608


def upgrade() -> None:
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        for name in DATE_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("exit_reason", sa.String(length=32), nullable=True))
    op.execute(_fill(op.get_bind().dialect.name))
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.alter_column("entered_on", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("last_contact_on", existing_type=sa.Date(), nullable=False)
        batch_op.create_index("ix_pathways_platform_id_entered_on", ["platform_id", "entered_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pathways", schema=None) as batch_op:
        batch_op.drop_index("ix_pathways_platform_id_entered_on")
        batch_op.drop_column("exit_reason")
        for name in reversed(DATE_COLUMNS):
            batch_op.drop_column(name)

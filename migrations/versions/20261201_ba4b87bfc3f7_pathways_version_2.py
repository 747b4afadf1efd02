"""Pathways version 2: several ways in, a way back after a lost job, dropouts, one date per fact.

Schema: planned steps (a step whose first day is still to come); the end of a
contract (date, reason) and its cancelled checkpoints; trainings abandoned,
partially certified (blocks), or followed while employed (VAE, the training
of a work-study contract); the kind of a diagnostic (end of an orientation
week, or individual interview); the date an event carried before it was
re-dated.

Data, carried over with nothing lost:

- every diagnostic gets its kind: the orientation week's when it names a
  week, or when the pathway had entered an orientation week by the day it
  was written (it then names that week); an individual interview otherwise;
- each step dated by its own record — the orientation week's first day, the
  immersion's, the training's, the contract's — takes that date when the
  history stays in order (not before the previous event, not after the next
  one, not in the future); the date it had is kept in ``redated_from`` and
  the downgrade restores it. The pathways' cached last date follows.

The downgrade refuses to run while version-2 facts exist that version 1
cannot hold (an ended contract, a planned step, a training abandoned or
followed while employed): it would lose them.

Revision ID: ba4b87bfc3f7
Revises: d75d279fd874
Create Date: 2026-12-01 15:17:50.378205
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

from pathways import clock

revision = "ba4b87bfc3f7"
down_revision = "d75d279fd874"
branch_labels = None
depends_on = None

# The steps dated by their record, and where the record's first day is.
DATED_STEPS = {
    "start_orientation": ("orientation_week_id", "orientation_weeks"),
    "start_immersion": ("immersion_id", "immersions"),
    "start_training": ("training_id", "trainings"),
    "sign_contract": ("contract_id", "contracts"),
}


def upgrade() -> None:
    op.create_table(
        "planned_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'confirmed') = (event_id IS NOT NULL)",
            name=op.f("ck_planned_steps_confirmed_has_event"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_planned_steps_created_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_planned_steps_decided_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["pathway_events.id"],
            name=op.f("fk_planned_steps_event_id_pathway_events"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathways.id"],
            name=op.f("fk_planned_steps_pathway_id_pathways"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_steps")),
    )
    with op.batch_alter_table("planned_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_planned_steps_pathway_id"), ["pathway_id"], unique=False)
        batch_op.create_index("ix_planned_steps_status_planned_on", ["status", "planned_on"], unique=False)
        batch_op.create_index(
            "uq_planned_steps_pathway_id_trigger_planned",
            ["pathway_id", "trigger"],
            unique=True,
            sqlite_where=sa.text("status = 'planned'"),
            postgresql_where=sa.text("status = 'planned'"),
        )

    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_on", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            "recorded_or_cancelled", "recorded_on IS NULL OR cancelled_on IS NULL"
        )

    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("end_reason", sa.String(length=32), nullable=True))
        batch_op.create_check_constraint("end_has_a_reason", "(ended_on IS NULL) = (end_reason IS NULL)")
        batch_op.create_check_constraint("dates_ordered", "ended_on IS NULL OR ended_on >= starts_on")

    # A temporary default fills the existing rows; the backfill below sets the truth.
    with op.batch_alter_table("diagnostics", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), nullable=False, server_default="interview")
        )

    with op.batch_alter_table("pathway_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("redated_from", sa.Date(), nullable=True))

    with op.batch_alter_table("trainings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("abandon_reason", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("blocks_obtained", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("in_employment", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("contract_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_trainings_contract_id_contracts"),
            "contracts",
            ["contract_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_check_constraint(
            "abandon_has_a_reason", "(result = 'abandoned') = (abandon_reason IS NOT NULL)"
        )

    connection = op.get_bind()
    _backfill_diagnostic_kinds(connection)
    _date_steps_by_their_records(connection)

    with op.batch_alter_table("diagnostics", schema=None) as batch_op:
        batch_op.alter_column("kind", server_default=None)
        batch_op.create_check_constraint(
            "week_only_at_the_week", "kind = 'orientation_week' OR week_id IS NULL"
        )


def _details(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return json.loads(value)
    return dict(value or {})


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _backfill_diagnostic_kinds(connection: sa.Connection) -> None:
    diagnostics = sa.table(
        "diagnostics",
        sa.column("id"),
        sa.column("pathway_id"),
        sa.column("week_id"),
        sa.column("written_on"),
        sa.column("kind"),
    )
    events = sa.table(
        "pathway_events",
        sa.column("pathway_id"),
        sa.column("trigger"),
        sa.column("occurred_on"),
        sa.column("details"),
        sa.column("sequence"),
    )
    connection.execute(
        diagnostics.update().where(diagnostics.c.week_id.is_not(None)).values(kind="orientation_week")
    )
    weeks_entered: dict[int, list[tuple[date, int | None]]] = {}
    for pathway_id, occurred_on, details in connection.execute(
        sa.select(events.c.pathway_id, events.c.occurred_on, events.c.details)
        .where(events.c.trigger == "start_orientation")
        .order_by(events.c.pathway_id, events.c.sequence)
    ):
        week_id = _details(details).get("orientation_week_id")
        weeks_entered.setdefault(pathway_id, []).append((_as_date(occurred_on), week_id))
    rows = connection.execute(
        sa.select(diagnostics.c.id, diagnostics.c.pathway_id, diagnostics.c.written_on).where(
            diagnostics.c.week_id.is_(None)
        )
    ).all()
    for diagnostic_id, pathway_id, written_on in rows:
        entered = [w for w in weeks_entered.get(pathway_id, []) if w[0] <= _as_date(written_on)]
        if entered:
            connection.execute(
                diagnostics.update()
                .where(diagnostics.c.id == diagnostic_id)
                .values(kind="orientation_week", week_id=entered[-1][1])
            )


def _date_steps_by_their_records(connection: sa.Connection) -> None:
    events = sa.table(
        "pathway_events",
        sa.column("id"),
        sa.column("pathway_id"),
        sa.column("sequence"),
        sa.column("trigger"),
        sa.column("occurred_on"),
        sa.column("details"),
        sa.column("redated_from"),
    )
    pathways = sa.table("pathways", sa.column("id"), sa.column("last_event_on"))
    first_days: dict[tuple[str, int], date] = {}
    for table_name in ("orientation_weeks", "immersions", "trainings", "contracts"):
        table = sa.table(table_name, sa.column("id"), sa.column("starts_on"))
        for record_id, starts_on in connection.execute(sa.select(table.c.id, table.c.starts_on)):
            first_days[(table_name, record_id)] = _as_date(starts_on)
    concerned = (
        sa.select(events.c.pathway_id)
        .where(events.c.trigger.in_(list(DATED_STEPS)))
        .distinct()
        .scalar_subquery()
    )
    today = clock.today()
    history: dict[int, list[list[Any]]] = {}
    for row in connection.execute(
        sa.select(events.c.id, events.c.pathway_id, events.c.trigger, events.c.occurred_on, events.c.details)
        .where(events.c.pathway_id.in_(concerned))
        .order_by(events.c.pathway_id, events.c.sequence)
    ):
        history.setdefault(row.pathway_id, []).append(
            [row.id, row.trigger, _as_date(row.occurred_on), _details(row.details)]
        )
    for pathway_id, rows in history.items():
        changed = False
        for index, (event_id, trigger, occurred_on, details) in enumerate(rows):
            if trigger not in DATED_STEPS:
                continue
            key, table_name = DATED_STEPS[trigger]
            first_day = first_days.get((table_name, details.get(key)))
            if first_day is None or first_day == occurred_on:
                continue
            previous = rows[index - 1][2] if index > 0 else date.min
            following = rows[index + 1][2] if index + 1 < len(rows) else date.max
            if previous <= first_day <= following and first_day <= today:
                connection.execute(
                    events.update()
                    .where(events.c.id == event_id)
                    .values(occurred_on=first_day, redated_from=occurred_on)
                )
                rows[index][2] = first_day
                changed = True
        if changed:
            connection.execute(
                pathways.update().where(pathways.c.id == pathway_id).values(last_event_on=rows[-1][2])
            )


def _refuse_losing_version_2_facts(connection: sa.Connection) -> None:
    checks = {
        "planned steps": "SELECT count(*) FROM planned_steps",
        "ended contracts": "SELECT count(*) FROM contracts WHERE ended_on IS NOT NULL",
        "end_contract events": "SELECT count(*) FROM pathway_events WHERE trigger = 'end_contract'",
        "abandoned trainings": "SELECT count(*) FROM trainings WHERE result = 'abandoned'",
        "trainings while employed": "SELECT count(*) FROM trainings WHERE in_employment",
    }
    found = {what: connection.execute(sa.text(sql)).scalar() for what, sql in checks.items()}
    found = {what: count for what, count in found.items() if count}
    if found:
        listed = ", ".join(f"{count} {what}" for what, count in found.items())
        raise RuntimeError(f"Refusing to downgrade: version 1 cannot hold {listed}; they would be lost.")


def downgrade() -> None:
    connection = op.get_bind()
    _refuse_losing_version_2_facts(connection)
    events = sa.table(
        "pathway_events",
        sa.column("pathway_id"),
        sa.column("occurred_on"),
        sa.column("redated_from"),
        sa.column("sequence"),
    )
    redated = sa.select(events.c.pathway_id).where(events.c.redated_from.is_not(None)).distinct()
    pathway_ids = [row[0] for row in connection.execute(redated)]
    connection.execute(
        events.update()
        .where(events.c.redated_from.is_not(None))
        .values(occurred_on=events.c.redated_from, redated_from=None)
    )
    pathways = sa.table("pathways", sa.column("id"), sa.column("last_event_on"))
    for pathway_id in pathway_ids:
        last = connection.execute(
            sa.select(events.c.occurred_on)
            .where(events.c.pathway_id == pathway_id)
            .order_by(events.c.sequence.desc())
            .limit(1)
        ).scalar()
        connection.execute(pathways.update().where(pathways.c.id == pathway_id).values(last_event_on=last))

    with op.batch_alter_table("trainings", schema=None) as batch_op:
        batch_op.drop_constraint("abandon_has_a_reason", type_="check")
        batch_op.drop_constraint(batch_op.f("fk_trainings_contract_id_contracts"), type_="foreignkey")
        batch_op.drop_column("contract_id")
        batch_op.drop_column("in_employment")
        batch_op.drop_column("blocks_obtained")
        batch_op.drop_column("abandon_reason")

    with op.batch_alter_table("pathway_events", schema=None) as batch_op:
        batch_op.drop_column("redated_from")

    with op.batch_alter_table("diagnostics", schema=None) as batch_op:
        batch_op.drop_constraint("week_only_at_the_week", type_="check")
        batch_op.drop_column("kind")

    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_constraint("dates_ordered", type_="check")
        batch_op.drop_constraint("end_has_a_reason", type_="check")
        batch_op.drop_column("end_reason")
        batch_op.drop_column("ended_on")

    with op.batch_alter_table("checkpoints", schema=None) as batch_op:
        batch_op.drop_constraint("recorded_or_cancelled", type_="check")
        batch_op.drop_column("cancelled_on")

    with op.batch_alter_table("planned_steps", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_planned_steps_pathway_id_trigger_planned",
            sqlite_where=sa.text("status = 'planned'"),
            postgresql_where=sa.text("status = 'planned'"),
        )
        batch_op.drop_index("ix_planned_steps_status_planned_on")
        batch_op.drop_index(batch_op.f("ix_planned_steps_pathway_id"))

    op.drop_table("planned_steps")

"""Each person's standing on the dashboard, kept from their pathways (issue 14).

The dashboard counts persons: the funnel at each person's furthest
milestone, the cohorts at their latest pathway's outcome. Grouping a
platform's pathways by person on every visit cost 0.8 s on a platform of
500 000; ``person_standings`` keeps those figures per person
(services.standing). Filled here from the pathways' summary, with the
definitions of ``services.standing.computed`` written out as they stand
today; ``flask rebuild-summaries`` recomputes them at any time.

Revision ID: a4d2c6e8f105
Revises: 3b8e5c1d9a07
Create Date: 2026-12-02 23:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "a4d2c6e8f105"
down_revision = "3b8e5c1d9a07"
branch_labels = None
depends_on = None

# The exits' reasons counted as positive, as they stand in this revision.
POSITIVE_EXIT_REASONS = ("other_training", "other_job")

pathways = sa.table(
    "pathways",
    sa.column("id", sa.Integer),
    sa.column("person_id", sa.Integer),
    sa.column("platform_id", sa.Integer),
    sa.column("state", sa.String),
    sa.column("exit_reason", sa.String),
    sa.column("entered_on", sa.Date),
    sa.column("accompanied_on", sa.Date),
    sa.column("step_on", sa.Date),
    sa.column("contract_on", sa.Date),
    sa.column("six_months_on", sa.Date),
)


def _standings() -> sa.Select:
    p = pathways.c
    level = sa.case(
        (p.six_months_on.is_not(None), 4),
        (p.contract_on.is_not(None), 3),
        (p.step_on.is_not(None), 2),
        (p.accompanied_on.is_not(None), 1),
        else_=0,
    )
    outcome = sa.case(
        (p.state == "completed", "completed"),
        (p.state == "follow_up", "follow_up"),
        (
            p.state == "exited",
            sa.case((p.exit_reason.in_(POSITIVE_EXIT_REASONS), "positive_exit"), else_="other_exit"),
        ),
        else_="in_progress",
    )
    ranked = sa.select(
        p.person_id,
        p.platform_id,
        sa.func.max(level).over(partition_by=p.person_id).label("furthest"),
        p.entered_on,
        sa.func.max(level).over(partition_by=(p.person_id, sa.extract("year", p.entered_on))).label("year"),
        outcome.label("outcome"),
        sa.func.row_number()
        .over(partition_by=p.person_id, order_by=(p.entered_on.desc(), p.id.desc()))
        .label("rank"),
    ).subquery("ranked")
    r = ranked.c
    return sa.select(r.person_id, r.platform_id, r.furthest, r.entered_on, r.year, r.outcome).where(r.rank == 1)


def upgrade() -> None:
    standings = op.create_table(
        "person_standings",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("furthest", sa.SmallInteger(), nullable=False),
        sa.Column("latest_entered_on", sa.Date(), nullable=False),
        sa.Column("latest_year_furthest", sa.SmallInteger(), nullable=False),
        sa.Column("latest_outcome", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_person_standings_person_id_persons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"],
            ["platforms.id"],
            name=op.f("fk_person_standings_platform_id_platforms"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_standings")),
    )
    with op.batch_alter_table("person_standings", schema=None) as batch_op:
        batch_op.create_index("ix_person_standings_platform_id_furthest", ["platform_id", "furthest"], unique=False)
        batch_op.create_index(
            "ix_person_standings_platform_id_latest_entered_on",
            ["platform_id", "latest_entered_on", "latest_year_furthest", "latest_outcome"],
            unique=False,
        )
    op.execute(
        sa.insert(standings).from_select(
            [
                "person_id",
                "platform_id",
                "furthest",
                "latest_entered_on",
                "latest_year_furthest",
                "latest_outcome",
            ],
            _standings(),
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("person_standings", schema=None) as batch_op:
        batch_op.drop_index("ix_person_standings_platform_id_latest_entered_on")
        batch_op.drop_index("ix_person_standings_platform_id_furthest")
    op.drop_table("person_standings")

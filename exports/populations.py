"""The populations of the bilan, its accesses and its breakdowns: one grouped pass over the events.

``pathway_summary`` reads the platform's events once, grouped by pathway, and
gives each pathway its flags for the period: entered, accompanied, started a
training, signed a contract, left for a training or a job outside the sector.
A window over the summary marks each person's first pathway, so the same
statement also counts distinct persons. The outer query groups the summary
by the person's attributes (the breakdowns): the database returns a few
hundred grouped rows, Python adds them up.

Interpretation choices (where indicators.md leaves room):

- ``accompanied``: an event *into* one of the accompaniment states dated on
  or before ``end`` (a ``resume`` into one counts: it can only return to a
  state already entered), and no event into ``completed``/``exited`` dated
  before ``start``.
- ``access_training_or_job``: accompanied pathways with, in the period, a
  ``start_training``, a ``sign_contract`` or an ``exit`` for
  ``other_training`` / ``other_job``; ``access_sector_training_or_job``
  without those exits.
- ``positive_exits``: pathways (accompanied or not) with a ``sign_contract``
  in the period or an ``exit`` for ``other_training`` / ``other_job`` in it.
- persons: a person is a platform's record (``Person``); ``entries_persons``
  and ``accompanied_persons`` count the distinct persons with at least one
  pathway entered / accompanied. Across platforms they add up: a person
  known to two platforms is two records, as no identifier is shared between
  platforms (the national files are aggregates).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exports.breakdowns import (
    BREAKDOWN_TITLES,
    NOT_GIVEN,
    PUBLIC_COLUMNS,
    age_at,
    age_band,
    diploma_group,
)
from pathways.models import Pathway, PathwayEvent, Person, Territory
from pathways.states import ExitReason, State, Trigger

ACCOMPANIMENT_STATES = (
    State.ORIENTATION,
    State.REINFORCEMENT,
    State.IMMERSION,
    State.TRAINING,
    State.EMPLOYMENT,
    State.FOLLOW_UP,
)
TERMINAL_STATES = (State.COMPLETED, State.EXITED)
POSITIVE_EXIT_REASONS = tuple(r.value for r in ExitReason if r.is_positive)


def event_reason() -> sa.ColumnElement[str]:
    return PathwayEvent.details["reason"].as_string()


def _flag(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.max(sa.case((condition, 1), else_=0))


def pathway_summary(platform_ids: list[int], start: date, end: date) -> sa.Subquery:
    """One row per pathway of the platforms: its entry date and its flags for the period."""
    in_period = PathwayEvent.occurred_on.between(start, end)
    trigger = PathwayEvent.trigger
    state, day = PathwayEvent.to_state, PathwayEvent.occurred_on
    reached = _flag(sa.and_(state.in_(ACCOMPANIMENT_STATES), day <= end))
    ended_before = _flag(sa.and_(state.in_(TERMINAL_STATES), day < start))
    return (
        sa.select(
            PathwayEvent.pathway_id.label("pathway_id"),
            sa.func.min(sa.case((trigger == Trigger.REFER, PathwayEvent.occurred_on))).label("entry_on"),
            _flag(sa.and_(trigger == Trigger.REFER, in_period)).label("entered"),
            sa.case((sa.and_(reached == 1, ended_before == 0), 1), else_=0).label("accompanied"),
            _flag(sa.and_(trigger == Trigger.START_TRAINING, in_period)).label("trained"),
            _flag(sa.and_(trigger == Trigger.SIGN_CONTRACT, in_period)).label("signed"),
            # Nested CASE: the JSON reason is only read on exit events of the period.
            sa.func.max(
                sa.case(
                    (
                        sa.and_(trigger == Trigger.EXIT, in_period),
                        sa.case((event_reason().in_(POSITIVE_EXIT_REASONS), 1), else_=0),
                    ),
                    else_=0,
                )
            ).label("outside"),
        )
        .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
        .where(Pathway.platform_id.in_(platform_ids))
        .group_by(PathwayEvent.pathway_id)
        .subquery("summary")
    )


@dataclass
class Populations:
    """Raw counts of the populations and accesses, and the breakdown cells."""

    raw: Counter[str] = field(default_factory=Counter)
    # {dimension: {modality: [accompanied, access]}}
    cells: dict[str, dict[str, list[int]]] = field(default_factory=dict)


def compute_populations(session: Session, platform_ids: list[int], start: date, end: date) -> Populations:
    summary = pathway_summary(platform_ids, start, end)
    bind = session.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    if postgresql:
        # The breakdowns group tens of thousands of rows: keep the grouping in
        # memory (hash) instead of PostgreSQL's default 4 MB and a sort on disk.
        # SET LOCAL lasts until the end of the current transaction only.
        session.execute(sa.text("SET LOCAL work_mem = '64MB'"))

    # Each person's first pathway carries the person's flags (any of their pathways).
    by_person = {"partition_by": Pathway.person_id}
    access = sa.case(
        (sa.or_(summary.c.trained == 1, summary.c.signed == 1, summary.c.outside == 1), 1), else_=0
    )
    sector = sa.case((sa.or_(summary.c.trained == 1, summary.c.signed == 1), 1), else_=0)
    positive = sa.case((sa.or_(summary.c.signed == 1, summary.c.outside == 1), 1), else_=0)
    per_pathway = (
        sa.select(
            summary.c.pathway_id,
            summary.c.entry_on,
            summary.c.entered,
            summary.c.accompanied,
            access.label("access"),
            sector.label("sector"),
            positive.label("positive"),
            sa.case((sa.func.row_number().over(order_by=Pathway.id, **by_person) == 1, 1), else_=0).label(
                "first_of_person"
            ),
            sa.func.max(summary.c.entered).over(**by_person).label("person_entered"),
            sa.func.max(summary.c.accompanied).over(**by_person).label("person_accompanied"),
        )
        .join(Pathway, Pathway.id == summary.c.pathway_id)
        .subquery("per_pathway")
    )
    p = per_pathway.c

    def key(text: sa.ColumnElement[str]) -> sa.ColumnElement[str]:
        # PostgreSQL sorts group keys with the database's linguistic collation,
        # several times slower than bytes; grouping only needs equality.
        return sa.collate(text, "C") if postgresql else text

    dims = [
        key(sa.func.coalesce(sa.cast(Person.sex, sa.String), NOT_GIVEN)).label("sex"),
        key(age_band(age_at(p.entry_on, Person.birth_date))).label("band"),
        key(diploma_group()).label("diploma"),
        key(sa.func.coalesce(sa.cast(Pathway.prescriber_type, sa.String), NOT_GIVEN)).label("prescriber"),
        key(sa.func.coalesce(Territory.name, NOT_GIVEN)).label("territory"),
        *[column.label(code) for code, column in PUBLIC_COLUMNS.items()],
        p.accompanied,
    ]

    def total(column: sa.ColumnElement[int], name: str) -> sa.Label[int]:
        return sa.func.sum(column).label(name)

    grouped = session.execute(
        sa.select(
            *dims,
            sa.func.count().label("n"),
            total(p.entered, "entered"),
            total(p.access, "access"),
            total(p.sector, "sector"),
            total(p.positive, "positive"),
            total(p.first_of_person * p.person_entered, "persons_entered"),
            total(p.first_of_person * p.person_accompanied, "persons_accompanied"),
        )
        .select_from(per_pathway)
        .join(Pathway, Pathway.id == p.pathway_id)
        .join(Person, Person.id == Pathway.person_id)
        .outerjoin(Territory, Territory.id == Pathway.territory_id)
        .group_by(*[d.element if isinstance(d, sa.Label) else d for d in dims])
    ).all()

    result = Populations(cells={name: {} for name in BREAKDOWN_TITLES})
    raw = result.raw
    for row in grouped:
        raw["entries"] += int(row.entered or 0)
        raw["positive_exits"] += int(row.positive or 0)
        raw["entries_persons"] += int(row.persons_entered or 0)
        raw["accompanied_persons"] += int(row.persons_accompanied or 0)
        if not row.accompanied:
            continue
        n, reached = int(row.n), int(row.access or 0)
        raw["accompanied"] += n
        raw["access_training_or_job"] += reached
        raw["access_sector_training_or_job"] += int(row.sector or 0)
        keys = {
            "publics": [code for code in PUBLIC_COLUMNS if getattr(row, code)]
            + (["youth"] if row.band == "<26" else []),
            "sexe": [row.sex],
            "age": [row.band],
            "diplome": [row.diploma],
            "prescripteur": [row.prescriber],
            "territoire": [row.territory],
        }
        for name, modalities in keys.items():
            for modality in modalities:
                cell = result.cells[name].setdefault(modality, [0, 0])
                cell[0] += n
                cell[1] += reached
    return result

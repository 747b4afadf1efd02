"""Each person's standing on the dashboard, kept from their pathways.

The dashboard counts persons, not pathways (``services.dashboard``): the
funnel puts each person at the furthest milestone of their pathways, the
cohorts at the outcome of their latest one. Read from the pathways, that
is a pass over every pathway of the platform grouped by person: 0.8 s on a
platform of 500 000 pathways, on every visit of the dashboard. So each
person's figures are kept in ``person_standings`` (``PersonStanding``), a
cache of their pathways' summary — the pathways stay the truth:

- ``furthest``: the furthest milestone any of their pathways reached;
- ``latest_entered_on``, ``latest_outcome``: the entry and the outcome of
  their latest pathway (latest entry, then highest id);
- ``latest_year_furthest``: the furthest milestone of their pathways
  entered in the year of that entry (the funnel of the current year).

``computed()`` is the definition, in SQL, from the pathways. The services
refresh a person's row in the same transaction as a write that can change
it (``refresh``: one upsert, its statements built once): the opening of a
pathway; a move that reaches a new milestone, or enters or leaves a
finished state (``changed_by_move``); a checkpoint recorded; the import's
writes and its undo; an anonymisation.
``flask rebuild-summaries`` rebuilds them; a test compares them with
``computed()`` after random writes, and the dashboard read from them with
the funnel and the cohorts read from the pathways.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pathways.models import Pathway, Person, PersonStanding
from pathways.services.summary import MILESTONE_COLUMNS, POSITIVE_EXIT_REASONS, plain
from pathways.states import State

# The states a pathway's outcome tells apart; every other one is « in progress ».
OUTCOME_STATES = frozenset({State.FOLLOW_UP, State.COMPLETED, State.EXITED})
# The summary's dates of the milestones, by rank (0 entered … 4 in post at six months): those
# an event reaches (summary.MILESTONE_COLUMNS), then the one a recorded checkpoint sets.
MILESTONE_DATES = (*MILESTONE_COLUMNS.values(), "six_months_on")
# The persons refreshed by one statement (SQLite takes at most 32 766 parameters).
REFRESH_BATCH = 5000
COLUMNS = (
    "person_id",
    "platform_id",
    "furthest",
    "latest_entered_on",
    "latest_year_furthest",
    "latest_outcome",
)


def milestone_level(as_of: date | None = None) -> sa.ColumnElement[int]:
    """The furthest milestone ``Pathway`` reached (0 entered … 4 in post at six months), by ``as_of``.

    Read from the pathway's summary (``services.summary``): the first day it
    reached each milestone or a later one, so one row says it for any day.
    Without ``as_of``, as things stand (no day is ever in the future).
    """

    def by(column: sa.ColumnElement[date | None]) -> sa.ColumnElement[bool]:
        reached = column.is_not(None)
        return reached if as_of is None else sa.and_(reached, column <= as_of)

    return sa.case(
        *((by(getattr(Pathway, name)), rank) for rank, name in reversed(list(enumerate(MILESTONE_DATES, 1)))),
        else_=0,
    )


def outcome_of(state: sa.ColumnElement[str], reason: sa.ColumnElement[str | None]) -> sa.ColumnElement[str]:
    """The outcome (``dashboard.OUTCOMES``) of a pathway in ``state``, its exit's ``reason`` given."""
    return sa.case(
        (state == State.COMPLETED.value, "completed"),
        (state == State.FOLLOW_UP.value, "follow_up"),
        (
            state == State.EXITED.value,
            sa.case((reason.in_(POSITIVE_EXIT_REASONS), "positive_exit"), else_="other_exit"),
        ),
        else_="in_progress",
    )


def computed(*where: sa.ColumnElement[bool]) -> sa.Select:
    """The standing of each person whose pathways match ``where``, from all their pathways.

    ``where`` names persons (``Pathway.person_id``) or a platform, whose
    persons have all their pathways there: a person's pathways are on their
    platform.
    """
    level = milestone_level()
    entry_year = sa.extract("year", Pathway.entered_on)
    ranked = (
        sa.select(
            Pathway.person_id,
            Pathway.platform_id,
            sa.func.max(level).over(partition_by=Pathway.person_id).label("furthest"),
            Pathway.entered_on,
            sa.func.max(level).over(partition_by=(Pathway.person_id, entry_year)).label("year_furthest"),
            outcome_of(Pathway.state, Pathway.exit_reason).label("outcome"),
            sa.func.row_number()
            .over(partition_by=Pathway.person_id, order_by=(Pathway.entered_on.desc(), Pathway.id.desc()))
            .label("rank"),
        )
        .where(*where)
        .subquery("ranked")
    )
    return sa.select(
        ranked.c.person_id,
        ranked.c.platform_id,
        ranked.c.furthest,
        ranked.c.entered_on,
        ranked.c.year_furthest,
        ranked.c.outcome,
    ).where(ranked.c.rank == 1)


@functools.cache
def _refresh_statements(dialect: str) -> tuple[sa.Executable, ...]:
    """The refresh's statements, built once (a move that changes a standing runs them)."""
    table = PersonStanding.__table__
    ids = sa.bindparam("person_ids", expanding=True)
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](table)
    upsert = insert.from_select(COLUMNS, computed(Pathway.person_id.in_(ids)))
    upsert = upsert.on_conflict_do_update(
        index_elements=[table.c.person_id], set_={name: upsert.excluded[name] for name in COLUMNS[1:]}
    )
    # A person left without pathways (an import undone) has no standing.
    without_pathways = sa.delete(table).where(
        table.c.person_id.in_(ids),
        table.c.person_id.not_in(sa.select(Pathway.person_id).where(Pathway.person_id.in_(ids))),
    )
    # Two writers of one person's pathways would each compute from what they saw; the
    # person's row, locked, makes the second wait and read the first one's pathways.
    lock = sa.select(Person.id).where(Person.id.in_(ids)).order_by(Person.id).with_for_update()
    return lock, upsert, without_pathways


def changed_by_move(before: State, after: State, milestones_before: tuple, milestones_after: tuple) -> bool:
    """Whether a move can change its person's standing: a new milestone, or a finished state entered or left.

    The moves between two states in progress leave the outcome « in
    progress » and, reaching no new milestone, the standing as it was.
    """
    return milestones_before != milestones_after or before in OUTCOME_STATES or after in OUTCOME_STATES


def milestones(pathway: Pathway) -> tuple:
    """The days of the milestones a move reaches (``summary.after_event``), to compare before and after.

    Not the six-month one, which a recorded checkpoint sets (``record_checkpoint``
    refreshes the standing itself): the move's record refresh has expired it.
    """
    return tuple(getattr(pathway, name) for name in MILESTONE_COLUMNS.values())


def refresh(session: Session, person_ids: Iterable[int | None], *, pathways_gone: bool = False) -> None:
    """Recompute the standing of ``person_ids`` from their pathways, in the caller's transaction.

    On the caller's connection, after their writes (a move writes its rows
    there, the import too): nothing of the session is flushed. One upsert
    (after the persons' lock on PostgreSQL); ``pathways_gone`` when some may
    have no pathway left (an import undone), whose standing is deleted.
    """
    ids = sorted({i for i in person_ids if i is not None})
    if not ids:
        return
    connection = session.connection()
    lock, upsert, without_pathways = _refresh_statements(connection.dialect.name)
    # By batches: an import of 50 000 rows would pass SQLite more parameters than it takes.
    for start in range(0, len(ids), REFRESH_BATCH):
        parameters = {"person_ids": ids[start : start + REFRESH_BATCH]}
        if connection.dialect.name == "postgresql":
            connection.execute(lock, parameters)
        connection.execute(upsert, parameters)
        if pathways_gone:
            connection.execute(without_pathways, parameters)


def rebuild(session: Session, *, platform_id: int | None = None) -> int:
    """Recompute the standing of every person (of ``platform_id``); how many."""
    table = PersonStanding.__table__
    connection = session.connection()
    if platform_id is None:
        connection.execute(sa.delete(table))
        connection.execute(sa.insert(table).from_select(COLUMNS, computed()))
    else:
        connection.execute(sa.delete(table).where(table.c.platform_id == platform_id))
        connection.execute(
            sa.insert(table).from_select(COLUMNS, computed(Pathway.platform_id == platform_id))
        )
    query = sa.select(sa.func.count()).select_from(table)
    if platform_id is not None:
        query = query.where(table.c.platform_id == platform_id)
    return connection.scalar(query) or 0


def mismatches(session: Session, *, platform_id: int | None = None) -> list[tuple[int, str, object, object]]:
    """Where the standings kept (of ``platform_id``) differ: (person id, column, kept, recomputed)."""
    table = PersonStanding.__table__
    kept_rows = sa.select(*(table.c[name] for name in COLUMNS))
    truth_rows = computed()
    if platform_id is not None:
        kept_rows = kept_rows.where(table.c.platform_id == platform_id)
        truth_rows = computed(Pathway.platform_id == platform_id)
    kept = {row[0]: tuple(row) for row in session.execute(kept_rows)}
    truth = {row[0]: tuple(row) for row in session.execute(truth_rows)}
    found: list[tuple[int, str, object, object]] = []
    for person_id in sorted(kept.keys() | truth.keys()):
        have, want = kept.get(person_id), truth.get(person_id)
        for index, name in enumerate(COLUMNS[1:], 1):
            stored = have[index] if have else None
            recomputed = want[index] if want else None
            if plain(stored) != plain(recomputed):
                found.append((person_id, name, stored, recomputed))
    return found

"""A pathway's summary: what the pages need about it, kept beside its state.

The caseload sorts on the last contact and the alerts, the dashboard counts
milestones reached and exits: recomputing them from the records on every
request made a page cost what the platform has accumulated. They are kept
on the pathway (``Pathway.entered_on`` … ``training_starts_on``) as a cache
of its records — the history and the records stay the truth:

- ``entered_on``: the day of the first event;
- ``last_contact_on``: the latest of the last event, an exchange, a note, a
  recorded checkpoint, a frein's change of status (services.caseload);
- ``accompanied_on``, ``step_on``, ``contract_on``: the first day an event
  reached that milestone of the funnel or a later one (services.dashboard);
  ``six_months_on``: the first 6-month checkpoint recorded in post;
- ``exit_reason``: the exit's reason;
- ``checkpoint_due_on``: the earliest due date of a checkpoint neither
  recorded nor cancelled; ``planned_on``: the earliest first day of a step
  still planned; ``immersion_ends_on``: the latest end of a PMSMP not yet
  assessed; ``training_starts_on``: the latest start of a training or of a
  training still planned (the alerts' look-ups only run past it).

``recomputed()`` is the one definition, in SQL, from the records. The
services keep the cache in the same transaction as their writes: a move sets
what its event changes (``after_event``), every writer of a record calls
``refresh`` (one UPDATE, which never bumps the pathway's version: a note is
no concurrent move). ``flask rebuild-summaries`` recomputes every pathway; a
test writes random sequences and compares the cache with ``recomputed()``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways.models import (
    Barrier,
    BarrierStatusChange,
    Checkpoint,
    Exchange,
    Immersion,
    Note,
    Pathway,
    PathwayEvent,
    PlannedStep,
    Training,
)
from pathways.states import ExitReason, State, Trigger
from pathways.vocabulary import PlannedStepStatus

POSITIVE_EXIT_REASONS = tuple(r.value for r in ExitReason if r.is_positive)
# The milestones an event reaches (1 accompanied, 2 a step, 3 a contract), by column.
MILESTONE_COLUMNS: dict[int, str] = {1: "accompanied_on", 2: "step_on", 3: "contract_on"}
# What a record's write may change (``refresh``); the others follow the events (``after_event``).
RECORD_COLUMNS = (
    "last_contact_on",
    "six_months_on",
    "checkpoint_due_on",
    "planned_on",
    "immersion_ends_on",
    "training_starts_on",
)
HISTORY_COLUMNS = ("entered_on", *MILESTONE_COLUMNS.values(), "exit_reason")
COLUMNS = (*HISTORY_COLUMNS, *RECORD_COLUMNS)


def event_milestone(trigger: Trigger, to_state: State, reason: str | None) -> int:
    """The milestone an event reaches: 0 entered … 3 a contract (``milestone_column`` in SQL)."""
    if to_state in (State.FOLLOW_UP, State.COMPLETED):
        return 3
    if to_state in (State.IMMERSION, State.TRAINING, State.EMPLOYMENT):
        return 2
    if trigger is Trigger.EXIT:
        return 2 if reason in POSITIVE_EXIT_REASONS else 0
    if to_state in (State.ORIENTATION, State.REINFORCEMENT):
        return 1
    return 0


def milestone_column() -> sa.ColumnElement[int]:
    """``event_milestone`` of ``PathwayEvent``, in SQL."""
    reason = PathwayEvent.details["reason"].as_string()
    return sa.case(
        (PathwayEvent.to_state.in_((State.FOLLOW_UP, State.COMPLETED)), 3),
        (PathwayEvent.to_state.in_((State.IMMERSION, State.TRAINING, State.EMPLOYMENT)), 2),
        (
            PathwayEvent.trigger == Trigger.EXIT,
            sa.case((reason.in_(POSITIVE_EXIT_REASONS), 2), else_=0),
        ),
        (PathwayEvent.to_state.in_((State.ORIENTATION, State.REINFORCEMENT)), 1),
        else_=0,
    )


@functools.cache
def contact_raised(dialect: str) -> sa.ColumnElement[Any]:
    """A moved pathway's last contact: at least the event's day (``:contact_at_least``), in SQL.

    In SQL so that a note written meanwhile by someone else is kept if it is
    later; built once per database, for the move's statement built once.
    """
    column = Pathway.__table__.c.last_contact_on
    return _greatest(dialect, column, sa.bindparam("contact_at_least", type_=sa.Date))


def _greatest(dialect: str, *values: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The largest of ``values``, none of them NULL (SQLite's max() is PostgreSQL's greatest())."""
    if dialect == "sqlite":
        return sa.func.max(*values)
    return sa.func.greatest(*values)


def _first(column: Any, *where: sa.ColumnElement[bool]) -> sa.ScalarSelect[Any]:
    return sa.select(sa.func.min(column)).where(*where).scalar_subquery()


def _last(column: Any, *where: sa.ColumnElement[bool]) -> sa.ScalarSelect[Any]:
    return sa.select(sa.func.max(column)).where(*where).scalar_subquery()


def recomputed(session: Session) -> dict[str, sa.ColumnElement[Any]]:
    """Every summary column of ``Pathway`` as computed from its records (the definition)."""
    return dict(_recomputed(session.get_bind().dialect.name))


@functools.cache
def _recomputed(dialect: str) -> Mapping[str, sa.ColumnElement[Any]]:
    """``recomputed``, built once per database: building it cost a record's write ~3 ms.

    The expressions are immutable; only their dialect (``greatest``) differs.
    """
    of_pathway = PathwayEvent.pathway_id == Pathway.id
    last_event_on = Pathway.last_event_on

    def or_last_event(column: Any, *where: sa.ColumnElement[bool]) -> sa.ColumnElement[date]:
        return sa.func.coalesce(_last(column, *where), last_event_on)

    planned = sa.and_(PlannedStep.pathway_id == Pathway.id, PlannedStep.status == PlannedStepStatus.PLANNED)
    training_start = _last(Training.starts_on, Training.pathway_id == Pathway.id)
    planned_training = _last(PlannedStep.planned_on, planned, PlannedStep.trigger == Trigger.START_TRAINING)
    return {
        "entered_on": sa.select(PathwayEvent.occurred_on)
        .where(of_pathway, PathwayEvent.sequence == 1)
        .scalar_subquery(),
        **{
            column: _first(PathwayEvent.occurred_on, of_pathway, milestone_column() >= rank)
            for rank, column in MILESTONE_COLUMNS.items()
        },
        "exit_reason": sa.select(PathwayEvent.details["reason"].as_string())
        .where(of_pathway, PathwayEvent.trigger == Trigger.EXIT)
        .limit(1)
        .scalar_subquery(),
        "last_contact_on": _greatest(
            dialect,
            last_event_on,
            or_last_event(Exchange.occurred_on, Exchange.pathway_id == Pathway.id),
            or_last_event(Note.written_on, Note.pathway_id == Pathway.id),
            or_last_event(Checkpoint.recorded_on, Checkpoint.pathway_id == Pathway.id),
            or_last_event(
                BarrierStatusChange.changed_on,
                BarrierStatusChange.barrier_id == Barrier.id,
                Barrier.pathway_id == Pathway.id,
            ),
        ),
        "six_months_on": _first(
            Checkpoint.recorded_on,
            Checkpoint.pathway_id == Pathway.id,
            Checkpoint.month == 6,
            Checkpoint.still_in_post.is_(True),
        ),
        "checkpoint_due_on": _first(
            Checkpoint.due_on,
            Checkpoint.pathway_id == Pathway.id,
            Checkpoint.recorded_on.is_(None),
            Checkpoint.cancelled_on.is_(None),
        ),
        "planned_on": _first(PlannedStep.planned_on, planned),
        "immersion_ends_on": _last(
            Immersion.ends_on, Immersion.pathway_id == Pathway.id, Immersion.outcome.is_(None)
        ),
        # The later of the two, either may be missing.
        "training_starts_on": _greatest(
            dialect,
            sa.func.coalesce(training_start, planned_training),
            sa.func.coalesce(planned_training, training_start),
        ),
    }


def computed(
    *,
    last_event_on: date,
    events: Iterable[Mapping[str, Any]],
    checkpoints: Iterable[Mapping[str, Any]] = (),
    planned_steps: Iterable[Mapping[str, Any]] = (),
    immersions: Iterable[Mapping[str, Any]] = (),
    trainings: Iterable[Mapping[str, Any]] = (),
    contacts: Iterable[date] = (),
) -> dict[str, Any]:
    """Every summary column of one pathway from its records held in memory: ``recomputed()`` in Python.

    ``recomputed()`` stays the definition; this mirrors it, rule for rule, for
    a writer that already holds a pathway's whole history (the import writes
    the summary with the pathway's row instead of a correlated UPDATE after
    it; a test compares both on every path of an imported file). Each record
    is its columns' values by attribute name, a missing key being NULL;
    ``contacts`` are the days of its exchanges, notes and freins' changes of
    status. If the pathway has several exits, the first given wins (the SQL
    takes any: there is one).
    """
    values: dict[str, Any] = dict.fromkeys(COLUMNS)
    for event in events:
        day = event["occurred_on"]
        trigger = Trigger(event["trigger"])
        reason = (event.get("details") or {}).get("reason")
        if event["sequence"] == 1:
            values["entered_on"] = day
        reached = event_milestone(trigger, State(event["to_state"]), reason)
        for rank, column in MILESTONE_COLUMNS.items():
            if rank <= reached and (values[column] is None or day < values[column]):
                values[column] = day
        if trigger is Trigger.EXIT and values["exit_reason"] is None:
            values["exit_reason"] = reason
    last_contact = [last_event_on, *contacts]
    six_months, due = [], []
    for checkpoint in checkpoints:
        recorded_on = checkpoint.get("recorded_on")
        if recorded_on is not None:
            last_contact.append(recorded_on)
            if checkpoint["month"] == 6 and checkpoint.get("still_in_post") is True:
                six_months.append(recorded_on)
        elif checkpoint.get("cancelled_on") is None:
            due.append(checkpoint["due_on"])
    planned = [step for step in planned_steps if step["status"] == PlannedStepStatus.PLANNED]
    training_starts = [t["starts_on"] for t in trainings] + [
        step["planned_on"] for step in planned if step["trigger"] == Trigger.START_TRAINING
    ]
    values["last_contact_on"] = max(last_contact)
    values["six_months_on"] = min(six_months, default=None)
    values["checkpoint_due_on"] = min(due, default=None)
    values["planned_on"] = min((step["planned_on"] for step in planned), default=None)
    values["immersion_ends_on"] = max(
        (i["ends_on"] for i in immersions if i.get("outcome") is None), default=None
    )
    values["training_starts_on"] = max(training_starts, default=None)
    return values


def _expire(session: Session, pathway_ids: Iterable[int], columns: Iterable[str]) -> None:
    """Loaded pathways reread the columns an UPDATE changed behind the ORM's back."""
    wanted = set(pathway_ids)
    names = list(columns)
    for instance in list(session.identity_map.values()):
        if isinstance(instance, Pathway) and instance.id in wanted:
            session.expire(instance, names)


def refresh(session: Session, *pathway_ids: int) -> None:
    """Recompute what records change in the summary of ``pathway_ids`` (after a record's write).

    One UPDATE, in the caller's transaction; the pathway's version is left
    alone (a note written while someone moves the pathway is no conflict).
    """
    ids = [i for i in pathway_ids if i is not None]
    if not ids:
        return
    session.execute(_refresh_statement(session.get_bind().dialect.name), {"pathway_ids": ids})
    _expire(session, ids, RECORD_COLUMNS)


@functools.cache
def _refresh_statement(dialect: str) -> sa.Update:
    values = _recomputed(dialect)
    return (
        sa.update(Pathway)
        .where(Pathway.id.in_(sa.bindparam("pathway_ids", expanding=True)))
        .values({name: values[name] for name in RECORD_COLUMNS})
        .execution_options(synchronize_session=False)
    )


def after_event(pathway: Pathway, trigger: Trigger, day: date, reason: str | None, *, first: bool) -> None:
    """What an event appended to ``pathway`` changes in its summary (set on the object, flushed with it).

    A later event's last contact is raised in SQL by the move's own statement
    (``contact_raised``), not here.
    """
    if first:
        pathway.entered_on = day
        pathway.last_contact_on = day
    reached = event_milestone(trigger, State(pathway.state), reason)
    for rank, column in MILESTONE_COLUMNS.items():
        if rank <= reached and getattr(pathway, column) is None:
            setattr(pathway, column, day)
    if trigger is Trigger.EXIT:
        pathway.exit_reason = reason


def rebuild(
    session: Session,
    *,
    platform_id: int | None = None,
    pathway_ids: Iterable[int] | None = None,
    batch: int = 20_000,
) -> int:
    """Recompute the whole summary of the pathways (of ``platform_id``, or ``pathway_ids``); how many."""
    if pathway_ids is not None:
        ids = sorted(pathway_ids)
    else:
        query = sa.select(Pathway.id).order_by(Pathway.id)
        if platform_id is not None:
            query = query.where(Pathway.platform_id == platform_id)
        ids = list(session.scalars(query))
    values = recomputed(session)
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        # A range of ids (an index scan), narrowed to the chunk's own when they are not all the table's.
        in_chunk = Pathway.id.between(chunk[0], chunk[-1])
        if platform_id is not None:
            in_chunk = sa.and_(in_chunk, Pathway.platform_id == platform_id)
        elif pathway_ids is not None and chunk[-1] - chunk[0] + 1 != len(chunk):
            in_chunk = Pathway.id.in_(chunk)
        session.execute(
            sa.update(Pathway)
            .where(in_chunk)
            .values(values)
            .execution_options(synchronize_session=False)
        )
    _expire(session, ids, COLUMNS)
    return len(ids)


def mismatches(session: Session, pathway_ids: Iterable[int] | None = None) -> list[tuple[int, str, Any, Any]]:
    """Where the cache differs from the records: (pathway id, column, cached, recomputed)."""
    values = recomputed(session)
    cached = [getattr(Pathway, name) for name in COLUMNS]
    query = sa.select(Pathway.id, *cached, *values.values()).order_by(Pathway.id)
    if pathway_ids is not None:
        query = query.where(Pathway.id.in_(list(pathway_ids)))
    found = []
    for row in session.execute(query):
        pathway_id, rest = row[0], row[1:]
        for index, name in enumerate(COLUMNS):
            stored, truth = rest[index], rest[len(COLUMNS) + index]
            if plain(stored) != plain(truth):
                found.append((pathway_id, name, stored, truth))
    return found


def plain(value: Any) -> Any:
    """A value as both databases give it: SQLite returns a computed date as text."""
    return value.isoformat() if isinstance(value, date) else value

"""Benchmarks of the pathway engine, each beside a plain-SQL baseline run in the same process.

- 10 000 moves through the service (suspend then resume on 5 000 pathways,
  one transaction each, as a request would), against the same writes in
  plain SQL on 5 000 other pathways (read state and last event, insert the
  event, update the pathway under its version, insert the audit line, commit),
  the two sides taking turns by slices of 500 pathways;
- the caseload query (a conseiller's 50 most recent pathways with the total
  count) through SQLAlchemy, against the same SQL on the raw DB-API cursor;
- a cohort count by state, likewise.
Figures are printed, never asserted.
"""

from __future__ import annotations

import functools
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bench.data import Loaded
from pathways.models import Pathway, Person
from pathways.services import pathway as pathway_service
from pathways.states import MoveRequest, State, Trigger

MOVES = 10_000
MOVE_SLICE = 500  # pathways moved through each side in turn


@dataclass
class Figure:
    name: str
    measured: float
    baseline: float
    unit: str = "s"

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline if self.baseline else float("nan")


def timed(function: Callable[[], object], repeat: int = 1) -> list[float]:
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        durations.append(time.perf_counter() - started)
    return durations


def movable_pathways(session: Session, platform_id: int, count: int) -> list[int]:
    return list(
        session.scalars(
            sa.select(Pathway.id)
            .where(
                Pathway.platform_id == platform_id,
                Pathway.state.not_in([State.COMPLETED, State.EXITED, State.ON_HOLD]),
            )
            .order_by(Pathway.id)
            .limit(count)
        )
    )


def service_moves(session: Session, pathway_ids: list[int], today: date) -> None:
    for trigger in (Trigger.SUSPEND, Trigger.RESUME):
        for pathway_id in pathway_ids:
            pathway = session.get(Pathway, pathway_id)
            request = MoveRequest(trigger, today, suspend_reason="Banc d'essai")
            pathway_service.move(session, pathway, request, None)
            session.commit()
            session.expunge_all()  # a request starts with an empty identity map


def plain_sql_moves(engine: sa.Engine, pathway_ids: list[int], today: date) -> None:
    connection = engine.raw_connection()
    placeholder = "%s" if engine.dialect.name == "postgresql" else "?"

    def sql(statement: str) -> str:
        return statement.replace("?", placeholder)

    try:
        cursor = connection.cursor()
        for to_state in ("on_hold", "back"):
            for pathway_id in pathway_ids:
                cursor.execute(sql("SELECT state, version FROM pathways WHERE id = ?"), (pathway_id,))
                state, version = cursor.fetchone()
                cursor.execute(
                    sql(
                        "SELECT sequence, from_state FROM pathway_events WHERE pathway_id = ? "
                        "ORDER BY sequence DESC LIMIT 1"
                    ),
                    (pathway_id,),
                )
                sequence, from_state = cursor.fetchone()
                new_state = "on_hold" if to_state == "on_hold" else from_state
                now = datetime.now(UTC)
                cursor.execute(
                    sql(
                        "INSERT INTO pathway_events (pathway_id, sequence, trigger, from_state, to_state, "
                        "occurred_on, recorded_at, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    ),
                    (
                        pathway_id,
                        sequence + 1,
                        "suspend" if to_state == "on_hold" else "resume",
                        state,
                        new_state,
                        today,
                        now,
                        json.dumps({}),
                    ),
                )
                cursor.execute(
                    sql(
                        "UPDATE pathways SET state = ?, last_event_on = ?, version = version + 1 "
                        "WHERE id = ? AND version = ?"
                    ),
                    (new_state, today, pathway_id, version),
                )
                cursor.execute(
                    sql(
                        "INSERT INTO audit_entries (occurred_at, action, object_type, object_id, changes) "
                        "VALUES (?, ?, ?, ?, ?)"
                    ),
                    (now, "pathway.move", "pathway", pathway_id, json.dumps({"state": [state, new_state]})),
                )
                connection.commit()
    finally:
        connection.close()


CASELOAD_SQL = (
    "SELECT p.id, pe.first_name, pe.last_name, p.state, p.last_event_on FROM pathways p "
    "JOIN persons pe ON pe.id = p.person_id WHERE p.adviser_id = ? "
    "ORDER BY p.last_event_on DESC, p.id DESC LIMIT 50"
)
CASELOAD_COUNT_SQL = "SELECT count(*) FROM pathways WHERE adviser_id = ?"
COHORT_SQL = "SELECT state, count(*) FROM pathways WHERE platform_id = ? GROUP BY state"


def caseload_orm(session: Session, adviser_id: int) -> tuple[list[sa.Row], int]:
    """The engine's caseload query: selected columns, the index on (adviser, state, date)."""
    rows = session.execute(
        sa.select(Pathway.id, Person.first_name, Person.last_name, Pathway.state, Pathway.last_event_on)
        .join(Person, Person.id == Pathway.person_id)
        .where(Pathway.adviser_id == adviser_id)
        .order_by(Pathway.last_event_on.desc(), Pathway.id.desc())
        .limit(50)
    ).all()
    total = session.scalar(
        sa.select(sa.func.count()).select_from(Pathway).where(Pathway.adviser_id == adviser_id)
    )
    return rows, total


def raw(engine: sa.Engine, statement: str, *parameters: object) -> list[tuple]:
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if engine.dialect.name == "postgresql":
            statement = statement.replace("?", "%s")
        cursor.execute(statement, parameters)
        return cursor.fetchall()
    finally:
        connection.close()


def run(session: Session, engine: sa.Engine, loaded: Loaded, today: date) -> list[Figure]:
    figures: list[Figure] = []
    half = MOVES // 2
    candidates = movable_pathways(session, loaded.platform_id, 2 * half)
    session.expunge_all()
    # Equal shares, so that the totals compare the same number of moves.
    share = len(candidates) // 2
    service_ids, baseline_ids = candidates[:share], candidates[share : 2 * share]
    # In alternate slices, so that a change of the machine's pace during the
    # minute this takes weighs on both sides alike.
    service_time = baseline_time = 0.0
    for start in range(0, share, MOVE_SLICE):
        service_slice = service_ids[start : start + MOVE_SLICE]
        baseline_slice = baseline_ids[start : start + MOVE_SLICE]
        (spent,) = timed(functools.partial(service_moves, session, service_slice, today))
        service_time += spent
        (spent,) = timed(functools.partial(plain_sql_moves, engine, baseline_slice, today))
        baseline_time += spent
    figures.append(Figure(f"{2 * len(service_ids)} moves through the service", service_time, baseline_time))
    figures.append(
        Figure(
            "  per move",
            service_time / (2 * len(service_ids)) * 1000,
            baseline_time / (2 * len(baseline_ids)) * 1000,
            "ms",
        )
    )

    advisers = loaded.adviser_ids
    repeat = 200
    orm_times = timed(
        lambda: [caseload_orm(session, a) for a in advisers], repeat=repeat // len(advisers) or 1
    )
    raw_times = timed(
        lambda: [(raw(engine, CASELOAD_SQL, a), raw(engine, CASELOAD_COUNT_SQL, a)) for a in advisers],
        repeat=repeat // len(advisers) or 1,
    )
    figures.append(
        Figure(
            "caseload: 50 most recent + total (median)",
            statistics.median(orm_times) / len(advisers) * 1000,
            statistics.median(raw_times) / len(advisers) * 1000,
            "ms",
        )
    )
    try:
        from pathways.services.caseload import CaseloadFilters, caseload

        def workspace_page() -> None:
            for adviser_id in advisers[:5]:
                caseload(
                    session, Pathway.adviser_id == adviser_id, CaseloadFilters(), today=today, page_size=50
                )

        page_times = timed(workspace_page, repeat=3)
        figures.append(
            Figure(
                "caseload page with alerts and last contact (median, vs the plain 50 most recent)",
                statistics.median(page_times) / 5 * 1000,
                statistics.median(raw_times) / len(advisers) * 1000,
                "ms",
            )
        )
    except ImportError:
        pass

    cohort_orm = timed(
        lambda: session.execute(
            sa.select(Pathway.state, sa.func.count())
            .where(Pathway.platform_id == loaded.platform_id)
            .group_by(Pathway.state)
        ).all(),
        repeat=10,
    )
    cohort_raw = timed(lambda: raw(engine, COHORT_SQL, loaded.platform_id), repeat=10)
    figures.append(
        Figure(
            "cohort count by state (median)",
            statistics.median(cohort_orm) * 1000,
            statistics.median(cohort_raw) * 1000,
            "ms",
        )
    )
    return figures

"""A platform's whole spreadsheet: 10 000 rows of every path, imported whole, correct, and idempotent.

Timings are ``make bench``'s business; this checks what was written.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import sqlalchemy as sa

from bench.caseload import caseload_rows, write_csv
from pathways.imports.service import run_import
from pathways.models import Contract, Pathway, PathwayEvent, PlannedStep, Training
from pathways.services.pathway import pathway_facts, replay
from pathways.states import State
from tests.factories import make_world

ROWS = 10_000


def test_ten_thousand_rows(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    session.commit()
    rows = caseload_rows(
        ROWS,
        today,
        adviser=world.adviser.email,
        delegate=world.delegate.email,
        territory=world.territory.name,
    )
    path = write_csv(tmp_path / "parcours.csv", rows)
    report = run_import(session, world.platform, path, actor=world.manager)
    assert report.problems == []
    session.commit()
    assert (report.rows, report.persons_created, report.pathways_created) == (ROWS, ROWS, ROWS)
    # Ten paths, a thousand rows each.
    assert report.states == Counter(
        {
            "completed": 2000,
            "follow_up": 3000,
            "exited": 2000,
            "training": 1000,
            "orientation": 1000,
            "referred": 1000,
        }
    )

    states = Counter(
        state.value
        for state in session.scalars(sa.select(Pathway.state).where(Pathway.platform_id == world.platform.id))
    )
    assert states == report.states
    events: dict[int, list[PathwayEvent]] = defaultdict(list)
    for event in session.scalars(sa.select(PathwayEvent)):
        events[event.pathway_id].append(event)
    assert sum(len(e) for e in events.values()) == report.events
    contracts = dict(session.execute(sa.select(Contract.id, Contract.pathway_id)).all())
    trainings = dict(session.execute(sa.select(Training.id, Training.pathway_id)).all())
    cached = dict(session.execute(sa.select(Pathway.id, Pathway.state)).all())
    for pathway_id, history in events.items():
        # The cached state is the replay of the history, and each event names records of its own pathway.
        assert replay(history) is cached[pathway_id]
        for event in history:
            if "contract_id" in event.details:
                assert contracts[event.details["contract_id"]] == pathway_id
            if "training_id" in event.details:
                assert trainings[event.details["training_id"]] == pathway_id
    assert session.scalar(sa.select(sa.func.count()).select_from(PlannedStep)) == report.planned_steps == 1000
    # A completed pathway's current contract is its second one when the first was broken.
    completed = session.scalars(sa.select(Pathway).where(Pathway.state == State.COMPLETED).limit(50)).all()
    assert all(pathway_facts(session, p).six_month_checkpoint_recorded for p in completed)

    again = run_import(session, world.platform, path, actor=world.manager)
    assert again.problems == []
    assert (again.pathways_created, again.pathways_already_imported) == (0, ROWS)

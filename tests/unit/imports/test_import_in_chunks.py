"""An import written in chunks: others keep saving meanwhile, and a failure leaves nothing behind."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from bench.caseload import caseload_rows, write_csv
from pathways import clock
from pathways.extensions import db
from pathways.imports import service as import_service
from pathways.imports.service import ImportBusy, import_file
from pathways.models import (
    AuditEntry,
    Employer,
    ImportBatch,
    Pathway,
    PathwayEvent,
    Person,
    PersonStanding,
    Platform,
    User,
)
from pathways.services import pathway as pathway_service
from pathways.services import standing
from pathways.states import MoveRequest, State, Trigger
from pathways.vocabulary import ImportStatus
from tests.factories import World, make_pathway, make_world

ROWS = 600
CHUNK = 100


def file_of(world: World, tmp_path: Path, today: date, rows: int = ROWS) -> Path:
    caseload = caseload_rows(
        rows, today, adviser=world.adviser.email, delegate=world.delegate.email, territory=world.territory.name
    )
    return write_csv(tmp_path / "parcours.csv", caseload)


def count(model: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


class ImportThread(threading.Thread):
    """The import, run by another worker: its own application context, so its own session."""

    def __init__(self, app: Flask, world: World, path: Path, progress: Any = None) -> None:
        super().__init__()
        self.app, self.path, self.progress = app, path, progress
        self.platform_id, self.actor_id = world.platform.id, world.manager.id
        self.report: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.app.app_context():
                session = db.session
                self.report = import_file(
                    session,
                    session.get_one(Platform, self.platform_id),
                    self.path,
                    actor=session.get_one(User, self.actor_id),
                    progress=self.progress,
                    chunk_rows=CHUNK,
                )
                session.remove()
        except BaseException as error:  # reported to the test's thread
            self.error = error


def save_a_move(adviser_id: int, pathway_id: int, trigger: Trigger) -> None:
    """Another user's save: a move through the service, committed."""
    pathway = db.session.get_one(Pathway, pathway_id)
    request = MoveRequest(trigger, clock.today(), suspend_reason="Congé maternité")
    pathway_service.move(db.session, pathway, request, db.session.get_one(User, adviser_id))
    db.session.commit()
    db.session.expunge_all()


@pytest.fixture
def world(session, today) -> World:
    world = make_world(session)
    session.commit()
    return world


def test_a_save_succeeds_in_the_middle_of_an_import(app, session, world, today, tmp_path: Path, backend) -> None:
    pathway = make_pathway(session, world, State.INFO_SESSION, start=today - timedelta(days=30))
    session.commit()
    pathway_id, adviser_id = pathway.id, world.adviser.id
    path = file_of(world, tmp_path, today)
    midway, saved = threading.Event(), threading.Event()

    def progress(done: int, total: int, label: str) -> None:
        if label.startswith("Écriture") and done == 2 * CHUNK:
            midway.set()
            saved.wait(timeout=60)

    worker = ImportThread(app, world, path, progress)
    worker.start()
    assert midway.wait(timeout=300), worker.error
    # The import has written two chunks out of six and is going on.
    assert session.scalar(sa.select(ImportBatch.status)) is ImportStatus.WRITING
    save_a_move(adviser_id, pathway_id, Trigger.SUSPEND)
    saved.set()
    worker.join(timeout=300)
    assert worker.error is None
    assert worker.report.pathways_created == ROWS
    assert session.get_one(Pathway, pathway_id).state is State.ON_HOLD
    assert session.scalar(sa.select(ImportBatch.status)) is ImportStatus.DONE


def test_others_keep_saving_while_an_import_writes(app, session, world, today, tmp_path: Path, backend) -> None:
    pathway = make_pathway(session, world, State.INFO_SESSION, start=today - timedelta(days=30))
    session.commit()
    pathway_id, adviser_id = pathway.id, world.adviser.id
    worker = ImportThread(app, world, file_of(world, tmp_path, today))
    worker.start()
    saves = during = 0
    trigger = Trigger.SUSPEND
    while worker.is_alive():
        writing = session.scalar(sa.select(ImportBatch.rows_written).where(ImportBatch.status == "writing"))
        session.rollback()
        # Every save succeeds (the busy timeout is ten seconds, a chunk holds the lock far less).
        save_a_move(adviser_id, pathway_id, trigger)
        saves += 1
        during += bool(writing)
        trigger = Trigger.RESUME if trigger is Trigger.SUSPEND else Trigger.SUSPEND
    worker.join()
    assert worker.error is None
    assert worker.report.pathways_created == ROWS
    assert saves >= 1
    events = session.scalar(
        sa.select(sa.func.count()).select_from(PathwayEvent).where(PathwayEvent.pathway_id == pathway_id)
    )
    assert events == 2 + saves  # referred, information session, then each save
    del during  # how many landed mid-write depends on the machine's load


def test_a_failure_undoes_every_chunk_written(session, world, today, tmp_path: Path, monkeypatch) -> None:
    persons, pathways, employers = count(Person), count(Pathway), count(Employer)
    standings = count(PersonStanding)
    writes = import_service.write_rows
    calls = {"n": 0}

    def failing(connection: sa.Connection, rows: Any, updates: Any = ()) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("disque plein")
        writes(connection, rows, updates)

    monkeypatch.setattr(import_service, "write_rows", failing)
    with pytest.raises(RuntimeError):
        import_file(
            session,
            world.platform,
            file_of(world, tmp_path, today),
            actor=world.manager,
            chunk_rows=CHUNK,
            chunked=True,
        )
    # Three chunks had been committed: all undone, the references created with them too.
    assert (count(Person), count(Pathway), count(Employer)) == (persons, pathways, employers)
    # The standings of the persons written went with them (the world's own are still right).
    assert count(PersonStanding) == standings
    assert standing.mismatches(session) == []
    assert session.scalar(sa.select(ImportBatch.status)) is ImportStatus.UNDONE
    assert not session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "import.caseload"))


def test_one_import_writes_into_a_platform_at_a_time(session, world, today, tmp_path: Path) -> None:
    session.add(
        ImportBatch(
            platform_id=world.platform.id,
            filename="autre.xlsx",
            status=ImportStatus.WRITING,
            written={},
            updated_at=clock.now(),
        )
    )
    session.commit()
    with pytest.raises(ImportBusy) as busy:
        import_file(session, world.platform, file_of(world, tmp_path, today, 10), actor=world.manager)
    assert "Un autre import est en cours" in busy.value.message
    assert count(Pathway) == 0


def test_an_import_left_by_a_dead_process_is_undone_by_the_next(
    session, world, today, tmp_path: Path, monkeypatch
) -> None:
    path = file_of(world, tmp_path, today, 50)
    writes = import_service.write_rows
    calls = {"n": 0}

    def dying(connection: sa.Connection, rows: Any, updates: Any = ()) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process is stopped: nothing of its own cleans up
        writes(connection, rows, updates)

    monkeypatch.setattr(import_service, "write_rows", dying)
    monkeypatch.setattr(import_service, "undo", lambda session, batch_id: None)
    with pytest.raises(KeyboardInterrupt):
        import_file(session, world.platform, path, actor=world.manager, chunk_rows=20, chunked=True)
    monkeypatch.undo()
    assert count(Pathway) == 40  # two chunks stayed, with their journal
    batch = session.scalars(sa.select(ImportBatch)).one()
    assert batch.status is ImportStatus.WRITING
    batch.updated_at = clock.now() - timedelta(hours=1)
    session.commit()

    second = import_file(session, world.platform, path, actor=world.manager, chunk_rows=20, chunked=True)
    # The dead import was undone first; this one wrote the whole file.
    assert second.pathways_created == 50
    assert count(Pathway) == 50
    statuses = sorted(s.value for s in session.scalars(sa.select(ImportBatch.status)))
    assert statuses == ["done", "undone"]


def test_the_progress_bar_moves_while_rows_are_written(session, world, today, tmp_path: Path, monkeypatch) -> None:
    # Small slices, so that a short file shows the steps: on SQLite one per chunk (its own
    # short transaction), on PostgreSQL a few slices of its one transaction (PROGRESS_SLICES).
    monkeypatch.setattr(import_service, "CHUNK_ROWS", 2)
    written: list[int] = []

    def progress(done: int, total: int, label: str) -> None:
        if label.startswith("Écriture"):
            written.append(done)

    path = file_of(world, tmp_path, today, rows=12)
    report = import_file(session, world.platform, path, actor=world.manager, progress=progress)
    assert report.pathways_created == 12
    if session.get_bind().dialect.name == "sqlite":
        assert written == [2, 4, 6, 8, 10, 12]
    else:
        assert written == [3, 6, 9, 12]

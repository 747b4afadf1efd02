"""The job queue in huey's immediate mode: enqueue, run, progress, retries, idempotency, periodic jobs.

Immediate mode runs a job synchronously when the transaction that asked for
it commits, in an application context and a session of its own, exactly as
the consumer does; retries are scheduled in memory and run by ``run_retries``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from pathways import audit, clock
from pathways.extensions import db
from pathways.jobs import (
    JobContext,
    JobFailed,
    JobResult,
    enqueue,
    huey,
    idempotency_key,
    job_kind,
    report_progress,
)
from pathways.jobs.maintenance import INTERRUPTED_MESSAGE
from pathways.jobs.registry import DEFAULT_FAILURE
from pathways.jobs.service import enqueue_periodic
from pathways.models import AuditEntry, BackgroundJob
from pathways.vocabulary import JobStatus
from tests import factories

CALLS: list[str] = []
SEEN_FROM_OUTSIDE: list[tuple[int, int]] = []


@job_kind("tests.count", label="Compter")
def count_job(context: JobContext) -> JobResult:
    CALLS.append("count")
    total = int(context.params["total"])
    for done in range(1, total + 1):
        report_progress(done, total, "Comptage")
    return JobResult(summary={"counted": total})


@job_kind("tests.flaky", label="Tâche fragile", retries=2, retry_delay=60)
def flaky_job(context: JobContext) -> None:
    CALLS.append("flaky")
    raise ConnectionError("the mail server hung up")


@job_kind("tests.refused", label="Tâche refusée", retries=3)
def refused_job(context: JobContext) -> None:
    CALLS.append("refused")
    raise JobFailed("Le fichier demandé n'existe plus.")


@job_kind("tests.file", label="Fichier")
def file_job(context: JobContext) -> JobResult:
    path = context.result_path(".txt")
    path.write_text("bonjour")
    if context.params.get("fail"):
        raise JobFailed("Échec voulu.")
    return JobResult(path, "bonjour.txt")


@job_kind("tests.progress_is_independent", label="Progression")
def progress_job(context: JobContext) -> JobResult:
    # Work in the job's session, not committed yet (flushed on PostgreSQL; on
    # SQLite a flushed write would hold the file's write lock until the commit,
    # and the progress line would be skipped: a job reports between its commits)...
    audit.record(context.session, None, "tests.work", details={"step": 1})
    if context.session.get_bind().dialect.name == "postgresql":
        context.session.flush()
    report_progress(1, 2, "À mi-chemin")
    # ...while the progress is already visible from another connection.
    with db.engine.connect() as outside:
        done = outside.scalar(
            sa.select(BackgroundJob.progress_done).where(BackgroundJob.id == context.job_id)
        )
        work = outside.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "tests.work")
        )
    SEEN_FROM_OUTSIDE.append((done, work))
    return JobResult()


@pytest.fixture(autouse=True)
def _reset(app: Flask, tmp_path: Path) -> None:
    CALLS.clear()
    SEEN_FROM_OUTSIDE.clear()
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")
    huey.storage.flush_all()


def run_retries() -> None:
    """Run the retries huey scheduled (immediate mode keeps them in memory), as time passes."""
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1)
    while tasks := huey.read_schedule(later):
        for task in tasks:
            huey.execute(task, timestamp=later)


def job(session, job_id: int) -> BackgroundJob:
    session.expire_all()
    found = session.get(BackgroundJob, job_id)
    assert found is not None
    return found


def test_a_job_runs_when_its_request_commits(session) -> None:
    world = factories.make_world(session)
    asked = enqueue(session, "tests.count", {"total": 3}, world.manager, title="Compter trois")
    assert asked.status is JobStatus.QUEUED
    assert CALLS == []
    session.commit()
    done = job(session, asked.id)
    assert CALLS == ["count"]
    assert done.status is JobStatus.DONE
    assert (done.progress_done, done.progress_total, done.percent) == (3, 3, 100)
    assert done.summary == {"counted": 3}
    assert done.attempts == 1
    assert done.user_id == world.manager.id
    assert done.platform_id == world.platform.id
    assert done.title == "Compter trois"
    assert done.started_at is not None
    assert done.finished_at is not None


def test_a_rolled_back_request_asks_for_nothing(session) -> None:
    enqueue(session, "tests.count", {"total": 1}, None)
    session.rollback()
    session.commit()
    assert CALLS == []
    assert session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob)) == 0


def test_progress_is_committed_apart_from_the_work(session) -> None:
    asked = enqueue(session, "tests.progress_is_independent", {}, None)
    session.commit()
    assert SEEN_FROM_OUTSIDE == [(1, 0)]  # progress seen, the work not yet
    assert job(session, asked.id).status is JobStatus.DONE
    assert session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "tests.work")
    ) == 1


def test_the_same_request_twice_gives_the_same_job(session) -> None:
    world = factories.make_world(session)
    key = idempotency_key(world.manager.id, "form-token-123", {"total": 2})
    first = enqueue(session, "tests.count", {"total": 2}, world.manager, key)
    session.commit()
    second = enqueue(session, "tests.count", {"total": 2}, world.manager, key)
    session.commit()
    assert second.id == first.id
    assert CALLS == ["count"]
    assert session.scalar(sa.select(sa.func.count()).select_from(BackgroundJob)) == 1
    # Another key (another form, another user) is another job.
    other = enqueue(session, "tests.count", {"total": 2}, world.adviser, idempotency_key("x"))
    session.commit()
    assert other.id != first.id
    assert CALLS == ["count", "count"]


def test_a_key_taken_by_a_concurrent_request_gives_its_job(session) -> None:
    first = enqueue(session, "tests.count", {"total": 1}, None, "same-key")
    session.commit()
    # The second request looked before the first committed: it inserts, and collides.
    from pathways.jobs import service

    original = service._by_key
    lookups = iter([None])
    service._by_key = lambda s, k, key: next(lookups, None) or original(s, k, key)  # type: ignore[assignment]
    try:
        second = enqueue(session, "tests.count", {"total": 1}, None, "same-key")
    finally:
        service._by_key = original  # type: ignore[assignment]
    session.commit()
    assert second.id == first.id
    assert CALLS == ["count"]


def test_a_failing_job_is_retried_then_failed_with_a_french_message(session) -> None:
    asked = enqueue(session, "tests.flaky", {}, None, "flaky-key")
    session.commit()
    waiting = job(session, asked.id)
    assert CALLS == ["flaky"]
    assert waiting.status is JobStatus.QUEUED
    assert waiting.attempts == 1
    assert "Nouvel essai dans 60 secondes" in waiting.progress_label
    run_retries()
    failed = job(session, asked.id)
    assert CALLS == ["flaky"] * 3  # the first try and two retries
    assert failed.status is JobStatus.FAILED
    assert failed.attempts == 3
    assert failed.error_message == DEFAULT_FAILURE
    assert "mail server" not in failed.error_message
    # The key is given up: asking again starts afresh.
    assert failed.idempotency_key is None
    again = enqueue(session, "tests.flaky", {}, None, "flaky-key")
    assert again.id != asked.id


def test_a_job_failed_is_not_retried(session) -> None:
    asked = enqueue(session, "tests.refused", {}, None)
    session.commit()
    run_retries()
    failed = job(session, asked.id)
    assert CALLS == ["refused"]
    assert failed.status is JobStatus.FAILED
    assert failed.error_message == "Le fichier demandé n'existe plus."


def test_a_job_runs_once_even_if_sent_twice(session) -> None:
    from pathways.jobs.service import send

    asked = enqueue(session, "tests.count", {"total": 1}, None)
    session.commit()
    send(asked.id, "tests.count")
    assert CALLS == ["count"]


def test_result_files_are_kept_on_success_and_removed_on_failure(session, app) -> None:
    folder = Path(app.config["JOBS_FOLDER"])
    ok = enqueue(session, "tests.file", {}, None)
    ko = enqueue(session, "tests.file", {"fail": True}, None)
    session.commit()
    done = job(session, ok.id)
    assert (folder / done.result_file).read_text() == "bonjour"
    assert done.result_name == "bonjour.txt"
    hours = (done.result_expires_at - done.finished_at).total_seconds() / 3600
    assert hours == pytest.approx(app.config["JOBS_FILE_HOURS"])
    assert job(session, ko.id).result_file is None
    assert [p.name for p in folder.iterdir()] == [done.result_file]


def test_unknown_kinds_and_unreadable_params_are_refused(session) -> None:
    with pytest.raises(ValueError, match="unknown job kind"):
        enqueue(session, "tests.nothing", {}, None)
    with pytest.raises(TypeError):
        enqueue(session, "tests.count", {"when": object()}, None)


def test_a_periodic_job_runs_once_per_due_minute(session, app, monkeypatch) -> None:
    old = datetime(2024, 1, 1, tzinfo=UTC)
    session.add(AuditEntry(occurred_at=old, action="login", address=None))
    session.commit()
    moment = datetime(2026, 6, 15, 2, 30, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: moment)
    enqueue_periodic("purge-audit")
    enqueue_periodic("purge-audit")  # a second consumer firing the same schedule
    jobs = session.scalars(sa.select(BackgroundJob).where(BackgroundJob.kind == "purge-audit")).all()
    assert len(jobs) == 1
    assert jobs[0].status is JobStatus.DONE
    assert jobs[0].summary == {"deleted": 1, "login_attempts": 0}
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.occurred_at == old)) == 0


def test_maintenance_deletes_expired_files_and_fails_interrupted_jobs(session, app, monkeypatch) -> None:
    folder = Path(app.config["JOBS_FOLDER"])
    kept = enqueue(session, "tests.file", {}, None, "file-key")
    session.commit()
    kept = job(session, kept.id)
    path = folder / kept.result_file
    stuck = enqueue(session, "tests.count", {"total": 1}, None)
    stuck.status = JobStatus.RUNNING  # as if its consumer had died
    session.info.pop("pathways.jobs.pending", None)
    session.commit()
    later = clock.now() + timedelta(hours=app.config["JOBS_FILE_HOURS"], minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    enqueue_periodic("jobs.maintenance")
    maintenance = session.scalar(sa.select(BackgroundJob).where(BackgroundJob.kind == "jobs.maintenance"))
    assert maintenance.summary["files_deleted"] == 1
    assert maintenance.summary["interrupted"] == 1
    assert not path.exists()
    expired = job(session, kept.id)
    assert expired.result_file is None
    assert expired.idempotency_key is None
    interrupted = job(session, stuck.id)
    assert interrupted.status is JobStatus.FAILED
    assert interrupted.error_message == INTERRUPTED_MESSAGE


def test_maintenance_sends_again_a_job_whose_message_was_lost(session, monkeypatch) -> None:
    from pathways.jobs import service

    monkeypatch.setattr(service, "send", lambda job_id, kind: (_ for _ in ()).throw(ConnectionError()))
    lost = enqueue(session, "tests.count", {"total": 1}, None)
    session.commit()  # the queue was down: the row stays queued
    assert job(session, lost.id).status is JobStatus.QUEUED
    assert CALLS == []
    monkeypatch.undo()
    later = clock.now() + timedelta(minutes=11)
    monkeypatch.setattr(clock, "now", lambda: later)
    enqueue_periodic("jobs.maintenance")
    assert job(session, lost.id).status is JobStatus.DONE
    assert CALLS == ["count"]

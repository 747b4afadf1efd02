"""Running one job: claim it, run its kind in an app context with its own session, record the end.

The job's work happens in ``db.session`` of an application context pushed
for it, and is committed with the job's final status (done, or failed),
like a request commits at its end. Its progress goes through another
connection, committed at once, so the page shows it while the work's own
transaction is still open. The work never writes the job's row before it
ends: the progress writer would otherwise wait on its own job's lock.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from huey.api import Task
from sqlalchemy.exc import SQLAlchemyError

from pathways import clock
from pathways.extensions import db
from pathways.jobs.queue import bound_app, huey
from pathways.jobs.registry import KINDS, JobContext, JobFailed, JobResult
from pathways.models import BackgroundJob, Platform, User
from pathways.vocabulary import JobStatus

logger = logging.getLogger(__name__)

LABEL_LENGTH = 200
# Progress is written at most this often (and always at a new label).
PROGRESS_INTERVAL = 0.5
# On SQLite, a progress line waits this long for the write lock, then is
# skipped (the next one will say more): a job must not stall on its gauge.
PROGRESS_BUSY_TIMEOUT_MS = 250
SQLITE_BUSY_TIMEOUT_MS = 10_000


class ProgressWriter:
    """Writes a job's progress in short transactions of its own, at most every half second."""

    def __init__(self, engine: sa.Engine, job_id: int) -> None:
        self.engine = engine
        self.job_id = job_id
        self.label = ""
        self.total: int | None = None
        self._last = 0.0

    def __call__(self, done: int, total: int | None, label: str | None) -> None:
        if total is not None:
            self.total = total
        new_label = label is not None and label[:LABEL_LENGTH] != self.label
        if label is not None:
            self.label = label[:LABEL_LENGTH]
        now = time.monotonic()
        finished = self.total is not None and done >= self.total
        if not (new_label or finished) and now - self._last < PROGRESS_INTERVAL:
            return
        self._last = now
        values = {"progress_done": max(done, 0), "progress_label": self.label, "updated_at": clock.now()}
        if self.total is not None:
            values["progress_total"] = self.total
        update = sa.update(BackgroundJob).where(BackgroundJob.id == self.job_id).values(**values)
        sqlite = self.engine.dialect.name == "sqlite"
        try:
            with self.engine.connect() as connection:
                if sqlite:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={PROGRESS_BUSY_TIMEOUT_MS}")
                try:
                    connection.execute(update)
                    connection.commit()
                finally:
                    if sqlite:
                        connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        except SQLAlchemyError:
            logger.warning("progress of job %s not written (database busy)", self.job_id)


_progress: ContextVar[ProgressWriter | None] = ContextVar("job_progress", default=None)


def report_progress(done: int, total: int | None = None, label: str | None = None) -> None:
    """Tell the running job's page how far it is: ``done`` of ``total``, and what it is doing (French).

    Call it as often as you like (it writes at most twice a second, and at
    each new label); outside a job (the command line) it does nothing.
    """
    writer = _progress.get()
    if writer is not None:
        writer(done, total, label)


def in_job() -> bool:
    """Whether the code runs inside a job (worth counting a total for its progress)."""
    return _progress.get() is not None


def _claim(job_id: int) -> bool:
    """Mark the job running, if it is still waiting; False if another run has it or it is over."""
    now = clock.now()
    claimed = db.session.execute(
        sa.update(BackgroundJob)
        .where(BackgroundJob.id == job_id, BackgroundJob.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING,
            attempts=BackgroundJob.attempts + 1,
            started_at=now,
            updated_at=now,
            error_message=None,
        )
    ).rowcount
    db.session.commit()
    return claimed == 1


def _update(job_id: int, **values: Any) -> None:
    db.session.execute(
        sa.update(BackgroundJob).where(BackgroundJob.id == job_id).values(updated_at=clock.now(), **values)
    )


def _discard(files: list[Path]) -> None:
    for path in files:
        path.unlink(missing_ok=True)


def execute(job_id: int, retries_left: int) -> None:
    """Run job ``job_id`` once, in an application context of its own."""
    # Immediate mode runs the job inside the request or test that asked for it: that app.
    app = bound_app()
    with app.app_context():
        if not _claim(job_id):
            logger.info("job %s already taken or finished: not run again", job_id)
            return
        job = db.session.get(BackgroundJob, job_id)
        assert job is not None
        kind = KINDS.get(job.kind)
        folder = Path(app.config["JOBS_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        context = JobContext(
            job_id=job.id,
            kind=job.kind,
            params=dict(job.params or {}),
            session=db.session,
            actor=db.session.get(User, job.user_id) if job.user_id else None,
            platform=db.session.get(Platform, job.platform_id) if job.platform_id else None,
            folder=folder,
        )
        token = _progress.set(ProgressWriter(db.engine, job.id))
        try:
            if kind is None:
                raise JobFailed("Ce type de tâche n'existe plus dans cette version de l'application.")
            result = kind.function(context) or JobResult()
            _finish(app, job_id, result)
        except JobFailed as refused:
            db.session.rollback()
            _discard(context.files)
            _fail(job_id, refused.message)
            return
        except Exception:
            db.session.rollback()
            _discard(context.files)
            logger.exception("job %s (%s) failed, %s retries left", job_id, job.kind, retries_left)
            if retries_left > 0 and kind is not None:
                _update(
                    job_id,
                    status=JobStatus.QUEUED,
                    progress_label=f"Nouvel essai dans {kind.retry_delay} secondes.",
                )
                db.session.commit()
                raise  # huey schedules the next try
            _fail(job_id, kind.failure_message)
            return
        finally:
            _progress.reset(token)


def _fail(job_id: int, message: str) -> None:
    # The key is given up: asking again starts a new job.
    _update(
        job_id,
        status=JobStatus.FAILED,
        error_message=message[:500],
        idempotency_key=None,
        finished_at=clock.now(),
    )
    db.session.commit()


def _finish(app: Flask, job_id: int, result: JobResult) -> None:
    """Done: the work and the final status in one commit."""
    now = clock.now()
    values: dict[str, Any] = {"status": JobStatus.DONE, "finished_at": now, "summary": result.summary}
    total = db.session.scalar(sa.select(BackgroundJob.progress_total).where(BackgroundJob.id == job_id))
    values["progress_done"] = total or 1
    values["progress_total"] = total or 1
    values["progress_label"] = "Terminé"
    if result.file is not None:
        values["result_file"] = result.file.name
        values["result_name"] = result.download_name or result.file.name
        values["result_expires_at"] = now + timedelta(hours=app.config["JOBS_FILE_HOURS"])
    _update(job_id, **values)
    db.session.commit()


@huey.task(context=True)
def run_job(job_id: int, task: Task | None = None) -> None:
    """The one huey task: every kind of job runs through it (retries set per kind when sent)."""
    execute(job_id, task.retries if task is not None else 0)

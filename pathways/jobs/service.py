"""Asking for a job, and reading what became of it.

``enqueue`` adds the job's row to the caller's transaction; the message to
the queue leaves only when that transaction commits (a rolled-back request
asks for nothing, and the consumer never looks for a row not yet visible).
If the queue cannot take it then, the row stays ``queued`` and the hourly
maintenance job sends it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from pathways import clock
from pathways.jobs.registry import KINDS
from pathways.models import BackgroundJob, User
from pathways.vocabulary import JobStatus

logger = logging.getLogger(__name__)

PENDING = "pathways.jobs.pending"
KEY_LENGTH = 128


def idempotency_key(*parts: Any) -> str:
    """A key from what identifies a request (e.g. who, a form's token, the parameters)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def enqueue(
    session: Session,
    kind: str,
    params: dict[str, Any],
    actor: User | None,
    idempotency_key: str | None = None,
    *,
    platform_id: int | None = None,
    title: str | None = None,
) -> BackgroundJob:
    """Ask for a job of ``kind``; it is sent to the queue when the session commits.

    :param params: JSON values only (dates as ISO strings), read back as ``context.params``.
    :param actor: who asked (the job runs with their rights; None: the system).
    :param idempotency_key: the same key for the same kind gives back the same job
        while it waits, runs, or holds its file.
    :param platform_id: defaults to the actor's platform.
    :param title: French, shown on « Mes tâches » (default: the kind's label).
    """
    declared = KINDS.get(kind)
    if declared is None:
        raise ValueError(f"unknown job kind {kind!r}")
    json.dumps(params)  # refuse now what the job could not read back
    if idempotency_key is not None:
        if len(idempotency_key) > KEY_LENGTH:
            raise ValueError("idempotency key longer than 128 characters")
        existing = _by_key(session, kind, idempotency_key)
        if existing is not None:
            return existing
    now = clock.now()
    values = {
        "kind": kind,
        "title": (title or declared.label)[:200],
        "params": params,
        "idempotency_key": idempotency_key,
        "status": JobStatus.QUEUED,
        "attempts": 0,
        "progress_done": 0,
        "progress_label": "En attente",
        "user_id": actor.id if actor is not None else None,
        "platform_id": platform_id if platform_id is not None else (actor.platform_id if actor else None),
        "created_at": now,
        "updated_at": now,
    }
    # ON CONFLICT DO NOTHING, not a savepoint: two requests racing with one
    # key, the second finds the first's job and its transaction goes on.
    # (A savepoint opening a SQLite transaction would commit at its release.)
    insert = _insert(session)(BackgroundJob).values(**values)
    insert = insert.on_conflict_do_nothing(index_elements=["kind", "idempotency_key"])
    job_id = session.scalar(insert.returning(BackgroundJob.id))
    if job_id is None:
        existing = _by_key(session, kind, idempotency_key) if idempotency_key else None
        if existing is None:
            raise RuntimeError("job insert conflicted without an existing job")
        return existing
    session.info.setdefault(PENDING, []).append((job_id, kind))
    job = session.get(BackgroundJob, job_id)
    assert job is not None
    return job


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _by_key(session: Session, kind: str, key: str) -> BackgroundJob | None:
    return session.scalar(
        sa.select(BackgroundJob).where(BackgroundJob.kind == kind, BackgroundJob.idempotency_key == key)
    )


def send(job_id: int, kind: str) -> None:
    """Put job ``job_id`` on the queue (with its kind's retries); its row must be committed."""
    from pathways.jobs.queue import activate, bound_app, huey
    from pathways.jobs.runner import run_job

    activate(bound_app())
    declared = KINDS.get(kind)
    retries = declared.retries if declared else 0
    delay = declared.retry_delay if declared else 0
    huey.enqueue(run_job.s(job_id, retries=retries, retry_delay=delay))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    for job_id, kind in pending:
        try:
            send(job_id, kind)
        except Exception:
            # The row stays queued: the maintenance job sends it again.
            logger.exception("job %s could not be put on the queue", job_id)


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    # The whole transaction rolled back: its jobs were never asked for. (A job
    # asked for in a savepoint rolled back since is sent, and finds no row.)
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)


def enqueue_periodic(kind: str) -> None:
    """Ask for periodic job ``kind`` once for this minute (from the consumer's scheduler)."""
    from pathways.extensions import db
    from pathways.jobs.queue import bound_app

    with bound_app().app_context():
        slot = clock.now().strftime("%Y-%m-%dT%H:%M")
        enqueue(db.session, kind, {}, actor=None, idempotency_key=f"{kind}@{slot}")
        db.session.commit()


def jobs_of(session: Session, user: User, *, days: int = 30, limit: int = 50) -> list[BackgroundJob]:
    """The jobs ``user`` asked for in the last ``days`` days, most recent first."""
    since = clock.now() - timedelta(days=days)
    return list(
        session.scalars(
            sa.select(BackgroundJob)
            .where(BackgroundJob.user_id == user.id, BackgroundJob.created_at >= since)
            .order_by(BackgroundJob.created_at.desc(), BackgroundJob.id.desc())
            .limit(limit)
        )
    )

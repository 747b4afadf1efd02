"""Periodic jobs of the application itself: the audit trail's retention and the queue's upkeep."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.jobs.registry import JobContext, JobResult, daily, hourly, periodic_job
from pathways.models import BackgroundJob
from pathways.vocabulary import JobStatus

logger = logging.getLogger(__name__)

# A queued job not started after this long lost its message: send it again.
RESEND_AFTER = timedelta(minutes=10)
# A running job that has not reported for this long was interrupted (the consumer stopped).
INTERRUPTED_AFTER = timedelta(hours=1)
# Finished jobs' rows are kept this long, then deleted (their files went long before).
KEEP_ROWS = timedelta(days=90)
INTERRUPTED_MESSAGE = (
    "La tâche a été interrompue (redémarrage du serveur). Relancez-la ; rien n'a été enregistré à moitié."
)


@periodic_job("purge-audit", label="Purge du journal d'audit", schedule=daily(hour=2, minute=30))
def purge_audit(context: JobContext) -> JobResult:
    """Audit entries past their retention, and login attempts older than a day."""
    from pathways.security.throttle import purge_attempts

    deleted = audit.purge(context.session)
    attempts = purge_attempts(context.session)
    return JobResult(summary={"deleted": deleted, "login_attempts": attempts})


def delete_expired_files(session: Session, folder: Path) -> int:
    """Delete the result files past their retention; their jobs give their key up."""
    now = clock.now()
    expired = session.execute(
        sa.select(BackgroundJob.id, BackgroundJob.result_file).where(
            BackgroundJob.result_file.is_not(None), BackgroundJob.result_expires_at <= now
        )
    ).all()
    for job_id, name in expired:
        (folder / name).unlink(missing_ok=True)
        session.execute(
            sa.update(BackgroundJob)
            .where(BackgroundJob.id == job_id)
            .values(result_file=None, idempotency_key=None, updated_at=now)
        )
    return len(expired)


def resend_lost(session: Session) -> int:
    """Send again the queued jobs nobody started (the queue was down when they were asked for).

    Harmless if the message was only late: a job runs once (``runner._claim``).
    """
    from pathways.jobs.service import send

    stale = session.execute(
        sa.select(BackgroundJob.id, BackgroundJob.kind).where(
            BackgroundJob.status == JobStatus.QUEUED, BackgroundJob.updated_at < clock.now() - RESEND_AFTER
        )
    ).all()
    for job_id, kind in stale:
        send(job_id, kind)
    return len(stale)


def fail_interrupted(session: Session) -> int:
    now = clock.now()
    return session.execute(
        sa.update(BackgroundJob)
        .where(BackgroundJob.status == JobStatus.RUNNING, BackgroundJob.updated_at < now - INTERRUPTED_AFTER)
        .values(
            status=JobStatus.FAILED,
            error_message=INTERRUPTED_MESSAGE,
            idempotency_key=None,
            finished_at=now,
            updated_at=now,
        )
    ).rowcount


def delete_old_rows(session: Session) -> int:
    return session.execute(
        sa.delete(BackgroundJob).where(
            BackgroundJob.status.in_([JobStatus.DONE, JobStatus.FAILED]),
            BackgroundJob.result_file.is_(None),
            BackgroundJob.created_at < clock.now() - KEEP_ROWS,
        )
    ).rowcount


@periodic_job("jobs.maintenance", label="Entretien de la file des tâches", schedule=hourly(minute=5))
def maintain_queue(context: JobContext) -> JobResult:
    """Expired files deleted, lost jobs sent again, interrupted ones failed, old rows deleted."""
    summary = {
        "files_deleted": delete_expired_files(context.session, context.folder),
        "resent": resend_lost(context.session),
        "interrupted": fail_interrupted(context.session),
        "rows_deleted": delete_old_rows(context.session),
    }
    return JobResult(summary=summary)

"""The import's two kinds of job: verify a file, then import it once confirmed.

- ``import.verify``: reads and judges the file, writes its report on the
  batch (``verified`` or ``refused``); retried once on an unexpected error
  (it writes nothing).
- ``import.confirm``: imports the verified file, all or nothing; never
  retried by the queue — a failed import is undone and says so on its page,
  and the manager sends the file again.

The waiting file is encrypted (``waiting``); its key comes with the job's
parameters and is dropped from them when the job ends, so that between the
verification and the confirmation only the uploader's session holds it.
The work itself is ``pathways.imports.tasks``; the file is deleted once the
batch no longer needs it (refused, imported, or undone).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from pathways import clock
from pathways.imports import waiting
from pathways.imports.service import ImportBusy, StaleVerification
from pathways.imports.tasks import run_confirmation, run_verification
from pathways.jobs import JobContext, JobFailed, JobResult, enqueue, idempotency_key, job_kind
from pathways.models import BackgroundJob, ImportBatch, User
from pathways.vocabulary import ImportStatus, JobStatus

VERIFY = "import.verify"
CONFIRM = "import.confirm"
UNREADABLE = "Le fichier déposé n'est plus disponible : déposez-le à nouveau."


def folder() -> Path:
    path = Path(
        current_app.config.get("PATHWAYS_IMPORT_FOLDER") or Path(current_app.instance_path) / "imports"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


def _run(context: JobContext, task: Callable[[Session, int, Path], ImportStatus]) -> JobResult:
    session = context.session
    batch_id = int(context.params["batch_id"])
    sealed = folder() / Path(str(context.params.get("file") or "absent")).name
    try:
        with waiting.unsealed(sealed, str(context.params.get("key") or ""), folder()) as plain:
            task(session, batch_id, plain)
    except waiting.Unreadable:
        session.rollback()
        session.execute(
            sa.update(ImportBatch)
            .where(ImportBatch.id == batch_id)
            .values(
                status=ImportStatus.REFUSED,
                report={"refused": UNREADABLE},
                stored_as=None,
                updated_at=clock.now(),
            )
        )
        session.commit()
        raise JobFailed(UNREADABLE) from None
    except (ImportBusy, StaleVerification) as refused:
        raise JobFailed(refused.message) from None
    finally:
        _drop_key(session, context.job_id)
        batch = session.get(ImportBatch, batch_id)
        if batch is None or batch.stored_as is None:
            sealed.unlink(missing_ok=True)
    batch = session.get_one(ImportBatch, batch_id)
    return JobResult(summary={"lignes": batch.rows_total, "etat": batch.status.value})


def _drop_key(session: Session, job_id: int) -> None:
    """The job's parameters no longer hold the file's key (its own short transaction)."""
    job = session.get(BackgroundJob, job_id)
    if job is not None and "key" in (job.params or {}):
        job.params = {name: value for name, value in job.params.items() if name != "key"}
        session.commit()


@job_kind(VERIFY, label="Vérification d'un fichier de suivi", retries=1)
def verify_file(context: JobContext) -> JobResult:
    return _run(context, run_verification)


@job_kind(CONFIRM, label="Import d'un fichier de suivi", retries=0)
def confirm_file(context: JobContext) -> JobResult:
    return _run(context, run_confirmation)


def ask(session: Session, kind: str, batch: ImportBatch, actor: User, key: str) -> None:
    """Ask the queue for ``kind`` on ``batch``; the same batch asked twice gives one job. Commits."""
    enqueue(
        session,
        kind,
        {"batch_id": batch.id, "file": batch.stored_as, "key": key},
        actor=actor,
        idempotency_key=idempotency_key(kind, batch.id),
        platform_id=batch.platform_id,
        title=f"{'Vérification' if kind == VERIFY else 'Import'} de « {batch.filename} »",
    )
    session.commit()


def job_not_over(session: Session, batch: ImportBatch) -> JobStatus | None:
    """How far the job asked for on ``batch`` is, while it is not over: queued, else running; else None.

    The batch's own status says what the job did; the job's says whether it
    has started and is still finishing (its page keeps following it meanwhile).
    """
    keys = [idempotency_key(kind, batch.id) for kind in (VERIFY, CONFIRM)]
    statuses = set(
        session.scalars(
            sa.select(BackgroundJob.status).where(
                BackgroundJob.kind.in_([VERIFY, CONFIRM]),
                BackgroundJob.idempotency_key.in_(keys),
                BackgroundJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
            )
        )
    )
    for status in (JobStatus.QUEUED, JobStatus.RUNNING):
        if status in statuses:
            return status
    return None

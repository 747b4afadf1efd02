"""The import's two kinds of job, for the job queue (``pathways.jobs``, branch ``jobs``).

NOT IMPORTED YET: the job queue is not merged. Once it is, list this module
in ``pathways.jobs.JOB_MODULES`` and make ``pathways.views.imports._start``
call ``ask`` (the page already follows the batch's progress and reloads
when the work is over). Nothing else changes: the work itself is
``pathways.imports.tasks``, which the views call directly until then.

- ``import.verify``: reads and judges the file, writes its report on the
  batch (``verified`` or ``refused``); retried on an unexpected error (it
  writes nothing).
- ``import.confirm``: imports the verified file, all or nothing; never
  retried by the queue — a failed import is undone and says so on its page,
  and the manager sends the file again.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy.orm import Session

from pathways.imports.service import ImportBusy, StaleVerification
from pathways.imports.tasks import run_confirmation, run_verification
from pathways.jobs import JobContext, JobFailed, JobResult, enqueue, idempotency_key, job_kind
from pathways.models import ImportBatch, User

VERIFY = "import.verify"
CONFIRM = "import.confirm"


def _file(context: JobContext) -> Path:
    folder = Path(
        current_app.config.get("PATHWAYS_IMPORT_FOLDER") or Path(current_app.instance_path) / "imports"
    )
    path = folder / Path(str(context.params["file"])).name
    if not path.is_file():
        raise JobFailed("Le fichier déposé n'est plus disponible : déposez-le à nouveau.")
    return path


def _summary(context: JobContext) -> JobResult:
    batch = context.session.get_one(ImportBatch, int(context.params["batch_id"]))
    return JobResult(summary={"lignes": batch.rows_total, "etat": batch.status.value})


@job_kind(VERIFY, label="Vérification d'un fichier de suivi", retries=1)
def verify_file(context: JobContext) -> JobResult:
    run_verification(context.session, int(context.params["batch_id"]), _file(context))
    return _summary(context)


@job_kind(CONFIRM, label="Import d'un fichier de suivi", retries=0)
def confirm_file(context: JobContext) -> JobResult:
    try:
        run_confirmation(context.session, int(context.params["batch_id"]), _file(context))
    except (ImportBusy, StaleVerification) as refused:
        raise JobFailed(refused.message) from None
    return _summary(context)


def ask(session: Session, kind: str, batch: ImportBatch, actor: User) -> None:
    """Ask the queue for ``kind`` on ``batch``; the same batch asked twice gives one job. Commits."""
    enqueue(
        session,
        kind,
        {"batch_id": batch.id, "file": batch.stored_as},
        actor=actor,
        idempotency_key=idempotency_key(kind, batch.id),
        platform_id=batch.platform_id,
        title=f"{'Vérification' if kind == VERIFY else 'Import'} de « {batch.filename} »",
    )
    session.commit()

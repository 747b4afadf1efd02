"""The background job queue: work that outlasts a request (exports, imports, e-mails, retention).

huey does the queueing (SQLite file of its own by default, Redis when
``REDIS_URL`` is set; see ``queue.py``); the ``background_jobs`` table of the
application's database says what each job is, who asked, and how far it got.

Declaring and asking for a kind of job::

    from pathways.jobs import JobContext, JobResult, enqueue, job_kind, report_progress

    @job_kind("import.caseload", label="Import d'un fichier de suivi", retries=0)
    def import_caseload(context: JobContext) -> JobResult:
        for done, row in enumerate(rows, 1):
            ...
            report_progress(done, len(rows), "Vérification des lignes")
        return JobResult(summary={"rows": len(rows)})

    job = enqueue(db.session, "import.caseload", {"file": name}, actor=current_user,
                  idempotency_key=idempotency_key(current_user.id, form_token))
    db.session.commit()  # the job is sent to the queue now

The module declaring kinds is listed in ``JOB_MODULES`` so that the web
processes and the consumer both know them.
"""

from __future__ import annotations

import importlib

from flask import Flask

from pathways.jobs.queue import huey
from pathways.jobs.registry import (
    KINDS,
    JobContext,
    JobFailed,
    JobResult,
    daily,
    hourly,
    job_kind,
    periodic_job,
)
from pathways.jobs.runner import in_job, report_progress
from pathways.jobs.service import enqueue, idempotency_key, jobs_of

# Modules that declare kinds of jobs, imported by every process.
JOB_MODULES = (
    "pathways.jobs.maintenance",
    "pathways.jobs.messages",
    "exports.jobs",
    "pathways.imports.jobs",
    "pathways.privacy.jobs",
)

__all__ = [
    "JOB_MODULES",
    "KINDS",
    "JobContext",
    "JobFailed",
    "JobResult",
    "daily",
    "enqueue",
    "hourly",
    "huey",
    "idempotency_key",
    "in_job",
    "init_app",
    "job_kind",
    "jobs_of",
    "periodic_job",
    "report_progress",
]


def init_app(app: Flask) -> None:
    from pathways.jobs import queue

    if app.config.get("JOBS_IMMEDIATE") is None:
        app.config["JOBS_IMMEDIATE"] = app.testing
    for module in JOB_MODULES:
        importlib.import_module(module)
    queue.configure(app)

"""Kinds of jobs: what each one is called, how it runs, how often it is retried.

A kind is declared once, beside the code it runs::

    @job_kind("export.cohort", label="Export de la cohorte")
    def export_cohort(context: JobContext) -> JobResult:
        ...

and asked for with ``enqueue(session, "export.cohort", params, actor)``.
A periodic kind is also asked for by the consumer's scheduler::

    @periodic_job("purge-audit", label="...", schedule=daily(hour=2, minute=30))
    def purge_audit(context: JobContext) -> JobResult | None:
        ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from huey import crontab

from pathways.jobs.queue import huey

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from pathways.models import Platform, User

DEFAULT_FAILURE = (
    "La tâche n'a pas pu aboutir malgré plusieurs essais. Relancez-la dans quelques minutes ; "
    "si l'échec se répète, prévenez l'administrateur de la plateforme."
)


class JobFailed(Exception):
    """A failure that another try would not fix: the job fails at once with ``message`` (French)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class JobResult:
    """What a job hands back: a file to download (optional) and a few counts."""

    file: Path | None = None
    download_name: str | None = None
    summary: dict[str, Any] | None = None


@dataclass
class JobContext:
    """What a running job gets: its parameters, its own session, who asked, where to write."""

    job_id: int
    kind: str
    params: dict[str, Any]
    session: Session
    actor: User | None
    platform: Platform | None
    folder: Path
    files: list[Path] = field(default_factory=list)

    def result_path(self, suffix: str) -> Path:
        """A fresh file in the jobs' folder; deleted if the job fails, kept for its retention delay if not."""
        import secrets

        path = self.folder / f"{self.job_id}-{secrets.token_hex(8)}{suffix}"
        self.files.append(path)
        return path

    def report_progress(self, done: int, total: int | None = None, label: str | None = None) -> None:
        from pathways.jobs.runner import report_progress

        report_progress(done, total, label)


JobFunction = Callable[[JobContext], "JobResult | None"]


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    function: JobFunction
    retries: int
    retry_delay: int
    failure_message: str


KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str,
    *,
    label: str,
    retries: int = 2,
    retry_delay: int = 30,
    failure_message: str = DEFAULT_FAILURE,
) -> Callable[[JobFunction], JobFunction]:
    """Declare a kind of job.

    :param label: French, shown on « Mes tâches » when the job has no title of its own.
    :param retries: further tries after an unexpected error (``JobFailed`` is never retried).
    :param retry_delay: seconds before each new try.
    :param failure_message: French, shown when the last try failed.
    """

    def register(function: JobFunction) -> JobFunction:
        existing = KINDS.get(name)
        if existing is not None and existing.function.__qualname__ != function.__qualname__:
            raise ValueError(f"job kind {name!r} is declared twice")
        KINDS[name] = JobKind(name, label, function, retries, retry_delay, failure_message)
        return function

    return register


def daily(hour: int, minute: int = 0) -> crontab:
    """Every day at ``hour``:``minute`` UTC."""
    return crontab(minute=str(minute), hour=str(hour))


def hourly(minute: int = 0) -> crontab:
    """Every hour at ``minute``."""
    return crontab(minute=str(minute))


def periodic_job(
    name: str, *, label: str, schedule: crontab, **options: Any
) -> Callable[[JobFunction], JobFunction]:
    """Declare a kind of job the consumer asks for on ``schedule`` (``daily``, ``hourly``, a huey crontab).

    Each run is a job like any other (a row, retries, a failure message).
    Its idempotency key is the kind and the minute it was due: several
    consumers sharing one Redis queue each fire the schedule, one job runs.
    """

    def register(function: JobFunction) -> JobFunction:
        job_kind(name, label=label, **options)(function)

        def fire() -> None:
            from pathways.jobs.service import enqueue_periodic

            enqueue_periodic(name)

        task_name = "periodic_" + "".join(c if c.isalnum() else "_" for c in name)
        huey.periodic_task(schedule, name=task_name)(fire)
        return function

    return register

"""The job kinds of personal data: the daily retention run, and a person's record exported."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from pathways import clock, wording
from pathways.jobs import (
    JobContext,
    JobFailed,
    JobResult,
    daily,
    enqueue,
    idempotency_key,
    job_kind,
    periodic_job,
)
from pathways.models import BackgroundJob, Person, User
from pathways.privacy.anonymise import ACCESS_EXPORT_KIND
from pathways.privacy.retention import RetentionSettings, run_retention
from pathways.vocabulary import Role


@periodic_job(
    "privacy.retention",
    label="Anonymisation des dossiers au terme de leur conservation",
    schedule=daily(hour=3, minute=15),
)
def retention(context: JobContext) -> JobResult:
    """Every day: list who is due within the notice period, anonymise who is due."""
    run = run_retention(context.session, RetentionSettings.of_current_app())
    return JobResult(summary=run.summary())


def record_title(person: Person, record_format: str) -> str:
    label = "PDF" if record_format == "pdf" else "tableur"
    return f"Dossier complet {wording.de(person.full_name)} ({label})"


def request_access_export(
    session: Session, actor: User, person: Person, record_format: str, *, request_token: str | None = None
) -> BackgroundJob:
    """Ask for ``person``'s whole record as ``pdf`` or ``xlsx``; the same form sent twice gives one job."""
    from exports.person_record import RecordFormat

    chosen = RecordFormat(record_format)
    params: dict[str, Any] = {"person_id": person.id, "format": chosen.value}
    key = idempotency_key(actor.id, request_token, ACCESS_EXPORT_KIND, params) if request_token else None
    return enqueue(
        session,
        ACCESS_EXPORT_KIND,
        params,
        actor,
        key,
        platform_id=person.platform_id,
        title=record_title(person, chosen.value),
    )


@job_kind(ACCESS_EXPORT_KIND, label="Dossier complet d'une personne (droit d'accès)")
def access_export(context: JobContext) -> JobResult:
    from exports.person_record import RecordFormat, export_person_record

    actor = context.actor
    person = context.session.get(Person, context.params.get("person_id") or 0)
    if person is None or person.is_anonymised:
        raise JobFailed("Cette personne n'a plus de dossier : ses données ont été anonymisées.")
    if actor is None or actor.role is not Role.MANAGER or actor.platform_id != person.platform_id:
        raise JobFailed(
            "Seul·e le ou la responsable de la plateforme de la personne peut produire son dossier."
        )
    record_format = RecordFormat(context.params.get("format", "pdf"))
    context.report_progress(0, 1, "Rassemblement du dossier et mise en page")
    path = context.result_path(record_format.suffix)
    record = export_person_record(context.session, person, record_format, path, actor=actor)
    name = f"dossier-personne-{person.id}-{clock.today():%Y%m%d}{record_format.suffix}"
    return JobResult(path, name, {"pathways": len(record.pathways)})

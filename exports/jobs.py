"""The exports asked for from ``/bilan``, run by the job queue.

Each kind calls the very function the command line calls (``write_bilan``,
``write_national``, ``write_cohort``), so the files, their checks and their
audit entries are the same whichever way they are asked for; the job adds
the progress, the file kept for download, and the retries.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from exports.cohort import CohortRefused, check_identified
from pathways.jobs import JobContext, JobFailed, JobResult, enqueue, idempotency_key, job_kind
from pathways.models import BackgroundJob, Platform, User

EXPORT_FAILURE = (
    "Le fichier n'a pas pu être produit malgré plusieurs essais. Relancez l'export dans quelques "
    "minutes ; si l'échec se répète, prévenez l'administrateur de la plateforme."
)
EXPORT_KINDS = {
    "bilan": "export.bilan",
    "national": "export.national",
    "cohort": "export.cohort",
    "report": "export.report",
}


def _period_text(start: date, end: date) -> str:
    if start.month == 1 and start.day == 1 and end == date(start.year, 12, 31):
        return str(start.year)
    return f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}"


def download_name(kind: str, platform: Platform, start: date, end: date, identified: bool = False) -> str:
    suffix = f"{start:%Y%m%d}-{end:%Y%m%d}"
    if kind == "national":
        return f"national-{platform.slug}-{suffix}.xlsx"
    if kind == "cohort":
        return f"cohorte-{'nominative' if identified else 'pseudonymisee'}-{platform.slug}-{suffix}.xlsx"
    if kind == "report":
        return f"bilan-{platform.slug}-{suffix}.pdf"
    return f"bilan-{platform.slug}-{suffix}.xlsx"


def title(kind: str, start: date, end: date, *, with_cohort: bool = False, identified: bool = False) -> str:
    period = _period_text(start, end)
    if kind == "national":
        return f"Fichier national, {period}"
    if kind == "cohort":
        return f"Cohorte {'nominative' if identified else 'pseudonymisée'}, {period}"
    if kind == "report":
        return f"Bilan d'activité en PDF, {period}"
    return f"Bilan d'activité{' avec la cohorte' if with_cohort else ''}, {period}"


def request_export(
    session: Session,
    actor: User,
    platform: Platform,
    kind: str,
    start: date,
    end: date,
    *,
    with_cohort: bool = False,
    identified: bool = False,
    request_token: str | None = None,
) -> BackgroundJob:
    """Ask for an export of ``platform`` for [start, end]; the same form sent twice gives one job.

    :param kind: ``bilan``, ``national``, ``cohort`` or ``report`` (the bilan as a PDF report).
    :param request_token: the form's one-time token (double submission, reload of the POST).
    :raises CohortRefused: a non-manager asked for names.
    """
    if kind == "cohort":
        check_identified(actor, identified)
    params: dict[str, Any] = {"start": start.isoformat(), "end": end.isoformat()}
    if kind == "bilan":
        params["with_cohort"] = with_cohort
    if kind == "cohort":
        params["identified"] = identified
    key = idempotency_key(actor.id, request_token, kind, params) if request_token else None
    return enqueue(
        session,
        EXPORT_KINDS[kind],
        params,
        actor,
        key,
        platform_id=platform.id,
        title=title(kind, start, end, with_cohort=with_cohort, identified=identified),
    )


def _platform(context: JobContext) -> Platform:
    if context.platform is None:
        raise JobFailed("La plateforme de cet export n'existe plus.")
    return context.platform


def _period(context: JobContext) -> tuple[date, date]:
    return date.fromisoformat(context.params["start"]), date.fromisoformat(context.params["end"])


@job_kind("export.bilan", label="Bilan d'activité", failure_message=EXPORT_FAILURE)
def export_bilan(context: JobContext) -> JobResult:
    from exports.bilan import write_bilan

    platform, (start, end) = _platform(context), _period(context)
    with_cohort = bool(context.params.get("with_cohort"))
    context.report_progress(0, 1, "Calcul des indicateurs et écriture du classeur")
    path = context.result_path(".xlsx")
    bilan = write_bilan(
        context.session, platform, start, end, path, actor=context.actor, with_cohort=with_cohort
    )
    return JobResult(
        path, download_name("bilan", platform, start, end), {"accompanied": bilan.value("accompanied")}
    )


@job_kind("export.national", label="Fichier national", failure_message=EXPORT_FAILURE)
def export_national(context: JobContext) -> JobResult:
    from exports.bilan import write_national

    platform, (start, end) = _platform(context), _period(context)
    context.report_progress(0, 1, "Calcul des indicateurs et écriture du fichier national")
    path = context.result_path(".xlsx")
    bilan = write_national(context.session, platform, start, end, path, actor=context.actor)
    return JobResult(
        path, download_name("national", platform, start, end), {"accompanied": bilan.value("accompanied")}
    )


@job_kind("export.cohort", label="Cohorte", failure_message=EXPORT_FAILURE)
def export_cohort(context: JobContext) -> JobResult:
    from exports.cohort import write_cohort

    platform, (start, end) = _platform(context), _period(context)
    identified = bool(context.params.get("identified"))
    path = context.result_path(".xlsx")
    try:
        rows = write_cohort(
            context.session, platform, path, actor=context.actor, start=start, end=end, identified=identified
        )
    except CohortRefused as refused:
        raise JobFailed(refused.message) from None
    return JobResult(path, download_name("cohort", platform, start, end, identified), {"rows": rows})


@job_kind("export.report", label="Bilan en PDF", failure_message=EXPORT_FAILURE)
def export_report(context: JobContext) -> JobResult:
    from exports.pdf import write_bilan_pdf

    platform, (start, end) = _platform(context), _period(context)
    context.report_progress(0, 1, "Calcul des indicateurs et mise en page du rapport")
    path = context.result_path(".pdf")
    bilan = write_bilan_pdf(context.session, platform, start, end, path, actor=context.actor)
    return JobResult(
        path, download_name("report", platform, start, end), {"accompanied": bilan.value("accompanied")}
    )

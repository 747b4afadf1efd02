"""« Mes tâches » (``/taches``): the jobs a user asked for, their progress, and their files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from pathways import audit, clock
from pathways.extensions import db
from pathways.jobs import jobs_of
from pathways.models import BackgroundJob
from pathways.security.access import get_own_job_or_404, refuse
from pathways.templating import NAVIGATION, NavItem
from pathways.vocabulary import JobStatus, Role
from pathways.wording import number

blueprint = Blueprint("jobs", __name__, url_prefix="/taches")

if not any(item.endpoint == "jobs.index" for item in NAVIGATION):
    NAVIGATION.append(NavItem("Mes tâches", "jobs.index", (Role.MANAGER,)))

BADGES = {
    JobStatus.QUEUED: "fr-badge--info",
    JobStatus.RUNNING: "fr-badge--new",
    JobStatus.DONE: "fr-badge--success",
    JobStatus.FAILED: "fr-badge--error",
}


def _when(moment: datetime) -> str:
    local = moment.astimezone(clock.PLATFORM_TIMEZONE)
    return f"{local:%d/%m/%Y} à {local:%H} h {local:%M}"


def job_view(job: BackgroundJob) -> dict[str, Any]:
    """What the page shows of a job, for the template and for the refresh script alike."""
    if job.progress_total:
        progress = f"{number(job.progress_done)} sur {number(job.progress_total)} ({job.percent} %)"
    else:
        progress = ""
    view: dict[str, Any] = {
        "id": job.id,
        "title": job.title,
        "status": job.status.value,
        "status_label": job.status.label,
        "badge": BADGES[job.status],
        "active": not job.is_finished,
        "asked_at": _when(job.created_at),
        "label": job.progress_label or job.status.label,
        "done": job.progress_done,
        "total": job.progress_total,
        "progress": progress,
        "error": job.error_message if job.status is JobStatus.FAILED else None,
        "download_url": None,
        "file_note": None,
    }
    if job.status is JobStatus.DONE and job.result_file and job.result_expires_at:
        view["download_url"] = url_for("jobs.download", job_id=job.id)
        view["file_note"] = f"disponible jusqu'au {_when(job.result_expires_at)}"
    elif job.status is JobStatus.DONE and job.result_name:
        view["file_note"] = (
            "Le fichier a été supprimé à la fin de son délai de conservation ; relancez l'export."
        )
    return view


@blueprint.get("/")
@login_required
def index() -> str:
    jobs = [job_view(job) for job in jobs_of(db.session, current_user)]
    return render_template(
        "jobs/index.html",
        jobs=jobs,
        hours=current_app.config["JOBS_FILE_HOURS"],
        breadcrumb=[("Accueil", url_for("main.home")), ("Mes tâches", None)],
    )


@blueprint.get("/etat")
@login_required
def state() -> Response:
    """The same list as data, for ``static/js/jobs.js`` (each job's block rendered by the page's macro)."""
    template = current_app.jinja_env.get_template("jobs/_job.html")
    jobs = []
    for job in jobs_of(db.session, current_user):
        view = job_view(job)
        html = template.module.job_block(view)  # type: ignore[attr-defined]
        jobs.append({"id": view["id"], "status": view["status"], "active": view["active"], "html": str(html)})
    return jsonify(jobs=jobs)


@blueprint.get("/<int:job_id>/fichier")
@login_required
def download(job_id: int) -> Response:
    job = get_own_job_or_404(db.session, current_user, job_id)
    if job.status is not JobStatus.DONE or not job.result_file:
        refuse("job", job_id, reason="no_file")
    folder = Path(current_app.config["JOBS_FOLDER"])
    if not (folder / job.result_file).is_file():
        refuse("job", job_id, reason="file_missing")
    audit.record(
        db.session,
        current_user,
        "job.download",
        object_type="job",
        object_id=job.id,
        platform_id=job.platform_id,
        details={"kind": job.kind},
    )
    db.session.commit()
    return send_from_directory(
        folder, job.result_file, as_attachment=True, download_name=job.result_name, max_age=0
    )

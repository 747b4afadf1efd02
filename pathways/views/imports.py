"""``/import``: upload a caseload file, follow its verification, read the report, confirm, follow the import.

Each file sent is an ``ImportBatch`` with its own page (``/import/<id>``):
the verification, then — once the manager who sent it confirms — the
import, each a job of the queue (``pathways.imports.jobs``) whose progress
the page shows (rows checked, rows written).

The upload is checked as a whole first, in the request and before anything
is parsed (``safety``: a hostile file is refused in milliseconds, its
refusal audited, nothing kept). An accepted file then waits in
``instance/imports/`` encrypted (``pathways.imports.waiting``) under a
random name; its key lives in the uploader's signed session and in the
parameters of the job working on it, which drops it when done: between the
verification and the confirmation the server alone cannot read the file.
The file is deleted once imported or refused, and abandoned ones after a day.
"""

from __future__ import annotations

import io
import secrets
import time
from pathlib import Path

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    send_file,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response

from pathways import clock
from pathways.extensions import db
from pathways.forms.base import Form
from pathways.imports import jobs as import_jobs
from pathways.imports import waiting
from pathways.imports.reader import COLUMNS, REQUIRED
from pathways.imports.safety import FileRefused, file_kind
from pathways.imports.service import ImportReport, record_refused_file
from pathways.imports.tasks import open_batch
from pathways.imports.template import write_template
from pathways.models import ImportBatch, Platform
from pathways.security.access import get_platform_row_or_404, roles_required
from pathways.states import State
from pathways.templating import NAVIGATION, NavItem
from pathways.vocabulary import ImportStatus, JobStatus, Role
from pathways.wording import number

blueprint = Blueprint("imports", __name__, url_prefix="/import")

if not any(item.endpoint == "imports.index" for item in NAVIGATION):
    NAVIGATION.append(NavItem("Import", "imports.index", (Role.MANAGER,)))

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KEEP_SECONDS = 24 * 3600


class UploadForm(Form):
    file = FileField(
        "Fichier de suivi (.xlsx ou .csv, 20 Mo au plus)", validators=[FileRequired("Choisissez un fichier.")]
    )


class ConfirmForm(Form):
    pass


_folder = import_jobs.folder


def _clean_old(folder: Path) -> None:
    limit = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def _platform() -> Platform:
    platform = db.session.get(Platform, current_user.platform_id)
    if platform is None:
        abort(404)
    return platform


# The session's keys of the waiting files, by batch id (never stored on the server).
KEYS = "import_keys"


def _remember_key(batch_id: int, key: str) -> None:
    keys = dict(session.get(KEYS) or {})
    # Only the latest few: an abandoned verification's key is of no use after a day anyway.
    keys = dict(list(keys.items())[-4:])
    keys[str(batch_id)] = key
    session[KEYS] = keys


def _forget_key(batch_id: int) -> str | None:
    keys = dict(session.get(KEYS) or {})
    key = keys.pop(str(batch_id), None)
    session[KEYS] = keys
    return key


def _index(form: UploadForm) -> str:
    batches = db.session.scalars(
        sa.select(ImportBatch)
        .where(ImportBatch.platform_id == current_user.platform_id)
        .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
        .limit(10)
    ).all()
    return render_template(
        "imports/index.html",
        form=form,
        columns=COLUMNS,
        required=REQUIRED,
        batches=batches,
        timezone=clock.PLATFORM_TIMEZONE,
        breadcrumb=[("Accueil", url_for("main.home")), ("Import", None)],
    )


@blueprint.get("/")
@roles_required(Role.MANAGER)
def index() -> str:
    return _index(UploadForm())


@blueprint.get("/modele.xlsx")
@roles_required(Role.MANAGER)
def template() -> Response:
    output = io.BytesIO()
    write_template(output, db.session, _platform())
    output.seek(0)
    return send_file(output, mimetype=XLSX, as_attachment=True, download_name="modele-import-parcours.xlsx")


@blueprint.post("/verifier")
@roles_required(Role.MANAGER)
def verify() -> str | Response:
    form = UploadForm()
    if not form.validate():
        return _index(form)
    upload = form.file.data
    filename = Path(upload.filename or "fichier").name[:200]
    folder = _folder()
    _clean_old(folder)
    token = secrets.token_urlsafe(24)
    plain = folder / f"{token}.tmp"
    platform = _platform()
    try:
        upload.save(plain)
        try:
            file_kind(plain, filename)  # bounded checks, before anything is parsed
        except FileRefused as refused:
            return _refused(platform, filename, refused)
        sealed = folder / f"{token}.sealed"
        key = waiting.seal(plain, sealed)
    finally:
        plain.unlink(missing_ok=True)
    batch = open_batch(db.session, platform, current_user, filename, sealed.name)
    _remember_key(batch.id, key)
    import_jobs.ask(db.session, import_jobs.VERIFY, batch, current_user, key)
    return redirect(url_for("imports.show", batch_id=batch.id))


def _refused(platform: Platform, filename: str, refused: FileRefused) -> Response:
    """A file refused as a whole: nothing kept but its batch (the reason) and the audit line."""
    db.session.rollback()
    record_refused_file(db.session, platform, actor=current_user, filename=filename, reason=refused.message)
    batch = open_batch(db.session, platform, current_user, filename, None)
    batch.status = ImportStatus.REFUSED
    batch.report = {"refused": refused.message}
    db.session.commit()
    return redirect(url_for("imports.show", batch_id=batch.id))


def _batch(batch_id: int) -> ImportBatch:
    return get_platform_row_or_404(db.session, current_user, ImportBatch, batch_id)


def _progress(batch: ImportBatch) -> dict[str, object]:
    """What the page shows of how far the batch is (also sent to its refresh script)."""
    # Before writing, the import checks the file again (the platform may have changed).
    writing = batch.status is ImportStatus.DONE or (
        batch.status is ImportStatus.WRITING and batch.rows_written
    )
    done = batch.rows_written if writing else batch.rows_checked
    total = batch.rows_total or 0
    job = None if batch.status.is_running else import_jobs.job_not_over(db.session, batch)
    # Once the batch has its result, a job still finishing is not « waiting » any more.
    waiting = job is JobStatus.QUEUED
    return {
        "status": batch.status.value,
        "status_label": "Demandé, en attente de son tour" if waiting else batch.status.label,
        "running": batch.status.is_running or job is not None,
        "label": "Parcours écrits" if writing else "Lignes vérifiées",
        "done": done,
        "total": total,
        "count": f"{number(done)} sur {number(total)}",
        "percent": round(100 * done / total) if total else 0,
    }


@blueprint.get("/<int:batch_id>")
@roles_required(Role.MANAGER)
def show(batch_id: int) -> str:
    batch = _batch(batch_id)
    data = batch.report or {}
    report = ImportReport.from_json(data) if "rows" in data else None
    states = [(State(code).label, n) for code, n in sorted(report.states.items())] if report else []
    confirmable = batch.status is ImportStatus.VERIFIED and batch.user_id == current_user.id
    return render_template(
        "imports/report.html",
        batch=batch,
        report=report,
        refused=data.get("refused"),
        states=states,
        progress=_progress(batch),
        confirm=ConfirmForm() if confirmable else None,
        breadcrumb=[
            ("Accueil", url_for("main.home")),
            ("Import", url_for("imports.index")),
            (batch.filename, None),
        ],
    )


@blueprint.get("/<int:batch_id>/etat")
@roles_required(Role.MANAGER)
def progress(batch_id: int) -> Response:
    return jsonify(_progress(_batch(batch_id)))


@blueprint.post("/<int:batch_id>/confirmer")
@roles_required(Role.MANAGER)
def confirm(batch_id: int) -> Response:
    batch = _batch(batch_id)
    form = ConfirmForm()
    path = _folder() / Path(batch.stored_as or "absent").name
    key = _forget_key(batch.id) if form.validate() and batch.user_id == current_user.id else None
    if key is None or batch.status is not ImportStatus.VERIFIED or not path.is_file():
        flash("Cette vérification n'est plus valable : déposez à nouveau le fichier.", "error")
        return redirect(url_for("imports.index"))
    import_jobs.ask(db.session, import_jobs.CONFIRM, batch, current_user, key)
    return redirect(url_for("imports.show", batch_id=batch_id))

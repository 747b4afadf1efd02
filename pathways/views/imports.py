"""``/import``: upload a caseload file, follow its verification, read the report, confirm, follow the import.

Each file sent is an ``ImportBatch`` with its own page (``/import/<id>``):
the verification, then — once the manager who sent it confirms — the
import, each one piece of background work (``pathways.imports.tasks``)
whose progress the page shows (rows checked, rows written). The verified
file waits in ``instance/imports/`` under a random name known only to its
batch, until it is confirmed (then deleted) or refused (deleted at once);
waiting files are removed after a day.
"""

from __future__ import annotations

import io
import secrets
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response

from pathways import clock
from pathways.extensions import db
from pathways.forms.base import Form
from pathways.imports.reader import COLUMNS, REQUIRED
from pathways.imports.service import ImportBusy, ImportReport, StaleVerification
from pathways.imports.tasks import open_batch, run_confirmation, run_verification
from pathways.imports.template import write_template
from pathways.models import ImportBatch, Platform
from pathways.security.access import get_platform_row_or_404, roles_required
from pathways.states import State
from pathways.templating import NAVIGATION, NavItem
from pathways.vocabulary import ImportStatus, Role

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


def _folder() -> Path:
    folder = Path(
        current_app.config.get("PATHWAYS_IMPORT_FOLDER") or Path(current_app.instance_path) / "imports"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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


def _start(task: Callable[..., ImportStatus], batch_id: int, path: Path) -> None:
    """Run one half of the import.

    In this request for now; with the job queue, this is where the job is
    asked for (``pathways.imports.jobs``) and the page follows it.
    """
    task(db.session, batch_id, path)


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
    suffix = Path(filename).suffix.lower()
    folder = _folder()
    _clean_old(folder)
    stored_as = f"{secrets.token_urlsafe(24)}{suffix if suffix in ('.xlsx', '.csv') else '.bin'}"
    path = folder / stored_as
    upload.save(path)
    batch = open_batch(db.session, _platform(), current_user, filename, stored_as)
    _start(run_verification, batch.id, path)
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
    return {
        "status": batch.status.value,
        "status_label": batch.status.label,
        "running": batch.status.is_running,
        "label": "Parcours écrits" if writing else "Lignes vérifiées",
        "done": done,
        "total": total,
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
    if (
        not form.validate()
        or batch.user_id != current_user.id
        or batch.status is not ImportStatus.VERIFIED
        or not path.is_file()
    ):
        flash("Cette vérification n'est plus valable : déposez à nouveau le fichier.", "error")
        return redirect(url_for("imports.index"))
    try:
        _start(run_confirmation, batch.id, path)
    except (ImportBusy, StaleVerification) as error:
        flash(error.message, "error")
    except Exception:
        # Undone already (the batch says so); the page tells the manager.
        current_app.logger.exception("import %s failed", batch_id)
    return redirect(url_for("imports.show", batch_id=batch_id))

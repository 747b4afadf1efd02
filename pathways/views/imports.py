"""``/import``: upload a caseload file, read the verification report or preview, confirm.

The upload is checked and read from a temporary file deleted before the
response, whatever happens (a refused file leaves nothing behind, and its
refusal is in the audit trail). Between the verification and the
confirmation the verified file waits in ``instance/imports/`` encrypted
(``pathways.imports.waiting``) under a random name; its name and key live
only in the manager's signed session, so nobody else can confirm it, the
server alone cannot read it, and the manager does not upload the file twice.
The confirmation runs the whole import again (the database may have changed
meanwhile) and commits only if it is still clean; the waiting file is deleted
after a confirmed import, and abandoned ones after a day.
"""

from __future__ import annotations

import io
import re
import secrets
import time
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, session, url_for
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response
from wtforms import HiddenField

from pathways.extensions import db
from pathways.forms.base import Form
from pathways.imports import waiting
from pathways.imports.reader import COLUMNS, REQUIRED
from pathways.imports.safety import FileRefused
from pathways.imports.service import ImportReport, record_outcome, record_refused_file, run_import
from pathways.imports.template import write_template
from pathways.models import Platform
from pathways.security.access import roles_required
from pathways.states import State
from pathways.templating import NAVIGATION, NavItem
from pathways.vocabulary import Role
from pathways.wording import count

blueprint = Blueprint("imports", __name__, url_prefix="/import")

if not any(item.endpoint == "imports.index" for item in NAVIGATION):
    NAVIGATION.append(NavItem("Import", "imports.index", (Role.MANAGER,)))

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "pending_import"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
KEEP_SECONDS = 24 * 3600


class UploadForm(Form):
    file = FileField(
        "Fichier de suivi (.xlsx ou .csv, 20 Mo au plus)", validators=[FileRequired("Choisissez un fichier.")]
    )


class ConfirmForm(Form):
    token = HiddenField()


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


def _crumbs(*more: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [("Accueil", url_for("main.home")), ("Import", url_for("imports.index")), *more]


@blueprint.get("/")
@roles_required(Role.MANAGER)
def index() -> str:
    return render_template(
        "imports/index.html",
        form=UploadForm(),
        columns=COLUMNS,
        required=REQUIRED,
        breadcrumb=[("Accueil", url_for("main.home")), ("Import", None)],
    )


@blueprint.get("/modele.xlsx")
@roles_required(Role.MANAGER)
def template() -> Response:
    output = io.BytesIO()
    write_template(output, db.session, _platform())
    output.seek(0)
    return send_file(output, mimetype=XLSX, as_attachment=True, download_name="modele-import-parcours.xlsx")


def _report_page(
    report: ImportReport | None, filename: str, *, refused: str | None = None, token: str | None = None
) -> str:
    states = []
    if report is not None:
        states = [(State(code).label, n) for code, n in sorted(report.states.items())]
    return render_template(
        "imports/report.html",
        report=report,
        refused=refused,
        filename=filename,
        states=states,
        confirm=ConfirmForm(token=token) if token else None,
        breadcrumb=_crumbs(("Vérification", None)),
    )


@blueprint.post("/verifier")
@roles_required(Role.MANAGER)
def verify() -> str | Response:
    form = UploadForm()
    if not form.validate():
        return render_template(
            "imports/index.html",
            form=form,
            columns=COLUMNS,
            required=REQUIRED,
            breadcrumb=[("Accueil", url_for("main.home")), ("Import", None)],
        )
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
            report = run_import(db.session, platform, plain, actor=current_user, filename=filename)
        except FileRefused as error:
            return _refused(platform, filename, error)
        db.session.rollback()  # a verification writes nothing but its audit line
        record_outcome(
            db.session, platform, report, actor=current_user, action="import.verify", filename=filename
        )
        db.session.commit()
        if not report.ok:
            return _report_page(report, filename)
        sealed = folder / f"{token}.sealed"
        key = waiting.seal(plain, sealed)
    finally:
        plain.unlink(missing_ok=True)
    session[SESSION_KEY] = {
        "token": token,
        "file": sealed.name,
        "key": key,
        "filename": filename,
        "platform": platform.id,
    }
    return _report_page(report, filename, token=token)


def _refused(platform: Platform, filename: str, error: FileRefused) -> str:
    """A file refused as a whole: nothing kept but the audit line, the reason shown in French."""
    db.session.rollback()
    record_refused_file(db.session, platform, actor=current_user, filename=filename, reason=error.message)
    db.session.commit()
    return _report_page(None, filename, refused=error.message)


@blueprint.post("/confirmer")
@roles_required(Role.MANAGER)
def confirm() -> str | Response:
    form = ConfirmForm()
    pending = session.get(SESSION_KEY)
    if (
        not form.validate()
        or not pending
        or not TOKEN.match(str(form.token.data or ""))
        or not secrets.compare_digest(str(form.token.data), pending["token"])
        or pending["platform"] != current_user.platform_id
    ):
        flash("Cette vérification n'est plus valable : déposez à nouveau le fichier.", "error")
        return redirect(url_for("imports.index"))
    folder = _folder()
    path = folder / Path(str(pending.get("file", ""))).name
    platform = _platform()
    try:
        with waiting.unsealed(path, str(pending.get("key", "")), folder) as plain:
            report = run_import(db.session, platform, plain, actor=current_user, filename=pending["filename"])
    except waiting.Unreadable:
        db.session.rollback()
        path.unlink(missing_ok=True)
        session.pop(SESSION_KEY, None)
        flash("Le fichier vérifié n'est plus disponible : déposez-le à nouveau.", "error")
        return redirect(url_for("imports.index"))
    except FileRefused as error:
        path.unlink(missing_ok=True)
        session.pop(SESSION_KEY, None)
        return _refused(platform, pending["filename"], error)
    if not report.ok:
        db.session.rollback()
        record_outcome(
            db.session,
            platform,
            report,
            actor=current_user,
            action="import.refused",
            filename=pending["filename"],
        )
        db.session.commit()
        return _report_page(report, pending["filename"])
    db.session.commit()
    path.unlink(missing_ok=True)
    session.pop(SESSION_KEY, None)
    flash(
        f"Import terminé : {count(report.pathways_created, 'parcours créé', 'parcours créés')}, "
        f"{count(report.persons_created, 'personne créée', 'personnes créées')}, "
        f"{count(report.persons_matched, 'reconnue', 'reconnues')}, "
        f"{count(report.pathways_already_imported, 'déjà importé', 'déjà importés')}.",
        "success",
    )
    return redirect(url_for("imports.index"))

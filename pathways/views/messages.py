"""« Suivi des envois »: the messages of the platform (to whom, what, when, sent or failed), and the capture.

The capture (``MAIL_BACKEND=capture``, development only) keeps each e-mail
as a file: the page lists them and shows one. A manager sees those of their
platform; the administrator sees them all — the capture never runs in
production, it holds the demo's fictional people.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from pathways.extensions import db
from pathways.messaging.mail import CAPTURED_NAME, CaptureBackend, mail_backend, read_captured
from pathways.security.access import refuse, roles_required
from pathways.services.messaging import MESSAGE_HEADER, message_log, message_platforms
from pathways.vocabulary import Role

blueprint = Blueprint("messages", __name__, url_prefix="/envois")

TITLE = "Suivi des envois"


def _capture() -> CaptureBackend | None:
    backend = mail_backend(current_app.config)
    return backend if isinstance(backend, CaptureBackend) else None


def _visible(platforms: dict[int, int | None], message_id: int | None) -> bool:
    if current_user.role is Role.ADMIN:
        return True
    return message_id is not None and platforms.get(message_id) == current_user.platform_id


@blueprint.get("/")
@roles_required(Role.MANAGER, Role.ADMIN)
def index() -> str:
    capture = _capture()
    captured = [read_captured(path, MESSAGE_HEADER) for path in capture.captured()[:200]] if capture else []
    platforms = message_platforms(db.session, [m.message_id for m in captured if m.message_id])
    captured = [m for m in captured if _visible(platforms, m.message_id)]
    log = message_log(db.session, current_user.platform_id) if current_user.role is Role.MANAGER else []
    return render_template(
        "messages/index.html",
        log=log,
        captured=captured,
        capture_on=capture is not None,
        backend=current_app.config.get("MAIL_BACKEND"),
        title=TITLE,
        breadcrumb=[("Accueil", url_for("main.home")), (TITLE, None)],
    )


@blueprint.get("/capture")
@roles_required(Role.MANAGER, Role.ADMIN)
def captured() -> str | Response:
    """One captured e-mail (``?fichier=NAME``): its headers, text and attachments' names."""
    capture = _capture()
    name = request.args.get("fichier")
    if capture is None or name is None:
        return redirect(url_for("messages.index"))
    if not CAPTURED_NAME.fullmatch(name) or not (capture.folder / name).is_file():
        refuse("captured_mail", None)
    mail = read_captured(capture.folder / name, MESSAGE_HEADER)
    if not _visible(
        message_platforms(db.session, [mail.message_id] if mail.message_id else []), mail.message_id
    ):
        refuse("captured_mail", mail.message_id)
    title = f"Courriel capturé : {mail.subject}"
    return render_template(
        "messages/captured.html",
        mail=mail,
        title=title,
        breadcrumb=[
            ("Accueil", url_for("main.home")),
            (TITLE, url_for("messages.index")),
            ("Courriel", None),
        ],
    )

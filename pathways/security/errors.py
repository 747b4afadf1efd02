"""Generic French error pages; 404s from the scoping helper leave their trace in the audit trail."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from pathways import audit
from pathways.extensions import db
from pathways.models import (
    Barrier,
    Checkpoint,
    Employer,
    Immersion,
    InfoSession,
    OrientationWeek,
    Pathway,
    Person,
    Platform,
    Prescriber,
    Referent,
    Territory,
    Training,
    TrainingOrganisation,
    User,
)
from pathways.security.ids import parse_id

logger = logging.getLogger("pathways.security")

PAGES: dict[int, tuple[str, str]] = {
    400: (
        "Requête invalide",
        "La demande n'a pas pu être traitée. Revenez à la page précédente et recommencez.",
    ),
    403: ("Accès refusé", "Vous n'avez pas accès à cette page."),
    404: (
        "Page introuvable",
        "La page demandée n'existe pas, ou vous n'y avez pas accès. "
        "Vérifiez l'adresse ou revenez à l'accueil.",
    ),
    405: ("Méthode non autorisée", "Cette page ne peut pas être appelée de cette façon."),
    413: (
        "Fichier trop volumineux",
        "Le fichier envoyé dépasse la taille autorisée (20 Mo). Réduisez-le et recommencez.",
    ),
    429: ("Trop de demandes", "Trop de demandes en peu de temps : patientez quelques minutes."),
    500: (
        "Erreur du serveur",
        "Une erreur inattendue est survenue ; elle a été enregistrée. Réessayez dans quelques instants.",
    ),
}
CSRF_MESSAGE = (
    "Le formulaire a expiré ou son jeton de sécurité est absent ou incorrect. "
    "Rechargez la page, puis envoyez de nouveau le formulaire."
)
# When even the layout cannot be rendered (database down): plain French HTML.
FALLBACK = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Erreur — Pathways</title></head>'
    "<body><h1>Erreur du serveur</h1><p>Une erreur inattendue est survenue. Réessayez dans quelques "
    "instants.</p></body></html>"
)


def render_error(code: int, message: str | None = None) -> tuple[str, int]:
    title, default = PAGES.get(code, PAGES[400] if code < 500 else PAGES[500])
    try:
        return render_template("errors/error.html", code=code, title=title, message=message or default), code
    except Exception:
        logger.exception("error page could not be rendered")
        return FALLBACK, code


# Objects whose platform is a column of their own; the others belong to a pathway.
OWN_PLATFORM = {
    "pathway": Pathway,
    "person": Person,
    "info_session": InfoSession,
    "orientation_week": OrientationWeek,
    "user": User,
    "territory": Territory,
    "employers": Employer,
    "training_organisations": TrainingOrganisation,
    "prescribers": Prescriber,
}
OF_PATHWAY = {
    "barrier": Barrier,
    "checkpoint": Checkpoint,
    "referent": Referent,
    "immersion": Immersion,
    "training": Training,
    "orientation_participant": Pathway,
}
# Requests browsers make on their own: a 404 there is no probe.
BROWSER_NOISE = (".ico", ".png", ".txt", ".map", ".webmanifest")


def probed_platform(object_type: str | None, object_id: int | None) -> int | None:
    """The platform the refused object belongs to, if it exists (so its manager sees the probe)."""
    if object_type is None or object_id is None or parse_id(object_id) is None:
        return None
    if object_type == "platform":
        return db.session.scalar(sa.select(Platform.id).where(Platform.id == object_id))
    model = OWN_PLATFORM.get(object_type)
    if model is not None:
        return db.session.scalar(sa.select(model.platform_id).where(model.id == object_id))
    model = OF_PATHWAY.get(object_type)
    if model is not None and model is not Pathway:
        return db.session.scalar(
            sa.select(Pathway.platform_id)
            .join(model, model.pathway_id == Pathway.id)
            .where(model.id == object_id)
        )
    return None


def write_refusals() -> None:
    """Write the refusals of this request to the trail, after undoing its other changes.

    A 404 nobody called ``refuse`` for (an unknown address, an id out of
    range, a bare ``abort(404)``) is a refusal too when someone is logged in.
    Each refusal is filed under the user's platform and, when the object
    exists on another platform, under that one as well: its manager sees the
    probe.
    """
    refusals = g.pop("refused_accesses", [])
    actor = current_user if current_user.is_authenticated else None
    if not refusals and actor is not None and not request.path.endswith(BROWSER_NOISE):
        refusals = [{"object_type": None, "object_id": None, "reason": "not_found", "path": request.path}]
    if not refusals:
        return
    db.session.rollback()
    db.session.info.pop(audit.PENDING_VIEWS, None)
    for refusal in refusals:
        details = {"reason": refusal["reason"], "path": refusal["path"][:300], "method": request.method}
        entry = audit.record(
            db.session,
            actor,
            "access.refused",
            object_type=refusal["object_type"],
            object_id=refusal["object_id"],
            details=details,
        )
        owner = probed_platform(refusal["object_type"], refusal["object_id"])
        if owner is not None and owner != entry.platform_id:
            audit.record(
                db.session,
                actor,
                "access.refused",
                object_type=refusal["object_type"],
                object_id=refusal["object_id"],
                platform_id=owner,
                details={**details, "probed_from_platform": entry.platform_id},
            )
    db.session.commit()


def handle_http_error(error: HTTPException) -> tuple[str, int] | tuple[str, int, dict[str, str]]:
    code = error.code or 500
    if code == 404:
        write_refusals()
    body, status = render_error(code)
    if code == 405:
        # Keep the Allow header the client needs.
        allow = dict(error.get_headers()).get("Allow")
        if allow:
            return body, status, {"Allow": allow}
    return body, status


def handle_csrf_error(error: CSRFError) -> tuple[str, int]:
    db.session.rollback()
    if current_user.is_authenticated:
        audit.record(
            db.session,
            current_user,
            "access.refused",
            details={"reason": "csrf", "path": request.path, "method": request.method},
        )
        db.session.commit()
    return render_error(400, CSRF_MESSAGE)


def handle_server_error(error: InternalServerError) -> tuple[str, int]:
    # Flask has logged the exception; nothing half-done must be committed later.
    try:
        db.session.rollback()
    except Exception:
        logger.exception("rollback failed")
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    for code in PAGES:
        if code != 500:
            app.register_error_handler(code, handle_http_error)

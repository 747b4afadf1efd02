"""The platform's reference lists, kept by the manager: employers, training organisations, prescribers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from pathways.extensions import db
from pathways.forms.base import perform
from pathways.forms.reference import REFERENCE_FORMS
from pathways.security.access import get_platform_row_or_404, refuse, roles_required
from pathways.services.enrolment import REFERENCE_MODELS, save_reference
from pathways.vocabulary import EmployerType, PrescriberType, Role

blueprint = Blueprint("reference_lists", __name__, url_prefix="/referentiels")

TITLE = "Listes de référence"
# URL segment -> (kind, title, singular)
LISTS: dict[str, tuple[str, str, str]] = {
    "employeurs": ("employer", "Employeurs", "un employeur"),
    "organismes-de-formation": ("organisation", "Organismes de formation", "un organisme de formation"),
    "prescripteurs": ("prescriber", "Prescripteurs", "un prescripteur"),
}


def _list(segment: str) -> tuple[str, str, str]:
    if segment not in LISTS:
        refuse("reference_list", reason="unknown")
    return LISTS[segment]


def _crumbs(*more: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [("Accueil", url_for("main.home")), (TITLE, url_for("reference_lists.index")), *more]


@blueprint.get("/")
@roles_required(Role.MANAGER)
def index() -> str:
    tables = []
    for segment, (kind, title, singular) in LISTS.items():
        model = REFERENCE_MODELS[kind]
        columns = [model.id, model.name]
        if kind == "employer":
            columns += [model.employer_type, model.siret, model.city]
        elif kind == "organisation":
            columns += [model.city]
        else:
            columns += [model.prescriber_type]
        rows = db.session.execute(
            sa.select(*columns).where(model.platform_id == current_user.platform_id).order_by(model.name)
        ).all()
        tables.append({"segment": segment, "kind": kind, "title": title, "singular": singular, "rows": rows})
    return render_template(
        "reference/index.html",
        tables=tables,
        employer_types={t.value: t.label for t in EmployerType},
        prescriber_types={t.value: t.label for t in PrescriberType},
        breadcrumb=[("Accueil", url_for("main.home")), (TITLE, None)],
    )


def _edit(segment: str, entry_id: int | None) -> tuple[str, int] | Response:
    kind, title, singular = _list(segment)
    existing = None
    if entry_id is not None:
        existing = get_platform_row_or_404(db.session, current_user, REFERENCE_MODELS[kind], entry_id)
    form = REFERENCE_FORMS[kind](obj=existing)
    if form.validate_on_submit():
        values = {
            name: f.data
            for name, f in form._fields.items()
            if name not in ("csrf_token", "name", "submission", "version")
        }
        outcome = perform(
            form,
            lambda: save_reference(
                db.session,
                kind,
                current_user.platform_id,
                actor=current_user,
                name=form.name.data or "",
                existing=existing,
                **values,
            ),
            editing=existing,
        )
        if outcome.ok:
            flash(f"{title} : « {outcome.value.name} » enregistré.", "success")
            return redirect(url_for("reference_lists.index", _anchor=segment))
    page_title = f"Modifier {singular}" if existing else f"Ajouter {singular}"
    return (
        render_template(
            "sessions/form.html",
            form=form,
            title=page_title,
            submit="Enregistrer",
            cancel=url_for("reference_lists.index"),
            breadcrumb=_crumbs((page_title, None)),
        ),
        422 if request.method == "POST" else 200,
    )


@blueprint.route("/<segment>/nouveau", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def new(segment: str) -> tuple[str, int] | Response:
    return _edit(segment, None)


@blueprint.route("/<segment>/<int:entry_id>", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def edit(segment: str, entry_id: int) -> tuple[str, int] | Response:
    return _edit(segment, entry_id)

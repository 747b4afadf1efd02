"""The conseiller's home: the caseload, what needs attention first (the manager sees the platform's)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from pathways.extensions import db
from pathways.forms.pathway import adviser_choices
from pathways.models import Territory
from pathways.security.access import pathway_scope, roles_required
from pathways.security.ids import parse_id
from pathways.services.caseload import Alert, CaseloadFilters, alert_counts, caseload
from pathways.states import State
from pathways.vocabulary import Role

blueprint = Blueprint("caseload", __name__, url_prefix="/portefeuille")


def _enum_arg(enum: type, name: str) -> object:
    try:
        return enum(request.args.get(name, "")) if request.args.get(name) else None
    except ValueError:
        return None


def _int_arg(name: str) -> int | None:
    return parse_id(request.args.get(name, ""))


@blueprint.get("/")
@roles_required(Role.ADVISER, Role.MANAGER)
def index() -> str:
    session = db.session
    filters = CaseloadFilters(
        state=_enum_arg(State, "etat"),  # type: ignore[arg-type]
        territory_id=_int_arg("territoire"),
        alert=_enum_arg(Alert, "alerte"),  # type: ignore[arg-type]
        search=request.args.get("q", "")[:100],
        adviser_id=_int_arg("conseiller") if current_user.role is Role.MANAGER else None,
        include_finished=request.args.get("termines") == "1",
        page=_int_arg("page") or 1,
    )
    scope = pathway_scope(current_user)
    result = caseload(session, scope, filters)
    territories = session.execute(
        sa.select(Territory.id, Territory.name)
        .where(Territory.platform_id == current_user.platform_id)
        .order_by(Territory.name)
    ).all()
    is_manager = current_user.role is Role.MANAGER
    title = "Parcours de la plateforme" if is_manager else "Mon portefeuille"
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "caseload/index.html",
        title=title,
        result=result,
        filters=filters,
        counts=alert_counts(session, scope),
        states=list(State),
        alerts=list(Alert),
        territories=territories,
        advisers=adviser_choices(session, current_user.platform_id) if is_manager else [],
        page_url=lambda page: url_for("caseload.index", page=page, **args),
        breadcrumb=[("Accueil", url_for("main.home")), (title, None)],
    )

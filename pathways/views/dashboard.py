"""The manager's dashboard and caseload reassignment."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectField
from wtforms.validators import Optional

from pathways import clock
from pathways.extensions import db
from pathways.forms.base import optional_int, options, perform
from pathways.forms.pathway import ReassignForm, adviser_choices
from pathways.security.access import get_platform_user_or_404, pathway_scope, roles_required
from pathways.services.caseload import Alert, alert_counts, reassign_caseload
from pathways.services.dashboard import OUTCOMES, adviser_loads, cohorts, funnel
from pathways.vocabulary import Role

blueprint = Blueprint("dashboard", __name__, url_prefix="/tableau-de-bord")

TITLE = "Tableau de bord de la plateforme"


class CaseloadReassignForm(ReassignForm):
    from_adviser_id = SelectField(
        "Portefeuille de", coerce=optional_int, validate_choice=False, validators=[Optional()]
    )


@blueprint.get("/")
@roles_required(Role.MANAGER)
def index() -> str:
    session = db.session
    platform_id = current_user.platform_id
    year = clock.today().year
    # Persons entered since the start, and those entered this year: each narrows.
    steps = funnel(session, [platform_id], [(None, None), (date(year, 1, 1), date(year, 12, 31))])
    cohort_rows = cohorts(session, [platform_id])
    counts = alert_counts(session, pathway_scope(current_user))
    charts = {
        "funnel": {
            "labels": [s.label for s in steps],
            "horizontal": True,
            "datasets": [
                {"label": "Entrées depuis le début", "data": [s.counts[0] for s in steps]},
                {"label": f"Entrées en {year}", "data": [s.counts[1] for s in steps]},
            ],
        },
        "cohorts": {
            "labels": [c.label for c in cohort_rows],
            "stacked": True,
            "datasets": [
                {"label": label, "data": [c.outcomes.get(key, 0) for c in cohort_rows]}
                for key, label in OUTCOMES
            ],
        },
    }
    return render_template(
        "dashboard/index.html",
        year=year,
        steps=steps,
        cohorts=cohort_rows,
        outcomes=OUTCOMES,
        loads=adviser_loads(session, platform_id),
        counts=counts,
        alerts=list(Alert),
        charts=charts,
        breadcrumb=[("Accueil", url_for("main.home")), (TITLE, None)],
    )


@blueprint.route("/reaffecter", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def reassign() -> tuple[str, int] | Response:
    """Hand a whole caseload to another conseiller (absence, departure)."""
    form = CaseloadReassignForm()
    choices = adviser_choices(db.session, current_user.platform_id)
    form.adviser_id.choices = options(choices)
    form.from_adviser_id.choices = options(choices)
    if request.method == "GET" and request.args.get("conseiller", "").isdigit():
        form.from_adviser_id.data = int(request.args["conseiller"])
    if form.validate_on_submit():
        if form.from_adviser_id.data is None:
            form.from_adviser_id.errors = ["Choisissez le portefeuille à réaffecter."]
        elif form.adviser_id.data is None:
            form.adviser_id.errors = ["Choisissez un conseiller ou une conseillère."]
        else:
            source = get_platform_user_or_404(db.session, current_user, form.from_adviser_id.data)
            target = get_platform_user_or_404(db.session, current_user, form.adviser_id.data)
            outcome = perform(
                form,
                lambda: reassign_caseload(
                    db.session, source, target, actor=current_user, on=form.on.data, note=form.note.data
                ),
            )
            if outcome.ok:
                flash(
                    f"{outcome.value} parcours de {source.display_name} confiés à {target.display_name}.",
                    "success",
                )
                return redirect(url_for("dashboard.index", _anchor="portefeuilles"))
    # The target first would read oddly: show the source first.
    form._fields.move_to_end("adviser_id")
    form._fields.move_to_end("on")
    form._fields.move_to_end("note")
    return (
        render_template(
            "sessions/form.html",
            form=form,
            title="Réaffecter un portefeuille",
            submit="Réaffecter tous ses parcours en cours",
            intro=(
                "Chaque parcours en cours change de conseiller ; "
                "l'historique de qui a suivi qui est conservé."
            ),
            cancel=url_for("dashboard.index"),
            breadcrumb=[
                ("Accueil", url_for("main.home")),
                (TITLE, url_for("dashboard.index")),
                ("Réaffecter un portefeuille", None),
            ],
        ),
        422 if request.method == "POST" else 200,
    )

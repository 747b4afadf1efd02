"""The manager's dashboard and caseload reassignment."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectField
from wtforms.validators import DataRequired

from pathways import clock
from pathways.extensions import db
from pathways.forms.base import optional_int, options, perform
from pathways.forms.confirm import confirmed
from pathways.forms.pathway import ReassignForm, adviser_choices
from pathways.paging import page_argument
from pathways.security.access import get_platform_user_or_404, pathway_scope, roles_required
from pathways.security.ids import parse_id
from pathways.services.attendance import recent_attendance
from pathways.services.caseload import Alert, alert_counts, reassign_caseload
from pathways.services.dashboard import (
    OUTCOMES,
    adviser_loads,
    adviser_loads_page,
    cohorts_as_they_stand,
    funnel_as_it_stands,
)
from pathways.vocabulary import Role
from pathways.wording import count, de

blueprint = Blueprint("dashboard", __name__, url_prefix="/tableau-de-bord")

TITLE = "Tableau de bord de la plateforme"


REASSIGN_TITLE = "Réaffecter un portefeuille"


class CaseloadReassignForm(ReassignForm):
    from_adviser_id = SelectField(
        "Portefeuille de",
        coerce=optional_int,
        validate_choice=False,
        validators=[DataRequired(message="Choisissez le portefeuille à réaffecter.")],
    )


@blueprint.get("/")
@roles_required(Role.MANAGER)
def index() -> str:
    session = db.session
    platform_id = current_user.platform_id
    year = clock.today().year
    # Persons entered since the start, and those entered this year: each narrows.
    steps = funnel_as_it_stands(session, platform_id)
    cohort_rows = cohorts_as_they_stand(session, platform_id)
    counts = alert_counts(session, pathway_scope(current_user), platform_id=platform_id)
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
        loads=adviser_loads_page(session, platform_id, page=page_argument(request.args.get("page"))),
        loads_url=lambda page: url_for("dashboard.index", page=page, _anchor="portefeuilles"),
        counts=counts,
        alerts=list(Alert),
        charts=charts,
        attendance=recent_attendance(session, platform_id, clock.today()),
        breadcrumb=[("Accueil", url_for("main.home")), (TITLE, None)],
    )


@blueprint.route("/reaffecter", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def reassign() -> tuple[str, int] | Response:
    """Hand a whole caseload to another conseiller (absence, departure), after confirmation."""
    form = CaseloadReassignForm()
    form.adviser_id.choices = options(adviser_choices(db.session, current_user.platform_id))
    # Every caseload, a departed (deactivated) conseiller's included, with its size.
    form.from_adviser_id.choices = options(
        (load.user_id, f"{load.name} ({count(load.in_progress, 'parcours en cours', 'parcours en cours')})")
        for load in adviser_loads(db.session, current_user.platform_id)
    )
    if request.method == "GET" and parse_id(request.args.get("conseiller")) is not None:
        form.from_adviser_id.data = parse_id(request.args.get("conseiller"))
    if form.validate_on_submit():
        if form.adviser_id.data is None:
            form.adviser_id.errors = ["Choisissez qui reprend le portefeuille."]
        else:
            # Loaded first: an id outside the platform answers 404, confirmed or not.
            source = get_platform_user_or_404(
                db.session, current_user, form.from_adviser_id.data, active=False
            )
            target = get_platform_user_or_404(db.session, current_user, form.adviser_id.data)
            if confirmed(form):
                outcome = perform(
                    form,
                    lambda: reassign_caseload(
                        db.session, source, target, actor=current_user, on=form.on.data, note=form.note.data
                    ),
                )
                if outcome.ok:
                    moved = count(outcome.value, "parcours", "parcours")
                    given = "confié" if outcome.value < 2 else "confiés"
                    flash(f"{moved} {de(source.display_name)} {given} à {target.display_name}.", "success")
                    return redirect(url_for("dashboard.index", _anchor="portefeuilles"))
    return (
        render_template(
            "dashboard/reassign.html",
            form=form,
            title=REASSIGN_TITLE,
            breadcrumb=[
                ("Accueil", url_for("main.home")),
                (TITLE, url_for("dashboard.index")),
                (REASSIGN_TITLE, None),
            ],
        ),
        422 if request.method == "POST" else 200,
    )

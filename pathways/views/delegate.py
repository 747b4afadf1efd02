"""The délégué's workspace: sessions and weeks to come, the persons of their territories."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from pathways import clock
from pathways.extensions import db
from pathways.forms.base import perform
from pathways.forms.sessions import PersonForm
from pathways.models import InfoSession, OrientationWeek, Person
from pathways.security.access import pathway_scope, roles_required
from pathways.services.attendance import recent_attendance
from pathways.services.caseload import caseload, state_counts
from pathways.services.pathway import open_pathway
from pathways.services.person import PossibleDuplicate, create_person
from pathways.services.workspace import current_and_upcoming_weeks, session_visibility, upcoming_info_sessions
from pathways.states import State
from pathways.views.caseload import filters_from, list_links
from pathways.vocabulary import Role

blueprint = Blueprint("delegate", __name__, url_prefix="/delegue")

PERSONS_TITLE = "Personnes du territoire"


@blueprint.get("/")
@roles_required(Role.DELEGATE)
def home() -> str:
    session = db.session
    territory_ids = [t.id for t in current_user.territories]
    today = clock.today()
    scope = pathway_scope(current_user)
    by_state = state_counts(session, scope, (State.REFERRED, State.INFO_SESSION, State.ORIENTATION))
    attendance = recent_attendance(
        session,
        current_user.platform_id,
        today,
        visibility_sessions=session_visibility(InfoSession, territory_ids, current_user.id),
        visibility_weeks=session_visibility(OrientationWeek, territory_ids, current_user.id),
    )
    return render_template(
        "delegate/home.html",
        attendance=attendance,
        info_sessions=upcoming_info_sessions(
            session,
            current_user.platform_id,
            session_visibility(InfoSession, territory_ids, current_user.id),
            today,
        ),
        weeks=current_and_upcoming_weeks(
            session,
            current_user.platform_id,
            session_visibility(OrientationWeek, territory_ids, current_user.id),
            today,
        ),
        by_state=by_state,
        territories=current_user.territories,
        breadcrumb=[("Accueil", url_for("main.home")), ("Mon espace délégué·e", None)],
    )


@blueprint.get("/personnes")
@roles_required(Role.DELEGATE)
def persons() -> str:
    filters = filters_from(request.args, adviser_filter=False)
    result = caseload(db.session, pathway_scope(current_user), filters)
    page_url, sorting = list_links("delegate.persons", filters)
    return render_template(
        "delegate/persons.html",
        result=result,
        filters=filters,
        states=list(State),
        page_url=page_url,
        sorting=sorting,
        breadcrumb=[("Accueil", url_for("main.home")), (PERSONS_TITLE, None)],
    )


@blueprint.route("/personnes/nouvelle", methods=["GET", "POST"])
@roles_required(Role.DELEGATE)
def new_person() -> tuple[str, int] | Response:
    """A person repérée: created (duplicates checked) with a pathway opened on the délégué's territory."""
    form = PersonForm()
    duplicates: list[Person] = []
    if form.validate_on_submit():
        fields = form.person_fields()
        territory_id = next((t.id for t in current_user.territories), None)

        def create() -> object:
            person = create_person(
                db.session,
                current_user.platform_id,
                last_name=form.last_name.data,
                first_name=form.first_name.data,
                birth_date=form.birth_date.data,
                actor=current_user,
                allow_duplicate=bool(form.confirm_new.data),
                **fields,
            )
            return open_pathway(
                db.session,
                person,
                referred_on=clock.today(),
                actor=current_user,
                territory_id=territory_id,
                prescriber_type=form.prescriber(),
                delegate=current_user,
            )

        outcome = perform(form, create)
        if isinstance(outcome.refusal, PossibleDuplicate):
            duplicates = outcome.refusal.persons
        if outcome.ok:
            flash("Personne enregistrée : son parcours est ouvert.", "success")
            return redirect(url_for("pathway_file.show", pathway_id=outcome.value.id))
    return (
        render_template(
            "delegate/new_person.html",
            form=form,
            duplicates=duplicates,
            breadcrumb=[
                ("Accueil", url_for("main.home")),
                (PERSONS_TITLE, url_for("delegate.persons")),
                ("Nouvelle personne", None),
            ],
        ),
        422 if request.method == "POST" else 200,
    )

"""The pathway file (dossier du parcours): what is known, what happened, what can be done now.

Every write is a form on its own page: GET shows it, POST validates the
typing, calls one service and commits; a refusal re-renders the form with
the service's French messages and what was typed (status 422).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from pathways.extensions import db
from pathways.forms.base import Form as PlainActionForm
from pathways.forms.base import options, perform
from pathways.forms.confirm import confirmed
from pathways.forms.pathway import (
    MOVE_FORMS,
    BarrierForm,
    BarrierStatusForm,
    CheckpointForm,
    DatedStepForm,
    ExchangeForm,
    ImmersionAssessmentForm,
    NextStepForm,
    NoteForm,
    PersonForm,
    ReassignForm,
    ReferentForm,
    TrainingInEmploymentForm,
    TrainingResultForm,
    fill_choices,
    job_choices,
)
from pathways.forms.sessions import DiagnosticForm
from pathways.models import (
    Barrier,
    Checkpoint,
    Exchange,
    Pathway,
    PlannedStep,
    Referent,
)
from pathways.security import access
from pathways.security.access import (
    can_edit_person,
    can_see_health_details,
    get_barrier_or_404,
    get_checkpoint_or_404,
    get_pathway_or_404,
    get_planned_step_or_404,
    get_platform_user_or_404,
    roles_required,
)
from pathways.security.ids import parse_id
from pathways.services import barrier as barrier_service
from pathways.services import coaccompaniment
from pathways.services import pathway as pathway_service
from pathways.services.agenda import set_next_step_done
from pathways.services.enrolment import record_immersion_assessment, record_training_result
from pathways.services.pathway_file import pathway_file
from pathways.services.person import PossibleDuplicate, update_person
from pathways.states import Trigger
from pathways.states.guards import request_from_json
from pathways.vocabulary import DiagnosticKind, PrescriberType, Role

blueprint = Blueprint("pathway_file", __name__, url_prefix="/parcours")

WORKERS = (Role.ADVISER, Role.DELEGATE, Role.MANAGER)


def file_breadcrumb(pathway: Pathway, *more: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    crumbs: list[tuple[str, str | None]] = [("Accueil", url_for("main.home"))]
    if current_user.role is Role.ADVISER:
        crumbs.append(("Mon portefeuille", url_for("caseload.index")))
    elif current_user.role is Role.DELEGATE:
        crumbs.append(("Personnes du territoire", url_for("delegate.persons")))
    elif current_user.role is Role.MANAGER:
        crumbs.append(("Parcours de la plateforme", url_for("caseload.index")))
    crumbs.append((pathway.person.full_name, url_for("pathway_file.show", pathway_id=pathway.id)))
    crumbs.extend(more)
    return crumbs


def render_form(
    pathway: Pathway,
    form: Any,
    *,
    title: str,
    submit: str,
    intro: str | None = None,
    status: int | None = None,
    template: str = "pathway/form.html",
    **context: Any,
) -> tuple[str, int]:
    """The file's form page; a form sent back (a POST that did not go through) answers 422."""
    if status is None:
        status = 422 if request.method == "POST" else 200
    return (
        render_template(
            template,
            pathway=pathway,
            form=form,
            title=title,
            submit=submit,
            intro=intro,
            breadcrumb=file_breadcrumb(pathway, (title, None)),
            **context,
        ),
        status,
    )


def back_to_file(pathway: Pathway, anchor: str, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("pathway_file.show", pathway_id=pathway.id, _anchor=anchor))


def _load(pathway_id: int) -> Pathway:
    pathway = get_pathway_or_404(db.session, current_user, pathway_id)
    if pathway.person.is_anonymised and request.endpoint != "pathway_file.show":
        # Nothing is written any more on an anonymised person's pathways: no text comes back.
        access.refuse("pathway", pathway_id, reason="anonymised")
    return pathway


# --- the file -------------------------------------------------------------------------------


@blueprint.get("/<int:pathway_id>")
@roles_required(*WORKERS)
def show(pathway_id: int) -> str:
    session = db.session
    pathway = _load(pathway_id)
    if pathway.person.is_anonymised:
        access.audit_view(session, current_user, pathway)
        return render_template(
            "pathway/anonymised.html",
            pathway=pathway,
            events=pathway.events,
            breadcrumb=[("Accueil", url_for("main.home")), (pathway.person.full_name, None)],
        )
    health_visible = can_see_health_details(current_user, pathway)
    context = {
        "file": pathway_file(session, pathway, health_visible=health_visible),
        "pathway": pathway,
        "person": pathway.person,
        "health_visible": health_visible,
        "can_edit_person": can_edit_person(current_user, pathway),
        "can_write_diagnostic": current_user.role in pathway_service.DIAGNOSTIC_AUTHORS
        and not pathway.state.is_terminal,
        "can_reassign": current_user.role in (Role.MANAGER, Role.DELEGATE) and not pathway.state.is_terminal,
        "action_form": PlainActionForm(formdata=None),
    }
    access.audit_view(session, current_user, pathway)  # committed by the request's end
    crumbs = file_breadcrumb(pathway)
    crumbs[-1] = (crumbs[-1][0], None)
    return render_template("pathway/show.html", breadcrumb=crumbs, **context)


# --- moves ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Confirmation:
    label: str
    title: str
    text: str


# Moves that end the pathway for good: asked twice.
IRREVERSIBLE: dict[Trigger, Confirmation] = {
    Trigger.EXIT: Confirmation(
        "Confirmer la sortie",
        "Sortir définitivement du parcours ?",
        "La sortie est définitive : le parcours ne pourra plus changer d'étape, et les étapes prévues "
        "seront annulées. Si la personne revient plus tard, un nouveau parcours sera ouvert.",
    ),
    Trigger.COMPLETE: Confirmation(
        "Confirmer la clôture",
        "Clore le parcours ?",
        "Le suivi dans l'emploi est terminé : le parcours ne pourra plus changer d'étape.",
    ),
}


def _step_done_message(pathway: Any, outcome_value: object) -> str:
    if isinstance(outcome_value, PlannedStep):
        return (
            f"Étape prévue le {outcome_value.planned_on:%d/%m/%Y} : elle sera à confirmer ce jour-là, "
            "quand elle aura eu lieu."
        )
    return f"Étape enregistrée : {pathway.state.label}."


@blueprint.route("/<int:pathway_id>/etapes/<trigger>", methods=["GET", "POST"])
@roles_required(*WORKERS)
def move(pathway_id: int, trigger: str) -> tuple[str, int] | Response:
    pathway = _load(pathway_id)
    try:
        chosen = Trigger(trigger)
    except ValueError:
        access.refuse("trigger", reason="unknown")
    options = {o.trigger: o for o in pathway_service.available_moves(db.session, pathway)}
    option = options.get(chosen)
    if option is None:
        access.refuse("trigger", reason="not_available")
    form = MOVE_FORMS[chosen]()
    fill_choices(form, db.session, pathway.platform_id)
    title = chosen.label
    context = {"option": option, "template": "pathway/move.html", "dated": isinstance(form, DatedStepForm)}
    if not option.allowed:
        # Shown, not hidden: someone may have followed an old link.
        form.form_errors.extend(option.refusals)
        return render_form(pathway, form, title=title, submit="Enregistrer", status=422, **context)
    confirm = IRREVERSIBLE.get(chosen)
    if confirm is not None:
        context["confirm"] = confirm
    if form.validate_on_submit() and (confirm is None or confirmed(form)):
        outcome = perform(
            form,
            lambda: pathway_service.record_step(db.session, pathway, form.move_request(chosen), current_user),
        )
        if outcome.ok:
            return back_to_file(pathway, "historique", _step_done_message(pathway, outcome.value))
    return render_form(pathway, form, title=title, submit="Enregistrer", **context)


# --- planned steps --------------------------------------------------------------------------


@blueprint.post("/<int:pathway_id>/etapes-prevues/<int:planned_id>/confirmer")
@roles_required(*WORKERS)
def confirm_planned(pathway_id: int, planned_id: int) -> Response:
    planned = get_planned_step_or_404(db.session, current_user, pathway_id, planned_id)
    pathway = _load(pathway_id)
    form = PlainActionForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = perform(form, lambda: pathway_service.confirm_planned_step(db.session, planned, current_user))
    if outcome.ok:
        return back_to_file(pathway, "historique", f"Étape confirmée : {pathway.state.label}.")
    for message in form.form_errors:
        flash(message, "error")
    return redirect(url_for("pathway_file.show", pathway_id=pathway.id, _anchor="etapes-prevues"))


@blueprint.post("/<int:pathway_id>/etapes-prevues/<int:planned_id>/annuler")
@roles_required(*WORKERS)
def cancel_planned(pathway_id: int, planned_id: int) -> Response:
    planned = get_planned_step_or_404(db.session, current_user, pathway_id, planned_id)
    pathway = _load(pathway_id)
    form = PlainActionForm()
    if not form.validate_on_submit():
        abort(400)
    outcome = perform(form, lambda: pathway_service.cancel_planned_step(db.session, planned, current_user))
    if outcome.ok:
        return back_to_file(
            pathway, "etapes-prevues", "Étape prévue annulée (elle reste visible au dossier)."
        )
    for message in form.form_errors:
        flash(message, "error")
    return redirect(url_for("pathway_file.show", pathway_id=pathway.id, _anchor="etapes-prevues"))


@blueprint.route("/<int:pathway_id>/etapes-prevues/<int:planned_id>/modifier", methods=["GET", "POST"])
@roles_required(*WORKERS)
def replan(pathway_id: int, planned_id: int) -> tuple[str, int] | Response:
    planned = get_planned_step_or_404(db.session, current_user, pathway_id, planned_id)
    pathway = _load(pathway_id)
    form = MOVE_FORMS[planned.trigger]()
    fill_choices(form, db.session, pathway.platform_id)
    if request.method == "GET":
        form.fill_from(request_from_json(planned.request))
    if form.validate_on_submit():
        outcome = perform(
            form,
            lambda: pathway_service.replan_step(
                db.session, planned, form.move_request(planned.trigger), current_user
            ),
        )
        if outcome.ok:
            return back_to_file(pathway, "etapes-prevues", _step_done_message(pathway, outcome.value))
    return render_form(
        pathway,
        form,
        title=f"Modifier l'étape prévue : {planned.trigger.label.lower()}",
        submit="Enregistrer",
        intro=(
            f"Prévue le {planned.planned_on:%d/%m/%Y}. Un premier jour déjà passé enregistre l'étape "
            "elle-même, datée de ce jour."
        ),
    )


# --- the person -----------------------------------------------------------------------------


PERSON_INTRO = (
    "Chaque correction est inscrite au journal d'audit (valeur avant, valeur après). "
    "Les cases cochées décrivent la situation de la personne à ce jour."
)


@blueprint.route("/<int:pathway_id>/personne", methods=["GET", "POST"])
@roles_required(*WORKERS)
def edit_person(pathway_id: int) -> tuple[str, int] | Response:
    pathway = _load(pathway_id)
    if not can_edit_person(current_user, pathway):
        access.refuse("person", pathway.person_id, reason="role")
    person = pathway.person
    form = PersonForm(obj=person) if request.method == "GET" else PersonForm()
    if request.method == "GET":
        form.sex.data = person.sex.value if person.sex else None
        form.diploma_level.data = person.diploma_level.value if person.diploma_level else None
        form.prescriber_type.data = pathway.prescriber_type.value if pathway.prescriber_type else None
    duplicates: list[Any] = []
    if form.validate_on_submit():

        def correct() -> None:
            update_person(
                db.session,
                person,
                actor=current_user,
                allow_duplicate=bool(form.confirm_not_duplicate.data),
                **form.person_values(),
            )
            prescriber = form.prescriber_type.data
            pathway_service.set_prescriber(
                db.session,
                pathway,
                PrescriberType(prescriber) if prescriber in PrescriberType._value2member_map_ else None,
                actor=current_user,
            )

        outcome = perform(form, correct)
        if outcome.ok:
            return back_to_file(pathway, "identite", "Identité et situation mises à jour.")
        if isinstance(outcome.refusal, PossibleDuplicate):
            duplicates = outcome.refusal.persons
    return render_form(
        pathway,
        form,
        title="Corriger l'identité et la situation",
        submit="Enregistrer les corrections",
        intro=PERSON_INTRO,
        template="pathway/person.html",
        duplicates=duplicates,
    )


# --- diagnostic at an individual interview ----------------------------------------------------


@blueprint.route("/<int:pathway_id>/diagnostic", methods=["GET", "POST"])
@roles_required(*pathway_service.DIAGNOSTIC_AUTHORS)
def diagnostic(pathway_id: int) -> tuple[str, int] | Response:
    pathway = _load(pathway_id)
    form = DiagnosticForm()
    form.target_job_code.choices = options(job_choices(db.session))
    if form.validate_on_submit():
        outcome = perform(
            form,
            lambda: pathway_service.record_diagnostic(
                db.session,
                pathway,
                kind=DiagnosticKind.INTERVIEW,
                actor=current_user,
                **form.diagnostic_values(),
            ),
        )
        if outcome.ok:
            return back_to_file(pathway, "diagnostic", "Diagnostic enregistré.")
    return render_form(
        pathway,
        form,
        title="Diagnostic d'un entretien individuel",
        submit="Enregistrer le diagnostic",
        intro=(
            "Pour un parcours sans semaine du pôle orientation (guichet unique, entretien après une "
            "information collective…). Le dernier diagnostic dit si le projet est validé."
        ),
        template="pathway/diagnostic.html",
    )


# --- freins ---------------------------------------------------------------------------------


@blueprint.route("/<int:pathway_id>/freins/nouveau", methods=["GET", "POST"])
@roles_required(*WORKERS)
def add_barrier(pathway_id: int) -> tuple[str, int] | Response:
    pathway = _load(pathway_id)
    form = BarrierForm()
    if form.validate_on_submit():
        outcome = perform(
            form,
            lambda: barrier_service.identify_barrier(
                db.session,
                pathway,
                category=form.category.data or "",
                identified_on=form.identified_on.data,
                details=form.details.data,
                partner=form.partner.data,
                actor=current_user,
            ),
        )
        if outcome.ok:
            return back_to_file(pathway, "freins", "Frein enregistré.")
    return render_form(
        pathway,
        form,
        title="Signaler un frein périphérique",
        submit="Enregistrer le frein",
        intro="Pour un frein de santé, indiquez la catégorie et le statut seulement : jamais de diagnostic.",
    )


@blueprint.route("/<int:pathway_id>/freins/<int:barrier_id>/statut", methods=["GET", "POST"])
@roles_required(*WORKERS)
def barrier_status(pathway_id: int, barrier_id: int) -> tuple[str, int] | Response:
    barrier: Barrier = get_barrier_or_404(db.session, current_user, pathway_id, barrier_id)
    pathway = _load(pathway_id)
    form = BarrierStatusForm()
    form.track(barrier)
    if form.validate_on_submit():
        outcome = perform(
            form,
            lambda: barrier_service.change_barrier_status(
                db.session,
                barrier,
                status=form.status.data or "",
                changed_on=form.changed_on.data,
                action_taken=form.action_taken.data,
                partner=form.partner.data,
                actor=current_user,
            ),
            editing=barrier,
        )
        if outcome.ok:
            return back_to_file(pathway, "freins", "Statut du frein mis à jour.")
    return render_form(
        pathway,
        form,
        title=f"Frein « {barrier.category.label} » : changer le statut",
        submit="Enregistrer le statut",
        intro=f"Statut actuel : {barrier.status.label}.",
    )


# --- co-accompaniment -----------------------------------------------------------------------


@blueprint.route("/<int:pathway_id>/referents/nouveau", methods=["GET", "POST"])
@roles_required(*WORKERS)
def add_referent(pathway_id: int) -> tuple[str, int] | Response:
    pathway = _load(pathway_id)
    form = ReferentForm()
    if form.validate_on_submit():
        outcome = perform(
            form,
            lambda: coaccompaniment.add_referent(
                db.session,
                pathway,
                organisation_type=form.organisation_type.data or "",
                organisation_name=form.organisation_name.data,
                name=form.name.data or "",
                email=form.email.data,
                phone=form.phone.data,
                actor=current_user,
            ),
        )
        if outcome.ok:
            return back_to_file(pathway, "co-accompagnement", "Référent·e ajouté·e.")
    return render_form(
        pathway,
        form,
        title="Ajouter un·e référent·e partenaire",
        submit="Ajouter",
    )


@blueprint.route("/<int:pathway_id>/echanges/nouveau", methods=["GET", "POST"])
@roles_required(*WORKERS)
def add_exchange(pathway_id: int) -> tuple[str, int] | Response:
    pathway = _load(pathway_id)
    referents = db.session.scalars(sa.select(Referent).filter_by(pathway_id=pathway.id)).all()
    form = ExchangeForm()
    form.referent_id.choices = options(
        ((r.id, f"{r.name} ({r.organisation_type.label})") for r in referents),
    )
    if form.validate_on_submit():
        referent = next((r for r in referents if r.id == form.referent_id.data), None)
        outcome = perform(
            form,
            lambda: coaccompaniment.record_exchange(
                db.session,
                pathway,
                occurred_on=form.occurred_on.data,
                mode=form.mode.data or "",
                participants=form.participants.data or "",
                summary=form.summary.data or "",
                next_step=form.next_step.data,
                next_step_on=form.next_step_on.data,
                referent=referent,
                actor=current_user,
            ),
        )
        if outcome.ok:
            return back_to_file(pathway, "co-accompagnement", "Échange enregistré.")
    return render_form(
        pathway,
        form,
        title="Enregistrer un échange tripartite",
        submit="Enregistrer l'échange",
    )


@blueprint.post("/<int:pathway_id>/echanges/prochaine-etape")
@roles_required(*WORKERS)
def next_step_done(pathway_id: int) -> Response:
    """Tick (or untick) the next step of one of the pathway's exchanges."""
    pathway = _load(pathway_id)
    form = NextStepForm()
    if not form.validate_on_submit():
        abort(400)
    exchange = db.session.scalar(
        sa.select(Exchange).where(
            Exchange.id == parse_id(form.exchange.data), Exchange.pathway_id == pathway.id
        )
    )
    if exchange is None:
        access.refuse("exchange", parse_id(form.exchange.data))
    done = form.done.data == "1"
    outcome = perform(None, lambda: set_next_step_done(db.session, exchange, done, current_user))
    if outcome.ok:
        flash("Prochaine étape faite." if done else "Prochaine étape remise à faire.", "success")
    else:
        flash(
            " ".join(outcome.refusal.messages if outcome.refusal else ["Rien n'a été enregistré."]), "error"
        )
    if request.form.get("retour") == "agenda":
        return redirect(url_for("agenda.index", semaine=request.form.get("semaine") or None))
    return redirect(url_for("pathway_file.show", pathway_id=pathway.id, _anchor="co-accompagnement"))


NOTE_REMINDER = (
    "Rédigez des faits, sans jugement ni information de santé : "
    "la personne peut demander à lire toutes les notes de son dossier."
)


@blueprint.route("/<int:pathway_id>/notes/nouvelle", methods=["GET", "POST"])
@roles_required(*WORKERS)
def add_note(pathway_id: int) -> tuple[str, int] | Response:
    pathway = _load(pathway_id)
    form = NoteForm()
    if form.validate_on_submit():
        outcome = perform(
            form,
            lambda: coaccompaniment.add_note(
                db.session,
                pathway,
                body=form.body.data or "",
                written_on=form.written_on.data,
                actor=current_user,
            ),
        )
        if outcome.ok:
            return back_to_file(pathway, "notes", "Note ajoutée.")
    return render_form(
        pathway,
        form,
        title="Ajouter une note",
        submit="Ajouter la note",
        intro=NOTE_REMINDER,
    )


# --- steps: immersion assessment, training result, checkpoints --------------------------------


@blueprint.route("/<int:pathway_id>/pmsmp/bilan", methods=["GET", "POST"])
@roles_required(*WORKERS)
def immersion_assessment(pathway_id: int) -> tuple[str, int] | Response:
    pathway = _load(pathway_id)
    form = ImmersionAssessmentForm()
    if request.method == "GET":
        form.immersion_id.data = request.args.get("pmsmp", "")
    immersion = access.get_immersion_or_404(db.session, current_user, pathway.id, form.immersion_id.data)
    form.track(immersion)
    if form.validate_on_submit():
        outcome = perform(
            form,
            lambda: record_immersion_assessment(
                db.session,
                immersion,
                outcome=form.outcome.data or "",
                assessed_on=form.assessed_on.data,
                employer_feedback=form.employer_feedback.data,
                leads_to=form.leads_to.data,
                actor=current_user,
            ),
            editing=immersion,
        )
        if outcome.ok:
            return back_to_file(pathway, "pmsmp", "Bilan de la PMSMP enregistré.")
    return render_form(
        pathway,
        form,
        title="Bilan de la PMSMP",
        submit="Enregistrer le bilan",
        intro=(
            f"PMSMP chez {immersion.employer.name}, du {immersion.starts_on:%d/%m/%Y} "
            f"au {immersion.ends_on:%d/%m/%Y}."
        ),
    )


@blueprint.route("/<int:pathway_id>/formation/resultat", methods=["GET", "POST"])
@roles_required(*WORKERS)
def training_result(pathway_id: int) -> tuple[str, int] | Response:
    pathway = _load(pathway_id)
    form = TrainingResultForm()
    if request.method == "GET":
        form.training_id.data = request.args.get("formation", "")
    training = access.get_training_or_404(db.session, current_user, pathway.id, form.training_id.data)
    form.track(training)
    if form.validate_on_submit():
        outcome = perform(
            form,
            lambda: record_training_result(
                db.session,
                training,
                result=form.result.data or "",
                ends_on=form.ends_on.data,
                abandon_reason=form.abandon_reason.data,
                blocks_obtained=form.blocks_obtained.data,
                actor=current_user,
            ),
            editing=training,
        )
        if outcome.ok:
            return back_to_file(pathway, "formation", "Résultat de la formation enregistré.")
    return render_form(
        pathway,
        form,
        title="Résultat de la formation",
        submit="Enregistrer le résultat",
        intro=(
            f"Formation chez {training.organisation.name}, depuis le {training.starts_on:%d/%m/%Y}. "
            "Un abandon ne clôt pas le parcours : la personne peut chercher un emploi, entrer dans "
            "une autre formation ou sortir."
        ),
    )


@blueprint.route("/<int:pathway_id>/formation/pendant-emploi", methods=["GET", "POST"])
@roles_required(*WORKERS)
def training_in_employment(pathway_id: int) -> tuple[str, int] | Response:
    pathway = _load(pathway_id)
    form = TrainingInEmploymentForm()
    fill_choices(form, db.session, pathway.platform_id)
    if form.validate_on_submit():
        outcome = perform(
            form,
            lambda: pathway_service.add_training_in_employment(
                db.session,
                pathway,
                form.training_input(),
                ends_on=form.ends_on.data,
                hours=form.hours.data,
                actor=current_user,
            ),
        )
        if outcome.ok:
            return back_to_file(pathway, "formation", "Formation pendant l'emploi enregistrée.")
    return render_form(
        pathway,
        form,
        title="Enregistrer une formation pendant l'emploi",
        submit="Enregistrer la formation",
        intro=(
            "Une VAE, un CCP préparé après l'embauche… : la personne reste en suivi dans l'emploi. "
            "La formation d'un contrat d'apprentissage ou de professionnalisation s'indique avec le contrat."
        ),
    )


@blueprint.route("/<int:pathway_id>/points-de-suivi/<int:checkpoint_id>", methods=["GET", "POST"])
@roles_required(*WORKERS)
def checkpoint(pathway_id: int, checkpoint_id: int) -> tuple[str, int] | Response:
    record: Checkpoint = get_checkpoint_or_404(db.session, current_user, pathway_id, checkpoint_id)
    pathway = _load(pathway_id)
    form = CheckpointForm()
    form.track(record)
    if form.validate_on_submit():
        outcome = perform(
            form,
            lambda: pathway_service.record_checkpoint(
                db.session,
                record,
                recorded_on=form.recorded_on.data,
                still_in_post=form.still_in_post.data == "yes",
                difficulties=form.difficulties.data,
                action_taken=form.action_taken.data,
                actor=current_user,
            ),
            editing=record,
        )
        if outcome.ok:
            return back_to_file(pathway, "suivi", f"Point de suivi à {record.month} mois enregistré.")
    return render_form(
        pathway,
        form,
        title=f"Point de suivi à {record.month} mois",
        submit="Enregistrer le point de suivi",
        intro=f"Prévu le {record.due_on:%d/%m/%Y}.",
    )


# --- handover and reassignment --------------------------------------------------------------


@blueprint.route("/<int:pathway_id>/conseiller", methods=["GET", "POST"])
@roles_required(Role.MANAGER, Role.DELEGATE)
def reassign(pathway_id: int) -> tuple[str, int] | Response:
    pathway = _load(pathway_id)
    form = ReassignForm()
    fill_choices(form, db.session, pathway.platform_id)
    if form.validate_on_submit():
        if form.adviser_id.data is None:
            form.adviser_id.errors = ["Choisissez un conseiller ou une conseillère."]
        else:
            adviser = get_platform_user_or_404(db.session, current_user, form.adviser_id.data)
            outcome = perform(
                form,
                lambda: pathway_service.assign_adviser(
                    db.session, pathway, adviser, actor=current_user, on=form.on.data, note=form.note.data
                ),
            )
            if outcome.ok:
                flash(f"Parcours confié à {adviser.display_name}.", "success")
                if current_user.role is Role.DELEGATE and not pathway_visible(pathway):
                    return redirect(url_for("delegate.persons"))
                return redirect(url_for("pathway_file.show", pathway_id=pathway.id))
    title = "Confier le parcours à un conseiller" if pathway.adviser_id is None else "Réaffecter le parcours"
    return render_form(
        pathway,
        form,
        title=title,
        submit="Confier le parcours",
        intro=(
            f"Conseiller·ère actuel·le : {pathway.adviser.display_name}."
            if pathway.adviser
            else "Aucun conseiller n'est encore désigné."
        ),
    )


def pathway_visible(pathway: Pathway) -> bool:
    return (
        db.session.scalar(
            sa.select(Pathway.id).where(Pathway.id == pathway.id, access.pathway_scope(current_user))
        )
        is not None
    )

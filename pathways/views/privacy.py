"""« Données personnelles »: the retention list, the register, the notice, and a person's rights.

The manager sees who will be anonymised and when, exports a person's whole
record (through the job queue), erases a person's data on request. The
conseiller and the délégué of a pathway record that the notice was given
and that the person opposed being messaged. The register is read by the
manager and the administrator (see the README: no role of its own for the
DPO, who is shown the register and sent its PDF).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from pathways import clock, wording
from pathways.extensions import db
from pathways.forms.base import Form, perform
from pathways.forms.confirm import confirmed
from pathways.forms.privacy import (
    AccessExportForm,
    ErasureForm,
    InformationForm,
    OppositionForm,
    WithdrawOppositionForm,
)
from pathways.models import Pathway, Person, Platform
from pathways.privacy import rights
from pathways.privacy.documents import Document, PrivacySettings, information_notice, register
from pathways.privacy.jobs import request_access_export
from pathways.privacy.retention import RetentionSettings, candidates, person_retention
from pathways.security.access import (
    audit_view,
    can_act_for_person,
    get_person_or_404,
    pathway_scope,
    refuse,
    roles_required,
)
from pathways.services.enrolment import open_pathway_of
from pathways.services.submissions import valid_token
from pathways.templating import NAVIGATION, NavItem
from pathways.vocabulary import Role

blueprint = Blueprint("privacy", __name__, url_prefix="/donnees-personnelles")

if not any(item.endpoint == "privacy.index" for item in NAVIGATION):
    NAVIGATION.append(NavItem("Données personnelles", "privacy.index", (Role.MANAGER,)))
    NAVIGATION.append(NavItem("Registre des traitements", "privacy.register_page", (Role.ADMIN,)))

WORKERS = (Role.MANAGER, Role.DELEGATE, Role.ADVISER)


def _platform_name() -> str | None:
    if current_user.platform_id is None:
        return None
    platform = db.session.get(Platform, current_user.platform_id)
    return platform.name if platform else None


def _home_crumbs() -> list[tuple[str, str | None]]:
    crumbs: list[tuple[str, str | None]] = [("Accueil", url_for("main.home"))]
    if current_user.role is Role.MANAGER:
        crumbs.append(("Données personnelles", url_for("privacy.index")))
    return crumbs


# --- the manager's page --------------------------------------------------------------------


@blueprint.get("/")
@roles_required(Role.MANAGER)
def index() -> str:
    settings = PrivacySettings.of_current_app()
    anonymised = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Person)
        .where(Person.platform_id == current_user.platform_id, Person.anonymised_on.is_not(None))
    )
    return render_template(
        "privacy/index.html",
        settings=settings,
        upcoming=candidates(db.session, settings.retention, platform_id=current_user.platform_id),
        anonymised=anonymised or 0,
        breadcrumb=[("Accueil", url_for("main.home")), ("Données personnelles", None)],
    )


# --- the documents ------------------------------------------------------------------------


def _document_page(document: Document, pdf_endpoint: str) -> str:
    return render_template(
        "privacy/document.html",
        document=document,
        pdf_url=url_for(pdf_endpoint),
        breadcrumb=[*_home_crumbs(), (document.title, None)],
    )


def _document_pdf(document: Document, name: str, *, handed_over: bool = False) -> Response:
    from exports.pdf import css_string, write_pdf

    buffer = io.BytesIO()
    html = render_template(
        "privacy/document_pdf.html", document=document, css_string=css_string, handed_over=handed_over
    )
    write_pdf(html, buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype="application/pdf", as_attachment=True, download_name=name)


@blueprint.get("/registre")
@roles_required(Role.MANAGER, Role.ADMIN)
def register_page() -> str:
    return _document_page(
        register(_platform_name(), PrivacySettings.of_current_app()), "privacy.register_pdf"
    )


@blueprint.get("/registre.pdf")
@roles_required(Role.MANAGER, Role.ADMIN)
def register_pdf() -> Response:
    document = register(_platform_name(), PrivacySettings.of_current_app())
    return _document_pdf(document, f"registre-des-traitements-{document.produced_on:%Y%m%d}.pdf")


@blueprint.get("/notice")
@roles_required(*WORKERS)
def notice_page() -> str:
    return _document_page(
        information_notice(_platform_name(), PrivacySettings.of_current_app()), "privacy.notice_pdf"
    )


@blueprint.get("/notice.pdf")
@roles_required(*WORKERS)
def notice_pdf() -> Response:
    document = information_notice(_platform_name(), PrivacySettings.of_current_app())
    return _document_pdf(document, "notice-donnees-personnelles.pdf", handed_over=True)


# --- a person's rights --------------------------------------------------------------------


def _load(person_id: int) -> Person:
    return get_person_or_404(db.session, current_user, person_id)


def _file_of(person: Person) -> Pathway | None:
    """The person's latest pathway the user may open (the breadcrumb's « dossier »)."""
    return db.session.scalar(
        sa.select(Pathway)
        .where(Pathway.person_id == person.id, pathway_scope(current_user))
        .order_by(Pathway.id.desc())
        .limit(1)
    )


def _person_page(person: Person, *, status: int = 200, **forms: Any) -> tuple[str, int]:
    pathway = _file_of(person)
    crumbs: list[tuple[str, str | None]] = [("Accueil", url_for("main.home"))]
    if pathway is not None:
        crumbs.append((person.full_name, url_for("pathway_file.show", pathway_id=pathway.id)))
    crumbs.append(("Données personnelles", None))
    retention = (
        None
        if person.is_anonymised
        else person_retention(db.session, person, RetentionSettings.of_current_app())
    )
    context = {
        # A notice already given: the form corrects its date, so it starts from it.
        "information_form": InformationForm(formdata=None, informed_on=person.informed_on or clock.today()),
        "opposition_form": OppositionForm(formdata=None),
        "withdraw_form": WithdrawOppositionForm(formdata=None),
        "export_form": AccessExportForm(formdata=None),
        **forms,
    }
    return (
        render_template(
            "privacy/person.html",
            person=person,
            pathway=pathway,
            retention=retention,
            settings=RetentionSettings.of_current_app(),
            can_act=can_act_for_person(current_user, person) and not person.is_anonymised,
            is_manager=current_user.role is Role.MANAGER,
            breadcrumb=crumbs,
            **context,
        ),
        status,
    )


@blueprint.get("/personnes/<int:person_id>")
@roles_required(*WORKERS)
def person(person_id: int) -> tuple[str, int]:
    person = _load(person_id)
    audit_view(
        db.session, current_user, person, page="donnees_personnelles"
    )  # committed by the request's end
    return _person_page(person)


def _act(
    person_id: int, form: Form, form_name: str, action: Callable[[Person], None], message: str, anchor: str
) -> tuple[str, int] | Response:
    """One of the person's rights recorded from its form on the person's page (one service call)."""
    person = _load(person_id)
    if not can_act_for_person(current_user, person):
        refuse("person", person.id, reason="role")
    if form.validate_on_submit():
        outcome = perform(form, lambda: action(person))
        if outcome.ok:
            flash(message, "success")
            return redirect(url_for("privacy.person", person_id=person.id, _anchor=anchor))
    return _person_page(person, status=422, **{form_name: form})


@blueprint.post("/personnes/<int:person_id>/notice")
@roles_required(*WORKERS)
def record_information(person_id: int) -> tuple[str, int] | Response:
    form = InformationForm()
    return _act(
        person_id,
        form,
        "information_form",
        lambda person: rights.record_information(
            db.session, person, on=form.informed_on.data, actor=current_user
        ),
        "La remise de la notice d'information est enregistrée.",
        "information",
    )


@blueprint.post("/personnes/<int:person_id>/opposition")
@roles_required(*WORKERS)
def record_opposition(person_id: int) -> tuple[str, int] | Response:
    form = OppositionForm()
    return _act(
        person_id,
        form,
        "opposition_form",
        lambda person: rights.record_opposition(
            db.session, person, on=form.opposed_on.data, actor=current_user
        ),
        "L'opposition est enregistrée : aucun message ne sera plus envoyé.",
        "opposition",
    )


@blueprint.post("/personnes/<int:person_id>/opposition/retrait")
@roles_required(*WORKERS)
def withdraw_opposition(person_id: int) -> tuple[str, int] | Response:
    return _act(
        person_id,
        WithdrawOppositionForm(),
        "withdraw_form",
        lambda person: rights.withdraw_opposition(db.session, person, actor=current_user),
        "L'opposition est retirée : la personne peut de nouveau être contactée.",
        "opposition",
    )


@blueprint.post("/personnes/<int:person_id>/dossier")
@roles_required(Role.MANAGER)
def access_export(person_id: int) -> tuple[str, int] | Response:
    """Ask for the person's whole record: written by the job queue, downloaded from « Mes tâches »."""
    person = _load(person_id)
    form = AccessExportForm()
    if person.is_anonymised:
        form.form_errors.append(
            "Les données de cette personne ont été anonymisées : il n'y a plus de dossier."
        )
    elif form.validate_on_submit():
        job = request_access_export(
            db.session,
            current_user,
            person,
            form.record_format.data,
            request_token=valid_token(form.submission.data),
        )
        db.session.commit()  # the job is sent to the queue now
        flash(
            f"« {job.title} » est en préparation : le lien de téléchargement apparaîtra ici. Le dossier "
            "contient tout, précisions de santé comprises : il ne se remet qu'à la personne elle-même.",
            "info",
        )
        return redirect(url_for("jobs.index"))
    return _person_page(person, status=422, export_form=form)


@blueprint.route("/personnes/<int:person_id>/effacement", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def erase(person_id: int) -> tuple[str, int] | Response:
    person = _load(person_id)
    if person.is_anonymised:
        flash("Les données de cette personne ont déjà été anonymisées.", "info")
        return redirect(url_for("privacy.person", person_id=person.id))
    form = ErasureForm()
    open_pathway = open_pathway_of(db.session, person)
    if request.method == "POST" and form.validate_on_submit() and confirmed(form):
        name = person.full_name
        outcome = perform(
            form,
            lambda: rights.erase_person(
                db.session,
                person,
                actor=current_user,
                exit_reason=form.exit_reason.data,
                exit_comment=form.exit_comment.data,
            ),
        )
        if outcome.ok:
            flash(
                f"Les données {wording.de(name)} sont effacées : il ne reste que ce que comptent les "
                "indicateurs, sans l'identité.",
                "success",
            )
            return redirect(url_for("privacy.index"))
    pathway = _file_of(person)
    crumbs: list[tuple[str, str | None]] = [("Accueil", url_for("main.home"))]
    if pathway is not None:
        crumbs.append((person.full_name, url_for("pathway_file.show", pathway_id=pathway.id)))
    crumbs += [
        ("Données personnelles", url_for("privacy.person", person_id=person.id)),
        ("Effacement", None),
    ]
    return (
        render_template(
            "privacy/erase.html",
            person=person,
            form=form,
            open_pathway=open_pathway,
            breadcrumb=crumbs,
        ),
        422 if request.method == "POST" else 200,
    )

"""Information sessions and orientation weeks: the délégué runs them, the manager manages them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from pathways import clock
from pathways.extensions import db
from pathways.forms.base import Outcome, options, perform
from pathways.forms.pathway import fill_choices, job_choices
from pathways.forms.sessions import (
    CallBackForm,
    ConvokeForm,
    DiagnosticForm,
    HandoverForm,
    InfoSessionForm,
    JoinWeekForm,
    PersonForm,
    RegisterDuplicateForm,
    RegisterKnownForm,
    WeekForm,
)
from pathways.messaging.links import absolute_url
from pathways.messaging.texts import letters_pdf
from pathways.models import (
    InfoSession,
    InfoSessionAttendance,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    Person,
    PlannedStep,
    Territory,
)
from pathways.paging import page_argument
from pathways.security.access import (
    audit_export,
    check_territory_or_404,
    get_info_session_or_404,
    get_participant_or_404,
    get_pathway_or_404,
    get_person_or_404,
    get_platform_user_or_404,
    get_week_or_404,
    pathway_scope,
    refuse,
    roles_required,
)
from pathways.security.ids import parse_id
from pathways.services import answers, convocations
from pathways.services import pathway as pathway_service
from pathways.services import sessions as session_service
from pathways.services.attendance import AttendanceCounts, info_session_counts, week_counts
from pathways.services.convocations import Convocation, Convoked
from pathways.services.enrolment import join_orientation_week, open_pathway_of, register_at_info_session
from pathways.services.person import PossibleDuplicate, create_person
from pathways.services.workspace import (
    WEEK_DAYS,
    info_session_attendees,
    info_sessions,
    session_visibility,
    waiting_pathways,
    week_participants,
    weeks,
)
from pathways.states import State
from pathways.vocabulary import ATTENDANCE_MARKS, AttendanceStatus, Role
from pathways.wording import count, de

blueprint = Blueprint("sessions", __name__)

ORGANISERS = (Role.DELEGATE, Role.MANAGER)
INFO_TITLE = "Informations collectives"
WEEKS_TITLE = "Pôle orientation"
# Signed-session key: the persons the duplicate check showed this user.
OFFERED_PERSONS = "offered_persons"


def _visibility(model: type[InfoSession] | type[OrientationWeek]) -> sa.ColumnElement[bool]:
    territory_ids = None if current_user.role is Role.MANAGER else [t.id for t in current_user.territories]
    return session_visibility(model, territory_ids, current_user.id)


def _territory_choices(form: Any) -> None:
    if current_user.role is Role.MANAGER:
        rows = db.session.execute(
            sa.select(Territory.id, Territory.name)
            .where(Territory.platform_id == current_user.platform_id)
            .order_by(Territory.name)
        ).all()
    else:
        rows = [(t.id, t.name) for t in current_user.territories]
    form.territory_id.choices = options(rows, empty="— Aucun —")
    if request.method == "GET" and len(rows) == 1:
        form.territory_id.data = rows[0][0]


def _home_crumbs() -> list[tuple[str, str | None]]:
    return [("Accueil", url_for("main.home"))]


def _status() -> int:
    return 422 if request.method == "POST" else 200


# --- information sessions -------------------------------------------------------------------


@blueprint.get("/informations-collectives/")
@roles_required(*ORGANISERS)
def info_session_list() -> str:
    result = info_sessions(
        db.session,
        current_user.platform_id,
        _visibility(InfoSession),
        page=page_argument(request.args.get("page")),
    )
    return render_template(
        "sessions/info_sessions.html",
        result=result,
        page_url=lambda page: url_for("sessions.info_session_list", page=page),
        breadcrumb=[*_home_crumbs(), (INFO_TITLE, None)],
    )


@blueprint.route("/informations-collectives/nouvelle", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def info_session_new() -> tuple[str, int] | Response:
    form = InfoSessionForm()
    _territory_choices(form)
    if form.validate_on_submit():
        check_territory_or_404(db.session, current_user, form.territory_id.data)
        outcome = perform(
            form,
            lambda: session_service.create_info_session(
                db.session,
                current_user.platform,
                held_on=form.held_on.data,
                starts_at=form.starts_at.data,
                ends_at=form.ends_at.data,
                place=form.place.data or "",
                seats=form.seats.data or 0,
                territory_id=form.territory_id.data,
                access=form.access.data,
                contact_phone=form.contact_phone.data,
                actor=current_user,
            ),
        )
        if outcome.ok:
            flash("Information collective créée.", "success")
            return redirect(url_for("sessions.info_session_show", session_id=outcome.value.id))
    return (
        render_template(
            "sessions/form.html",
            form=form,
            title="Nouvelle information collective",
            submit="Créer l'information collective",
            cancel=url_for("sessions.info_session_list"),
            breadcrumb=[
                *_home_crumbs(),
                (INFO_TITLE, url_for("sessions.info_session_list")),
                ("Nouvelle", None),
            ],
        ),
        _status(),
    )


def _render_info_session(
    info_session: InfoSession,
    *,
    known_form: RegisterKnownForm | None = None,
    person_form: PersonForm | None = None,
    duplicates: list[Person] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    known_form = known_form or RegisterKnownForm(formdata=None)
    known_form.pathway.choices = options(
        waiting_pathways(db.session, pathway_scope(current_user), (State.REFERRED,)),
    )
    person_form = person_form or PersonForm(formdata=None)
    title = f"Information collective du {info_session.held_on:%d/%m/%Y}"
    attendees, hidden = info_session_attendees(db.session, info_session.id, pathway_scope(current_user))
    visible_ids = [a.attendance_id for a in attendees]
    if duplicates:
        # The look-alikes shown may be registered (and only them: see get_person_or_404).
        session[OFFERED_PERSONS] = [person.id for person in duplicates][:20]
    return (
        render_template(
            "sessions/info_session.html",
            info_session=info_session,
            attendees=attendees,
            hidden_attendees=hidden,
            known_form=known_form,
            person_form=person_form,
            duplicate_form=RegisterDuplicateForm(formdata=None),
            duplicates=duplicates or [],
            counts=info_session_counts(db.session, [info_session.id]).get(
                info_session.id, AttendanceCounts()
            ),
            to_convoke=sum(
                1 for a in attendees if a.convoked_at is None and a.status is AttendanceStatus.REGISTERED
            ),
            on_paper=convocations.letters_to_print(db.session, attendance_ids=visible_ids),
            convoke_form=ConvokeForm(formdata=None),
            callback_form=CallBackForm(formdata=None),
            marks=ATTENDANCE_MARKS,
            today=clock.today(),
            tz=clock.PLATFORM_TIMEZONE,
            title=title,
            breadcrumb=[*_home_crumbs(), (INFO_TITLE, url_for("sessions.info_session_list")), (title, None)],
        ),
        status,
    )


@blueprint.get("/informations-collectives/<int:session_id>")
@roles_required(*ORGANISERS)
def info_session_show(session_id: int) -> tuple[str, int]:
    return _render_info_session(get_info_session_or_404(db.session, current_user, session_id))


def _registered(info_session: InfoSession, pathway_or_person: str) -> Response:
    flash(f"{pathway_or_person} est inscrit·e à l'information collective.", "success")
    return redirect(url_for("sessions.info_session_show", session_id=info_session.id, _anchor="inscrits"))


@blueprint.post("/informations-collectives/<int:session_id>/inscriptions")
@roles_required(*ORGANISERS)
def info_session_register_known(session_id: int) -> tuple[str, int] | Response:
    info_session = get_info_session_or_404(db.session, current_user, session_id)
    form = RegisterKnownForm()
    if form.validate_on_submit():
        pathway = get_pathway_or_404(db.session, current_user, form.pathway.data)
        outcome = perform(
            form,
            lambda: register_at_info_session(db.session, info_session, pathway.person, actor=current_user),
        )
        if outcome.ok:
            return _registered(info_session, pathway.person.full_name)
    return _render_info_session(info_session, known_form=form, status=422)


@blueprint.post("/informations-collectives/<int:session_id>/inscriptions/personne-connue")
@roles_required(*ORGANISERS)
def info_session_register_duplicate(session_id: int) -> tuple[str, int] | Response:
    """Register the already known person the duplicate check showed."""
    info_session = get_info_session_or_404(db.session, current_user, session_id)
    form = RegisterDuplicateForm()
    if not form.validate_on_submit():
        abort(400)
    person = get_person_or_404(db.session, current_user, form.person.data, session.get(OFFERED_PERSONS, ()))
    in_progress = open_pathway_of(db.session, person)
    if in_progress is not None:
        # A pathway in progress elsewhere stays out of reach: 404, as for any out-of-scope id.
        get_pathway_or_404(db.session, current_user, in_progress.id)
    territory_id = info_session.territory_id or next((t.id for t in current_user.territories), None)
    outcome = perform(
        form,
        lambda: register_at_info_session(
            db.session, info_session, person, actor=current_user, territory_id=territory_id
        ),
    )
    if outcome.ok:
        session.pop(OFFERED_PERSONS, None)
        return _registered(info_session, person.full_name)
    known_form = RegisterKnownForm(formdata=None)
    known_form.form_errors.extend(form.form_errors)
    return _render_info_session(info_session, known_form=known_form, status=422)


@blueprint.post("/informations-collectives/<int:session_id>/inscriptions/nouvelle-personne")
@roles_required(*ORGANISERS)
def info_session_register_new(session_id: int) -> tuple[str, int] | Response:
    """Create a person on the spot (duplicates checked), open their pathway, register them."""
    info_session = get_info_session_or_404(db.session, current_user, session_id)
    form = PersonForm()
    if not form.validate_on_submit():
        return _render_info_session(info_session, person_form=form, status=422)
    fields = form.person_fields()
    territory_id = info_session.territory_id or next((t.id for t in current_user.territories), None)

    def create_and_register() -> Person:
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
        register_at_info_session(
            db.session,
            info_session,
            person,
            actor=current_user,
            territory_id=territory_id,
            prescriber_type=form.prescriber(),
        )
        return person

    outcome = perform(form, create_and_register)
    if outcome.ok:
        return _registered(info_session, outcome.value.full_name)
    # The service found look-alikes: offer to register one of them instead.
    duplicates = outcome.refusal.persons if isinstance(outcome.refusal, PossibleDuplicate) else []
    return _render_info_session(info_session, person_form=form, duplicates=duplicates, status=422)


@blueprint.post("/informations-collectives/<int:session_id>/presences")
@roles_required(*ORGANISERS)
def info_session_attendance(session_id: int) -> Response:
    info_session = get_info_session_or_404(db.session, current_user, session_id)
    form = RegisterDuplicateForm()  # only for its CSRF check
    if not form.validate_on_submit():
        abort(400)
    # Only the attendances of persons the user may see (the page lists no others).
    visible, _hidden = info_session_attendees(db.session, info_session.id, pathway_scope(current_user))
    attendances = db.session.scalars(
        sa.select(InfoSessionAttendance).where(
            InfoSessionAttendance.session_id == info_session.id,
            InfoSessionAttendance.id.in_([a.attendance_id for a in visible]),
        )
    ).all()

    marks = {status.value: status for status in ATTENDANCE_MARKS}

    def mark() -> int:
        changed = 0
        for attendance in attendances:
            status = marks.get(request.form.get(f"presence-{attendance.id}", ""))
            if status is None or attendance.status is status:
                continue
            session_service.mark_info_session_attendance(db.session, attendance, status, current_user)
            changed += 1
        return changed

    outcome = perform(None, mark)
    _flash_marks(outcome)
    return redirect(url_for("sessions.info_session_show", session_id=info_session.id, _anchor="inscrits"))


def _flash_marks(outcome: Outcome[int]) -> None:
    if outcome.ok:
        flash(f"Présences enregistrées ({count(outcome.value or 0, 'modification')}).", "success")
    else:
        reasons = outcome.refusal.messages if outcome.refusal else ["elles viennent d'être modifiées."]
        flash("Présences non enregistrées : " + " ".join(reasons), "error")


def _flash_outcome(outcome: Any, form: Any, done: Callable[[Any], str]) -> None:
    """Say what the service did, or why it refused (its French messages)."""
    if outcome.ok:
        flash(done(outcome.value), "success")
    else:
        flash(" ".join(form.form_errors), "error")


# How the audit trail names what a refused call-back was about.
OBJECT_TYPES = {
    InfoSessionAttendance: "info_session_attendance",
    OrientationParticipant: "orientation_participant",
}


def _call_back(
    form: CallBackForm,
    model: type[InfoSessionAttendance] | type[OrientationParticipant],
    visible_ids: list[int],
) -> None:
    """Note the call-back of the form's person, one the user sees (any other id is a refusal)."""
    wanted = parse_id(form.record.data)
    if wanted not in visible_ids:
        refuse(OBJECT_TYPES[model], wanted)
    record = db.session.get_one(model, wanted)
    outcome = perform(form, lambda: answers.record_call_back(db.session, record, current_user))
    _flash_outcome(outcome, form, lambda _value: "Rappel noté.")


def _convoked_message(done: Convoked) -> str:
    parts = []
    if done.by_email:
        parts.append(f"{len(done.by_email)} par courriel")
    if done.on_paper:
        parts.append(f"{len(done.on_paper)} par courrier : imprimez leurs lettres")
    return f"{count(done.total, 'personne convoquée', 'personnes convoquées')} ({', '.join(parts)})."


def _letters_response(convocations: list[Convocation], name: str, what: str, platform_id: int) -> Response:
    if not convocations:
        flash("Aucune lettre à imprimer : personne n'est convoqué·e par courrier.", "info")
        return redirect(request.referrer if safe_back(request.referrer) else url_for("main.home"))
    urls = {c.record_id: absolute_url("answers.show", token=c.token) for c in convocations}
    pdf = letters_pdf(convocations, urls)
    audit_export(db.session, current_user, what, len(convocations), platform_id=platform_id)
    db.session.commit()
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _letters_asked(visible_ids: list[int], object_type: str) -> tuple[list[int], bool]:
    """The letters asked for: one person's (``?personne=ID``, refused unless visible), else all visible."""
    if request.args.get("personne") is None:
        return visible_ids, False
    one = parse_id(request.args.get("personne"))
    if one not in visible_ids:
        refuse(object_type, one)
    return [one], True  # type: ignore[list-item]


def safe_back(target: str | None) -> bool:
    return bool(target) and target.startswith(request.host_url)  # type: ignore[union-attr]


@blueprint.post("/informations-collectives/<int:session_id>/convocations")
@roles_required(*ORGANISERS)
def info_session_convoke(session_id: int) -> Response:
    """Convoke, in one action, the registered people not convoked yet (those the user sees)."""
    info_session = get_info_session_or_404(db.session, current_user, session_id)
    form = ConvokeForm()
    if not form.validate_on_submit():
        abort(400)
    visible, _hidden = info_session_attendees(db.session, info_session.id, pathway_scope(current_user))
    outcome = perform(
        form,
        lambda: convocations.convoke_info_session(
            db.session, info_session, [a.attendance_id for a in visible], current_user
        ),
    )
    _flash_outcome(outcome, form, _convoked_message)
    return redirect(url_for("sessions.info_session_show", session_id=info_session.id, _anchor="convocations"))


@blueprint.get("/informations-collectives/<int:session_id>/convocations.pdf")
@roles_required(*ORGANISERS)
def info_session_letters(session_id: int) -> Response:
    """The printed convocations: those sent by post (default), or one person's (``?personne=ID``)."""
    info_session = get_info_session_or_404(db.session, current_user, session_id)
    visible, _hidden = info_session_attendees(db.session, info_session.id, pathway_scope(current_user))
    ids, one = _letters_asked([a.attendance_id for a in visible], "info_session_attendance")
    letters = convocations.info_session_letters(db.session, info_session, ids, paper_only=not one)
    return _letters_response(
        letters, f"convocations-{info_session.held_on:%Y-%m-%d}.pdf", "convocations", info_session.platform_id
    )


@blueprint.post("/informations-collectives/<int:session_id>/rappels")
@roles_required(*ORGANISERS)
def info_session_called_back(session_id: int) -> Response:
    """The délégué called back someone who asked for it (« je souhaite être rappelé·e »)."""
    info_session = get_info_session_or_404(db.session, current_user, session_id)
    form = CallBackForm()
    if not form.validate_on_submit():
        abort(400)
    visible, _hidden = info_session_attendees(db.session, info_session.id, pathway_scope(current_user))
    _call_back(form, InfoSessionAttendance, [a.attendance_id for a in visible])
    return redirect(
        _back_to(
            request.form.get("retour"),
            url_for("sessions.info_session_show", session_id=info_session.id, _anchor="inscrits"),
        )
    )


def _back_to(target: str | None, default: str) -> str:
    """Where a small action returns: the agenda when it came from there, else the session's page."""
    return url_for("agenda.index") if target == "agenda" else default


# --- orientation weeks ----------------------------------------------------------------------


@blueprint.get("/pole-orientation/")
@roles_required(*ORGANISERS)
def week_list() -> str:
    result = weeks(
        db.session,
        current_user.platform_id,
        _visibility(OrientationWeek),
        page=page_argument(request.args.get("page")),
    )
    return render_template(
        "sessions/weeks.html",
        result=result,
        page_url=lambda page: url_for("sessions.week_list", page=page),
        breadcrumb=[*_home_crumbs(), (WEEKS_TITLE, None)],
    )


@blueprint.route("/pole-orientation/nouvelle", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def week_new() -> tuple[str, int] | Response:
    form = WeekForm()
    _territory_choices(form)
    if form.validate_on_submit():
        check_territory_or_404(db.session, current_user, form.territory_id.data)
        outcome = perform(
            form,
            lambda: session_service.create_orientation_week(
                db.session,
                current_user.platform,
                starts_on=form.starts_on.data,
                starts_at=form.starts_at.data,
                ends_at=form.ends_at.data,
                place=form.place.data or "",
                seats=form.seats.data or 0,
                territory_id=form.territory_id.data,
                access=form.access.data,
                contact_phone=form.contact_phone.data,
                actor=current_user,
            ),
        )
        if outcome.ok:
            flash("Semaine du pôle orientation créée.", "success")
            return redirect(url_for("sessions.week_show", week_id=outcome.value.id))
    return (
        render_template(
            "sessions/form.html",
            form=form,
            title="Nouvelle semaine du pôle orientation",
            submit="Créer la semaine",
            cancel=url_for("sessions.week_list"),
            breadcrumb=[*_home_crumbs(), (WEEKS_TITLE, url_for("sessions.week_list")), ("Nouvelle", None)],
        ),
        _status(),
    )


def _week_title(week: OrientationWeek) -> str:
    return f"Semaine du {week.starts_on:%d/%m/%Y}"


def _render_week(
    week: OrientationWeek, *, join_form: JoinWeekForm | None = None, status: int = 200
) -> tuple[str, int]:
    join_form = join_form or JoinWeekForm(formdata=None)
    join_form.pathway.choices = options(
        waiting_pathways(db.session, pathway_scope(current_user), (State.REFERRED, State.INFO_SESSION)),
    )
    today = clock.today()
    days = [(d, week.starts_on + timedelta(days=d - 1)) for d in WEEK_DAYS]
    title = _week_title(week)
    participants, hidden = week_participants(db.session, week.id, pathway_scope(current_user))
    return (
        render_template(
            "sessions/week.html",
            week=week,
            participants=participants,
            hidden_participants=hidden,
            join_form=join_form,
            counts=week_counts(db.session, [week.id]).get(week.id, AttendanceCounts()),
            to_convoke=sum(1 for p in participants if p.convoked_at is None),
            on_paper=convocations.letters_to_print(
                db.session, participant_ids=[p.participant_id for p in participants]
            ),
            convoke_form=ConvokeForm(formdata=None),
            callback_form=CallBackForm(formdata=None),
            tz=clock.PLATFORM_TIMEZONE,
            csrf_form=RegisterDuplicateForm(formdata=None),
            days=days,
            today=today,
            title=title,
            breadcrumb=[*_home_crumbs(), (WEEKS_TITLE, url_for("sessions.week_list")), (title, None)],
        ),
        status,
    )


@blueprint.get("/pole-orientation/<int:week_id>")
@roles_required(*ORGANISERS)
def week_show(week_id: int) -> tuple[str, int]:
    return _render_week(get_week_or_404(db.session, current_user, week_id))


@blueprint.post("/pole-orientation/<int:week_id>/participants")
@roles_required(*ORGANISERS)
def week_join(week_id: int) -> tuple[str, int] | Response:
    week = get_week_or_404(db.session, current_user, week_id)
    form = JoinWeekForm()
    if form.validate_on_submit():
        pathway = get_pathway_or_404(db.session, current_user, form.pathway.data)
        outcome = perform(
            form,
            lambda: join_orientation_week(
                db.session,
                week,
                pathway,
                availability_confirmed=bool(form.availability_confirmed.data),
                absence_override=form.absence_choice(),
                actor=current_user,
            ),
        )
        if outcome.ok:
            if isinstance(outcome.value, PlannedStep):
                flash(
                    f"{pathway.person.full_name} est inscrit·e à la semaine : son entrée au pôle "
                    "orientation sera confirmée quand sa présence sera notée.",
                    "success",
                )
            else:
                flash(f"{pathway.person.full_name} participe à la semaine.", "success")
            return redirect(url_for("sessions.week_show", week_id=week.id, _anchor="participants"))
    return _render_week(week, join_form=form, status=422)


@blueprint.post("/pole-orientation/<int:week_id>/presences")
@roles_required(*ORGANISERS)
def week_attendance(week_id: int) -> Response:
    week = get_week_or_404(db.session, current_user, week_id)
    form = RegisterDuplicateForm()  # only for its CSRF check
    if not form.validate_on_submit():
        abort(400)
    # Only the participants whose pathway the user may see (the page lists no others).
    participants = db.session.scalars(
        sa.select(OrientationParticipant)
        .join(Pathway, Pathway.id == OrientationParticipant.pathway_id)
        .where(OrientationParticipant.week_id == week.id, pathway_scope(current_user))
    ).all()
    today = clock.today()

    def mark() -> int:
        changed = 0
        for participant in participants:
            known = {a.day: a.present for a in participant.days}
            for day in WEEK_DAYS:
                if week.starts_on + timedelta(days=day - 1) > today:
                    continue  # a day still to come has no attendance yet
                present = request.form.get(f"jour-{participant.id}-{day}") == "1"
                if known.get(day) is not present:
                    session_service.mark_orientation_presence(
                        db.session, participant, day, present, current_user
                    )
                    changed += 1
        return changed

    outcome = perform(None, mark)
    _flash_marks(outcome)
    return redirect(url_for("sessions.week_show", week_id=week.id, _anchor="presences"))


def _participant(week_id: int, pathway_id: int) -> tuple[OrientationWeek, Pathway]:
    return get_participant_or_404(db.session, current_user, week_id, pathway_id)


def _participant_crumbs(week: OrientationWeek, label: str) -> list[tuple[str, str | None]]:
    return [
        *_home_crumbs(),
        (WEEKS_TITLE, url_for("sessions.week_list")),
        (_week_title(week), url_for("sessions.week_show", week_id=week.id)),
        (label, None),
    ]


@blueprint.route(
    "/pole-orientation/<int:week_id>/participants/<int:pathway_id>/diagnostic", methods=["GET", "POST"]
)
@roles_required(*ORGANISERS)
def diagnostic(week_id: int, pathway_id: int) -> tuple[str, int] | Response:
    week, pathway = _participant(week_id, pathway_id)
    form = DiagnosticForm()
    form.target_job_code.choices = options(job_choices(db.session))
    if form.validate_on_submit():
        outcome = perform(
            form,
            lambda: pathway_service.record_diagnostic(
                db.session, pathway, week_id=week.id, actor=current_user, **form.diagnostic_values()
            ),
        )
        if outcome.ok:
            flash(f"Diagnostic {de(pathway.person.full_name)} enregistré.", "success")
            return redirect(url_for("sessions.week_show", week_id=week.id, _anchor="participants"))
    title = f"Diagnostic {de(pathway.person.full_name)}"
    return (
        render_template(
            "sessions/diagnostic.html",
            form=form,
            week=week,
            pathway=pathway,
            title=title,
            breadcrumb=_participant_crumbs(week, title),
        ),
        _status(),
    )


@blueprint.route(
    "/pole-orientation/<int:week_id>/participants/<int:pathway_id>/relais", methods=["GET", "POST"]
)
@roles_required(*ORGANISERS)
def handover(week_id: int, pathway_id: int) -> tuple[str, int] | Response:
    week, pathway = _participant(week_id, pathway_id)
    form = HandoverForm()
    fill_choices(form, db.session, pathway.platform_id)
    if form.validate_on_submit():
        adviser = get_platform_user_or_404(db.session, current_user, form.adviser_id.data)
        outcome = perform(
            form,
            lambda: pathway_service.assign_adviser(
                db.session, pathway, adviser, actor=current_user, note=form.note.data
            ),
        )
        if outcome.ok:
            flash(f"{pathway.person.full_name} est confié·e à {adviser.display_name}.", "success")
            return redirect(url_for("sessions.week_show", week_id=week.id, _anchor="participants"))
    title = f"Passage de relais {de(pathway.person.full_name)}"
    return (
        render_template(
            "sessions/form.html",
            form=form,
            title=title,
            submit="Confier le parcours",
            intro=(
                "La note accompagne le parcours : ce que le ou la conseiller·ère doit savoir pour démarrer."
            ),
            cancel=url_for("sessions.week_show", week_id=week.id),
            breadcrumb=_participant_crumbs(week, title),
        ),
        _status(),
    )


@blueprint.post("/pole-orientation/<int:week_id>/convocations")
@roles_required(*ORGANISERS)
def week_convoke(week_id: int) -> Response:
    """Convoke, in one action, the week's participants not convoked yet (those the user sees)."""
    week = get_week_or_404(db.session, current_user, week_id)
    form = ConvokeForm()
    if not form.validate_on_submit():
        abort(400)
    visible, _hidden = week_participants(db.session, week.id, pathway_scope(current_user))
    outcome = perform(
        form,
        lambda: convocations.convoke_week(
            db.session, week, [p.participant_id for p in visible], current_user
        ),
    )
    _flash_outcome(outcome, form, _convoked_message)
    return redirect(url_for("sessions.week_show", week_id=week.id, _anchor="convocations"))


@blueprint.get("/pole-orientation/<int:week_id>/convocations.pdf")
@roles_required(*ORGANISERS)
def week_letters(week_id: int) -> Response:
    """The printed convocations of the week (by post, or one person's with ``?personne=ID``)."""
    week = get_week_or_404(db.session, current_user, week_id)
    visible, _hidden = week_participants(db.session, week.id, pathway_scope(current_user))
    ids, one = _letters_asked([p.participant_id for p in visible], "orientation_participant")
    letters = convocations.week_letters(db.session, week, ids, paper_only=not one)
    return _letters_response(
        letters, f"convocations-semaine-{week.starts_on:%Y-%m-%d}.pdf", "convocations", week.platform_id
    )


@blueprint.post("/pole-orientation/<int:week_id>/rappels")
@roles_required(*ORGANISERS)
def week_called_back(week_id: int) -> Response:
    week = get_week_or_404(db.session, current_user, week_id)
    form = CallBackForm()
    if not form.validate_on_submit():
        abort(400)
    visible, _hidden = week_participants(db.session, week.id, pathway_scope(current_user))
    _call_back(form, OrientationParticipant, [p.participant_id for p in visible])
    return redirect(
        _back_to(
            request.form.get("retour"), url_for("sessions.week_show", week_id=week.id, _anchor="participants")
        )
    )

"""A person with one record of every kind, each free text carrying the person's tag.

``make_full_person(session, world, "QZX")`` walks a pathway through the
information session, the orientation week (diagnostic and road map), the
handover (with a note), a PMSMP (tutor, assessment), a training abandoned
(its reason), a suspension (its reason), a planned PMSMP (comment, tutor),
a contract and its first checkpoint, a health frein and its status change,
a referent, an exchange, a note, a correction of the identity (audited
before and after), and the exit (its comment). Every name, contact and text
holds the tag, so a search for it over every column finds what is left.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from pathways import clock
from pathways.models import (
    BackgroundJob,
    Checkpoint,
    FormSubmission,
    Immersion,
    InfoSessionAttendance,
    OutgoingMessage,
    Pathway,
    Person,
    Training,
)
from pathways.privacy.anonymise import ACCESS_EXPORT_KIND
from pathways.services import answers, coaccompaniment, convocations
from pathways.services import barrier as barrier_service
from pathways.services import pathway as pathway_service
from pathways.services.enrolment import record_immersion_assessment, record_training_result
from pathways.services.person import update_person
from pathways.states import ExitReason, Trigger
from pathways.vocabulary import (
    DiagnosticKind,
    InvitationAnswer,
    JobStatus,
    MessageChannel,
    MessageKind,
    MessageStatus,
    TrainingResult,
)
from tests.factories import World, full_request, make_person, week_on

START = date(2025, 1, 6)


@dataclass
class FullPerson:
    person: Person
    pathway: Pathway
    tag: str
    texts: list[str]


def make_full_person(session: Session, world: World, tag: str, *, exit_at_end: bool = True) -> FullPerson:
    texts: list[str] = []

    def text(what: str) -> str:
        value = f"{what} {tag}"
        texts.append(value)
        return value

    person = make_person(
        session,
        world,
        last_name=f"Zarkov{tag}",
        first_name=f"Ilona{tag}",
        birth_date=date(1990, 7, 14),
        france_travail_id=f"FT{tag}",
        email=f"ilona.{tag.lower()}@exemple.fr",
        phone=f"06 11 {tag}",
        postal_code=f"78{tag}",
        city=f"Mantes{tag}",
        is_rsa_beneficiary=True,
        is_rqth=True,
    )
    pathway = pathway_service.open_pathway(
        session,
        person,
        referred_on=START,
        actor=world.delegate,
        territory_id=world.territory.id,
        delegate=world.delegate,
    )
    day = START

    def move(trigger: Trigger, **changes: object) -> None:
        request = dataclasses.replace(
            full_request(world, trigger, day, week=week_on(session, world, day)), **changes
        )
        pathway_service.move(session, pathway, request, world.delegate)

    move(Trigger.REGISTER_INFO_SESSION)
    # Convoked (a letter), a call-back asked with the person's own words, and the message log.
    attendance = session.scalars(
        sa.select(InfoSessionAttendance).where(InfoSessionAttendance.person_id == person.id)
    ).one()
    convocations.convoke_info_session(
        session, attendance.session, [attendance.id], world.delegate, deliver=False, at=clock.now()
    )
    link = answers.answer_token(answers.INFO_SESSION, attendance.id, clock.today() + timedelta(days=30))
    answers.record_answer(
        session, answers.read_token(session, link), InvitationAnswer.CALL_BACK, text("Raison du rappel")
    )
    session.add(
        OutgoingMessage(
            platform_id=world.platform.id,
            kind=MessageKind.CONVOCATION,
            channel=MessageChannel.EMAIL,
            status=MessageStatus.SENT,
            person_id=person.id,
            attendance_id=attendance.id,
            recipient=person.email,
            created_at=clock.now(),
            sent_at=clock.now(),
        )
    )
    day = START + timedelta(days=7)
    move(Trigger.START_ORIENTATION)
    pathway_service.record_diagnostic(
        session,
        pathway,
        written_on=day,
        project_validated=True,
        target_job_code="K1311",
        kind=DiagnosticKind.ORIENTATION_WEEK,
        actor=world.delegate,
        basic_skills=text("Savoirs de base"),
        professional_values=text("Valeurs"),
        barriers_and_levers=text("Freins et leviers"),
        road_map=[(text("Étape de la feuille de route"), day + timedelta(days=30))],
    )
    pathway_service.assign_adviser(
        session, pathway, world.adviser, actor=world.delegate, on=day, note=text("Note de relais")
    )
    day += timedelta(days=7)
    move(
        Trigger.START_IMMERSION,
        extra={
            "tutor_name": text("Tuteur"),
            "tutor_job": text("Aide-soignant"),
            "tutor_contact": text("tuteur@"),
        },
    )
    immersion = session.query(Immersion).filter_by(pathway_id=pathway.id).one()
    record_immersion_assessment(
        session,
        immersion,
        outcome="completed",
        assessed_on=day + timedelta(days=2),
        actor=world.adviser,
        employer_feedback=text("Retour employeur"),
    )
    day += timedelta(days=7)
    move(Trigger.START_TRAINING)
    training = session.query(Training).filter_by(pathway_id=pathway.id).one()
    record_training_result(
        session,
        training,
        result=TrainingResult.ABANDONED,
        actor=world.adviser,
        ends_on=day + timedelta(days=3),
        abandon_reason=text("Motif d'abandon"),
    )
    day += timedelta(days=7)
    move(Trigger.SUSPEND, suspend_reason=text("Raison de suspension"))
    day += timedelta(days=7)
    move(Trigger.RESUME)
    planned_request = dataclasses.replace(
        full_request(world, Trigger.START_IMMERSION, clock.today() + timedelta(days=30)),
        comment=text("Commentaire prévu"),
        extra={"tutor_name": text("Tuteur prévu"), "hours": 35},
    )
    pathway_service.plan_step(session, pathway, planned_request, world.adviser)
    day += timedelta(days=7)
    move(Trigger.SIGN_CONTRACT)
    checkpoint = session.query(Checkpoint).filter_by(pathway_id=pathway.id, month=1).one()
    pathway_service.record_checkpoint(
        session,
        checkpoint,
        recorded_on=checkpoint.due_on,
        still_in_post=True,
        actor=world.adviser,
        difficulties=text("Difficultés"),
        action_taken=text("Action au point"),
    )
    barrier = barrier_service.identify_barrier(
        session,
        pathway,
        category="health",
        identified_on=day,
        actor=world.adviser,
        details=text("Précision de santé"),
        partner=text("CSAPA"),
    )
    barrier_service.change_barrier_status(
        session,
        barrier,
        status="in_progress",
        changed_on=day + timedelta(days=1),
        actor=world.adviser,
        action_taken=text("Action frein"),
        partner=text("Partenaire frein"),
    )
    referent = coaccompaniment.add_referent(
        session,
        pathway,
        organisation_type="france_travail",
        name=text("Référente"),
        actor=world.adviser,
        organisation_name=text("Agence"),
        email=f"referente.{tag.lower()}@ft.fr",
        phone=f"01 {tag}",
    )
    coaccompaniment.record_exchange(
        session,
        pathway,
        occurred_on=day + timedelta(days=2),
        mode="phone",
        participants=text("Participants"),
        summary=text("Compte rendu"),
        actor=world.adviser,
        referent=referent,
        next_step=text("Suite"),
    )
    coaccompaniment.add_note(
        session,
        pathway,
        body=text("Note du conseiller"),
        actor=world.adviser,
        written_on=day + timedelta(days=3),
    )
    # A correction: the trail keeps the names before and after (until the anonymisation).
    update_person(session, person, actor=world.manager, first_name=f"Ilona-Maria{tag}")
    if exit_at_end:
        day = checkpoint.due_on + timedelta(days=10)
        move(Trigger.EXIT, exit_reason=ExitReason.OTHER, comment=text("Commentaire de sortie"))
    session.add(
        FormSubmission(
            token=f"token{tag}abcdefghijklmnop",
            user_id=world.adviser.id,
            submitted_at=clock.now(),
            target=f"/parcours/{pathway.id}#notes",
        )
    )
    session.flush()
    return FullPerson(person, pathway, tag, texts)


def make_record_export(session: Session, world: World, person: Person) -> tuple[BackgroundJob, Path]:
    """A finished export of ``person``'s record, its file in the jobs' folder."""
    folder = Path(current_app.config["JOBS_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"record-{person.id}.pdf"
    path.write_bytes(f"%PDF {person.last_name}".encode())
    now = clock.now()
    job = BackgroundJob(
        kind=ACCESS_EXPORT_KIND,
        title=f"Dossier complet de {person.full_name} (PDF)",
        params={"person_id": person.id, "format": "pdf"},
        status=JobStatus.DONE,
        user_id=world.manager.id,
        platform_id=world.platform.id,
        result_file=path.name,
        result_name="dossier.pdf",
        result_expires_at=now + timedelta(hours=1),
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()
    return job, path

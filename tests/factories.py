"""Small builders of test data, all going through the services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways.models import (
    Checkpoint,
    Employer,
    InfoSession,
    OrientationWeek,
    Pathway,
    Person,
    Platform,
    Territory,
    TrainingOrganisation,
    User,
)
from pathways.services import pathway as pathway_service
from pathways.services.person import create_person
from pathways.services.platform import create_platform, create_territory, create_user
from pathways.states import (
    ContractInput,
    ExitReason,
    ImmersionInput,
    MoveRequest,
    State,
    TrainingInput,
    Trigger,
)
from pathways.vocabulary import (
    ContractEndReason,
    ContractType,
    DiagnosticKind,
    EmployerType,
    FundingScheme,
    Role,
)

PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)


@dataclass
class World:
    """A platform with one account per role and the references moves need."""

    platform: Platform
    territory: Territory
    admin: User
    manager: User
    delegate: User
    adviser: User
    info_session: InfoSession
    week: OrientationWeek
    employer: Employer
    organisation: TrainingOrganisation


def make_world(session: Session, slug: str = "yvelines", on: date | None = None) -> World:
    on = on or date(2025, 1, 6)
    platform = create_platform(session, slug, f"Plateforme {slug}")
    territory = create_territory(session, platform, f"Territoire {slug}")
    admin = create_user(
        session, email=f"admin-{slug}@example.fr", role=Role.ADMIN, password=PASSWORD, platform=None
    )
    manager = create_user(
        session, email=f"manager-{slug}@example.fr", role=Role.MANAGER, password=PASSWORD, platform=platform
    )
    delegate = create_user(
        session,
        email=f"delegate-{slug}@example.fr",
        role=Role.DELEGATE,
        password=PASSWORD,
        platform=platform,
        territories=[territory],
    )
    adviser = create_user(
        session, email=f"adviser-{slug}@example.fr", role=Role.ADVISER, password=PASSWORD, platform=platform
    )
    info_session = InfoSession(platform_id=platform.id, held_on=on, place="Versailles", seats=12)
    week = OrientationWeek(platform_id=platform.id, starts_on=on, place="Versailles", seats=10)
    employer = Employer(platform_id=platform.id, name=f"SAAD {slug}", employer_type=EmployerType.SAAD)
    organisation = TrainingOrganisation(platform_id=platform.id, name=f"GRETA {slug}")
    session.add_all([info_session, week, employer, organisation])
    session.flush()
    return World(
        platform, territory, admin, manager, delegate, adviser, info_session, week, employer, organisation
    )


def make_person(session: Session, world: World, **fields: object) -> Person:
    number = next(_counter)
    values = {
        "last_name": f"Martin{number}",
        "first_name": "Awa",
        "birth_date": date(1990, 1, 1) + timedelta(days=number),
    }
    values.update(fields)
    return create_person(session, world.platform.id, actor=world.delegate, **values)


def week_on(session: Session, world: World, day: date) -> OrientationWeek:
    """An orientation week of the world's platform starting on ``day`` (found or created)."""
    week = session.scalar(
        sa.select(OrientationWeek).where(
            OrientationWeek.platform_id == world.platform.id, OrientationWeek.starts_on == day
        )
    )
    if week is None:
        week = OrientationWeek(platform_id=world.platform.id, starts_on=day, place="Versailles", seats=10)
        session.add(week)
        session.flush()
    return week


def full_request(
    world: World, trigger: Trigger, on: date, *, week: OrientationWeek | None = None
) -> MoveRequest:
    """A request for ``trigger`` with every detail its guard asks for, its step starting ``on``.

    ``week`` is the orientation week to join (the world's week by default:
    a step dated by its week happens on that week's first day).
    """
    return MoveRequest(
        trigger=trigger,
        occurred_on=on,
        comment="Motif détaillé" if trigger in (Trigger.EXIT, Trigger.END_CONTRACT) else None,
        info_session_id=world.info_session.id,
        orientation_week_id=(week or world.week).id,
        availability_confirmed=True,
        immersion=ImmersionInput(world.employer.id, on, on + timedelta(days=2)),
        training=TrainingInput(world.organisation.id, "TP_ADVF", FundingScheme.PRF, on),
        contract=ContractInput(world.employer.id, EmployerType.SAAD, "K1311", ContractType.CDI, on),
        exit_reason=ExitReason.OTHER_JOB,
        suspend_reason="Congé maternité",
        contract_end_reason=ContractEndReason.END_OF_CDD,
    )


# The route the fixtures take to reach each state (facts all satisfied).
ROUTES: dict[State, tuple[Trigger, ...]] = {
    State.REFERRED: (),
    State.INFO_SESSION: (Trigger.REGISTER_INFO_SESSION,),
    State.ORIENTATION: (Trigger.START_ORIENTATION,),
    State.REINFORCEMENT: (Trigger.START_ORIENTATION, Trigger.START_REINFORCEMENT),
    State.IMMERSION: (Trigger.START_ORIENTATION, Trigger.START_IMMERSION),
    State.TRAINING: (Trigger.START_ORIENTATION, Trigger.START_TRAINING),
    State.EMPLOYMENT: (Trigger.START_ORIENTATION, Trigger.SEEK_EMPLOYMENT),
    State.FOLLOW_UP: (Trigger.START_ORIENTATION, Trigger.SIGN_CONTRACT),
    State.COMPLETED: (Trigger.START_ORIENTATION, Trigger.SIGN_CONTRACT, Trigger.COMPLETE),
    State.EXITED: (Trigger.EXIT,),
    State.ON_HOLD: (Trigger.START_ORIENTATION, Trigger.SUSPEND),
}


def make_pathway(
    session: Session,
    world: World,
    state: State = State.REFERRED,
    *,
    start: date,
    person: Person | None = None,
) -> Pathway:
    """A pathway brought to ``state`` through the service, one event a day from ``start``.

    Once in orientation (a week starting that day) it gets a validated
    diagnostic and a conseiller; a completed pathway's contract has run six
    months (the 6-month checkpoint is recorded just before).
    """
    person = person or make_person(session, world)
    pathway = pathway_service.open_pathway(
        session,
        person,
        referred_on=start,
        actor=world.delegate,
        territory_id=world.territory.id,
        delegate=world.delegate,
    )
    day = start
    for trigger in ROUTES[state]:
        if trigger is Trigger.COMPLETE:
            day = max(day, start + timedelta(days=200))
            checkpoint = session.query(Checkpoint).filter_by(pathway_id=pathway.id, month=6).one()
            pathway_service.record_checkpoint(
                session, checkpoint, recorded_on=day, still_in_post=True, actor=world.adviser
            )
        else:
            day += timedelta(days=1)
        request = full_request(world, trigger, day, week=week_on(session, world, day))
        pathway_service.move(session, pathway, request, world.delegate)
        if trigger is Trigger.START_ORIENTATION:
            satisfy_orientation(session, world, pathway, day)
    return pathway


def satisfy_orientation(session: Session, world: World, pathway: Pathway, day: date) -> None:
    """Record the diagnostic (project validated) and hand over to the conseiller."""
    pathway_service.record_diagnostic(
        session,
        pathway,
        written_on=day,
        project_validated=True,
        target_job_code="K1311",
        kind=DiagnosticKind.ORIENTATION_WEEK,
        actor=world.delegate,
    )
    pathway_service.assign_adviser(session, pathway, world.adviser, actor=world.delegate, on=day)


def satisfy_interview(session: Session, world: World, pathway: Pathway, day: date) -> None:
    """An individual interview validates the project; the conseiller follows from the start."""
    pathway_service.record_diagnostic(
        session,
        pathway,
        written_on=day,
        project_validated=True,
        target_job_code="K1311",
        kind=DiagnosticKind.INTERVIEW,
        actor=world.adviser,
    )
    pathway_service.assign_adviser(session, pathway, world.adviser, actor=world.manager, on=day)

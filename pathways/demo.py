"""The demo platform loaded by ``flask --app wsgi seed-demo``.

About 200 fictional persons whose pathways, spread over the last 18 months,
go through every state, built through the same services and state machine as
real work (so the demo also exercises every rule). Deterministic for a given
seed. Everything here is fictional demo data.

Besides the Yvelines method (information collective → pôle orientation →
renforcement → PMSMP → training → job), one person in twenty takes each
one of the field's other real paths (pathway.md, version 2): Lyon's guichet
unique (information collective → individual interview → compulsory PMSMP →
IFAS training, no orientation week), a hire at a job dating the week of the
referral, a CDD broken in month 2 followed by a CDI, a training abandoned
that goes on to another training, a VAE while employed. Steps whose first
day is still to come are planned, as the conseillers would record them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import clock
from pathways.models import (
    Checkpoint,
    Employer,
    Immersion,
    InfoSession,
    InfoSessionAttendance,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    PathwayEvent,
    Platform,
    Prescriber,
    Territory,
    Training,
    TrainingOrganisation,
    User,
)
from pathways.models.orientation import ORIENTATION_WEEK_DAYS
from pathways.privacy import rights
from pathways.services import answers, coaccompaniment, convocations
from pathways.services import barrier as barrier_service
from pathways.services import pathway as pathway_service
from pathways.services import sessions as session_service
from pathways.services.enrolment import record_immersion_assessment, record_training_result
from pathways.services.person import create_person
from pathways.services.platform import create_platform, create_territory, create_user
from pathways.states import (
    DATED_BY_RECORD,
    ContractInput,
    ExitReason,
    ImmersionInput,
    MoveRequest,
    State,
    TrainingInput,
    Trigger,
    add_months,
    step_day,
)
from pathways.vocabulary import (
    AbsenceOverride,
    AttendanceStatus,
    BarrierCategory,
    BarrierStatus,
    ContractEndReason,
    ContractType,
    DiagnosticKind,
    DiplomaLevel,
    EmployerType,
    ExchangeMode,
    FundingScheme,
    ImmersionFollowOn,
    ImmersionObjective,
    ImmersionOutcome,
    InvitationAnswer,
    PrescriberType,
    ReferentOrganisation,
    Role,
    Sex,
    TrainingResult,
)

DEMO_SLUG = "demo"
DEMO_NAME = "Plateforme des métiers de l'autonomie Val-de-Seine (démonstration)"
DEMO_PASSWORD = "Demo-Pathways-2026"  # noqa: S105 - the documented demo password
# The accounts the README shows: one per role (plus a second conseillère, so
# that a caseload can be reassigned).
DEMO_ACCOUNTS: tuple[tuple[str, Role, str], ...] = (
    ("admin@demo.fr", Role.ADMIN, "Alix Administratrice"),
    ("responsable@demo.fr", Role.MANAGER, "Rachid Benali"),
    ("delegue@demo.fr", Role.DELEGATE, "Claire Dubois"),
    ("conseiller@demo.fr", Role.ADVISER, "Sébastien Lefèvre"),
    ("conseillere2@demo.fr", Role.ADVISER, "Fatoumata Diallo"),
)
TERRITORIES = ("Mantes et Seine aval", "Versailles Grand Parc")
# Where each territory holds its information sessions and orientation weeks.
VENUES = {
    "Mantes et Seine aval": (
        "Maison de l'emploi de Mantes, salle 2",
        "Pôle orientation de Mantes, 12 rue des Métiers",
    ),
    "Versailles Grand Parc": (
        "Espace emploi de Versailles, salle Hoche",
        "Pôle autonomie de Versailles, 4 avenue de Paris",
    ),
}
FIRST_NAMES_F = (
    "Aminata",
    "Sophie",
    "Nadia",
    "Julie",
    "Fatima",
    "Marie",
    "Khadija",
    "Laura",
    "Inès",
    "Sandrine",
    "Aïcha",
    "Céline",
    "Mariama",
    "Émilie",
    "Samira",
    "Nathalie",
    "Awa",
    "Chloé",
    "Yasmina",
    "Valérie",
)
FIRST_NAMES_M = (
    "Mohamed",
    "Thomas",
    "Karim",
    "Nicolas",
    "Moussa",
    "Julien",
    "Youssef",
    "Kevin",
    "Mamadou",
    "Olivier",
    "Bilal",
    "Antoine",
    "Ibrahima",
    "David",
    "Sofiane",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Diallo",
    "Petit",
    "Benali",
    "Durand",
    "Traoré",
    "Moreau",
    "Haddad",
    "Laurent",
    "Camara",
    "Simon",
    "Mendy",
    "Michel",
    "Bouzid",
    "Garcia",
    "Fofana",
    "Roux",
    "Nguyen",
    "Fontaine",
    "Cissé",
    "Chevalier",
    "Sylla",
    "Robin",
    "Mansouri",
    "Gauthier",
    "Keita",
    "Lemoine",
    "Kaci",
    "Dupont",
    "Da Silva",
    "Pereira",
    "Leroy",
    "Touré",
    "Marchand",
)
PLACES = (
    ("Mantes-la-Jolie", "78200", 0),
    ("Mantes-la-Ville", "78711", 0),
    ("Limay", "78520", 0),
    ("Les Mureaux", "78130", 0),
    ("Aubergenville", "78410", 0),
    ("Versailles", "78000", 1),
    ("Trappes", "78190", 1),
    ("Plaisir", "78370", 1),
    ("Guyancourt", "78280", 1),
    ("Élancourt", "78990", 1),
)
EMPLOYERS = (
    ("Aide à domicile Seine et Vexin", EmployerType.SAAD),
    ("SAD Les Mureaux Services", EmployerType.SAAD),
    ("Domicile Plus Yvelines", EmployerType.SAAD),
    ("Présence Verte Versailles", EmployerType.SAAD),
    ("EHPAD Les Tilleuls", EmployerType.EHPAD),
    ("EHPAD Résidence du Parc", EmployerType.EHPAD),
    ("Foyer d'accueil médicalisé Les Glycines", EmployerType.ESMS_PH),
    ("IME Les Peupliers", EmployerType.ESMS_PH),
    ("Centre hospitalier de Mantes (démo)", EmployerType.HEALTH_FACILITY),
    ("Particulier employeur (Mme R.)", EmployerType.PRIVATE_EMPLOYER),
)
ORGANISATIONS = (
    "GRETA Val-de-Seine",
    "Institut de formation d'aides-soignants de Mantes",
    "Centre AFPA de Plaisir",
    "Croix-Rouge Compétence Versailles",
)
# (certification, funding, typical length in days, job it leads to)
TRAININGS = (
    ("TP_ADVF", FundingScheme.PRF, 90, "K1311"),
    ("DEAS", FundingScheme.PRF, 300, "J1501"),
    ("DEAES", FundingScheme.OPCO, 240, "K1306"),
    ("TP_ASMS", FundingScheme.POEI, 60, "J1301"),
    ("TP_ADVF", FundingScheme.POEC, 70, "K1311"),
)
SECTOR_JOBS = ("J1501", "K1306", "K1311", "K1302", "J1301", "K1304")


@dataclass
class _Context:
    session: Session
    rng: random.Random
    today: date
    platform: Platform
    territories: list[Territory]
    delegate: User
    advisers: list[User]
    employers: list[Employer]
    organisations: list[TrainingOrganisation]
    prescribers: list[Prescriber]
    info_sessions: dict[tuple[date, int], InfoSession] = field(default_factory=dict)
    weeks: dict[tuple[date, int], OrientationWeek] = field(default_factory=dict)
    # Convocations, answers, attendance and contact preferences draw from a
    # generator of their own: the pathways stay what they were before issue 11.
    answers_rng: random.Random = field(default_factory=lambda: random.Random(11))  # noqa: S311 - demo data


def demo_exists(session: Session) -> bool:
    return session.scalar(sa.select(Platform.id).where(Platform.slug == DEMO_SLUG)) is not None


def seed_demo(session: Session, *, persons: int = 200, seed: int = 2026) -> dict[str, int]:
    """Create the demo platform; returns counts of what was created."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    today = clock.today()
    platform = create_platform(session, DEMO_SLUG, DEMO_NAME)
    territories = [create_territory(session, platform, name) for name in TERRITORIES]
    users: dict[Role, list[User]] = {}
    for email, role, name in DEMO_ACCOUNTS:
        user = create_user(
            session,
            email=email,
            role=role,
            password=DEMO_PASSWORD,
            platform=None if role is Role.ADMIN else platform,
            full_name=name,
            territories=territories if role is Role.DELEGATE else [],
        )
        users.setdefault(role, []).append(user)
    employers = [Employer(platform_id=platform.id, name=name, employer_type=kind) for name, kind in EMPLOYERS]
    organisations = [TrainingOrganisation(platform_id=platform.id, name=name) for name in ORGANISATIONS]
    prescribers = [
        Prescriber(platform_id=platform.id, name=name, prescriber_type=kind)
        for name, kind in (
            ("France Travail Mantes-la-Jolie", PrescriberType.FRANCE_TRAVAIL),
            ("France Travail Trappes", PrescriberType.FRANCE_TRAVAIL),
            ("Mission locale du Mantois", PrescriberType.MISSION_LOCALE),
            ("Service insertion du Département (RSA)", PrescriberType.DEPARTEMENT),
            ("Cap emploi 78", PrescriberType.CAP_EMPLOI),
            ("Association Relais Emploi", PrescriberType.ASSOCIATION),
        )
    ]
    session.add_all(employers + organisations + prescribers)
    session.flush()
    context = _Context(
        session=session,
        rng=rng,
        today=today,
        platform=platform,
        territories=territories,
        delegate=users[Role.DELEGATE][0],
        advisers=users[Role.ADVISER],
        employers=employers,
        organisations=organisations,
        prescribers=prescribers,
        answers_rng=random.Random(seed + 11),  # noqa: S311 - demo data, not security
    )
    # The first conseiller gets her Monday e-mail of the week (opt-in, « Mon compte »).
    users[Role.ADVISER][0].weekly_digest = True
    for index in range(persons):
        _one_person(context, index, persons)
    archived = _archived_persons(context, random.Random(seed + 1))  # noqa: S311 - demo data
    return {
        "persons": persons,
        "archived": archived,
        "pathways": session.scalar(
            sa.select(sa.func.count()).select_from(Pathway).where(Pathway.platform_id == platform.id)
        ),
        "events": session.scalar(
            sa.select(sa.func.count())
            .select_from(PathwayEvent)
            .join(Pathway)
            .where(Pathway.platform_id == platform.id)
        ),
    }


def entry_day(context: _Context, index: int, total: int) -> date:
    return context.today - timedelta(days=5 + (540 * (total - index)) // total)


# One person in twenty takes each of these paths of another method.
FIELD_PATHS = {1: "lyon", 5: "job_dating", 9: "broken_cdd", 13: "dropout", 17: "vae", 19: "suspended"}


def _one_person(context: _Context, index: int, total: int) -> None:
    rng, session = context.rng, context.session
    female = rng.random() < 0.78  # the care jobs' recruits are mostly women
    city, postal_code, territory_index = rng.choice(PLACES)
    birth = context.today - timedelta(days=rng.randint(18 * 365, 60 * 365))
    rsa = rng.random() < 0.35
    person = create_person(
        session,
        context.platform.id,
        last_name=rng.choice(LAST_NAMES),
        first_name=rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M),
        birth_date=birth,
        actor=context.delegate,
        allow_duplicate=False,
        sex=Sex.F if female else Sex.M,
        france_travail_id=f"{rng.randint(1000000, 9999999)}{rng.choice('ABCDEFGHJK')}",
        phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
        email=f"personne{index + 1}@exemple.demo",
        postal_code=postal_code,
        city=city,
        diploma_level=rng.choice(list(DiplomaLevel)[:4]),
        is_job_seeker=rng.random() < 0.8,
        is_rsa_beneficiary=rsa,
        is_reconversion=rng.random() < 0.25,
        is_rqth=rng.random() < 0.08,
        is_bpi=rng.random() < 0.05,
        is_qpv_resident=rng.random() < 0.3,
        is_zrr_resident=rng.random() < 0.05,
        # A few refuse e-mails; about a third accept SMS reminders.
        email_allowed=context.answers_rng.random() > 0.05,
        sms_allowed=context.answers_rng.random() < 0.35,
        contact_preferences_on=entry_day(context, index, total),
    )
    # Entries spread evenly over the last 18 months, the newest a few days ago.
    entry = entry_day(context, index, total) + timedelta(days=rng.randint(-3, 3))
    prescriber = rng.choice(context.prescribers)
    pathway = pathway_service.open_pathway(
        session,
        person,
        referred_on=entry,
        actor=context.delegate,
        territory_id=context.territories[territory_index].id,
        prescriber_type=prescriber.prescriber_type,
        prescriber_id=prescriber.id,
        delegate=context.delegate,
        target_job_code=rng.choice(SECTOR_JOBS),
    )
    # Most were given the information notice at the first contact; the caseload flags the others.
    if index % 8 != 3:
        rights.record_information(session, person, on=entry, actor=context.delegate)
    if index % 40 == 7:
        rights.record_opposition(session, person, on=entry, actor=context.delegate)
    kind = FIELD_PATHS.get(index % 20)
    if index == total - 1:
        return  # the newest, referred a few days ago: her délégué has not met her yet
    if kind == "lyon":
        _lyon(context, pathway, entry)
    elif kind == "job_dating":
        _job_dating(context, pathway, entry)
    else:
        _walk(context, pathway, entry, rsa, kind)


# Persons whose pathway ended about two years ago: the retention list of « Données personnelles »
# (last contact this many days short of 24 months: overdue, due in 12 days, due in a month and a half).
ARCHIVED_DAYS_SHORT = (-20, 12, 45)


def _archived_persons(context: _Context, rng: random.Random) -> int:
    session = context.session
    for index, days_short in enumerate(ARCHIVED_DAYS_SHORT):
        last_contact = add_months(context.today, -24) + timedelta(days=days_short)
        entry = add_months(last_contact, -5)
        female = rng.random() < 0.78
        person = create_person(
            session,
            context.platform.id,
            last_name=rng.choice(LAST_NAMES),
            first_name=rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M),
            birth_date=context.today - timedelta(days=rng.randint(22 * 365, 55 * 365)),
            actor=context.delegate,
            allow_duplicate=True,
            sex=Sex.F if female else Sex.M,
            phone="06 " + " ".join(str(rng.randint(10, 99)) for _ in range(4)),
            email=f"ancien{index + 1}@exemple.demo",
            diploma_level=rng.choice(list(DiplomaLevel)[:4]),
            is_job_seeker=True,
        )
        pathway = pathway_service.open_pathway(
            session,
            person,
            referred_on=entry,
            actor=context.delegate,
            territory_id=context.territories[index % len(context.territories)].id,
            delegate=context.delegate,
        )
        rights.record_information(session, person, on=entry, actor=context.delegate)
        _exit(context, pathway, last_contact - timedelta(days=7), ExitReason.DROPPED_OUT, context.delegate)
        coaccompaniment.add_note(
            session,
            pathway,
            body="Plus de réponse aux appels ni aux courriels depuis la sortie ; dossier clos.",
            actor=context.delegate,
            written_on=last_contact,
        )
    return len(ARCHIVED_DAYS_SHORT)


def _move(context: _Context, pathway: Pathway, request: MoveRequest, actor: User | None = None) -> bool:
    """Make the move if its date has come; False when it is still to come.

    A step that has its own first day (a PMSMP, a training, a contract, a
    week) and starts later is planned, as a conseiller records it ahead.
    """
    day = step_day(request)
    if request.trigger is Trigger.START_ORIENTATION:
        day = context.session.get_one(OrientationWeek, request.orientation_week_id).starts_on
    assert day is not None
    if day > context.today:
        if request.trigger in DATED_BY_RECORD:
            pathway_service.plan_step(context.session, pathway, request, actor or context.delegate)
        return False
    pathway_service.move(context.session, pathway, request, actor or context.delegate)
    return True


def _walk(context: _Context, pathway: Pathway, day: date, rsa: bool, kind: str | None = None) -> None:
    """Take the pathway as far as the calendar allows, as a real parcours would go."""
    rng, session = context.rng, context.session
    territory_id = pathway.territory_id or context.territories[0].id
    if rng.random() < 0.7:
        day = _session_day(context, pathway, day + timedelta(days=rng.randint(3, 15)))
        if not _register_at_info_session(context, pathway, day, territory_id):
            return
    if rng.random() < 0.07:
        _exit(context, pathway, day + timedelta(days=rng.randint(5, 20)), ExitReason.DROPPED_OUT)
        return
    week_start = _next_monday(day + timedelta(days=rng.randint(5, 25)))
    week = _week(context, week_start, territory_id)
    moved = _move(
        context,
        pathway,
        MoveRequest(
            Trigger.START_ORIENTATION,
            orientation_week_id=week.id,
            availability_confirmed=True,
            # A few noted absent at the information session came to the week all the same.
            absence_override=AbsenceOverride.OTHER_WAY,
        ),
    )
    participant = session.scalar(
        sa.select(OrientationParticipant).where(
            OrientationParticipant.week_id == week.id, OrientationParticipant.pathway_id == pathway.id
        )
    )
    if participant is not None:
        _convoke_to_week(context, week, participant)
    if not moved:
        return
    diagnostic_day = week_start + timedelta(days=4)
    if diagnostic_day > context.today:
        return
    for day_number in range(1, ORIENTATION_WEEK_DAYS + 1):
        session_service.mark_orientation_presence(
            session, participant, day_number, rng.random() < 0.93, context.delegate
        )
    validated = rng.random() < 0.82
    job = pathway.target_job_code or "K1311"
    pathway_service.record_diagnostic(
        session,
        pathway,
        written_on=diagnostic_day,
        project_validated=validated,
        target_job_code=job,
        actor=context.delegate,
        week_id=week.id,
        basic_skills="Savoirs de base acquis ; à consolider à l'écrit."
        if rng.random() < 0.4
        else "Savoirs de base acquis.",
        professional_values="Sens du contact, ponctualité, respect de la personne accompagnée.",
        barriers_and_levers="Motivation forte ; expérience d'aidant familial.",
        road_map=[
            ("PMSMP en structure", diagnostic_day + timedelta(days=14)),
            ("Entrée en formation", diagnostic_day + timedelta(days=45)),
        ]
        if validated
        else [],
    )
    _freins(context, pathway, diagnostic_day)
    if not validated:
        _exit(context, pathway, diagnostic_day + timedelta(days=2), ExitReason.REORIENTATION)
        return
    adviser = _adviser(context)
    pathway_service.assign_adviser(
        session,
        pathway,
        adviser,
        actor=context.delegate,
        on=diagnostic_day,
        note="Projet validé, passage de relais.",
    )
    _referents(context, pathway, diagnostic_day, adviser, rsa)
    day = diagnostic_day + timedelta(days=rng.randint(5, 12))
    if kind == "dropout":
        _dropout_then_another_training(context, pathway, day, adviser)
        return
    if kind == "suspended":
        # Paused and not back yet (maternity leave, a hospital stay…).
        _move(context, pathway, MoveRequest(Trigger.SUSPEND, day, suspend_reason="Congé maternité"), adviser)
        return
    if rsa and rng.random() < 0.6:
        if not _move(context, pathway, MoveRequest(Trigger.START_REINFORCEMENT, day), adviser):
            return
        day += timedelta(days=rng.randint(7, 14))
    if rng.random() < 0.08 and _suspend_and_resume(context, pathway, day, adviser) is None:
        return
    # Then immersion, training, employment, in the order the person needs.
    steps = 0
    while steps < 4:
        steps += 1
        # Each step lasts as long as it does in the field: a training runs its
        # course, a job search takes weeks.
        wait = {State.TRAINING: (60, 240), State.EMPLOYMENT: (20, 70), State.IMMERSION: (10, 30)}
        low, high = wait.get(pathway.state, (5, 20))
        day = pathway.last_event_on + timedelta(days=rng.randint(low, high))
        roll = rng.random()
        if rng.random() < 0.03:
            _exit(
                context,
                pathway,
                day,
                rng.choice(
                    [ExitReason.DROPPED_OUT, ExitReason.HEALTH, ExitReason.MOVED, ExitReason.OTHER_TRAINING]
                ),
                actor=adviser,
            )
            return
        state = pathway.state
        if (state in (State.ORIENTATION, State.REINFORCEMENT) and roll < 0.55) or (
            state is State.EMPLOYMENT and roll < 0.15
        ):
            if not _immersion(context, pathway, day, adviser):
                return
        elif state in (State.ORIENTATION, State.REINFORCEMENT, State.IMMERSION) and roll < 0.75:
            if not _training(context, pathway, day, adviser):
                return
        elif state in (State.ORIENTATION, State.REINFORCEMENT, State.IMMERSION, State.TRAINING) and (
            roll < 0.85 or state is State.TRAINING
        ):
            if state is State.TRAINING and rng.random() < 0.45:
                break  # straight to a contract
            if not _move(context, pathway, MoveRequest(Trigger.SEEK_EMPLOYMENT, day), adviser):
                return
        else:
            break
    day = pathway.last_event_on + timedelta(days=rng.randint(20, 60))
    if pathway.state is State.ON_HOLD:
        return
    if rng.random() < 0.06:
        _exit(
            context, pathway, day, rng.choice([ExitReason.OTHER_JOB, ExitReason.DROPPED_OUT]), actor=adviser
        )
        return
    if kind == "broken_cdd":
        _broken_cdd_then_cdi(context, pathway, day, adviser)
        return
    _contract_and_follow_up(context, pathway, day, adviser, vae=kind == "vae")


def _adviser(context: _Context) -> User:
    return context.advisers[0] if context.rng.random() < 0.65 else context.advisers[1]


def _lyon(context: _Context, pathway: Pathway, day: date) -> None:
    """Lyon's guichet unique: information collective, individual interview, PMSMP, IFAS training."""
    rng = context.rng
    territory_id = pathway.territory_id or context.territories[0].id
    day = _session_day(context, pathway, day + timedelta(days=rng.randint(3, 10)))
    if not _register_at_info_session(context, pathway, day, territory_id):
        return
    interview = day + timedelta(days=rng.randint(4, 12))
    if interview > context.today:
        return
    adviser = _adviser(context)
    pathway_service.record_diagnostic(
        context.session,
        pathway,
        written_on=interview,
        project_validated=True,
        target_job_code="J1501",
        kind=DiagnosticKind.INTERVIEW,
        actor=adviser,
        basic_skills="Savoirs de base acquis.",
        professional_values="Sens du soin, discrétion.",
        barriers_and_levers="Aucune expérience du secteur : PMSMP obligatoire avant l'IFAS.",
    )
    pathway_service.assign_adviser(
        context.session, pathway, adviser, actor=context.delegate, on=interview, note="Guichet unique."
    )
    pathway.target_job_code = "J1501"
    if not _immersion(context, pathway, interview + timedelta(days=rng.randint(5, 15)), adviser):
        return
    start = pathway.last_event_on + timedelta(days=rng.randint(20, 60))
    organisation = context.organisations[1]  # the IFAS
    _move(
        context,
        pathway,
        MoveRequest(
            Trigger.START_TRAINING,
            training=TrainingInput(organisation.id, "DEAS", FundingScheme.PRF, start),
            extra={"hours": 1540},
        ),
        adviser,
    )


def _job_dating(context: _Context, pathway: Pathway, day: date) -> None:
    """Hired at a job dating the week of the referral: a conseiller from the start, no diagnostic."""
    rng = context.rng
    adviser = _adviser(context)
    pathway_service.assign_adviser(
        context.session, pathway, adviser, actor=context.delegate, on=day, note="Recrutement au job dating."
    )
    employer = rng.choice([e for e in context.employers if e.employer_type is EmployerType.SAAD])
    hired = day + timedelta(days=rng.randint(2, 6))
    contract = ContractInput(employer.id, employer.employer_type, "K1302", ContractType.CDI, hired)
    if _move(context, pathway, MoveRequest(Trigger.SIGN_CONTRACT, contract=contract), adviser):
        _checkpoints_and_completion(context, pathway, hired, adviser)


def _broken_cdd_then_cdi(context: _Context, pathway: Pathway, day: date, adviser: User) -> None:
    """A CDD whose trial period is broken in month 2, a new search, then a CDI followed six months."""
    rng, session = context.rng, context.session
    employer = rng.choice(context.employers)
    cdd = ContractInput(
        employer.id, employer.employer_type, pathway.target_job_code or "K1311", ContractType.CDD, day, 6
    )
    if not _move(context, pathway, MoveRequest(Trigger.SIGN_CONTRACT, contract=cdd), adviser):
        return
    first = pathway_service.latest_contract(session, pathway)
    assert first is not None
    one_month = session.scalars(
        sa.select(Checkpoint).where(Checkpoint.contract_id == first.id, Checkpoint.month == 1)
    ).one()
    if one_month.due_on > context.today:
        return
    pathway_service.record_checkpoint(
        session,
        one_month,
        recorded_on=one_month.due_on,
        still_in_post=True,
        actor=adviser,
        difficulties="Horaires coupés difficiles à tenir.",
    )
    broken = day + timedelta(days=rng.randint(35, 55))
    if not _move(
        context,
        pathway,
        MoveRequest(
            Trigger.END_CONTRACT,
            broken,
            contract_end_reason=ContractEndReason.TRIAL_BROKEN_BY_EMPLOYER,
            comment="Rupture de la période d'essai au deuxième mois.",
        ),
        adviser,
    ):
        return
    second = rng.choice([e for e in context.employers if e is not employer])
    hired = broken + timedelta(days=rng.randint(15, 40))
    cdi = ContractInput(
        second.id, second.employer_type, pathway.target_job_code or "K1311", ContractType.CDI, hired
    )
    if _move(context, pathway, MoveRequest(Trigger.SIGN_CONTRACT, contract=cdi), adviser):
        _checkpoints_and_completion(context, pathway, hired, adviser)


def _dropout_then_another_training(context: _Context, pathway: Pathway, day: date, adviser: User) -> None:
    """A training abandoned after some weeks; a job search; another, shorter training; a contract."""
    rng = context.rng
    if not _training(context, pathway, day, adviser, dropout=True):
        return
    training = _last_training(context, pathway)
    if training.result is not TrainingResult.ABANDONED or training.ends_on is None:
        return
    if not _move(context, pathway, MoveRequest(Trigger.SEEK_EMPLOYMENT, training.ends_on), adviser):
        return
    if not _training(context, pathway, training.ends_on + timedelta(days=rng.randint(20, 45)), adviser):
        return
    second = _last_training(context, pathway)
    if second.ends_on is None or second.result is TrainingResult.IN_PROGRESS:
        return
    _contract_and_follow_up(context, pathway, second.ends_on + timedelta(days=rng.randint(10, 40)), adviser)


def _last_training(context: _Context, pathway: Pathway) -> Training:
    return context.session.scalars(
        sa.select(Training).where(Training.pathway_id == pathway.id).order_by(Training.id.desc()).limit(1)
    ).one()


def _places(context: _Context, territory_id: int) -> tuple[str, str]:
    name = next(t.name for t in context.territories if t.id == territory_id)
    return VENUES[name]


def _info_session(context: _Context, day: date, territory_id: int) -> InfoSession:
    key = (day, territory_id)
    if key not in context.info_sessions:
        context.info_sessions[key] = session_service.create_info_session(
            context.session,
            context.platform,
            held_on=day,
            starts_at=time(9, 30),
            ends_at=time(12, 0),
            place=_places(context, territory_id)[0],
            seats=15,
            actor=context.delegate,
            territory_id=territory_id,
            access=ACCESS[territory_index(context, territory_id)],
            contact_phone=CONTACT_PHONE,
        )
    return context.info_sessions[key]


def _week(context: _Context, monday: date, territory_id: int) -> OrientationWeek:
    key = (monday, territory_id)
    if key not in context.weeks:
        context.weeks[key] = session_service.create_orientation_week(
            context.session,
            context.platform,
            starts_on=monday,
            starts_at=time(9, 0),
            ends_at=time(16, 30),
            place=_places(context, territory_id)[1],
            seats=12,
            actor=context.delegate,
            territory_id=territory_id,
            access=ACCESS[territory_index(context, territory_id)],
            contact_phone=CONTACT_PHONE,
        )
    return context.weeks[key]


# --- convocations, answers, attendance (issue 11) ---------------------------------------------

# The answers people give (cumulative shares; the rest do not answer), roughly as a délégué sees them.
PAST_ANSWERS = (
    (0.60, InvitationAnswer.ATTENDING),
    (0.70, InvitationAnswer.NOT_ATTENDING),
    (0.78, InvitationAnswer.CALL_BACK),
)
COMING_ANSWERS = (
    (0.40, InvitationAnswer.ATTENDING),
    (0.45, InvitationAnswer.NOT_ATTENDING),
    (0.55, InvitationAnswer.CALL_BACK),
)
NOT_ATTENDING_REASONS = (
    "Garde d'enfant impossible ce jour-là.",
    "Je commence une mission d'intérim.",
    "Pas de transport ce matin-là.",
    None,
)


def _answer(
    context: _Context, record: object, kind: str, *, past: bool, answered_at: datetime | None
) -> None:
    """The person's answer, drawn as people answer, recorded by the public page's service."""
    roll = context.answers_rng.random()
    answer = next((a for limit, a in (PAST_ANSWERS if past else COMING_ANSWERS) if roll < limit), None)
    if answer is None:
        return
    convocation = (
        convocations.info_session_convocation(context.session, record)  # type: ignore[arg-type]
        if kind == answers.INFO_SESSION
        else convocations.week_convocation(context.session, record)  # type: ignore[arg-type]
    )
    # The link of a session held since has expired: the answer was given while it was valid.
    invitation = answers.Invitation(
        kind,
        record,  # type: ignore[arg-type]
        convocation.first_name,
        convocation.title,
        convocation.first_day,
        convocation.days,
        convocation.valid_until,
    )
    if not past:
        invitation = answers.read_token(context.session, convocation.token)
    reason = None
    if answer is InvitationAnswer.NOT_ATTENDING:
        reason = context.answers_rng.choice(NOT_ATTENDING_REASONS)
    answers.record_answer(context.session, invitation, answer, reason)
    if answered_at is not None:
        record.answered_at = answered_at  # type: ignore[attr-defined]
        if answer is InvitationAnswer.CALL_BACK:
            record.called_back_on = answered_at.date() + timedelta(days=1)  # type: ignore[attr-defined]


# Those referred in the last month wait for one of the two next sessions.
RECENT = timedelta(days=30)
NEXT_SESSIONS = (timedelta(days=4), timedelta(days=11))


def _session_day(context: _Context, pathway: Pathway, day: date) -> date:
    """The information session's day: ``day``, but the next sessions for people referred lately."""
    if day > context.today or pathway.last_event_on < context.today - RECENT:
        return day
    ahead = context.today + NEXT_SESSIONS[pathway.id % 2]
    while ahead.weekday() >= 5:
        ahead += timedelta(days=1)
    return ahead


def _register_at_info_session(context: _Context, pathway: Pathway, day: date, territory_id: int) -> bool:
    """Register at the session of ``day``, convoke, answer, note attendance; False when it is still to come.

    A session to come has its people registered today and convoked (by e-mail
    when the platform sends e-mail, else on paper), some of whom answered.
    """
    session = context.session
    info_session = _info_session(context, day, territory_id)
    past = day <= context.today
    registered_on = day if past else context.today
    _move(
        context,
        pathway,
        MoveRequest(Trigger.REGISTER_INFO_SESSION, registered_on, info_session_id=info_session.id),
    )
    attendance = session.scalar(
        sa.select(InfoSessionAttendance).where(
            InfoSessionAttendance.session_id == info_session.id,
            InfoSessionAttendance.person_id == pathway.person_id,
        )
    )
    assert attendance is not None
    sent = datetime.combine(day - timedelta(days=7), time(10), tzinfo=clock.PLATFORM_TIMEZONE)
    convocations.convoke_info_session(
        session,
        info_session,
        [attendance.id],
        context.delegate,
        deliver=not past,
        at=None if not past else sent,
    )
    answered_at = sent + timedelta(days=context.answers_rng.randint(1, 5)) if past else None
    _answer(context, attendance, answers.INFO_SESSION, past=past, answered_at=answered_at)
    if not past:
        return False
    roll = context.answers_rng.random()
    if attendance.answer is InvitationAnswer.NOT_ATTENDING:
        status = AttendanceStatus.EXCUSED
    elif attendance.answer is InvitationAnswer.ATTENDING:
        status = (
            AttendanceStatus.PRESENT
            if roll < 0.88
            else AttendanceStatus.ABSENT
            if roll < 0.96
            else AttendanceStatus.EXCUSED
        )
    else:
        status = (
            AttendanceStatus.PRESENT
            if roll < 0.65
            else AttendanceStatus.ABSENT
            if roll < 0.95
            else AttendanceStatus.EXCUSED
        )
    session_service.mark_info_session_attendance(session, attendance, status, context.delegate)
    return True


def _convoke_to_week(context: _Context, week: OrientationWeek, participant: OrientationParticipant) -> None:
    past = week.starts_on <= context.today
    sent = datetime.combine(week.starts_on - timedelta(days=10), time(10), tzinfo=clock.PLATFORM_TIMEZONE)
    convocations.convoke_week(
        context.session, week, [participant.id], context.delegate, deliver=not past, at=sent if past else None
    )
    if past:
        # Those who came said so, mostly; nobody who came had said no.
        if context.answers_rng.random() < 0.8:
            participant.answer = InvitationAnswer.ATTENDING
            participant.answered_at = sent + timedelta(days=context.answers_rng.randint(1, 6))
        return
    _answer(context, participant, answers.WEEK, past=False, answered_at=None)


# What the convocations say of the places (fictional numbers: 01 99 00 01 xx is reserved for fiction).
CONTACT_PHONE = "01 99 00 01 78"
ACCESS = (
    "Gare de Mantes-la-Jolie à 10 minutes à pied ; bus 2, arrêt Hôtel de ville. Accès de plain-pied.",
    "Gare de Versailles-Chantiers, puis bus 171 arrêt Préfecture ; ascenseur au fond du hall.",
)


def territory_index(context: _Context, territory_id: int) -> int:
    return next(i for i, t in enumerate(context.territories) if t.id == territory_id)


def _next_monday(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _exit(
    context: _Context, pathway: Pathway, day: date, reason: ExitReason, actor: User | None = None
) -> None:
    comment = "Départ de la région pour raisons familiales." if reason is ExitReason.OTHER else None
    _move(context, pathway, MoveRequest(Trigger.EXIT, day, exit_reason=reason, comment=comment), actor)


def _suspend_and_resume(context: _Context, pathway: Pathway, day: date, adviser: User) -> bool | None:
    rng = context.rng
    reason = rng.choice(["Congé maternité", "Hospitalisation", "Événement familial"])
    if not _move(context, pathway, MoveRequest(Trigger.SUSPEND, day, suspend_reason=reason), adviser):
        return None
    back = day + timedelta(days=rng.randint(20, 90))
    if not _move(context, pathway, MoveRequest(Trigger.RESUME, back), adviser):
        return None
    return True


def _freins(context: _Context, pathway: Pathway, day: date) -> None:
    rng = context.rng
    if rng.random() > 0.6:
        return
    categories = rng.sample(
        [
            BarrierCategory.MOBILITY,
            BarrierCategory.CHILDCARE,
            BarrierCategory.LANGUAGE,
            BarrierCategory.HOUSING,
            BarrierCategory.FINANCES,
            BarrierCategory.DIGITAL,
            BarrierCategory.ADMINISTRATIVE,
            BarrierCategory.HEALTH,
        ],
        k=rng.randint(1, 3),
    )
    details = {
        BarrierCategory.MOBILITY: "Pas de véhicule ; dépend des transports en commun.",
        BarrierCategory.CHILDCARE: "Enfant de moins de 3 ans sans solution de garde.",
        BarrierCategory.LANGUAGE: "Difficultés à l'écrit en français.",
        BarrierCategory.HOUSING: "Hébergée chez un tiers.",
        BarrierCategory.FINANCES: "Baisse de ressources pendant la formation.",
        BarrierCategory.DIGITAL: "Pas d'adresse électronique utilisée.",
        BarrierCategory.ADMINISTRATIVE: "Droits à ouvrir auprès de la CAF.",
        BarrierCategory.HEALTH: "Restriction de port de charges (sans précision médicale).",
    }
    for category in categories:
        barrier = barrier_service.identify_barrier(
            context.session,
            pathway,
            category=category,
            identified_on=day,
            actor=context.delegate,
            details=details[category],
        )
        later = day + timedelta(days=rng.randint(10, 60))
        if later <= context.today and rng.random() < 0.7:
            barrier_service.change_barrier_status(
                context.session,
                barrier,
                status=BarrierStatus.IN_PROGRESS,
                changed_on=later,
                actor=context.delegate,
                action_taken="Orientation vers le partenaire compétent.",
                partner="Centre communal d'action sociale",
            )
            closed = later + timedelta(days=rng.randint(10, 60))
            if closed <= context.today and rng.random() < 0.7:
                barrier_service.change_barrier_status(
                    context.session,
                    barrier,
                    status=BarrierStatus.RESOLVED if rng.random() < 0.85 else BarrierStatus.NOT_RESOLVABLE,
                    changed_on=closed,
                    actor=context.delegate,
                    action_taken="Solution trouvée avec la personne.",
                )


def _referents(context: _Context, pathway: Pathway, day: date, adviser: User, rsa: bool) -> None:
    rng, session = context.rng, context.session
    referent = coaccompaniment.add_referent(
        session,
        pathway,
        organisation_type=ReferentOrganisation.RSA_REFERENT if rsa else ReferentOrganisation.FRANCE_TRAVAIL,
        organisation_name="Département des Yvelines" if rsa else "France Travail Mantes-la-Jolie",
        name=rng.choice(["Mme Caron", "M. Aubert", "Mme Perrin", "M. Faure"]),
        email="referent@partenaire.demo",
        actor=adviser,
    )
    for _ in range(rng.randint(0, 2)):
        day += timedelta(days=rng.randint(10, 40))
        if day > context.today:
            break
        exchange = coaccompaniment.record_exchange(
            session,
            pathway,
            occurred_on=day,
            mode=rng.choice(list(ExchangeMode)),
            participants="La personne, la conseillère, le référent",
            summary="Point d'étape sur le parcours et les freins.",
            next_step="Préparer la PMSMP.",
            next_step_on=day + timedelta(days=14),
            referent=referent,
            actor=adviser,
        )
        # The conseiller's agenda: most next steps long past were done.
        late = exchange.next_step_on is not None and exchange.next_step_on < context.today - timedelta(days=3)
        if late and context.answers_rng.random() < 0.85:
            exchange.next_step_done_on = exchange.next_step_on


def _immersion(context: _Context, pathway: Pathway, day: date, adviser: User) -> bool:
    rng = context.rng
    employer = rng.choice(context.employers)
    ends = day + timedelta(days=rng.choice([1, 2, 4, 9]))
    request = MoveRequest(
        Trigger.START_IMMERSION,
        immersion=ImmersionInput(employer.id, day, ends),
        extra={
            "tutor_name": "Mme Girard",
            "tutor_job": "Responsable de secteur",
            "prescriber_type": PrescriberType.FRANCE_TRAVAIL,
            "objective": rng.choice(list(ImmersionObjective)),
            "job_code": pathway.target_job_code,
            "hours": 14,
        },
    )
    if not _move(context, pathway, request, adviser):
        return False
    if ends + timedelta(days=2) <= context.today:
        immersion = context.session.get(
            Immersion, pathway_service.last_event(context.session, pathway).details["immersion_id"]
        )
        record_immersion_assessment(
            context.session,
            immersion,
            outcome=rng.choice([ImmersionOutcome.COMPLETED] * 8 + [ImmersionOutcome.PARTIAL]),
            assessed_on=ends + timedelta(days=2),
            actor=adviser,
            employer_feedback="Personne investie, à l'aise avec les résidents.",
            leads_to=rng.choice(list(ImmersionFollowOn)),
        )
    return True


def _training(context: _Context, pathway: Pathway, day: date, adviser: User, dropout: bool = False) -> bool:
    rng = context.rng
    certification, funding, length, job = TRAININGS[0] if dropout else rng.choice(TRAININGS)
    organisation = rng.choice(context.organisations)
    request = MoveRequest(
        Trigger.START_TRAINING,
        training=TrainingInput(organisation.id, certification, funding, day),
        extra={"hours": length * 3},
    )
    if not _move(context, pathway, request, adviser):
        return False
    pathway.target_job_code = job
    if dropout:
        left = day + timedelta(days=rng.randint(15, 40))
        if left <= context.today:
            record_training_result(
                context.session,
                _last_training(context, pathway),
                result=TrainingResult.ABANDONED,
                ends_on=left,
                abandon_reason="Horaires incompatibles avec la garde des enfants.",
                actor=adviser,
            )
        return True
    ends = day + timedelta(days=length)
    if ends <= context.today:
        training = _last_training(context, pathway)
        result = rng.choice(
            [TrainingResult.OBTAINED] * 6 + [TrainingResult.PARTIAL] * 2 + [TrainingResult.FAILED]
        )
        record_training_result(
            context.session,
            training,
            result=result,
            ends_on=ends,
            actor=adviser,
            blocks_obtained="CCP1, CCP2" if result is TrainingResult.PARTIAL else None,
        )
    return True


def _contract_and_follow_up(
    context: _Context, pathway: Pathway, day: date, adviser: User, *, vae: bool = False
) -> None:
    rng = context.rng
    employer = rng.choice(context.employers)
    contract_type = rng.choice(
        [ContractType.CDI] * 4
        + [ContractType.CDD] * 4
        + [ContractType.INTERIM]
        + [ContractType.APPRENTICESHIP]
    )
    request = MoveRequest(
        Trigger.SIGN_CONTRACT,
        contract=ContractInput(
            employer.id,
            employer.employer_type,
            pathway.target_job_code or "K1311",
            contract_type,
            day,
            cdd_months=rng.choice([3, 6, 12, 18]) if contract_type is ContractType.CDD else None,
            training_organisation_id=context.organisations[0].id,
            training_certification_code="DEAES",
        ),
        extra={"hours_per_week": rng.choice([24, 28, 35])},
    )
    if not _move(context, pathway, request, adviser):
        return
    if vae and day + timedelta(days=60) <= context.today:
        pathway_service.add_training_in_employment(
            context.session,
            pathway,
            TrainingInput(context.organisations[3].id, "DEAES", FundingScheme.CPF, day + timedelta(days=60)),
            actor=adviser,
            hours=70,
        )
    _checkpoints_and_completion(context, pathway, day, adviser)


def _checkpoints_and_completion(context: _Context, pathway: Pathway, day: date, adviser: User) -> None:
    """The current contract's checkpoints as they fall due, then the completion."""
    rng, session = context.rng, context.session
    contract = pathway_service.latest_contract(session, pathway)
    assert contract is not None
    checkpoints = session.scalars(
        sa.select(Checkpoint).where(Checkpoint.contract_id == contract.id).order_by(Checkpoint.month)
    ).all()
    for checkpoint in checkpoints:
        recorded_on = checkpoint.due_on + timedelta(days=rng.randint(0, 6))
        if recorded_on > context.today:
            return
        # Some recent checkpoints are left overdue, as in real caseloads (older ones were caught up).
        if checkpoint.due_on >= context.today - timedelta(days=45) and rng.random() < 0.15:
            return
        in_post = rng.random() < 0.88
        pathway_service.record_checkpoint(
            session,
            checkpoint,
            recorded_on=recorded_on,
            still_in_post=in_post,
            actor=adviser,
            difficulties=None if in_post else "Rupture en fin de période d'essai.",
            action_taken="Échange avec l'employeur." if in_post else "Reprise de la recherche d'emploi.",
        )
        if not in_post:
            # The conseiller closes the contract the day she learns of it: the pathway looks for a job again.
            _move(
                context,
                pathway,
                MoveRequest(
                    Trigger.END_CONTRACT,
                    recorded_on,
                    contract_end_reason=ContractEndReason.TRIAL_BROKEN_BY_EMPLOYER,
                    comment="Rupture en fin de période d'essai.",
                ),
                adviser,
            )
            return
    finish = add_months(day, 6)
    last = checkpoints[-1].recorded_on if checkpoints else None
    _move(context, pathway, MoveRequest(Trigger.COMPLETE, max(finish, last or finish)), adviser)

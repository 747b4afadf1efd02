"""Random but seeded caseloads built through the services, and an independent oracle.

``build_caseload`` walks pathways through the state machine with random
dates, contracts (some ended early), exits, checkpoints, trainings (some
abandoned, some while employed) and freins, then adds the field's version-2
paths one by one (``add_field_paths``): a Lyon guichet-unique path, a CDD
broken in month 2 then a CDI, an abandoned training that goes on, exits out
of the sector, a hire at a job dating, a person with two pathways, and steps
still planned. Everything goes through the services. ``oracle``
recomputes every indicator of indicators.md in plain Python from the rows
read back (events, contracts, checkpoints...), without calling the code
under test: the Synthèse must equal it.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways.models import (
    Barrier,
    BarrierStatusChange,
    Checkpoint,
    Contract,
    Diagnostic,
    InfoSession,
    InfoSessionAttendance,
    OrientationWeek,
    Pathway,
    PathwayEvent,
    Person,
    Territory,
    Training,
)
from pathways.services import pathway as pathway_service
from pathways.services.barrier import change_barrier_status, identify_barrier
from pathways.services.enrolment import record_training_result
from pathways.services.platform import create_territory
from pathways.states import (
    ContractInput,
    ExitReason,
    ImmersionInput,
    MoveRequest,
    State,
    TrainingInput,
    Trigger,
    add_months,
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
    FundingScheme,
    PrescriberType,
    Sex,
    TrainingResult,
)
from tests.factories import World, make_person, week_on

JOBS = ("K1311", "J1501", "K1302")
TODAY = date(2026, 6, 15)


@dataclass
class Caseload:
    world: World
    pathways: list[Pathway]


def build_caseload(
    session: Session, world: World, *, seed: int, count: int = 30, field_paths: bool = True
) -> Caseload:
    """``count`` random pathways, plus the field's version-2 paths unless ``field_paths`` is off."""
    rng = random.Random(seed)
    second_territory = create_territory(session, world.platform, f"Nord {world.platform.slug}")
    territories = [world.territory.id, second_territory.id, None]
    info_sessions = []
    weeks = []
    for month in range(0, 30, 3):
        day = date(2024, 1, 8) + timedelta(days=30 * month)
        info = InfoSession(platform_id=world.platform.id, held_on=day, place="Mantes", seats=20)
        week = OrientationWeek(
            platform_id=world.platform.id, starts_on=day + timedelta(days=7), place="Mantes"
        )
        session.add_all([info, week])
        info_sessions.append(info)
        weeks.append(week)
    session.flush()
    pathways = []
    for _ in range(count):
        person = make_person(
            session,
            world,
            birth_date=date(rng.randint(1965, 2006), rng.randint(1, 12), rng.randint(1, 28)),
            sex=rng.choice([*Sex, None]),
            diploma_level=rng.choice([*DiplomaLevel, None]),
            is_job_seeker=rng.random() < 0.6,
            is_rsa_beneficiary=rng.random() < 0.3,
            is_reconversion=rng.random() < 0.2,
            is_rqth=rng.random() < 0.1,
            is_bpi=rng.random() < 0.1,
            is_qpv_resident=rng.random() < 0.2,
            is_zrr_resident=rng.random() < 0.1,
        )
        start = date(2024, 1, 2) + timedelta(days=rng.randint(0, 850))
        pathway = pathway_service.open_pathway(
            session,
            person,
            referred_on=start,
            actor=world.delegate,
            territory_id=rng.choice(territories),
            prescriber_type=rng.choice([*PrescriberType, None]),
        )
        _walk(session, world, pathway, rng, start, info_sessions)
        if rng.random() < 0.5:
            _barriers(session, world, pathway, rng, start)
        pathways.append(pathway)
    if field_paths:
        pathways += add_field_paths(session, world).pathways
    return Caseload(world, pathways)


def _walk(
    session: Session,
    world: World,
    pathway: Pathway,
    rng: random.Random,
    day: date,
    info_sessions: list[InfoSession],
) -> None:
    validated = False
    while True:
        day += timedelta(days=rng.randint(1, 75))
        if day > TODAY or rng.random() < 0.1:
            return
        state = State(pathway.state)
        if state.is_terminal:
            return
        options: list[Trigger]
        if state is State.REFERRED:
            options = [Trigger.REGISTER_INFO_SESSION, Trigger.START_ORIENTATION, Trigger.EXIT]
        elif state is State.INFO_SESSION:
            options = [Trigger.START_ORIENTATION, Trigger.START_ORIENTATION, Trigger.EXIT]
        elif state is State.FOLLOW_UP:
            options = [Trigger.COMPLETE, Trigger.COMPLETE, Trigger.EXIT]
        elif state is State.ON_HOLD:
            options = [Trigger.RESUME, Trigger.EXIT]
        else:
            options = [Trigger.START_IMMERSION, Trigger.SIGN_CONTRACT, Trigger.EXIT, Trigger.SUSPEND]
            if state is State.ORIENTATION:
                options.append(Trigger.START_REINFORCEMENT)
            if validated and state is not State.TRAINING:
                options += [Trigger.START_TRAINING, Trigger.START_TRAINING]
            if validated and state is not State.EMPLOYMENT:
                options.append(Trigger.SEEK_EMPLOYMENT)
        trigger = rng.choice(options)
        if trigger is Trigger.START_IMMERSION and state is State.TRAINING:
            trigger = Trigger.EXIT if rng.random() < 0.5 else Trigger.SIGN_CONTRACT
        if trigger is Trigger.COMPLETE:
            contract = pathway_service.latest_contract(session, pathway)
            assert contract is not None
            due = add_months(contract.starts_on, 6)
            if due > TODAY:
                return
            day = max(day, due)
            if day > TODAY:
                return
            checkpoint = session.scalar(
                sa.select(Checkpoint).where(Checkpoint.contract_id == contract.id, Checkpoint.month == 6)
            )
            if checkpoint.recorded_on is None:
                pathway_service.record_checkpoint(
                    session,
                    checkpoint,
                    recorded_on=day,
                    still_in_post=rng.random() < 0.8,
                    actor=world.adviser,
                )
        cdd_months = rng.choice([3, 6, 12, 18])
        # Drawn as before version 2 dated contracts by their start (the draw is
        # unused now): the scenario's random stream, and so its data, stay the same.
        rng.randint(0, 5)
        contract_type = rng.choice(list(ContractType))
        info = max(
            (s for s in info_sessions if s.held_on <= day), key=lambda s: s.held_on, default=info_sessions[0]
        )
        request = MoveRequest(
            trigger=trigger,
            occurred_on=day,
            comment="Précision" if trigger is Trigger.EXIT else None,
            info_session_id=info.id,
            orientation_week_id=week_on(session, world, day).id,
            availability_confirmed=True,
            absence_override=AbsenceOverride.OTHER_WAY,
            immersion=ImmersionInput(world.employer.id, day, day + timedelta(days=3)),
            training=TrainingInput(world.organisation.id, "TP_ADVF", FundingScheme.PRF, day),
            contract=ContractInput(
                world.employer.id,
                rng.choice([EmployerType.SAAD, EmployerType.SAAD, EmployerType.EHPAD]),
                rng.choice(JOBS),
                contract_type,
                day,
                cdd_months if contract_type is ContractType.CDD else None,
                world.organisation.id,
                "DEAES",
            ),
            exit_reason=rng.choice(list(ExitReason)),
            suspend_reason="Santé",
            contract_end_reason=rng.choice(list(ContractEndReason)),
        )
        event = pathway_service.move(session, pathway, request, world.delegate)
        if trigger is Trigger.REGISTER_INFO_SESSION and rng.random() < 0.7:
            attendance = session.scalar(
                sa.select(InfoSessionAttendance).where(
                    InfoSessionAttendance.session_id == info.id,
                    InfoSessionAttendance.person_id == pathway.person_id,
                )
            )
            # One draw, as before the statuses: present, excused or absent.
            roll = rng.random()
            attendance.status = (
                AttendanceStatus.PRESENT
                if roll < 0.8
                else AttendanceStatus.EXCUSED
                if roll < 0.88
                else AttendanceStatus.ABSENT
            )
        if trigger is Trigger.START_ORIENTATION:
            validated = rng.random() < 0.8
            pathway_service.record_diagnostic(
                session, pathway, written_on=day, project_validated=validated, actor=world.delegate
            )
            if pathway.adviser_id is None:
                pathway_service.assign_adviser(session, pathway, world.adviser, actor=world.delegate, on=day)
        if trigger is Trigger.START_TRAINING:
            training = session.get(Training, event.details["training_id"])
            ends_on = day + timedelta(days=rng.randint(20, 300))
            if ends_on <= TODAY:
                result = rng.choice([r for r in TrainingResult if r.is_final])
                record_training_result(
                    session,
                    training,
                    result=result,
                    actor=world.adviser,
                    ends_on=ends_on,
                    abandon_reason="Garde d'enfant" if result is TrainingResult.ABANDONED else None,
                    blocks_obtained="CCP1" if result is TrainingResult.PARTIAL else None,
                )
        if trigger is Trigger.SIGN_CONTRACT and rng.random() < 0.2:
            pathway_service.add_training_in_employment(
                session,
                pathway,
                TrainingInput(world.organisation.id, "DEAS", FundingScheme.CPF, day + timedelta(days=10)),
                actor=world.adviser,
            )
        if trigger is Trigger.SIGN_CONTRACT:
            # Some contracts end early (a CDD, a broken trial period): the
            # pathway goes back to the job search.
            ends_on = day + timedelta(days=rng.randint(10, 250))
            broken = rng.random() < 0.25 and ends_on <= TODAY
            for checkpoint in session.scalars(
                sa.select(Checkpoint).where(Checkpoint.contract_id == event.details["contract_id"])
            ).all():
                late = checkpoint.due_on + timedelta(days=rng.randint(0, 60))
                if broken and late > ends_on:
                    continue
                if late <= TODAY and rng.random() < (0.7 if checkpoint.month < 6 else 0.4):
                    # Some recorded late: after the end of some periods.
                    pathway_service.record_checkpoint(
                        session,
                        checkpoint,
                        recorded_on=late,
                        still_in_post=rng.random() < 0.8,
                        actor=world.adviser,
                    )
            if broken:
                pathway_service.move(
                    session,
                    pathway,
                    MoveRequest(
                        Trigger.END_CONTRACT,
                        occurred_on=ends_on,
                        comment="Précision",
                        contract_end_reason=rng.choice(list(ContractEndReason)),
                    ),
                    world.adviser,
                )
                day = ends_on


@dataclass
class FieldPaths:
    """The version-2 paths of one platform, by name, and the steps still planned."""

    lyon: Pathway
    broken_cdd: Pathway
    dropout: Pathway
    other_job: Pathway
    other_training: Pathway
    job_dating: Pathway
    first_visit: Pathway
    second_visit: Pathway
    planned: Pathway

    @property
    def pathways(self) -> list[Pathway]:
        return [
            self.lyon,
            self.broken_cdd,
            self.dropout,
            self.other_job,
            self.other_training,
            self.job_dating,
            self.first_visit,
            self.second_visit,
            self.planned,
        ]


def add_field_paths(session: Session, world: World) -> FieldPaths:
    """The field's real paths (pathway.md, version 2), each step through the services."""
    delegate, adviser = world.delegate, world.adviser

    def step(pathway: Pathway, trigger: Trigger, on: date, **details: Any) -> Any:
        request = MoveRequest(trigger, occurred_on=on, **details)
        return pathway_service.record_step(session, pathway, request, adviser)

    def enter(on: date, person: Person | None = None, **fields: Any) -> Pathway:
        return pathway_service.open_pathway(
            session,
            person or make_person(session, world, **fields),
            referred_on=on,
            actor=delegate,
            territory_id=world.territory.id,
            prescriber_type=PrescriberType.FRANCE_TRAVAIL,
        )

    def orientation_week(pathway: Pathway, on: date) -> None:
        week = week_on(session, world, on)
        pathway_service.move(
            session,
            pathway,
            MoveRequest(
                Trigger.START_ORIENTATION,
                orientation_week_id=week.id,
                availability_confirmed=True,
                absence_override=AbsenceOverride.OTHER_WAY,
            ),
            delegate,
        )
        pathway_service.record_diagnostic(
            session,
            pathway,
            written_on=on + timedelta(days=4),
            project_validated=True,
            target_job_code="K1311",
            week_id=week.id,
            actor=delegate,
        )
        pathway_service.assign_adviser(session, pathway, adviser, actor=delegate, on=on + timedelta(days=4))

    def interview(pathway: Pathway, on: date) -> None:
        # Lyon's guichet unique, a job dating: a conseiller from the start, no week.
        pathway_service.assign_adviser(session, pathway, adviser, actor=world.manager, on=on)
        pathway_service.record_diagnostic(
            session,
            pathway,
            written_on=on,
            project_validated=True,
            target_job_code="J1501",
            kind=DiagnosticKind.INTERVIEW,
            actor=adviser,
        )

    def contract(
        employer_type: EmployerType, job: str, kind: ContractType, on: date, months: int | None = None
    ) -> ContractInput:
        return ContractInput(world.employer.id, employer_type, job, kind, on, months)

    def checkpoints(event: PathwayEvent, *, until: date, still_in_post: bool = True) -> None:
        for checkpoint in session.scalars(
            sa.select(Checkpoint)
            .where(Checkpoint.contract_id == event.details["contract_id"])
            .order_by(Checkpoint.month)
        ):
            if checkpoint.due_on <= until:
                pathway_service.record_checkpoint(
                    session,
                    checkpoint,
                    recorded_on=checkpoint.due_on,
                    still_in_post=still_in_post,
                    actor=adviser,
                )

    # Lyon: phone call, interview, compulsory PMSMP, IFAS, hired; no orientation week.
    lyon = enter(date(2025, 2, 3), sex=Sex.F, is_rsa_beneficiary=True)
    interview(lyon, date(2025, 2, 10))
    step(
        lyon,
        Trigger.START_IMMERSION,
        date(2025, 2, 17),
        immersion=ImmersionInput(world.employer.id, date(2025, 2, 17), date(2025, 2, 21)),
    )
    lyon_training = step(
        lyon,
        Trigger.START_TRAINING,
        date(2025, 3, 3),
        training=TrainingInput(world.organisation.id, "DEAS", FundingScheme.PRF, date(2025, 3, 3)),
    )
    record_training_result(
        session,
        session.get(Training, lyon_training.details["training_id"]),
        result=TrainingResult.OBTAINED,
        actor=adviser,
        ends_on=date(2025, 12, 12),
    )
    step(lyon, Trigger.SEEK_EMPLOYMENT, date(2025, 12, 15))
    step(
        lyon,
        Trigger.SIGN_CONTRACT,
        date(2026, 1, 5),
        contract=contract(EmployerType.EHPAD, "J1501", ContractType.CDI, date(2026, 1, 5)),
    )

    # A CDD broken by the employer in month 2, then a CDI kept six months, a VAE meanwhile.
    broken = enter(date(2025, 1, 13), sex=Sex.F, is_job_seeker=True)
    orientation_week(broken, date(2025, 1, 20))
    step(
        broken,
        Trigger.SIGN_CONTRACT,
        date(2025, 3, 3),
        contract=contract(EmployerType.SAAD, "K1311", ContractType.CDD, date(2025, 3, 3), 6),
    )
    step(
        broken,
        Trigger.END_CONTRACT,
        date(2025, 4, 25),
        comment="Rupture pendant l'essai",
        contract_end_reason=ContractEndReason.TRIAL_BROKEN_BY_EMPLOYER,
    )
    cdi = step(
        broken,
        Trigger.SIGN_CONTRACT,
        date(2025, 6, 2),
        contract=contract(EmployerType.SAAD, "K1302", ContractType.CDI, date(2025, 6, 2)),
    )
    pathway_service.add_training_in_employment(
        session,
        broken,
        TrainingInput(world.organisation.id, "DEAES", FundingScheme.CPF, date(2025, 9, 1)),
        actor=adviser,
    )
    checkpoints(cdi, until=date(2025, 12, 2))
    step(broken, Trigger.COMPLETE, date(2025, 12, 3))

    # A training abandoned in month 2; the person looks for a job and is hired.
    dropout = enter(date(2025, 3, 3), sex=Sex.M, is_reconversion=True)
    orientation_week(dropout, date(2025, 3, 10))
    dropped = step(
        dropout,
        Trigger.START_TRAINING,
        date(2025, 4, 7),
        training=TrainingInput(world.organisation.id, "TP_ADVF", FundingScheme.POEI, date(2025, 4, 7)),
    )
    record_training_result(
        session,
        session.get(Training, dropped.details["training_id"]),
        result=TrainingResult.ABANDONED,
        actor=adviser,
        ends_on=date(2025, 5, 20),
        abandon_reason="Garde d'enfant",
    )
    step(dropout, Trigger.SEEK_EMPLOYMENT, date(2025, 5, 26))
    step(
        dropout,
        Trigger.SIGN_CONTRACT,
        date(2025, 7, 1),
        contract=contract(EmployerType.SAAD, "K1311", ContractType.CDD, date(2025, 7, 1), 12),
    )

    # Out of the sector: a job elsewhere, a training elsewhere.
    other_job = enter(date(2025, 4, 1), is_qpv_resident=True)
    orientation_week(other_job, date(2025, 4, 7))
    step(other_job, Trigger.EXIT, date(2025, 6, 10), exit_reason=ExitReason.OTHER_JOB, comment="Logistique")
    other_training = enter(date(2025, 5, 12), birth_date=date(2004, 5, 1))
    orientation_week(other_training, date(2025, 5, 19))
    step(other_training, Trigger.EXIT, date(2025, 9, 1), exit_reason=ExitReason.OTHER_TRAINING, comment="BTS")

    # Hired at a job dating the week she was referred.
    job_dating = enter(date(2025, 5, 5), sex=Sex.F)
    pathway_service.assign_adviser(session, job_dating, adviser, actor=world.manager, on=date(2025, 5, 5))
    step(
        job_dating,
        Trigger.SIGN_CONTRACT,
        date(2025, 5, 7),
        contract=contract(EmployerType.PRIVATE_EMPLOYER, "K1304", ContractType.INTERIM, date(2025, 5, 7)),
    )

    # A person who left, and came back: two pathways, one person.
    person = make_person(session, world, sex=Sex.F, is_rsa_beneficiary=True)
    first_visit = enter(date(2024, 10, 1), person=person)
    orientation_week(first_visit, date(2024, 10, 7))
    step(first_visit, Trigger.EXIT, date(2025, 4, 15), exit_reason=ExitReason.DROPPED_OUT)
    second_visit = enter(date(2025, 9, 1), person=person)
    orientation_week(second_visit, date(2025, 9, 8))
    step(
        second_visit,
        Trigger.START_IMMERSION,
        date(2025, 10, 6),
        immersion=ImmersionInput(world.employer.id, date(2025, 10, 6), date(2025, 10, 8)),
    )

    # Steps still to come: planned, not facts (today is 15/06/2026).
    planned = enter(date(2026, 3, 2))
    orientation_week(planned, date(2026, 3, 9))
    step(planned, Trigger.SEEK_EMPLOYMENT, date(2026, 4, 1))
    step(
        planned,
        Trigger.START_TRAINING,
        date(2026, 7, 6),
        training=TrainingInput(world.organisation.id, "DEAES", FundingScheme.PRF, date(2026, 7, 6)),
    )
    step(
        planned,
        Trigger.SIGN_CONTRACT,
        date(2026, 7, 1),
        contract=contract(EmployerType.SAAD, "K1311", ContractType.CDI, date(2026, 7, 1)),
    )
    return FieldPaths(
        lyon, broken, dropout, other_job, other_training, job_dating, first_visit, second_visit, planned
    )


def _barriers(session: Session, world: World, pathway: Pathway, rng: random.Random, start: date) -> None:
    for _ in range(rng.randint(1, 3)):
        identified_on = start + timedelta(days=rng.randint(0, 200))
        if identified_on > TODAY:
            continue
        category = rng.choice(list(BarrierCategory))
        barrier = identify_barrier(
            session,
            pathway,
            category=category,
            identified_on=identified_on,
            actor=world.adviser,
            details="Précision" if category is BarrierCategory.OTHER else None,
        )
        changed_on = identified_on + timedelta(days=rng.randint(0, 150))
        if changed_on <= TODAY:
            change_barrier_status(
                session,
                barrier,
                status=rng.choice(
                    [BarrierStatus.IN_PROGRESS, BarrierStatus.RESOLVED, BarrierStatus.NOT_RESOLVABLE]
                ),
                changed_on=changed_on,
                actor=world.adviser,
            )


# --- the oracle -------------------------------------------------------------


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _plus_months(day: date, months: int) -> date:
    """``day`` + ``months``, clamped to the month's end (written here again, on purpose)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


ACCOMPANIMENT = (
    State.ORIENTATION,
    State.REINFORCEMENT,
    State.IMMERSION,
    State.TRAINING,
    State.EMPLOYMENT,
    State.FOLLOW_UP,
)


def oracle(session: Session, platform_ids: list[int], start: date, end: date) -> dict[str, Any]:
    """Every indicator, recomputed from the stored facts in plain Python."""

    def within(day: date | None) -> bool:
        return day is not None and start <= day <= end

    pathways = {
        p.id: p for p in session.scalars(sa.select(Pathway).where(Pathway.platform_id.in_(platform_ids)))
    }
    persons = {
        p.id: p for p in session.scalars(sa.select(Person).where(Person.platform_id.in_(platform_ids)))
    }
    territories = {t.id: t.name for t in session.scalars(sa.select(Territory))}
    events: dict[int, list[PathwayEvent]] = {pid: [] for pid in pathways}
    for event in session.scalars(sa.select(PathwayEvent)):
        if event.pathway_id in pathways:
            events[event.pathway_id].append(event)
    for history in events.values():
        history.sort(key=lambda e: e.sequence)
    contracts = {c.id: c for c in session.scalars(sa.select(Contract)) if c.pathway_id in pathways}
    trainings = {t.id: t for t in session.scalars(sa.select(Training)) if t.pathway_id in pathways}
    values: dict[str, Any] = {}
    period_events = [e for history in events.values() for e in history if within(e.occurred_on)]

    def rate(numerator: int, denominator: int) -> tuple[float | None, int]:
        return (numerator / denominator if denominator else None, denominator)

    accompanied_ids = []
    entered_ids = []
    for pid, history in events.items():
        if history[0].trigger is Trigger.REFER and within(history[0].occurred_on):
            entered_ids.append(pid)
        reached = any(e.to_state in ACCOMPANIMENT and e.occurred_on <= end for e in history)
        ended_before = any(
            e.to_state in (State.COMPLETED, State.EXITED) and e.occurred_on < start for e in history
        )
        if reached and not ended_before:
            accompanied_ids.append(pid)
    values["entries"] = len(entered_ids)
    values["entries_persons"] = len({pathways[pid].person_id for pid in entered_ids})
    values["accompanied"] = len(accompanied_ids)
    values["accompanied_persons"] = len({pathways[pid].person_id for pid in accompanied_ids})

    sessions = [s for s in session.scalars(sa.select(InfoSession)) if s.platform_id in platform_ids]
    held = [s for s in sessions if within(s.held_on)]
    values["info_sessions_held"] = len(held)
    held_ids = {s.id for s in held}
    values["info_session_attendees"] = len(
        {
            a.person_id
            for a in session.scalars(sa.select(InfoSessionAttendance))
            if a.session_id in held_ids and a.status is AttendanceStatus.PRESENT
        }
    )
    values["orientation_weeks_held"] = sum(
        1
        for w in session.scalars(sa.select(OrientationWeek))
        if w.platform_id in platform_ids and within(w.starts_on)
    )
    by_trigger = Counter(e.trigger for e in period_events)
    values["orientation_entrants"] = by_trigger[Trigger.START_ORIENTATION]
    values["projects_validated"] = sum(
        1
        for d in session.scalars(sa.select(Diagnostic))
        if d.pathway_id in pathways and d.project_validated and within(d.written_on)
    )
    values["immersions_started"] = by_trigger[Trigger.START_IMMERSION]
    values["trainings_started"] = by_trigger[Trigger.START_TRAINING]
    started = [
        trainings[e.details["training_id"]] for e in period_events if e.trigger is Trigger.START_TRAINING
    ]
    for certification, n in Counter(t.certification_code for t in started).items():
        values[f"trainings_started.{certification}"] = n
    fundings = Counter(t.funding.value for t in started)
    for funding in FundingScheme:
        values[f"trainings_started.funding.{funding.value}"] = fundings[funding.value]
    values["trainings_in_employment"] = sum(
        1 for t in trainings.values() if t.in_employment and within(t.starts_on)
    )
    values["contracts_signed"] = by_trigger[Trigger.SIGN_CONTRACT]

    barriers = [b for b in session.scalars(sa.select(Barrier)) if b.pathway_id in pathways]
    barrier_category = {b.id: b.category.value for b in barriers}
    identified = Counter(b.category.value for b in barriers if within(b.identified_on))
    resolved_ids = {
        c.barrier_id
        for c in session.scalars(sa.select(BarrierStatusChange))
        if c.barrier_id in barrier_category and c.status is BarrierStatus.RESOLVED and within(c.changed_on)
    }
    resolved = Counter(barrier_category[b] for b in resolved_ids)
    values["barriers_identified"] = sum(identified.values())
    values["barriers_resolved"] = sum(resolved.values())
    for category in BarrierCategory:
        values[f"barriers_identified.{category.value}"] = identified[category.value]
        values[f"barriers_resolved.{category.value}"] = resolved[category.value]

    def outside(e: PathwayEvent) -> bool:
        return e.trigger is Trigger.EXIT and e.details.get("reason") in ("other_training", "other_job")

    def in_sector(pid: int) -> bool:
        return any(
            e.trigger in (Trigger.START_TRAINING, Trigger.SIGN_CONTRACT) and within(e.occurred_on)
            for e in events[pid]
        )

    def has_access(pid: int) -> bool:
        return in_sector(pid) or any(outside(e) and within(e.occurred_on) for e in events[pid])

    access = {pid for pid in accompanied_ids if has_access(pid)}
    sector = [pid for pid in accompanied_ids if in_sector(pid)]
    values["access_training_or_job"] = len(access)
    values["access_rate"] = rate(len(access), len(accompanied_ids))
    values["access_sector_training_or_job"] = len(sector)
    values["access_sector_rate"] = rate(len(sector), len(accompanied_ids))
    values["positive_exits"] = sum(
        1
        for history in events.values()
        if any(within(e.occurred_on) and (e.trigger is Trigger.SIGN_CONTRACT or outside(e)) for e in history)
    )
    ended = Counter(t.result for t in trainings.values() if within(t.ends_on))
    values["training_certified"] = ended[TrainingResult.OBTAINED]
    values["training_partial"] = ended[TrainingResult.PARTIAL]
    values["training_not_certified"] = ended[TrainingResult.FAILED]
    values["training_dropouts"] = ended[TrainingResult.ABANDONED]
    in_progress = sum(
        1 for t in trainings.values() if t.starts_on <= end and (t.ends_on is None or t.ends_on >= start)
    )
    values["training_dropout_rate"] = rate(ended[TrainingResult.ABANDONED], in_progress)

    early = Counter()
    for e in period_events:
        if e.trigger is Trigger.END_CONTRACT:
            broken = contracts[e.details["contract_id"]]
            if e.occurred_on < _plus_months(broken.starts_on, 6):
                early[e.details["reason"]] += 1
    values["contracts_ended_early"] = sum(early.values())
    for reason in ContractEndReason:
        values[f"contracts_ended.{reason.value}"] = early[reason.value]

    for code, trigger in (
        ("median_days_to_orientation", Trigger.START_ORIENTATION),
        ("median_days_to_training", Trigger.START_TRAINING),
        ("median_days_to_contract", Trigger.SIGN_CONTRACT),
    ):
        days = []
        for history in events.values():
            firsts = [e for e in history if e.trigger is trigger]
            if firsts and within(firsts[0].occurred_on):
                days.append((firsts[0].occurred_on - history[0].occurred_on).days)
        values[code] = float(statistics.median(days)) if days else None
        values[f"_days.{code}"] = Counter(days)

    exits = Counter(e.details["reason"] for e in period_events if e.trigger is Trigger.EXIT)
    for reason in ExitReason:
        values[f"exits.{reason.value}"] = exits[reason.value]

    signed = [
        contracts[e.details["contract_id"]] for e in period_events if e.trigger is Trigger.SIGN_CONTRACT
    ]
    kinds = Counter()
    for contract in signed:
        if contract.contract_type is ContractType.CDD:
            kinds["cdd_12m_plus" if contract.cdd_months >= 12 else "cdd_under_12m"] += 1
        else:
            kinds[contract.contract_type.value] += 1
    for code in (
        "cdi",
        "cdd_12m_plus",
        "cdd_under_12m",
        "interim",
        "apprenticeship",
        "professionalisation",
        "other",
    ):
        values[f"contracts.{code}"] = kinds[code]
    saad = sum(1 for c in signed if c.employer_type is EmployerType.SAAD)
    values["contracts_share_home_care"] = rate(saad, len(signed))
    jobs = Counter(c.job_code for c in signed)
    for job, n in jobs.items():
        values[f"jobs.{job}"] = n
        values[f"jobs_share.{job}"] = rate(n, len(signed))
    values["_jobs_by_employer"] = Counter((c.job_code, c.employer_type.value) for c in signed)

    sixes = [c for c in session.scalars(sa.select(Checkpoint)) if c.pathway_id in pathways and c.month == 6]
    recorded = [c for c in sixes if within(c.recorded_on)]
    in_post = sum(1 for c in recorded if c.still_in_post)
    values["in_post_6_months"] = in_post
    values["retention_6_months_rate"] = rate(in_post, len(recorded))
    values["checkpoints_6_months_missing"] = sum(
        1
        for c in sixes
        if within(c.due_on)
        and (c.recorded_on is None or c.recorded_on > end)
        and (c.cancelled_on is None or c.cancelled_on > end)
    )

    # Breakdowns over the accompanied pathways.
    breakdowns: dict[str, Counter[tuple[str, bool]]] = {
        name: Counter() for name in ("publics", "sexe", "age", "diplome", "prescripteur", "territoire")
    }
    for pid in accompanied_ids:
        pathway = pathways[pid]
        person = persons[pathway.person_id]
        age = _age(person.birth_date, events[pid][0].occurred_on)
        band = "<26" if age < 26 else "26-44" if age < 45 else "45-54" if age < 55 else "55+"
        publics = [
            code
            for code, flag in (
                ("de", person.is_job_seeker),
                ("brsa", person.is_rsa_beneficiary),
                ("youth", age < 26),
                ("reconversion", person.is_reconversion),
                ("rqth", person.is_rqth),
                ("bpi", person.is_bpi),
                ("qpv", person.is_qpv_resident),
                ("zrr", person.is_zrr_resident),
            )
            if flag
        ]
        level = person.diploma_level.value if person.diploma_level else "non_renseigne"
        diploma = "5+" if level in ("5", "6", "7", "8") else level
        got = pid in access
        for name, modalities in {
            "publics": publics,
            "sexe": [person.sex.value if person.sex else "non_renseigne"],
            "age": [band],
            "diplome": [diploma],
            "prescripteur": [pathway.prescriber_type.value if pathway.prescriber_type else "non_renseigne"],
            "territoire": [territories.get(pathway.territory_id, "non_renseigne")],
        }.items():
            for modality in modalities:
                breakdowns[name][(modality, False)] += 1
                if got:
                    breakdowns[name][(modality, True)] += 1
    values["_breakdowns"] = breakdowns
    values["_funnel"], values["_outcomes"] = _cohort_of_entrants(
        session, pathways, events, start, end, as_of=end
    )
    return values


def _cohort_of_entrants(
    session: Session,
    pathways: dict[int, Pathway],
    events: dict[int, list[PathwayEvent]],
    start: date | None,
    end: date | None,
    *,
    as_of: date,
) -> tuple[list[int], Counter[tuple[str, str]]]:
    """The funnel (persons at each milestone or later) and the outcomes by quarter, in plain Python."""
    in_post = {
        c.pathway_id
        for c in session.scalars(sa.select(Checkpoint))
        if c.month == 6 and c.still_in_post and c.recorded_on is not None and c.recorded_on <= as_of
    }
    furthest: dict[int, int] = {}
    latest: dict[int, tuple[date, int]] = {}
    for pid, history in events.items():
        entry = history[0].occurred_on
        if (start is not None and entry < start) or (end is not None and entry > end):
            continue
        level = 0
        for e in history:
            if e.occurred_on > as_of:
                continue
            if e.to_state in (State.FOLLOW_UP, State.COMPLETED):
                level = max(level, 3)
            elif e.to_state in (State.IMMERSION, State.TRAINING, State.EMPLOYMENT) or (
                e.trigger is Trigger.EXIT and e.details.get("reason") in ("other_training", "other_job")
            ):
                level = max(level, 2)
            elif e.to_state in (State.ORIENTATION, State.REINFORCEMENT):
                level = max(level, 1)
        if pid in in_post:
            level = 4
        person = pathways[pid].person_id
        furthest[person] = max(furthest.get(person, 0), level)
        latest[person] = max(latest.get(person, (date.min, 0)), (entry, pid))
    funnel = [sum(1 for level in furthest.values() if level >= rank) for rank in range(5)]
    outcomes: Counter[tuple[str, str]] = Counter()
    for entry, pid in latest.values():
        history = [e for e in events[pid] if e.occurred_on <= as_of]
        last = history[-1]
        if last.to_state is State.COMPLETED:
            outcome = "completed"
        elif last.to_state is State.FOLLOW_UP:
            outcome = "follow_up"
        elif last.to_state is State.EXITED:
            positive = last.details.get("reason") in ("other_training", "other_job")
            outcome = "positive_exit" if positive else "other_exit"
        else:
            outcome = "in_progress"
        outcomes[(f"T{(entry.month - 1) // 3 + 1} {entry.year}", outcome)] += 1
    return funnel, outcomes

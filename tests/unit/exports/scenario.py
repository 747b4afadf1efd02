"""Random but seeded caseloads built through the services, and an independent oracle.

``build_caseload`` walks pathways through the state machine with random
dates, contracts, exits, checkpoints, trainings and freins. ``oracle``
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
    BarrierCategory,
    BarrierStatus,
    ContractType,
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


def build_caseload(session: Session, world: World, *, seed: int, count: int = 30) -> Caseload:
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
        )
        event = pathway_service.move(session, pathway, request, world.delegate)
        if trigger is Trigger.REGISTER_INFO_SESSION and rng.random() < 0.7:
            attendance = session.scalar(
                sa.select(InfoSessionAttendance).where(
                    InfoSessionAttendance.session_id == info.id,
                    InfoSessionAttendance.person_id == pathway.person_id,
                )
            )
            attendance.present = rng.random() < 0.8
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
                training.ends_on = ends_on
                training.result = rng.choice([r for r in TrainingResult if r is not TrainingResult.ABANDONED])
        if trigger is Trigger.SIGN_CONTRACT:
            for checkpoint in session.scalars(
                sa.select(Checkpoint).where(Checkpoint.contract_id == event.details["contract_id"])
            ).all():
                late = checkpoint.due_on + timedelta(days=rng.randint(0, 60))
                if late <= TODAY and rng.random() < (0.7 if checkpoint.month < 6 else 0.4):
                    # Some recorded late: after the end of some periods.
                    pathway_service.record_checkpoint(
                        session,
                        checkpoint,
                        recorded_on=late,
                        still_in_post=rng.random() < 0.8,
                        actor=world.adviser,
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
    values: dict[str, Any] = {}
    period_events = [e for history in events.values() for e in history if within(e.occurred_on)]

    accompanied_ids = []
    entries = 0
    for pid, history in events.items():
        if history[0].trigger is Trigger.REFER and within(history[0].occurred_on):
            entries += 1
        reached = any(
            e.to_state
            in (
                State.ORIENTATION,
                State.REINFORCEMENT,
                State.IMMERSION,
                State.TRAINING,
                State.EMPLOYMENT,
                State.FOLLOW_UP,
            )
            and e.occurred_on <= end
            for e in history
        )
        ended_before = any(
            e.to_state in (State.COMPLETED, State.EXITED) and e.occurred_on < start for e in history
        )
        if reached and not ended_before:
            accompanied_ids.append(pid)
    values["entries"] = entries
    values["accompanied"] = len(accompanied_ids)

    sessions = [s for s in session.scalars(sa.select(InfoSession)) if s.platform_id in platform_ids]
    held = [s for s in sessions if within(s.held_on)]
    values["info_sessions_held"] = len(held)
    held_ids = {s.id for s in held}
    values["info_session_attendees"] = len(
        {
            a.person_id
            for a in session.scalars(sa.select(InfoSessionAttendance))
            if a.session_id in held_ids and a.present
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

    def has_access(pid: int) -> bool:
        return any(
            e.trigger in (Trigger.START_TRAINING, Trigger.SIGN_CONTRACT) and within(e.occurred_on)
            for e in events[pid]
        )

    access = [pid for pid in accompanied_ids if has_access(pid)]
    values["access_training_or_job"] = len(access)
    values["access_rate"] = (
        (len(access) / len(accompanied_ids), len(accompanied_ids)) if accompanied_ids else (None, 0)
    )
    values["positive_exits"] = sum(
        1
        for history in events.values()
        if any(
            within(e.occurred_on)
            and (
                e.trigger is Trigger.SIGN_CONTRACT
                or (e.trigger is Trigger.EXIT and e.details.get("reason") in ("other_training", "other_job"))
            )
            for e in history
        )
    )
    trainings = [t for t in session.scalars(sa.select(Training)) if t.pathway_id in pathways]
    values["training_certified"] = sum(
        1 for t in trainings if within(t.ends_on) and t.result is TrainingResult.OBTAINED
    )
    values["training_partial"] = sum(
        1 for t in trainings if within(t.ends_on) and t.result is TrainingResult.PARTIAL
    )
    dropouts = sum(1 for e in period_events if e.trigger is Trigger.EXIT and e.from_state is State.TRAINING)
    in_training = 0
    for history in events.values():
        for index, event in enumerate(history):
            following = history[index + 1] if index + 1 < len(history) else None
            if (
                event.to_state is State.TRAINING
                and event.occurred_on <= end
                and (following is None or following.occurred_on >= start)
            ):
                in_training += 1
                break
    values["training_dropouts"] = dropouts
    values["training_dropout_rate"] = (dropouts / in_training if in_training else None, in_training)

    for code, trigger in (
        ("median_days_to_training", Trigger.START_TRAINING),
        ("median_days_to_contract", Trigger.SIGN_CONTRACT),
    ):
        days = []
        for history in events.values():
            firsts = [e for e in history if e.trigger is trigger]
            if firsts and within(firsts[0].occurred_on):
                days.append((firsts[0].occurred_on - history[0].occurred_on).days)
        values[code] = float(statistics.median(days)) if days else None

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
    values["contracts_share_home_care"] = (saad / len(signed) if signed else None, len(signed))
    jobs = Counter(c.job_code for c in signed)
    for job, n in jobs.items():
        values[f"jobs.{job}"] = n
        values[f"jobs_share.{job}"] = (n / len(signed), len(signed))

    sixes = [c for c in session.scalars(sa.select(Checkpoint)) if c.pathway_id in pathways and c.month == 6]
    recorded = [c for c in sixes if within(c.recorded_on)]
    in_post = sum(1 for c in recorded if c.still_in_post)
    values["in_post_6_months"] = in_post
    values["retention_6_months_rate"] = (in_post / len(recorded) if recorded else None, len(recorded))
    values["checkpoints_6_months_missing"] = sum(
        1 for c in sixes if within(c.due_on) and (c.recorded_on is None or c.recorded_on > end)
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
    return values

"""The counts of the bilan that are plain aggregates: events, sessions, trainings, contracts, freins.

Each function returns raw counts (keys of the Synthèse or ``_``-prefixed
terms of a rate) for the platforms and the period [start, end], from the
events' dates and the dated records. Planned steps (``planned_steps``) are
never read: a step counts once it happened, through its event and its record.

Interpretation choices (where indicators.md leaves room):

- ``info_session_attendees``: distinct persons marked present at a session of
  the platform held in the period (registered but not marked: not counted).
- ``projects_validated``: diagnostics dated in the period with the project
  validated, whether written at the orientation week or at an individual
  interview (Lyon's guichet unique has no week: its diagnostic is the
  interview).
- ``trainings_started.<certification>`` / ``.funding.<funding>``: the training
  record each ``start_training`` event of the period created (the event's
  ``training_id``). ``trainings_in_employment``: training records made during
  the follow-up (``in_employment``: a VAE, a CCP after hiring, the training of
  a work-study contract) whose first day is in the period.
- training results: training records (entered by a move or in employment)
  whose result is dated (``ends_on``) in the period: ``obtained`` →
  ``training_certified``, ``partial`` → ``training_partial``, ``failed`` →
  ``training_not_certified``, ``abandoned`` → ``training_dropouts`` (the
  pathway may go on: dropouts come from results, not from exits).
  ``training_dropout_rate``'s denominator: trainings in progress at some time
  in the period, i.e. started on or before ``end`` and not ended (result date,
  or planned end while in progress) before ``start``.
- contracts: the contract created by each ``sign_contract`` event of the
  period (the event's ``contract_id``), counted at its first day, which is
  the event's date. A ``cdd`` of 12 months or more is ``cdd_12m_plus``,
  shorter ``cdd_under_12m``. ``jobs.<ROME>`` rows are listed for the jobs
  with at least one contract in the period.
- ``contracts_ended_early``: ``end_contract`` events of the period whose date
  is before the contract's 6-month checkpoint is due (its start + 6 months,
  clamped to the month's end); ``contracts_ended.<reason>`` splits those by
  the reason the event recorded (so they add up to ``contracts_ended_early``).
- ``checkpoints_6_months_missing``: 6-month checkpoints due in the period
  not recorded by ``end`` (recorded later, or never), leaving out those
  cancelled because the contract ended first. Checkpoints of pathways that
  exited before the due date are counted: a missing answer is what the
  manager has to chase.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exports.populations import event_reason
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
    Training,
)
from pathways.states import ExitReason, Trigger
from pathways.vocabulary import (
    AttendanceStatus,
    BarrierCategory,
    BarrierStatus,
    ContractEndReason,
    ContractType,
    EmployerType,
    TrainingResult,
)

RESULT_CODES = {
    TrainingResult.OBTAINED: "training_certified",
    TrainingResult.PARTIAL: "training_partial",
    TrainingResult.FAILED: "training_not_certified",
    TrainingResult.ABANDONED: "training_dropouts",
}


def event_record_id(name: str) -> sa.ColumnElement[int]:
    """The id of the record an event created (``training_id``, ``contract_id``...)."""
    return PathwayEvent.details[name].as_integer()


def _in_platforms(ids: list[int]) -> sa.ColumnElement[bool]:
    return Pathway.platform_id.in_(ids)


@dataclass
class Activity:
    raw: Counter[str] = field(default_factory=Counter)
    # Contracts signed in the period: {job: {employer type: n}}.
    jobs_by_employer: dict[str, Counter[str]] = field(default_factory=dict)


def compute_activity(session: Session, ids: list[int], start: date, end: date) -> Activity:
    activity = Activity()
    raw = activity.raw
    events = _event_counts(session, ids, start, end)
    raw["orientation_entrants"] = events[Trigger.START_ORIENTATION]
    raw["immersions_started"] = events[Trigger.START_IMMERSION]
    raw["trainings_started"] = events[Trigger.START_TRAINING]
    raw["contracts_signed"] = events[Trigger.SIGN_CONTRACT]
    raw.update(_sessions(session, ids, start, end))
    raw.update(_barriers(session, ids, start, end))
    raw.update(_trainings(session, ids, start, end))
    raw.update(_exits(session, ids, start, end))
    raw.update(_contracts_ended(session, ids, start, end))
    raw.update(_checkpoints(session, ids, start, end))
    for contract_type, long_cdd, employer_type, job_code, n in _contracts(session, ids, start, end):
        code = ContractType(contract_type).value
        if code == ContractType.CDD.value:
            code = "cdd_12m_plus" if long_cdd else "cdd_under_12m"
        raw[f"contracts.{code}"] += n
        employer = EmployerType(employer_type)
        if employer is EmployerType.SAAD:
            raw["_home_care_contracts"] += n
        raw[f"jobs.{job_code}"] += n
        activity.jobs_by_employer.setdefault(job_code, Counter())[employer.value] += n
    return activity


def _event_counts(session: Session, ids: list[int], start: date, end: date) -> Counter[Trigger]:
    rows = session.execute(
        sa.select(PathwayEvent.trigger, sa.func.count())
        .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
        .where(_in_platforms(ids), PathwayEvent.occurred_on.between(start, end))
        .group_by(PathwayEvent.trigger)
    ).all()
    return Counter({Trigger(trigger): n for trigger, n in rows})


def _count(session: Session, model: Any, ids: list[int], column: Any, start: date, end: date) -> int:
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(model)
        .where(model.platform_id.in_(ids), column.between(start, end))
    )


def _sessions(session: Session, ids: list[int], start: date, end: date) -> Counter[str]:
    raw: Counter[str] = Counter()
    raw["info_sessions_held"] = _count(session, InfoSession, ids, InfoSession.held_on, start, end)
    raw["info_session_attendees"] = session.scalar(
        sa.select(sa.func.count(sa.distinct(InfoSessionAttendance.person_id)))
        .join(InfoSession, InfoSession.id == InfoSessionAttendance.session_id)
        .where(
            InfoSession.platform_id.in_(ids),
            InfoSession.held_on.between(start, end),
            InfoSessionAttendance.status == AttendanceStatus.PRESENT,
        )
    )
    raw["orientation_weeks_held"] = _count(
        session, OrientationWeek, ids, OrientationWeek.starts_on, start, end
    )
    raw["projects_validated"] = session.scalar(
        sa.select(sa.func.count())
        .select_from(Diagnostic)
        .join(Pathway, Pathway.id == Diagnostic.pathway_id)
        .where(
            _in_platforms(ids),
            Diagnostic.project_validated.is_(True),
            Diagnostic.written_on.between(start, end),
        )
    )
    return raw


def _barriers(session: Session, ids: list[int], start: date, end: date) -> Counter[str]:
    identified = session.execute(
        sa.select(Barrier.category, sa.func.count())
        .join(Pathway, Pathway.id == Barrier.pathway_id)
        .where(_in_platforms(ids), Barrier.identified_on.between(start, end))
        .group_by(Barrier.category)
    ).all()
    resolved = session.execute(
        sa.select(Barrier.category, sa.func.count(sa.distinct(Barrier.id)))
        .join(BarrierStatusChange, BarrierStatusChange.barrier_id == Barrier.id)
        .join(Pathway, Pathway.id == Barrier.pathway_id)
        .where(
            _in_platforms(ids),
            BarrierStatusChange.status == BarrierStatus.RESOLVED,
            BarrierStatusChange.changed_on.between(start, end),
        )
        .group_by(Barrier.category)
    ).all()
    raw: Counter[str] = Counter()
    for category, n in identified:
        raw[f"barriers_identified.{BarrierCategory(category).value}"] = n
    for category, n in resolved:
        raw[f"barriers_resolved.{BarrierCategory(category).value}"] = n
    return raw


def _trainings(session: Session, ids: list[int], start: date, end: date) -> Counter[str]:
    raw: Counter[str] = Counter()
    for certification, funding, n in session.execute(
        sa.select(Training.certification_code, Training.funding, sa.func.count())
        .select_from(PathwayEvent)
        .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
        .join(Training, Training.id == event_record_id("training_id"))
        .where(
            _in_platforms(ids),
            PathwayEvent.trigger == Trigger.START_TRAINING,
            PathwayEvent.occurred_on.between(start, end),
        )
        .group_by(Training.certification_code, Training.funding)
    ):
        raw[f"trainings_started.{certification}"] += n
        raw[f"trainings_started.funding.{funding.value}"] += n
    in_period = sa.and_(
        Training.starts_on <= end, sa.or_(Training.ends_on.is_(None), Training.ends_on >= start)
    )
    in_employment, in_progress = session.execute(
        sa.select(
            sa.func.count().filter(Training.in_employment.is_(True), Training.starts_on.between(start, end)),
            sa.func.count().filter(in_period),
        )
        .join(Pathway, Pathway.id == Training.pathway_id)
        .where(_in_platforms(ids), Training.starts_on <= end)
    ).one()
    raw["trainings_in_employment"] = in_employment
    raw["_in_training"] = in_progress
    for result, n in session.execute(
        sa.select(Training.result, sa.func.count())
        .join(Pathway, Pathway.id == Training.pathway_id)
        .where(
            _in_platforms(ids),
            Training.result.in_(list(RESULT_CODES)),
            Training.ends_on.between(start, end),
        )
        .group_by(Training.result)
    ):
        raw[RESULT_CODES[TrainingResult(result)]] = n
    return raw


def _exits(session: Session, ids: list[int], start: date, end: date) -> Counter[str]:
    # One expression object in SELECT and GROUP BY: PostgreSQL compares their bound parameters.
    reason = event_reason()
    rows = session.execute(
        sa.select(reason, sa.func.count())
        .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
        .where(
            _in_platforms(ids),
            PathwayEvent.trigger == Trigger.EXIT,
            PathwayEvent.occurred_on.between(start, end),
        )
        .group_by(reason)
    ).all()
    raw: Counter[str] = Counter()
    for code, n in rows:
        raw[f"exits.{code or ExitReason.OTHER.value}"] += n
    return raw


def _contracts(session: Session, ids: list[int], start: date, end: date) -> list[tuple[Any, ...]]:
    long_cdd = sa.case((Contract.cdd_months >= 12, 1), else_=0)
    return [
        tuple(row)
        for row in session.execute(
            sa.select(
                Contract.contract_type, long_cdd, Contract.employer_type, Contract.job_code, sa.func.count()
            )
            .select_from(PathwayEvent)
            .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
            .join(Contract, Contract.id == event_record_id("contract_id"))
            .where(
                _in_platforms(ids),
                PathwayEvent.trigger == Trigger.SIGN_CONTRACT,
                PathwayEvent.occurred_on.between(start, end),
            )
            .group_by(Contract.contract_type, long_cdd, Contract.employer_type, Contract.job_code)
        ).all()
    ]


def _contracts_ended(session: Session, ids: list[int], start: date, end: date) -> Counter[str]:
    reason = event_reason()
    rows = session.execute(
        sa.select(reason, sa.func.count())
        .select_from(PathwayEvent)
        .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
        .join(
            Checkpoint,
            sa.and_(Checkpoint.contract_id == event_record_id("contract_id"), Checkpoint.month == 6),
        )
        .where(
            _in_platforms(ids),
            PathwayEvent.trigger == Trigger.END_CONTRACT,
            PathwayEvent.occurred_on.between(start, end),
            PathwayEvent.occurred_on < Checkpoint.due_on,
        )
        .group_by(reason)
    ).all()
    raw: Counter[str] = Counter()
    for code, n in rows:
        raw[f"contracts_ended.{code or ContractEndReason.OTHER.value}"] += n
        raw["contracts_ended_early"] += n
    return raw


def _checkpoints(session: Session, ids: list[int], start: date, end: date) -> Counter[str]:
    base = [_in_platforms(ids), Checkpoint.month == 6]
    recorded = session.execute(
        sa.select(Checkpoint.still_in_post, sa.func.count())
        .join(Pathway, Pathway.id == Checkpoint.pathway_id)
        .where(*base, Checkpoint.recorded_on.between(start, end))
        .group_by(Checkpoint.still_in_post)
    ).all()
    raw: Counter[str] = Counter()
    raw["in_post_6_months"] = sum(n for still, n in recorded if still)
    raw["_checkpoints_6_recorded"] = sum(n for _still, n in recorded)
    raw["checkpoints_6_months_missing"] = session.scalar(
        sa.select(sa.func.count())
        .select_from(Checkpoint)
        .join(Pathway, Pathway.id == Checkpoint.pathway_id)
        .where(
            *base,
            Checkpoint.due_on.between(start, end),
            sa.or_(Checkpoint.recorded_on.is_(None), Checkpoint.recorded_on > end),
            sa.or_(Checkpoint.cancelled_on.is_(None), Checkpoint.cancelled_on > end),
        )
    )
    return raw

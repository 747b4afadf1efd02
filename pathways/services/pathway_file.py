"""The pathway file's read model: everything the page shows, loaded once, names beside codes.

The template walks what this returns and never queries: the records come
with what they refer to (employer, organisation, checkpoints, road map),
and every ROME job and certification is given by its name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from pathways import clock
from pathways.models import (
    Barrier,
    Certification,
    Contract,
    Diagnostic,
    Employer,
    Exchange,
    Immersion,
    Job,
    Note,
    OrientationWeek,
    Pathway,
    PathwayEvent,
    PlannedStep,
    Referent,
    Training,
    TrainingOrganisation,
)
from pathways.services import pathway as pathway_service
from pathways.services.caseload import assignment_history
from pathways.states import PLANNED_STEP_GRACE_DAYS, ExitReason, Trigger
from pathways.states.guards import MoveRequest, request_from_json
from pathways.vocabulary import ContractEndReason, PlannedStepStatus


@dataclass(frozen=True)
class PlannedView:
    """A planned step as the file shows it: what, when, and whether it can be confirmed today."""

    planned: PlannedStep
    request: MoveRequest
    summary: str

    @property
    def confirmable(self) -> bool:
        return self.planned.planned_on <= clock.today()

    @property
    def overdue(self) -> bool:
        return (clock.today() - self.planned.planned_on).days > PLANNED_STEP_GRACE_DAYS


@dataclass
class PathwayFile:
    pathway: Pathway
    options: list[pathway_service.MoveOption]
    events: list[PathwayEvent]
    planned: list[PlannedView]
    cancelled: list[PlannedView]
    barriers: list[Barrier]
    diagnostics: list[Diagnostic]
    immersions: list[Immersion]
    trainings: list[Training]
    contracts: list[Contract]
    referents: list[Referent]
    exchanges: list[Exchange]
    notes: list[Note]
    assignments: list[Any]
    jobs: dict[str, str] = field(default_factory=dict)
    certifications: dict[str, str] = field(default_factory=dict)

    def job(self, code: str | None) -> str:
        """A ROME job by its name, the code beside it."""
        if not code:
            return "—"
        return f"{self.jobs.get(code, code)} ({code})"

    def certification(self, code: str | None) -> str:
        if not code:
            return "—"
        return self.certifications.get(code, code)

    @property
    def reason_labels(self) -> dict[str, str]:
        """Exit and contract-end reasons by code, for the history."""
        return {r.value: r.label for r in ExitReason} | {r.value: r.label for r in ContractEndReason}


def _by_pathway(session: Session, model: Any, pathway: Pathway, *order: Any, load: Any = ()) -> list[Any]:
    query = sa.select(model).where(model.pathway_id == pathway.id).order_by(*order)
    for option in load if isinstance(load, tuple) else (load,):
        query = query.options(option)
    return list(session.scalars(query))


def _labels(session: Session, code: Any, label: Any, wanted: set[Any]) -> dict[str, str]:
    return dict(session.execute(sa.select(code, label).where(code.in_(wanted))).all())


def _summary(session: Session, request: MoveRequest) -> str:
    """What a planned step is, in words (the record it will create)."""
    if request.trigger is Trigger.START_IMMERSION and request.immersion:
        employer = session.get(Employer, request.immersion.employer_id or 0)
        ends = request.immersion.ends_on
        return f"PMSMP chez {employer.name if employer else '?'}" + (
            f", jusqu'au {ends:%d/%m/%Y}" if ends else ""
        )
    if request.trigger is Trigger.START_TRAINING and request.training:
        organisation = session.get(TrainingOrganisation, request.training.organisation_id or 0)
        certification = session.get(Certification, request.training.certification_code or "")
        return (
            f"Formation {certification.label if certification else request.training.certification_code} "
            f"chez {organisation.name if organisation else '?'}"
        )
    if request.trigger is Trigger.SIGN_CONTRACT and request.contract:
        employer = session.get(Employer, request.contract.employer_id or 0)
        kind = request.contract.contract_type.label if request.contract.contract_type else "Contrat"
        return f"{kind} chez {employer.name if employer else '?'}"
    if request.trigger is Trigger.START_ORIENTATION:
        week = session.get(OrientationWeek, request.orientation_week_id or 0)
        return f"Semaine du pôle orientation — {week.place}" if week else "Semaine du pôle orientation"
    return request.trigger.done_label


def pathway_file(session: Session, pathway: Pathway, today: date | None = None) -> PathwayFile:
    """Everything the file of ``pathway`` shows."""
    options = [o for o in pathway_service.available_moves(session, pathway, today) if o.allowed]
    planned_views = [
        PlannedView(p, request := request_from_json(p.request), _summary(session, request))
        for p in pathway_service.planned_steps(session, pathway)
    ]
    trainings = _by_pathway(
        session, Training, pathway, Training.starts_on.desc(), load=selectinload(Training.organisation)
    )
    contracts = _by_pathway(
        session,
        Contract,
        pathway,
        Contract.starts_on.desc(),
        load=(selectinload(Contract.checkpoints), selectinload(Contract.employer)),
    )
    immersions = _by_pathway(
        session, Immersion, pathway, Immersion.starts_on.desc(), load=selectinload(Immersion.employer)
    )
    diagnostics = _by_pathway(
        session,
        Diagnostic,
        pathway,
        Diagnostic.written_on.desc(),
        Diagnostic.id.desc(),
        load=selectinload(Diagnostic.road_map),
    )
    codes = {pathway.target_job_code, *(i.job_code for i in immersions), *(c.job_code for c in contracts)}
    codes |= {d.target_job_code for d in diagnostics}
    codes.discard(None)
    certifications = {t.certification_code for t in trainings}
    return PathwayFile(
        pathway=pathway,
        options=options,
        events=_by_pathway(
            session,
            PathwayEvent,
            pathway,
            PathwayEvent.sequence.desc(),
            load=selectinload(PathwayEvent.recorded_by),
        ),
        planned=[v for v in planned_views if v.planned.status is PlannedStepStatus.PLANNED],
        cancelled=[v for v in planned_views if v.planned.status is PlannedStepStatus.CANCELLED],
        barriers=_by_pathway(session, Barrier, pathway, Barrier.id, load=selectinload(Barrier.changes)),
        diagnostics=diagnostics,
        immersions=immersions,
        trainings=trainings,
        contracts=contracts,
        referents=_by_pathway(session, Referent, pathway, Referent.id),
        exchanges=_by_pathway(
            session,
            Exchange,
            pathway,
            Exchange.occurred_on.desc(),
            Exchange.id.desc(),
            load=selectinload(Exchange.referent),
        ),
        notes=_by_pathway(session, Note, pathway, Note.written_on.desc(), Note.id.desc()),
        assignments=assignment_history(session, pathway.id),
        jobs=_labels(session, Job.rome_code, Job.label, codes),
        certifications=_labels(session, Certification.code, Certification.label, certifications),
    )

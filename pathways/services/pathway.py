"""The pathway service: the one door through which every move goes.

The web forms, the import and the command line all call ``open_pathway`` and
``move``. A move is checked (dates, references, the state machine and its
guards) before anything is added to the session, so a refused move writes
nothing. Services never commit: the caller's request, command or import owns
the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from pathways import audit, clock
from pathways.models import (
    AdviserAssignment,
    Certification,
    Checkpoint,
    Contract,
    Diagnostic,
    Employer,
    Immersion,
    InfoSession,
    InfoSessionAttendance,
    Job,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    PathwayEvent,
    Person,
    RoadMapStep,
    Training,
    TrainingOrganisation,
    User,
)
from pathways.states import (
    CHECKPOINT_MONTHS,
    MOVES,
    MoveRefused,
    MoveRequest,
    PathwayFacts,
    State,
    Trigger,
    add_months,
    apply_move,
    fact_refusals,
)
from pathways.states.guards import refusals as guard_refusals
from pathways.states.guards import six_months_passed
from pathways.vocabulary import PrescriberType, Role


class PathwayConflict(Exception):
    """Someone else moved this pathway at the same moment; nothing was recorded."""

    message = (
        "Ce parcours vient d'être modifié par quelqu'un d'autre. Rechargez la page : rien n'a été enregistré."
    )

    def __init__(self) -> None:
        super().__init__(self.message)


class InvalidInput(MoveRefused):
    """Input refused outside the state machine (dates, unknown references...)."""


@dataclass(frozen=True)
class MoveOption:
    """A move of the table from the pathway's current state, allowed or not now."""

    trigger: Trigger
    destination: State
    refusals: tuple[str, ...]

    @property
    def allowed(self) -> bool:
        return not self.refusals


# --- reading ----------------------------------------------------------------


def last_event(session: Session, pathway: Pathway) -> PathwayEvent:
    return session.scalars(
        sa.select(PathwayEvent)
        .where(PathwayEvent.pathway_id == pathway.id)
        .order_by(PathwayEvent.sequence.desc())
        .limit(1)
    ).one()


def latest_contract(session: Session, pathway: Pathway) -> Contract | None:
    return session.scalars(
        sa.select(Contract)
        .where(Contract.pathway_id == pathway.id)
        .order_by(Contract.starts_on.desc(), Contract.id.desc())
        .limit(1)
    ).first()


def pathway_facts(session: Session, pathway: Pathway, last: PathwayEvent | None = None) -> PathwayFacts:
    """What the guards need to know of ``pathway``, read in one query.

    ``last`` is the pathway's last event when the caller already has it.
    """
    latest_diagnostic = (
        sa.select(Diagnostic.project_validated)
        .where(Diagnostic.pathway_id == pathway.id)
        .order_by(Diagnostic.written_on.desc(), Diagnostic.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    latest_contract = (
        sa.select(Contract.id)
        .where(Contract.pathway_id == pathway.id)
        .order_by(Contract.starts_on.desc(), Contract.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    diagnostic_recorded = sa.exists().where(Diagnostic.pathway_id == pathway.id)
    six_month_recorded = sa.exists().where(
        Checkpoint.contract_id == latest_contract,
        Checkpoint.month == 6,
        Checkpoint.recorded_on.is_not(None),
    )
    contract_start = sa.select(Contract.starts_on).where(Contract.id == latest_contract).scalar_subquery()
    recorded, validated, starts_on, six_months = session.execute(
        sa.select(diagnostic_recorded, latest_diagnostic, contract_start, six_month_recorded)
    ).one()
    suspended_from = None
    if pathway.state is State.ON_HOLD:
        # From on_hold only resume and exit lead out, and exit is terminal:
        # the last event is therefore the suspension.
        suspended_from = (last or last_event(session, pathway)).from_state
    return PathwayFacts(
        state=State(pathway.state),
        adviser_assigned=pathway.adviser_id is not None,
        diagnostic_recorded=bool(recorded),
        project_validated=bool(validated),
        contract_start=starts_on,
        six_month_checkpoint_recorded=bool(six_months),
        suspended_from=suspended_from,
    )


def available_moves(session: Session, pathway: Pathway, on: date | None = None) -> list[MoveOption]:
    """The moves the table allows from the current state, each with why it is refused now.

    Only what is already recorded is judged here; the details a form asks
    for (session chosen, contract...) are checked when the move is made.
    """
    facts = pathway_facts(session, pathway)
    on = on or clock.today()
    options = []
    for move in MOVES:
        if facts.state not in move.sources:
            continue
        reasons = fact_refusals(facts, move.trigger)
        if move.trigger is Trigger.COMPLETE:
            reasons += six_months_passed(facts, on)
        destination = move.destination or facts.suspended_from
        assert destination is not None
        options.append(MoveOption(move.trigger, destination, tuple(reasons)))
    return options


def replay(events: list[PathwayEvent]) -> State:
    """The state the events lead to, replayed in order (the truth the cache must equal)."""
    state: State | None = None
    for event in sorted(events, key=lambda e: e.sequence):
        if event.from_state != state:
            raise ValueError(f"event {event.sequence} starts from {event.from_state}, not {state}")
        state = event.to_state
    if state is None:
        raise ValueError("a pathway has at least one event")
    return state


# --- writing ----------------------------------------------------------------


def _check_date(day: date, what: str, not_before: date | None = None) -> list[str]:
    messages = []
    if day > clock.today():
        messages.append(f"La date {what} ({day:%d/%m/%Y}) ne peut pas être dans le futur.")
    if not_before is not None and day < not_before:
        messages.append(
            f"La date {what} ({day:%d/%m/%Y}) ne peut pas précéder le dernier événement "
            f"du parcours ({not_before:%d/%m/%Y})."
        )
    return messages


def _append_event(
    session: Session,
    pathway: Pathway,
    *,
    sequence: int,
    trigger: Trigger,
    from_state: State | None,
    occurred_on: date,
    actor: User | None,
    comment: str | None,
    details: dict[str, Any],
) -> PathwayEvent:
    # A pathway already stored is named by id: attaching through the
    # relationship would first load its whole history.
    link = {"pathway_id": pathway.id} if pathway.id is not None else {"pathway": pathway}
    event = PathwayEvent(
        **link,
        sequence=sequence,
        trigger=trigger,
        from_state=from_state,
        to_state=pathway.state,
        occurred_on=occurred_on,
        recorded_at=clock.now(),
        recorded_by_id=actor.id if actor else None,
        comment=(comment or "").strip() or None,
        details=details,
    )
    session.add(event)
    if "pathway_id" in link:
        # Reread on next access rather than serve a history without this event.
        session.expire(pathway, ["events"])
    pathway.last_event_on = occurred_on
    return event


def _flush_or_conflict(session: Session) -> None:
    """Flush; a concurrent writer of the same pathway surfaces as ``PathwayConflict``."""
    try:
        session.flush()
    except StaleDataError as error:
        raise PathwayConflict() from error
    except IntegrityError as error:
        if "pathway_events" in str(error.orig) or "sequence" in str(error.orig):
            raise PathwayConflict() from error
        raise
    except OperationalError as error:
        # SQLite: the other writer held the database past the busy timeout,
        # or our snapshot went stale under it.
        if "locked" in str(error.orig):
            raise PathwayConflict() from error
        raise


def open_pathway(
    session: Session,
    person: Person,
    *,
    referred_on: date,
    actor: User | None,
    territory_id: int | None = None,
    prescriber_type: PrescriberType | None = None,
    prescriber_id: int | None = None,
    delegate: User | None = None,
    target_job_code: str | None = None,
    comment: str | None = None,
) -> Pathway:
    """Start a new pathway for ``person``: its first event, ``referred``.

    A person who left can come back: a new pathway, never a reopened one;
    but only one pathway of a person is open at a time.
    """
    messages = _check_date(referred_on, "d'entrée")
    open_ones = session.scalar(
        sa.select(sa.func.count())
        .select_from(Pathway)
        .where(
            Pathway.person_id == person.id,
            Pathway.state.not_in([State.COMPLETED, State.EXITED]),
        )
    )
    if person.id is not None and open_ones:
        messages.append(f"{person.full_name} a déjà un parcours en cours.")
    if target_job_code and session.get(Job, target_job_code) is None:
        messages.append(f"Le code ROME « {target_job_code} » est inconnu.")
    if messages:
        raise InvalidInput(messages)
    pathway = Pathway(
        platform_id=person.platform_id,
        person=person,
        territory_id=territory_id,
        prescriber_type=prescriber_type,
        prescriber_id=prescriber_id,
        delegate_id=delegate.id if delegate else None,
        target_job_code=target_job_code,
        state=State.REFERRED,
        last_event_on=referred_on,
    )
    session.add(pathway)
    _append_event(
        session,
        pathway,
        sequence=1,
        trigger=Trigger.REFER,
        from_state=None,
        occurred_on=referred_on,
        actor=actor,
        comment=comment,
        details={"prescriber_type": prescriber_type.value if prescriber_type else None},
    )
    _flush_or_conflict(session)  # the pathway's id is needed by the caller and the audit
    audit.record(
        session,
        actor,
        "pathway.open",
        object_type="pathway",
        object_id=pathway.id,
        platform_id=pathway.platform_id,
        details={"person_id": person.id, "referred_on": referred_on.isoformat()},
    )
    return pathway


def _in_platform(session: Session, model: type, object_id: int | None, platform_id: int) -> Any:
    if object_id is None:
        return None
    found = session.get(model, object_id)
    if found is None or found.platform_id != platform_id:
        return None
    return found


def _unknown_references(
    session: Session,
    platform_id: int,
    *,
    employer_id: int | None = None,
    organisation_id: int | None = None,
    certification_code: str | None = None,
    job_code: str | None = None,
) -> list[str]:
    """What a step's record refers to that does not exist, or belongs to another platform."""
    messages = []
    if employer_id is not None and not _in_platform(session, Employer, employer_id, platform_id):
        messages.append("Cet employeur n'est pas connu de la plateforme.")
    if organisation_id is not None and not _in_platform(
        session, TrainingOrganisation, organisation_id, platform_id
    ):
        messages.append("Cet organisme de formation n'est pas connu de la plateforme.")
    if certification_code and session.get(Certification, certification_code) is None:
        messages.append(f"La certification « {certification_code} » est inconnue.")
    if job_code and session.get(Job, job_code) is None:
        messages.append(f"Le code ROME « {job_code} » est inconnu.")
    return messages


def _step_records(
    session: Session, pathway: Pathway, request: MoveRequest
) -> tuple[list[Any], dict[str, Any], list[str]]:
    """The records a move creates, the ids the event keeps, and unknown references."""
    platform_id = pathway.platform_id
    records: list[Any] = []
    details: dict[str, Any] = {}
    messages: list[str] = []
    trigger = request.trigger

    if trigger is Trigger.REGISTER_INFO_SESSION and request.info_session_id is not None:
        info_session = _in_platform(session, InfoSession, request.info_session_id, platform_id)
        if info_session is None:
            messages.append("Cette information collective n'existe pas sur la plateforme.")
        else:
            details["info_session_id"] = info_session.id
            already = session.scalar(
                sa.select(InfoSessionAttendance).where(
                    InfoSessionAttendance.session_id == info_session.id,
                    InfoSessionAttendance.person_id == pathway.person_id,
                )
            )
            if already is None:
                records.append(InfoSessionAttendance(session_id=info_session.id, person_id=pathway.person_id))
    elif trigger is Trigger.START_ORIENTATION and request.orientation_week_id is not None:
        week = _in_platform(session, OrientationWeek, request.orientation_week_id, platform_id)
        if week is None:
            messages.append("Cette semaine du pôle orientation n'existe pas sur la plateforme.")
        else:
            details["orientation_week_id"] = week.id
            existing = session.scalar(
                sa.select(OrientationParticipant).where(
                    OrientationParticipant.week_id == week.id,
                    OrientationParticipant.pathway_id == pathway.id,
                )
            )
            # A participant already on the week's list (added ahead by the
            # délégué) is the same record: only a new one is created.
            if existing is None:
                records.append(
                    OrientationParticipant(
                        week_id=week.id,
                        pathway_id=pathway.id,
                        availability_confirmed=request.availability_confirmed,
                    )
                )
    elif trigger is Trigger.START_IMMERSION and request.immersion is not None:
        data = request.immersion
        extra = dict(request.extra)
        messages += _unknown_references(
            session, platform_id, employer_id=data.employer_id, job_code=extra.get("job_code")
        )
        if data.employer_id and data.starts_on and data.ends_on:
            records.append(
                Immersion(
                    pathway_id=pathway.id,
                    employer_id=data.employer_id,
                    starts_on=data.starts_on,
                    ends_on=data.ends_on,
                    **{k: v for k, v in extra.items() if k in IMMERSION_EXTRA_FIELDS},
                )
            )
    elif trigger is Trigger.START_TRAINING and request.training is not None:
        data = request.training
        messages += _unknown_references(
            session,
            platform_id,
            organisation_id=data.organisation_id,
            certification_code=data.certification_code,
        )
        if data.organisation_id and data.certification_code and data.funding and data.starts_on:
            records.append(
                Training(
                    pathway_id=pathway.id,
                    organisation_id=data.organisation_id,
                    certification_code=data.certification_code,
                    funding=data.funding,
                    starts_on=data.starts_on,
                    **{k: v for k, v in request.extra.items() if k in TRAINING_EXTRA_FIELDS},
                )
            )
    elif trigger is Trigger.SIGN_CONTRACT and request.contract is not None:
        data = request.contract
        messages += _unknown_references(
            session, platform_id, employer_id=data.employer_id, job_code=data.job_code
        )
        if (
            data.employer_id
            and data.employer_type
            and data.job_code
            and data.contract_type
            and data.starts_on
        ):
            contract = Contract(
                pathway_id=pathway.id,
                employer_id=data.employer_id,
                employer_type=data.employer_type,
                job_code=data.job_code,
                contract_type=data.contract_type,
                cdd_months=data.cdd_months if data.contract_type == "cdd" else None,
                starts_on=data.starts_on,
                hours_per_week=request.extra.get("hours_per_week"),
            )
            records.append(contract)
            records.extend(
                Checkpoint(
                    contract=contract,
                    pathway_id=pathway.id,
                    month=month,
                    due_on=add_months(data.starts_on, month),
                )
                for month in CHECKPOINT_MONTHS
            )
    elif trigger is Trigger.EXIT and request.exit_reason is not None:
        details["reason"] = request.exit_reason.value
    elif trigger is Trigger.SUSPEND and request.suspend_reason:
        details["reason"] = request.suspend_reason.strip()
    return records, details, messages


IMMERSION_EXTRA_FIELDS = frozenset(
    {"tutor_name", "tutor_job", "tutor_contact", "prescriber_type", "objective", "job_code", "hours"}
)
TRAINING_EXTRA_FIELDS = frozenset({"hours", "ends_on"})


def move(session: Session, pathway: Pathway, request: MoveRequest, actor: User | None) -> PathwayEvent:
    """Make ``request`` happen on ``pathway``, or raise ``MoveRefused`` having written nothing.

    Raises ``PathwayConflict`` when another writer moved the pathway meanwhile
    (the caller must then roll back).
    """
    previous = last_event(session, pathway)
    messages = _check_date(request.occurred_on, "de l'événement", not_before=previous.occurred_on)
    records, details, reference_messages = _step_records(session, pathway, request)
    messages += reference_messages
    facts = pathway_facts(session, pathway, previous)
    if messages:
        # Report every problem at once, the machine's included.
        raise InvalidInput(messages + guard_refusals(facts, request))
    from_state = State(pathway.state)
    apply_move(pathway, facts, request)
    # Past this point the move is accepted: records may be written.
    if request.trigger is Trigger.START_ORIENTATION:
        session.execute(
            sa.update(OrientationParticipant)
            .where(
                OrientationParticipant.week_id == request.orientation_week_id,
                OrientationParticipant.pathway_id == pathway.id,
            )
            .values(availability_confirmed=True)
        )

    session.add_all(records)
    if records:
        _flush_or_conflict(session)  # the event keeps the ids of the records it created
    for record in records:
        if isinstance(record, Immersion):
            details["immersion_id"] = record.id
        elif isinstance(record, Training):
            details["training_id"] = record.id
        elif isinstance(record, Contract):
            details["contract_id"] = record.id
    if request.trigger is Trigger.COMPLETE:
        contract = latest_contract(session, pathway)
        details["contract_id"] = contract.id if contract else None
    if request.trigger is Trigger.EXIT and request.comment:
        details["has_comment"] = True
    # Repeating a step (a second immersion) leaves the state as it was: the
    # version must move all the same, so that concurrent writers collide.
    flag_modified(pathway, "state")
    event = _append_event(
        session,
        pathway,
        sequence=previous.sequence + 1,
        trigger=request.trigger,
        from_state=from_state,
        occurred_on=request.occurred_on,
        actor=actor,
        comment=request.comment,
        details=details,
    )
    _flush_or_conflict(session)
    audit.record(
        session,
        actor,
        "pathway.move",
        object_type="pathway",
        object_id=pathway.id,
        platform_id=pathway.platform_id,
        changes={"state": (from_state.value, pathway.state.value)},
        details={"trigger": request.trigger.value, "occurred_on": request.occurred_on.isoformat()},
    )
    return event


def assign_adviser(
    session: Session,
    pathway: Pathway,
    adviser: User,
    *,
    actor: User | None,
    on: date | None = None,
    note: str | None = None,
) -> AdviserAssignment:
    """Hand ``pathway`` to ``adviser`` (the handover, or a reassignment), keeping who followed whom."""
    on = on or clock.today()
    messages = _check_date(on, "d'affectation")
    if adviser.role is not Role.ADVISER or not adviser.is_active:
        messages.append(f"{adviser.display_name} n'est pas un·e conseiller·ère actif·ve.")
    if adviser.platform_id != pathway.platform_id:
        messages.append(f"{adviser.display_name} ne travaille pas sur cette plateforme.")
    if State(pathway.state).is_terminal:
        messages.append("Ce parcours est terminé : il ne peut plus être réaffecté.")
    if pathway.adviser_id == adviser.id:
        messages.append(f"{adviser.display_name} suit déjà ce parcours.")
    if messages:
        raise InvalidInput(messages)
    current = session.scalar(
        sa.select(AdviserAssignment).where(
            AdviserAssignment.pathway_id == pathway.id, AdviserAssignment.ended_on.is_(None)
        )
    )
    if current is not None:
        current.ended_on = on
    before = pathway.adviser_id
    pathway.adviser_id = adviser.id
    assignment = AdviserAssignment(
        pathway_id=pathway.id,
        adviser_id=adviser.id,
        assigned_on=on,
        assigned_by_id=actor.id if actor else None,
        handover_note=(note or "").strip() or None,
    )
    session.add(assignment)
    _flush_or_conflict(session)
    audit.record(
        session,
        actor,
        "pathway.assign_adviser",
        object_type="pathway",
        object_id=pathway.id,
        platform_id=pathway.platform_id,
        changes={"adviser_id": (before, adviser.id)},
    )
    return assignment


def record_diagnostic(
    session: Session,
    pathway: Pathway,
    *,
    written_on: date,
    project_validated: bool,
    actor: User | None,
    target_job_code: str | None = None,
    week_id: int | None = None,
    basic_skills: str | None = None,
    professional_values: str | None = None,
    barriers_and_levers: str | None = None,
    road_map: list[tuple[str, date | None]] | None = None,
) -> Diagnostic:
    """Record the orientation diagnostic and its *feuille de route*."""
    messages = _check_date(written_on, "du diagnostic")
    if State(pathway.state) in (State.REFERRED, State.INFO_SESSION) or State(pathway.state).is_terminal:
        messages.append("Le diagnostic s'écrit à partir du pôle orientation, sur un parcours en cours.")
    if target_job_code and session.get(Job, target_job_code) is None:
        messages.append(f"Le code ROME « {target_job_code} » est inconnu.")
    for label, _planned_on in road_map or []:
        if not label.strip():
            messages.append("Chaque étape de la feuille de route a un intitulé.")
            break
    if messages:
        raise InvalidInput(messages)
    diagnostic = Diagnostic(
        pathway_id=pathway.id,
        week_id=week_id,
        written_on=written_on,
        project_validated=project_validated,
        target_job_code=target_job_code,
        basic_skills=basic_skills,
        professional_values=professional_values,
        barriers_and_levers=barriers_and_levers,
        author_id=actor.id if actor else None,
    )
    diagnostic.road_map = [
        RoadMapStep(label=label.strip(), planned_on=planned) for label, planned in road_map or []
    ]
    session.add(diagnostic)
    if target_job_code and project_validated:
        pathway.target_job_code = target_job_code
    session.flush()  # the audit entry names the diagnostic
    audit.record(
        session,
        actor,
        "diagnostic.create",
        object_type="diagnostic",
        object_id=diagnostic.id,
        platform_id=pathway.platform_id,
        changes={"project_validated": (None, project_validated)},
    )
    return diagnostic


def record_checkpoint(
    session: Session,
    checkpoint: Checkpoint,
    *,
    recorded_on: date,
    still_in_post: bool,
    actor: User | None,
    difficulties: str | None = None,
    action_taken: str | None = None,
) -> Checkpoint:
    """Record a follow-up checkpoint (1, 3 or 6 months)."""
    contract = checkpoint.contract
    messages = _check_date(recorded_on, "du point de suivi")
    if recorded_on < contract.starts_on:
        messages.append("Un point de suivi ne peut pas précéder le début du contrat.")
    if checkpoint.recorded_on is not None:
        messages.append(f"Le point de suivi à {checkpoint.month} mois est déjà enregistré.")
    if messages:
        raise InvalidInput(messages)
    checkpoint.recorded_on = recorded_on
    checkpoint.still_in_post = still_in_post
    checkpoint.difficulties = (difficulties or "").strip() or None
    checkpoint.action_taken = (action_taken or "").strip() or None
    checkpoint.recorded_by_id = actor.id if actor else None
    session.flush()
    audit.record(
        session,
        actor,
        "checkpoint.record",
        object_type="checkpoint",
        object_id=checkpoint.id,
        platform_id=session.get(Pathway, checkpoint.pathway_id).platform_id,
        changes={"still_in_post": (None, still_in_post)},
    )
    return checkpoint

"""The pathway service: the one door through which every move goes.

The web forms, the import and the command line all call ``open_pathway`` and
``move`` (or ``record_step``, which plans a step whose first day is still to
come). A move is checked (dates, references, the state machine and its
guards) before anything is added to the session, so a refused move writes
nothing. Services never commit: the caller's request, command or import owns
the transaction.

One date per fact (pathway.md): a step that has its own first day — the
orientation week's, the immersion's, the training's, the contract's — is
dated by it. When that day is still to come the step is *planned*
(``PlannedStep``): kept with its date and details, and made into the move
when someone confirms, on or after that day, that it happened.

Consistency rules decided here, as a conseiller would expect:

- the first conseiller of a pathway in ``orientation`` (the handover at the
  end of the week) needs a diagnostic written since the week began; a
  conseiller assigned before any orientation week needs none;
- a diagnostic is written by a délégué or a conseiller, in any non-terminal
  state, on or after the pathway's entry; the orientation week's diagnostic
  names the week, an interview's names none;
- a checkpoint is recorded at the earliest 15 days before it is due, and
  not once the contract ended before it was due (it is then cancelled);
- nothing is dated before the pathway's entry nor in the future, but a
  planned step's first day;
- a pathway that ends (``exit``, ``complete``) cancels the steps still
  planned on it.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from pathways import audit, clock
from pathways.models import (
    AdviserAssignment,
    AuditEntry,
    Certification,
    Checkpoint,
    Contract,
    Diagnostic,
    Employer,
    Immersion,
    InfoSession,
    InfoSessionAttendance,
    Job,
    OrientationAttendance,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    PathwayEvent,
    Person,
    PlannedStep,
    RoadMapStep,
    Training,
    TrainingOrganisation,
    User,
)
from pathways.services import standing, summary
from pathways.states import (
    CHECKPOINT_EARLIEST_DAYS,
    CHECKPOINT_MONTHS,
    CONTRACTS_WITH_TRAINING,
    DATED_BY_RECORD,
    MOVES,
    TERMINAL_STATES,
    MoveRefused,
    MoveRequest,
    PathwayFacts,
    State,
    Trigger,
    add_months,
    apply_move,
    fact_refusals,
    is_allowed_from,
    step_day,
)
from pathways.states.guards import (
    TrainingInput,
    request_from_json,
    request_to_json,
    six_months_passed,
    training_recorded,
)
from pathways.states.guards import refusals as guard_refusals
from pathways.vocabulary import (
    AbsenceOverride,
    AttendanceStatus,
    DiagnosticKind,
    FundingScheme,
    PlannedStepStatus,
    PrescriberType,
    Role,
    TrainingResult,
)


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


def entry_date(session: Session, pathway: Pathway) -> date:
    """The day the pathway started: its first event (``referred``)."""
    return session.scalars(
        sa.select(PathwayEvent.occurred_on).where(
            PathwayEvent.pathway_id == pathway.id, PathwayEvent.sequence == 1
        )
    ).one()


def latest_contract(session: Session, pathway: Pathway) -> Contract | None:
    """The current contract: the latest one signed on the pathway."""
    return session.scalars(
        sa.select(Contract)
        .where(Contract.pathway_id == pathway.id)
        .order_by(Contract.starts_on.desc(), Contract.id.desc())
        .limit(1)
    ).first()


# Noted absent or excused at the information session: the person did not hear it.
MISSED_SESSION = (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED)

# The facts each guard reads (states/guards.py): a move reads only those of its trigger.
FACTS_BY_TRIGGER: dict[Trigger, frozenset[str]] = {
    Trigger.START_REINFORCEMENT: frozenset({"diagnostic_recorded"}),
    Trigger.START_TRAINING: frozenset({"project_validated"}),
    Trigger.SEEK_EMPLOYMENT: frozenset({"project_validated"}),
    Trigger.START_ORIENTATION: frozenset({"absent_at_info_session"}),
    Trigger.END_CONTRACT: frozenset({"contract_start", "contract_ended"}),
    Trigger.COMPLETE: frozenset({"contract_start", "six_month_checkpoint_recorded"}),
}
ALL_FACTS = frozenset().union(*FACTS_BY_TRIGGER.values())


@dataclass(frozen=True)
class LastEvent:
    """What a move needs of the pathway's last event."""

    sequence: int
    from_state: State | None
    occurred_on: date


# The statement's only parameters: the pathway, and its person (the information session's facts).
_PATHWAY_ID = sa.bindparam("pathway_id", type_=sa.Integer)
_PERSON_ID = sa.bindparam("person_id", type_=sa.Integer)


def _fact_columns(wanted: frozenset[str]) -> dict[str, sa.ColumnElement[Any]]:
    """One SQL expression per fact in ``wanted``, all for one SELECT."""
    columns: dict[str, sa.ColumnElement[Any]] = {}
    current_contract = (
        sa.select(Contract.id)
        .where(Contract.pathway_id == _PATHWAY_ID)
        .order_by(Contract.starts_on.desc(), Contract.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    if "diagnostic_recorded" in wanted:
        columns["diagnostic_recorded"] = sa.exists().where(Diagnostic.pathway_id == _PATHWAY_ID)
    if "project_validated" in wanted:
        columns["project_validated"] = (
            sa.select(Diagnostic.project_validated)
            .where(Diagnostic.pathway_id == _PATHWAY_ID)
            .order_by(Diagnostic.written_on.desc(), Diagnostic.id.desc())
            .limit(1)
            .scalar_subquery()
        )
    if "contract_start" in wanted:
        columns["contract_start"] = (
            sa.select(Contract.starts_on).where(Contract.id == current_contract).scalar_subquery()
        )
    if "contract_ended" in wanted:
        columns["contract_ended"] = sa.exists().where(
            Contract.id == current_contract, Contract.ended_on.is_not(None)
        )
    if "six_month_checkpoint_recorded" in wanted:
        columns["six_month_checkpoint_recorded"] = sa.exists().where(
            Checkpoint.contract_id == current_contract,
            Checkpoint.month == 6,
            Checkpoint.recorded_on.is_not(None),
        )
    if "absent_at_info_session" in wanted:
        # Only the information session of this pathway counts: the person's
        # attendance at a session held since its entry. Excused counts as
        # absent here: either way the person did not hear the session.
        entered_on = (
            sa.select(PathwayEvent.occurred_on)
            .where(PathwayEvent.pathway_id == _PATHWAY_ID, PathwayEvent.sequence == 1)
            .scalar_subquery()
        )
        columns["absent_at_info_session"] = sa.exists().where(
            InfoSessionAttendance.person_id == _PERSON_ID,
            InfoSessionAttendance.status.in_(MISSED_SESSION),
            InfoSession.id == InfoSessionAttendance.session_id,
            InfoSession.held_on >= entered_on,
        )
    return columns


@functools.cache
def _facts_statement(wanted: frozenset[str]) -> tuple[sa.Select[Any], tuple[str, ...]]:
    """The SELECT of the last event and the facts in ``wanted``, built once per set of facts.

    Every move runs one of these: built once, SQLAlchemy also finds its
    compiled form by the statement's memoised cache key instead of walking
    a new statement each time.
    """
    last = (
        sa.select(PathwayEvent.sequence, PathwayEvent.from_state, PathwayEvent.occurred_on)
        .where(PathwayEvent.pathway_id == _PATHWAY_ID)
        .order_by(PathwayEvent.sequence.desc())
        .limit(1)
        .subquery()
    )
    columns = _fact_columns(wanted)
    statement = sa.select(last.c.sequence, last.c.from_state, last.c.occurred_on, *columns.values())
    return statement, tuple(columns)


def _facts_and_last_event(
    session: Session, pathway: Pathway, wanted: frozenset[str]
) -> tuple[PathwayFacts, LastEvent]:
    """The facts in ``wanted`` and the last event, read in one query."""
    statement, names = _facts_statement(wanted)
    if session.autoflush:
        session.flush()  # as the session's own execute would: the facts may be pending
    # The connection's execute: the session's would pass the row through the ORM's loading.
    parameters = {"pathway_id": pathway.id, "person_id": pathway.person_id}
    row = session.connection().execute(statement, parameters).one()
    sequence, from_state, occurred_on, *values = row
    found = dict(zip(names, values, strict=True))
    from_state = State(from_state) if from_state is not None else None
    if not isinstance(occurred_on, date):
        occurred_on = date.fromisoformat(str(occurred_on))
    if found.get("contract_start") is not None and not isinstance(found["contract_start"], date):
        found["contract_start"] = date.fromisoformat(str(found["contract_start"]))
    facts = PathwayFacts(
        state=State(pathway.state),
        adviser_assigned=pathway.adviser_id is not None,
        diagnostic_recorded=bool(found.get("diagnostic_recorded")),
        project_validated=bool(found.get("project_validated")),
        contract_start=found.get("contract_start"),
        contract_ended=bool(found.get("contract_ended")),
        six_month_checkpoint_recorded=bool(found.get("six_month_checkpoint_recorded")),
        # From on_hold only resume and exit lead out, and exit is terminal:
        # the last event is therefore the suspension.
        suspended_from=from_state if pathway.state is State.ON_HOLD else None,
        absent_at_info_session=bool(found.get("absent_at_info_session")),
    )
    return facts, LastEvent(sequence, from_state, occurred_on)


def pathway_facts(session: Session, pathway: Pathway, trigger: Trigger | None = None) -> PathwayFacts:
    """What the guards need to know of ``pathway`` (of ``trigger`` only, when given), in one query."""
    wanted = FACTS_BY_TRIGGER.get(trigger, frozenset()) if trigger is not None else ALL_FACTS
    return _facts_and_last_event(session, pathway, wanted)[0]


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


def planned_steps(session: Session, pathway: Pathway, *, pending_only: bool = False) -> list[PlannedStep]:
    """The steps planned on ``pathway``, soonest first (pending ones only if asked)."""
    query = sa.select(PlannedStep).where(PlannedStep.pathway_id == pathway.id)
    if pending_only:
        query = query.where(PlannedStep.status == PlannedStepStatus.PLANNED)
    return list(session.scalars(query.order_by(PlannedStep.planned_on, PlannedStep.id)))


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


def date_refusals(
    day: date, what: str, not_before: date | None = None, *, today: date | None = None
) -> list[str]:
    """A day is never in the future, nor before the pathway's previous event (``not_before``).

    ``today``: the platforms' today (``clock.today()`` when not given), for a caller that judges
    many days at once (the import reads the clock once per file).
    """
    messages = []
    if day > (today or clock.today()):
        messages.append(f"La date {what} ({day:%d/%m/%Y}) ne peut pas être dans le futur.")
    if not_before is not None and day < not_before:
        messages.append(
            f"La date {what} ({day:%d/%m/%Y}) ne peut pas précéder le dernier événement "
            f"du parcours ({not_before:%d/%m/%Y})."
        )
    return messages


def _not_before_entry(session: Session, pathway: Pathway, day: date, what: str) -> list[str]:
    return before_entry_refusals(day, entry_date(session, pathway), what)


def before_entry_refusals(day: date, entered_on: date, what: str) -> list[str]:
    """No step starts before the pathway's entry."""
    if day < entered_on:
        return [
            f"La date {what} ({day:%d/%m/%Y}) ne peut pas précéder l'entrée dans le parcours "
            f"({entered_on:%d/%m/%Y})."
        ]
    return []


def _first_event(
    session: Session,
    pathway: Pathway,
    *,
    occurred_on: date,
    actor: User | None,
    comment: str | None,
    details: dict[str, Any],
) -> PathwayEvent:
    """The opening's event (``refer``), added with the pathway not yet stored.

    Every later event is written by ``move`` itself (``_store_move``).
    """
    event = PathwayEvent(
        pathway=pathway,
        **event_values(
            sequence=1,
            trigger=Trigger.REFER,
            from_state=None,
            to_state=State(pathway.state),
            occurred_on=occurred_on,
            actor_id=actor.id if actor else None,
            comment=comment,
            details=details,
        ),
    )
    session.add(event)
    _event_on_pathway(pathway, Trigger.REFER, occurred_on, details, first=True)
    return event


def _event_on_pathway(
    pathway: Pathway,
    trigger: Trigger,
    occurred_on: date,
    details: dict[str, Any],
    *,
    first: bool,
) -> None:
    """What a new event changes on its pathway's row: its day, and the summary."""
    pathway.last_event_on = occurred_on
    summary.after_event(pathway, trigger, occurred_on, details.get("reason"), first=first)


def event_values(
    *,
    sequence: int,
    trigger: Trigger,
    from_state: State | None,
    to_state: State,
    occurred_on: date,
    actor_id: int | None,
    comment: str | None,
    details: dict[str, Any],
) -> dict[str, Any]:
    """The columns of one history event (the import writes the same rows in bulk)."""
    return {
        "sequence": sequence,
        "trigger": trigger,
        "from_state": from_state,
        "to_state": to_state,
        "occurred_on": occurred_on,
        "recorded_at": clock.now(),
        "recorded_by_id": actor_id,
        "comment": (comment or "").strip() or None,
        "details": details,
    }


def _flush_or_conflict(session: Session) -> None:
    """Flush; a concurrent writer of the same pathway surfaces as ``PathwayConflict``."""
    with _conflicts_raised():
        session.flush()


@contextlib.contextmanager
def _conflicts_raised() -> Iterator[None]:
    """Writes inside: a concurrent writer of the same pathway surfaces as ``PathwayConflict``."""
    try:
        yield
    except StaleDataError as error:
        raise PathwayConflict() from error
    except IntegrityError as error:
        text = str(error.orig)
        if "pathway_events" in text or "sequence" in text or "planned_steps" in text:
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
    open_ones = session.scalar(
        sa.select(sa.func.count())
        .select_from(Pathway)
        .where(
            Pathway.person_id == person.id,
            Pathway.state.not_in([State.COMPLETED, State.EXITED]),
        )
    )
    messages = opening_refusals(
        referred_on, person_name=person.full_name, already_open=person.id is not None and bool(open_ones)
    )
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
    # Not flushed before its first event gives it its entry day (an expired actor's id read
    # on the way would otherwise flush it half-built).
    with session.no_autoflush:
        session.add(pathway)
        _first_event(
            session,
            pathway,
            occurred_on=referred_on,
            actor=actor,
            comment=comment,
            details={"prescriber_type": prescriber_type.value if prescriber_type else None},
        )
    _flush_or_conflict(session)  # the pathway's id is needed by the caller and the audit
    standing.refresh(session, [person.id])
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


def opening_refusals(
    referred_on: date, *, person_name: str, already_open: bool, today: date | None = None
) -> list[str]:
    """A pathway opens on a day not to come, for a person with no other pathway open."""
    messages = date_refusals(referred_on, "d'entrée", today=today)
    if already_open:
        messages.append(f"{person_name} a déjà un parcours en cours.")
    return messages


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


@dataclass
class _StepRecords:
    """What a move creates, the ids its event keeps, unknown references, and the step's day."""

    records: list[Any]
    details: dict[str, Any]
    messages: list[str]
    day: date | None


def _step_records(session: Session, pathway: Pathway, request: MoveRequest) -> _StepRecords:
    platform_id = pathway.platform_id
    records: list[Any] = []
    details: dict[str, Any] = {}
    messages: list[str] = []
    trigger = request.trigger
    day = step_day(request)

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
    elif trigger is Trigger.START_ORIENTATION:
        day = None  # the week's first day, once the week is known
        week = _in_platform(session, OrientationWeek, request.orientation_week_id, platform_id)
        if request.orientation_week_id is not None and week is None:
            messages.append("Cette semaine du pôle orientation n'existe pas sur la plateforme.")
        if week is not None:
            day = week.starts_on
            details["orientation_week_id"] = week.id
            existing = session.scalar(
                sa.select(OrientationParticipant).where(
                    OrientationParticipant.week_id == week.id,
                    OrientationParticipant.pathway_id == pathway.id,
                )
            )
            # A participant already on the week's list (planned ahead) is the
            # same record: only a new one is created.
            if existing is None:
                records.append(
                    OrientationParticipant(
                        week_id=week.id,
                        pathway_id=pathway.id,
                        availability_confirmed=request.availability_confirmed,
                    )
                )
            if request.absence_override is not None:
                details["absence_override"] = request.absence_override.value
    elif trigger is Trigger.START_IMMERSION and request.immersion is not None:
        data = request.immersion
        messages += _unknown_references(
            session, platform_id, employer_id=data.employer_id, job_code=request.extra.get("job_code")
        )
    elif trigger is Trigger.START_TRAINING and request.training is not None:
        data = request.training
        messages += _unknown_references(
            session,
            platform_id,
            organisation_id=data.organisation_id,
            certification_code=data.certification_code,
        )
    elif trigger is Trigger.SIGN_CONTRACT and request.contract is not None:
        data = request.contract
        with_training = data.contract_type in CONTRACTS_WITH_TRAINING
        messages += _unknown_references(
            session,
            platform_id,
            employer_id=data.employer_id,
            job_code=data.job_code,
            organisation_id=data.training_organisation_id if with_training else None,
            certification_code=data.training_certification_code if with_training else None,
        )
    values = step_record_values(request)
    if values.immersion is not None:
        records.append(Immersion(pathway_id=pathway.id, **values.immersion))
    if values.training is not None:
        records.append(Training(pathway_id=pathway.id, **values.training))
    if values.contract is not None:
        contract = Contract(pathway_id=pathway.id, **values.contract)
        records.append(contract)
        records.extend(
            Checkpoint(contract=contract, pathway_id=pathway.id, **checkpoint)
            for checkpoint in values.checkpoints
        )
        if values.contract_training is not None:
            records.append(Training(pathway_id=pathway.id, contract=contract, **values.contract_training))
    if trigger is Trigger.END_CONTRACT and request.contract_end_reason is not None:
        details["reason"] = request.contract_end_reason.value
    elif trigger is Trigger.EXIT and request.exit_reason is not None:
        details["reason"] = request.exit_reason.value
    elif trigger is Trigger.SUSPEND and request.suspend_reason:
        details["reason"] = request.suspend_reason.strip()
    return _StepRecords(records, details, messages, day)


IMMERSION_EXTRA_FIELDS = frozenset(
    {"tutor_name", "tutor_job", "tutor_contact", "prescriber_type", "objective", "job_code", "hours"}
)
TRAINING_EXTRA_FIELDS = frozenset({"hours", "ends_on"})


@dataclass
class StepRecordValues:
    """The records a move creates, as column values without ids.

    The one definition of those records, shared by the service (ORM objects)
    and the import (rows written in bulk). ``checkpoints`` and
    ``contract_training`` belong to ``contract``.
    """

    immersion: dict[str, Any] | None = None
    training: dict[str, Any] | None = None
    contract: dict[str, Any] | None = None
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    contract_training: dict[str, Any] | None = None


def step_record_values(request: MoveRequest) -> StepRecordValues:
    """What ``request`` creates (nothing when its details are incomplete: the guards say why)."""
    values = StepRecordValues()
    extra = request.extra
    if request.trigger is Trigger.START_IMMERSION and request.immersion is not None:
        immersion = request.immersion
        if immersion.employer_id and immersion.starts_on and immersion.ends_on:
            values.immersion = {
                "employer_id": immersion.employer_id,
                "starts_on": immersion.starts_on,
                "ends_on": immersion.ends_on,
                **{k: v for k, v in extra.items() if k in IMMERSION_EXTRA_FIELDS},
            }
    elif request.trigger is Trigger.START_TRAINING and request.training is not None:
        training = request.training
        complete = training.organisation_id and training.certification_code and training.funding
        if complete and training.starts_on:
            values.training = {
                "organisation_id": training.organisation_id,
                "certification_code": training.certification_code,
                "funding": training.funding,
                "starts_on": training.starts_on,
                **{k: v for k, v in extra.items() if k in TRAINING_EXTRA_FIELDS},
            }
    elif request.trigger is Trigger.SIGN_CONTRACT and request.contract is not None:
        contract = request.contract
        if (
            contract.employer_id
            and contract.employer_type
            and contract.job_code
            and contract.contract_type
            and contract.starts_on
        ):
            values.contract = {
                "employer_id": contract.employer_id,
                "employer_type": contract.employer_type,
                "job_code": contract.job_code,
                "contract_type": contract.contract_type,
                "cdd_months": contract.cdd_months if contract.contract_type == "cdd" else None,
                "starts_on": contract.starts_on,
                "hours_per_week": extra.get("hours_per_week"),
            }
            values.checkpoints = [
                {"month": month, "due_on": add_months(contract.starts_on, month)}
                for month in CHECKPOINT_MONTHS
            ]
            if (
                contract.contract_type in CONTRACTS_WITH_TRAINING
                and contract.training_organisation_id
                and contract.training_certification_code
            ):
                # The training of a work-study contract runs while the person is employed.
                values.contract_training = {
                    "in_employment": True,
                    "organisation_id": contract.training_organisation_id,
                    "certification_code": contract.training_certification_code,
                    "funding": FundingScheme.OPCO,
                    "starts_on": contract.starts_on,
                }
    return values


def _missing_day(request: MoveRequest) -> list[str]:
    # The steps dated by their record say what is missing in their own guard
    # (start date, week): only a plain move lacks a generic message.
    if request.trigger in DATED_BY_RECORD:
        return []
    return ["Indiquez la date de l'événement."]


def dated_request(
    request: MoveRequest, day: date | None, previous_on: date, *, today: date | None = None
) -> tuple[MoveRequest, list[str]]:
    """``request`` dated by the step's ``day`` (one date per fact), and what is wrong with that day.

    ``previous_on`` is the date of the pathway's last event: no move goes before it.
    """
    if day is None:
        return request, _missing_day(request)
    what = "du premier jour de l'étape" if request.trigger in DATED_BY_RECORD else "de l'événement"
    dated = request if request.occurred_on == day else replace(request, occurred_on=day)
    return dated, date_refusals(day, what, not_before=previous_on, today=today)


def move(
    session: Session,
    pathway: Pathway,
    request: MoveRequest,
    actor: User | None,
    *,
    confirming: PlannedStep | None = None,
) -> PathwayEvent:
    """Make ``request`` happen on ``pathway``, or raise ``MoveRefused`` having written nothing.

    The event is dated by the step's own first day when it has one
    (``DATED_BY_RECORD``), else by ``request.occurred_on``; never in the
    future (plan it: ``record_step``) nor before the previous event.
    ``confirming`` is the planned step this move makes happen, if any.
    Raises ``PathwayConflict`` when another writer moved the pathway meanwhile
    (the caller must then roll back).
    """
    facts, previous = _facts_and_last_event(
        session, pathway, FACTS_BY_TRIGGER.get(request.trigger, frozenset())
    )
    step = _step_records(session, pathway, request)
    request, day_refusals = dated_request(request, step.day, previous.occurred_on)
    messages = step.messages + day_refusals
    if messages:
        # Report every problem at once, the machine's included.
        raise InvalidInput(messages + guard_refusals(facts, request))
    assert request.occurred_on is not None
    day = request.occurred_on
    from_state = State(pathway.state)
    apply_move(pathway, facts, request)
    # Past this point the move is accepted: records may be written.
    details = step.details
    if request.trigger is Trigger.START_ORIENTATION:
        session.execute(
            sa.update(OrientationParticipant)
            .where(
                OrientationParticipant.week_id == request.orientation_week_id,
                OrientationParticipant.pathway_id == pathway.id,
            )
            .values(availability_confirmed=True)
        )
        if request.absence_override is AbsenceOverride.PRESENT_AFTER_ALL:
            _correct_info_session_absence(session, pathway, actor)

    session.add_all(step.records)
    if step.records:
        _flush_or_conflict(session)  # the event keeps the ids of the records it created
    for record in step.records:
        if isinstance(record, Immersion):
            details["immersion_id"] = record.id
        elif isinstance(record, Training):
            details["training_id"] = record.id
        elif isinstance(record, Contract):
            details["contract_id"] = record.id
    if request.trigger is Trigger.END_CONTRACT:
        details["contract_id"] = _end_current_contract(session, pathway, request, day)
    if request.trigger is Trigger.COMPLETE:
        contract = latest_contract(session, pathway)
        details["contract_id"] = contract.id if contract else None
    if request.trigger in (Trigger.EXIT, Trigger.END_CONTRACT) and request.comment:
        details["has_comment"] = True
    if confirming is not None:
        details["planned_step_id"] = confirming.id
    values = event_values(
        sequence=previous.sequence + 1,
        trigger=request.trigger,
        from_state=from_state,
        to_state=State(pathway.state),
        occurred_on=day,
        actor_id=actor.id if actor else None,
        comment=request.comment,
        details=details,
    )
    milestones = standing.milestones(pathway)
    _event_on_pathway(pathway, request.trigger, day, details, first=False)
    entry = audit.entry_values(
        actor,
        "pathway.move",
        object_type="pathway",
        object_id=pathway.id,
        platform_id=pathway.platform_id,
        changes={"state": (from_state.value, pathway.state.value)},
        details={"trigger": request.trigger.value, "occurred_on": day.isoformat()},
    )
    event = _store_move(session, pathway, values, entry, contact_at_least=day)
    if pathway.state in TERMINAL_STATES:
        _cancel_pending_steps(session, pathway, actor, day, keep=confirming)
    if step.records or request.trigger is Trigger.END_CONTRACT or pathway.state in TERMINAL_STATES:
        # Checkpoints, PMSMPs, trainings or planned steps changed: what the alerts look at.
        summary.refresh(session, pathway.id)
    if standing.changed_by_move(from_state, State(pathway.state), milestones, standing.milestones(pathway)):
        standing.refresh(session, [pathway.person_id])
    return event


def _store_move(
    session: Session,
    pathway: Pathway,
    event_row: dict[str, Any],
    entry_row: dict[str, Any],
    *,
    contact_at_least: date,
) -> PathwayEvent:
    """Write the moved pathway's row (its version checked and moved on), its event and its audit line.

    Plain statements rather than the unit of work: a move is the most
    frequent write there is, and the ORM's flush of these rows cost several
    times the rows themselves (issue 14). On PostgreSQL the three go in one
    statement, one round trip; the event and the audit line are inserted
    only if the pathway's row was. The row's last contact is raised to
    ``contact_at_least`` in SQL (``summary.contact_raised``). The pathway
    object is then told what was stored, as a flush would have. The version
    moves even when the state does not (a second immersion), so that
    concurrent writers collide. Anything else pending in the session is
    left to its next flush. Returns the event, as stored.
    """
    inspected = sa.inspect(pathway)
    current = inspected.dict
    columns = _PATHWAY_COLUMNS
    # The columns set since the pathway was loaded (some to the value they had), and those changed.
    touched = [key for key in inspected.committed_state if key in columns]
    changed = {
        key: current.get(key) for key in touched if current.get(key) != inspected.committed_state[key]
    }
    # The statement decides the last contact (the later of the row's and the move's day).
    changed.pop("last_contact_on", None)
    version = pathway.version
    event_row = {**event_row, "pathway_id": pathway.id}
    # The connection, not the session: the ORM's path would flush the pathway first.
    connection = session.connection()
    shape = (connection.dialect.name, tuple(changed), tuple(event_row), tuple(entry_row))
    statements = _MOVE_STATEMENTS.get(shape)
    if statements is None:
        statements = _move_statements(*shape)
        if len(_MOVE_STATEMENTS) < 256:
            _MOVE_STATEMENTS[shape] = statements
    params = {
        "moved_id": pathway.id,
        "moved_version": version,
        "contact_at_least": contact_at_least,
        **{f"set_{key}": value for key, value in changed.items()},
    }
    with _conflicts_raised():
        if len(statements) == 1:
            stored = connection.execute(
                statements[0],
                {
                    **params,
                    **{f"event_{key}": value for key, value in event_row.items()},
                    **{f"entry_{key}": value for key, value in entry_row.items()},
                },
            ).first()
            if stored is None:
                raise PathwayConflict()
            event_id, last_contact_on = stored
        else:
            update, insert_event, insert_entry = statements
            stored = connection.execute(update, params).first()
            if stored is None:
                raise PathwayConflict()
            last_contact_on = stored[0]
            event_id = connection.execute(insert_event, event_row).scalar_one()
            connection.execute(insert_entry, entry_row)
    for key in touched:
        set_committed_value(pathway, key, current.get(key))
    set_committed_value(pathway, "last_contact_on", last_contact_on)
    set_committed_value(pathway, "version", version + 1)
    if not inspected.committed_state:
        # Nothing else pending on the pathway: as after a flush, it is clean
        # (else the session's next flush would walk it for nothing). The state's
        # own method, as the flush calls it: not public in SQLAlchemy 2.0–2.1
        # (setup.cfg stops before 2.2); test_move_writes fails if it changes.
        inspected._commit_all(current, session.identity_map)
    # Reread on next access rather than serve a history without this event.
    session.expire(pathway, ["events"])
    stored_event = PathwayEvent(id=event_id, **event_row)
    make_transient_to_detached(stored_event)
    session.add(stored_event)
    return stored_event


_PATHWAY_COLUMNS = frozenset(column.key for column in sa.inspect(Pathway).column_attrs)
# The move's statements by the columns they write (a few shapes: the state, a milestone's day...).
_MOVE_STATEMENTS: dict[tuple[Any, ...], tuple[sa.Executable, ...]] = {}


def _move_statements(
    dialect: str,
    changed: tuple[str, ...],
    event_columns: tuple[str, ...],
    entry_columns: tuple[str, ...],
) -> tuple[sa.Executable, ...]:
    """The move's statements for these columns, built once: each move gives its values by name."""
    table = Pathway.__table__
    update = (
        sa.update(table)
        .where(table.c.id == sa.bindparam("moved_id"), table.c.version == sa.bindparam("moved_version"))
        .values(
            {
                **{key: sa.bindparam(f"set_{key}", type_=table.c[key].type) for key in changed},
                "last_contact_on": summary.contact_raised(dialect),
                "version": table.c.version + 1,
            }
        )
    )
    events, entries = PathwayEvent.__table__, AuditEntry.__table__
    if dialect != "postgresql":
        return (
            update.returning(table.c.last_contact_on),
            sa.insert(events).returning(events.c.id),
            sa.insert(entries),
        )
    moved = update.returning(table.c.last_contact_on).cte("moved")
    event = _inserted_with(events, "event", event_columns, moved).returning(events.c.id).cte("event")
    entry = _inserted_with(entries, "entry", entry_columns, moved).cte("entry")
    statement = (
        sa.select(event.c.id, moved.c.last_contact_on)
        .select_from(event.join(moved, sa.true()))
        .add_cte(entry)
    )
    return (statement,)


def _inserted_with(table: sa.Table, prefix: str, columns: tuple[str, ...], source: sa.CTE) -> sa.Insert:
    """INSERT into ``table`` of one row given by name (``prefix_column``) per row of ``source``."""
    values = sa.select(*(sa.bindparam(f"{prefix}_{key}", type_=table.c[key].type) for key in columns))
    return sa.insert(table).from_select(list(columns), values.select_from(source))


def _end_current_contract(session: Session, pathway: Pathway, request: MoveRequest, day: date) -> int:
    """Close the current contract; its checkpoints not yet due are cancelled (kept)."""
    contract = latest_contract(session, pathway)
    assert contract is not None  # the guard checked a contract is in progress
    contract.ended_on = day
    contract.end_reason = request.contract_end_reason
    for checkpoint in contract.checkpoints:
        if cancelled_by_contract_end(checkpoint.due_on, checkpoint.recorded_on, day):
            checkpoint.cancelled_on = day
    return contract.id


def cancelled_by_contract_end(due_on: date, recorded_on: date | None, ended_on: date) -> bool:
    """A contract that ends cancels its checkpoints not yet due and not recorded (kept, never deleted)."""
    return recorded_on is None and due_on > ended_on


def _correct_info_session_absence(session: Session, pathway: Pathway, actor: User | None) -> None:
    """The person was at the information session after all: correct the attendance."""
    entered_on = entry_date(session, pathway)
    attendances = session.scalars(
        sa.select(InfoSessionAttendance)
        .join(InfoSession, InfoSession.id == InfoSessionAttendance.session_id)
        .where(
            InfoSessionAttendance.person_id == pathway.person_id,
            InfoSessionAttendance.status.in_(MISSED_SESSION),
            InfoSession.held_on >= entered_on,
        )
    ).all()
    for attendance in attendances:
        before = attendance.status
        attendance.status = AttendanceStatus.PRESENT
        audit.record(
            session,
            actor,
            "info_session.presence",
            object_type="info_session_attendance",
            object_id=attendance.id,
            platform_id=pathway.platform_id,
            changes={"attendance": (before.value, AttendanceStatus.PRESENT.value)},
        )


# --- planned steps ------------------------------------------------------------


def _planned_day(session: Session, pathway: Pathway, request: MoveRequest) -> date | None:
    if request.trigger is Trigger.START_ORIENTATION:
        week = _in_platform(session, OrientationWeek, request.orientation_week_id, pathway.platform_id)
        return week.starts_on if week is not None else None
    return step_day(request)


def record_step(
    session: Session, pathway: Pathway, request: MoveRequest, actor: User | None
) -> PathwayEvent | PlannedStep:
    """Make the move, or plan it when its first day is still to come.

    The one entry point of the forms: a PMSMP, a training, a contract or an
    orientation week that starts later is kept as a ``PlannedStep``.
    """
    if request.trigger in DATED_BY_RECORD:
        day = _planned_day(session, pathway, request)
        if day is not None and day > clock.today():
            return plan_step(session, pathway, request, actor)
    return move(session, pathway, request, actor)


STEP_NAMES: dict[Trigger, str] = {
    Trigger.START_ORIENTATION: "Une semaine du pôle orientation",
    Trigger.START_IMMERSION: "Une PMSMP",
    Trigger.START_TRAINING: "Une entrée en formation",
    Trigger.SIGN_CONTRACT: "Un contrat de travail",
}


def _plan_refusals(
    session: Session,
    pathway: Pathway,
    request: MoveRequest,
    *,
    replacing: PlannedStep | None = None,
) -> tuple[_StepRecords, list[str]]:
    """Why ``request`` cannot be planned now (the guards as of today, references, dates)."""
    step = _step_records(session, pathway, request)
    messages = step.messages + planning_refusals(pathway_facts(session, pathway), request, step.day)
    clash = session.scalar(
        sa.select(PlannedStep).where(
            PlannedStep.pathway_id == pathway.id,
            PlannedStep.trigger == request.trigger,
            PlannedStep.status == PlannedStepStatus.PLANNED,
            PlannedStep.id != (replacing.id if replacing else -1),
        )
    )
    if clash is not None:
        messages.append(
            f"{STEP_NAMES.get(request.trigger, 'Une étape')} est déjà prévue le "
            f"{clash.planned_on:%d/%m/%Y} : modifiez-la ou annulez-la."
        )
    return step, messages


def planning_refusals(
    facts: PathwayFacts, request: MoveRequest, day: date | None, *, today: date | None = None
) -> list[str]:
    """Why ``request`` cannot be planned on its first ``day`` (a step of its own, to come, allowed now)."""
    messages = []
    state = facts.state
    if request.trigger not in DATED_BY_RECORD:
        messages.append("Seules les étapes qui ont leur propre premier jour peuvent être prévues.")
    elif state.is_terminal:
        messages.append("Ce parcours est terminé : aucune étape ne peut y être prévue.")
    elif not is_allowed_from(request.trigger, state) and state is not State.ON_HOLD:
        messages.append(f"« {request.trigger.label} » n'est pas possible depuis l'étape « {state.label} ».")
    if day is not None:
        if day <= (today or clock.today()):
            messages.append(
                f"Le premier jour ({day:%d/%m/%Y}) n'est pas à venir : enregistrez l'étape elle-même."
            )
        request = replace(request, occurred_on=day)
    if state is State.ON_HOLD:
        # Planned during a suspension, it is judged as from the suspended state.
        facts = replace(facts, state=facts.suspended_from or state)
    return messages + guard_refusals(facts, request)


def plan_step(session: Session, pathway: Pathway, request: MoveRequest, actor: User | None) -> PlannedStep:
    """Keep ``request`` as a step planned on its (future) first day, or raise ``InvalidInput``."""
    step, messages = _plan_refusals(session, pathway, request)
    if messages or step.day is None:
        raise InvalidInput(messages or ["Indiquez le premier jour de l'étape."])
    planned = PlannedStep(
        pathway_id=pathway.id,
        trigger=request.trigger,
        planned_on=step.day,
        request=request_to_json(replace(request, occurred_on=None)),
        status=PlannedStepStatus.PLANNED,
        created_by_id=actor.id if actor else None,
    )
    session.add(planned)
    # An orientation week shows its planned participants on its list.
    session.add_all(r for r in step.records if isinstance(r, OrientationParticipant))
    _flush_or_conflict(session)
    summary.refresh(session, pathway.id)
    audit.record(
        session,
        actor,
        "planned_step.create",
        object_type="pathway",
        object_id=pathway.id,
        platform_id=pathway.platform_id,
        details={"trigger": request.trigger.value, "planned_on": step.day.isoformat()},
    )
    return planned


def _pending(planned: PlannedStep) -> list[str]:
    if planned.status is not PlannedStepStatus.PLANNED:
        return [f"Cette étape prévue est déjà {planned.status.label.lower()}."]
    return []


def confirm_planned_step(session: Session, planned: PlannedStep, actor: User | None) -> PathwayEvent:
    """The planned step happened: make its move, dated by its first day."""
    messages = _pending(planned)
    if planned.planned_on > clock.today():
        messages.append(
            f"Cette étape est prévue le {planned.planned_on:%d/%m/%Y} : elle se confirme ce jour-là ou après."
        )
    if messages:
        raise InvalidInput(messages)
    pathway = session.get_one(Pathway, planned.pathway_id)
    event = move(session, pathway, request_from_json(planned.request), actor, confirming=planned)
    _decide(planned, PlannedStepStatus.CONFIRMED, actor, event)
    _flush_or_conflict(session)
    summary.refresh(session, pathway.id)
    audit.record(
        session,
        actor,
        "planned_step.confirm",
        object_type="pathway",
        object_id=pathway.id,
        platform_id=pathway.platform_id,
        details={"trigger": planned.trigger.value, "planned_on": planned.planned_on.isoformat()},
    )
    return event


def replan_step(
    session: Session, planned: PlannedStep, request: MoveRequest, actor: User | None
) -> PathwayEvent | PlannedStep:
    """Change a planned step (its date, its details); a first day now past records the step."""
    messages = _pending(planned)
    if request.trigger is not planned.trigger:
        messages.append("Une étape prévue garde sa nature : annulez-la pour en prévoir une autre.")
    if messages:
        raise InvalidInput(messages)
    pathway = session.get_one(Pathway, planned.pathway_id)
    day = _planned_day(session, pathway, request)
    if day is not None and day <= clock.today():
        event = move(session, pathway, request, actor, confirming=planned)
        planned.request = request_to_json(replace(request, occurred_on=None))
        planned.planned_on = day
        _decide(planned, PlannedStepStatus.CONFIRMED, actor, event)
        _flush_or_conflict(session)
        summary.refresh(session, pathway.id)
        return event
    step, messages = _plan_refusals(session, pathway, request, replacing=planned)
    if messages or step.day is None:
        raise InvalidInput(messages or ["Indiquez le premier jour de l'étape."])
    before = planned.planned_on
    if request.trigger is Trigger.START_ORIENTATION:
        _drop_planned_participant(session, pathway, planned)
        session.add_all(r for r in step.records if isinstance(r, OrientationParticipant))
    planned.request = request_to_json(replace(request, occurred_on=None))
    planned.planned_on = step.day
    _flush_or_conflict(session)
    summary.refresh(session, pathway.id)
    audit.record(
        session,
        actor,
        "planned_step.update",
        object_type="pathway",
        object_id=pathway.id,
        platform_id=pathway.platform_id,
        changes={"planned_on": (before.isoformat(), step.day.isoformat())},
        details={"trigger": planned.trigger.value},
    )
    return planned


def cancel_planned_step(session: Session, planned: PlannedStep, actor: User | None) -> PlannedStep:
    """The planned step will not happen: kept as cancelled."""
    messages = _pending(planned)
    if messages:
        raise InvalidInput(messages)
    pathway = session.get_one(Pathway, planned.pathway_id)
    _drop_planned_participant(session, pathway, planned)
    _decide(planned, PlannedStepStatus.CANCELLED, actor)
    _flush_or_conflict(session)
    summary.refresh(session, pathway.id)
    audit.record(
        session,
        actor,
        "planned_step.cancel",
        object_type="pathway",
        object_id=pathway.id,
        platform_id=pathway.platform_id,
        details={"trigger": planned.trigger.value, "planned_on": planned.planned_on.isoformat()},
    )
    return planned


def _decide(
    planned: PlannedStep, status: PlannedStepStatus, actor: User | None, event: PathwayEvent | None = None
) -> None:
    planned.status = status
    planned.decided_on = clock.today()
    planned.decided_by_id = actor.id if actor else None
    planned.event_id = event.id if event is not None else None


def _drop_planned_participant(session: Session, pathway: Pathway, planned: PlannedStep) -> None:
    """Take a planned participant off the week's list, unless attendance was already taken."""
    if planned.trigger is not Trigger.START_ORIENTATION:
        return
    week_id = planned.request.get("orientation_week_id")
    participant = session.scalar(
        sa.select(OrientationParticipant).where(
            OrientationParticipant.week_id == week_id, OrientationParticipant.pathway_id == pathway.id
        )
    )
    marked = participant is not None and session.scalar(
        sa.select(sa.func.count()).where(OrientationAttendance.participant_id == participant.id)
    )
    if participant is not None and not marked:
        session.delete(participant)


def _cancel_pending_steps(
    session: Session, pathway: Pathway, actor: User | None, day: date, keep: PlannedStep | None
) -> None:
    """A pathway that ends takes its planned steps with it (kept, cancelled)."""
    for planned in planned_steps(session, pathway, pending_only=True):
        if planned is keep:
            continue
        _drop_planned_participant(session, pathway, planned)
        _decide(planned, PlannedStepStatus.CANCELLED, actor)
    session.flush()


def confirm_orientation_entry(
    session: Session, participant: OrientationParticipant, actor: User | None
) -> PathwayEvent | None:
    """A planned participant came to the week: confirm their planned entry, if still planned."""
    planned = session.scalars(
        sa.select(PlannedStep).where(
            PlannedStep.pathway_id == participant.pathway_id,
            PlannedStep.trigger == Trigger.START_ORIENTATION,
            PlannedStep.status == PlannedStepStatus.PLANNED,
        )
    ).first()
    if planned is None or planned.request.get("orientation_week_id") != participant.week_id:
        return None
    return confirm_planned_step(session, planned, actor)


# --- the conseiller, the diagnostic, trainings, checkpoints ----------------------------


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
    week_started_on = latest_diagnostic_on = None
    if pathway.adviser_id is None and pathway.state is State.ORIENTATION:
        week_started_on, latest_diagnostic_on = _week_and_latest_diagnostic(session, pathway)
    messages = assignment_refusals(
        adviser,
        platform_id=pathway.platform_id,
        state=State(pathway.state),
        current_adviser_id=pathway.adviser_id,
        on=on,
        week_started_on=week_started_on,
        latest_diagnostic_on=latest_diagnostic_on,
    )
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


def assignment_refusals(
    adviser: User,
    *,
    platform_id: int,
    state: State,
    current_adviser_id: int | None,
    on: date,
    week_started_on: date | None = None,
    latest_diagnostic_on: date | None = None,
    today: date | None = None,
) -> list[str]:
    """Why ``adviser`` cannot take a pathway over on ``on``.

    ``week_started_on`` and ``latest_diagnostic_on`` matter for the handover
    at the end of an orientation week (first conseiller, state orientation).
    """
    messages = date_refusals(on, "d'affectation", today=today)
    if adviser.role is not Role.ADVISER or not adviser.is_active:
        messages.append(f"{adviser.display_name} n'est pas un·e conseiller·ère actif·ve.")
    if adviser.platform_id != platform_id:
        messages.append(f"{adviser.display_name} ne travaille pas sur cette plateforme.")
    if state.is_terminal:
        messages.append("Ce parcours est terminé : il ne peut plus être réaffecté.")
    if current_adviser_id == adviser.id:
        messages.append(f"{adviser.display_name} suit déjà ce parcours.")
    if current_adviser_id is None and state is State.ORIENTATION:
        messages += week_diagnostic_refusals(week_started_on, latest_diagnostic_on)
    return messages


def _week_and_latest_diagnostic(session: Session, pathway: Pathway) -> tuple[date | None, date | None]:
    """The first day of the pathway's latest orientation week, and its latest diagnostic's date."""
    week_started = session.scalar(
        sa.select(PathwayEvent.occurred_on)
        .where(PathwayEvent.pathway_id == pathway.id, PathwayEvent.trigger == Trigger.START_ORIENTATION)
        .order_by(PathwayEvent.sequence.desc())
        .limit(1)
    )
    latest = session.scalar(
        sa.select(sa.func.max(Diagnostic.written_on)).where(Diagnostic.pathway_id == pathway.id)
    )
    return week_started, latest


def week_diagnostic_refusals(week_started_on: date | None, latest_diagnostic_on: date | None) -> list[str]:
    """The handover at the end of an orientation week needs a diagnostic written since the week began."""
    if latest_diagnostic_on is None or latest_diagnostic_on < (week_started_on or date.min):
        return [
            "Le diagnostic de la semaine du pôle orientation doit être enregistré avant de passer "
            "le relais à un·e conseiller·ère."
        ]
    return []


# Who writes a diagnostic on the web (pathway.md): the import and the command
# line carry diagnostics already written.
DIAGNOSTIC_AUTHORS = (Role.DELEGATE, Role.ADVISER)


def record_diagnostic(
    session: Session,
    pathway: Pathway,
    *,
    written_on: date,
    project_validated: bool,
    actor: User | None,
    target_job_code: str | None = None,
    week_id: int | None = None,
    kind: DiagnosticKind | None = None,
    basic_skills: str | None = None,
    professional_values: str | None = None,
    barriers_and_levers: str | None = None,
    road_map: list[tuple[str, date | None]] | None = None,
) -> Diagnostic:
    """Record a diagnostic and its *feuille de route*.

    At the end of an orientation week (``week_id``, or ``kind`` orientation
    week: the pathway's latest week), or at an individual interview
    (``kind`` interview, the default without a week), in any non-terminal
    state (written by a délégué or a conseiller: ``DIAGNOSTIC_AUTHORS``,
    which the pages enforce).
    """
    kind = DiagnosticKind.ORIENTATION_WEEK if week_id is not None else (kind or DiagnosticKind.INTERVIEW)
    week: OrientationWeek | None = None
    if kind is DiagnosticKind.ORIENTATION_WEEK:
        week = session.scalar(
            sa.select(OrientationWeek)
            .join(OrientationParticipant, OrientationParticipant.week_id == OrientationWeek.id)
            .where(
                OrientationParticipant.pathway_id == pathway.id,
                OrientationWeek.id == week_id if week_id is not None else sa.true(),
            )
            .order_by(OrientationWeek.starts_on.desc())
            .limit(1)
        )
    messages = diagnostic_refusals(
        written_on,
        entered_on=entry_date(session, pathway),
        state=State(pathway.state),
        kind=kind,
        week_starts_on=week.starts_on if week is not None else None,
    )
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
        kind=kind,
        week_id=week.id if week is not None else None,
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
        details={"kind": kind.value},
    )
    return diagnostic


def diagnostic_refusals(
    written_on: date,
    *,
    entered_on: date,
    state: State,
    kind: DiagnosticKind,
    week_starts_on: date | None,
    today: date | None = None,
) -> list[str]:
    """Why a diagnostic cannot be written on ``written_on``.

    ``week_starts_on``: the first day of the week an orientation-week
    diagnostic concludes (None: the pathway has no such week).
    """
    messages = date_refusals(written_on, "du diagnostic", today=today)
    messages += before_entry_refusals(written_on, entered_on, "du diagnostic")
    if state.is_terminal:
        messages.append("Ce parcours est terminé : un diagnostic ne peut plus y être ajouté.")
    if kind is DiagnosticKind.ORIENTATION_WEEK:
        if week_starts_on is None:
            messages.append(
                "Ce parcours ne compte pas cette semaine du pôle orientation : enregistrez le "
                "diagnostic d'un entretien individuel."
            )
        elif written_on < week_starts_on:
            messages.append(
                "Le diagnostic de la semaine ne peut pas précéder son premier jour "
                f"({week_starts_on:%d/%m/%Y})."
            )
    return messages


def add_training_in_employment(
    session: Session,
    pathway: Pathway,
    training: TrainingInput,
    *,
    actor: User | None,
    ends_on: date | None = None,
    hours: int | None = None,
) -> Training:
    """Record a training while the person is employed (a VAE, a CCP after hiring): no move."""
    messages = training_recorded(MoveRequest(Trigger.START_TRAINING, training=training))
    if pathway.state is not State.FOLLOW_UP:
        messages.append(
            "Une formation pendant l'emploi s'enregistre pendant le suivi dans l'emploi ; sinon, "
            "enregistrez une entrée en formation."
        )
    messages += _unknown_references(
        session,
        pathway.platform_id,
        organisation_id=training.organisation_id,
        certification_code=training.certification_code,
    )
    if training.starts_on is not None:
        messages += _not_before_entry(session, pathway, training.starts_on, "de début de la formation")
        if ends_on is not None and ends_on < training.starts_on:
            messages.append("La date de fin de la formation précède sa date de début.")
    if messages:
        raise InvalidInput(messages)
    assert training.starts_on is not None
    assert training.funding is not None
    contract = latest_contract(session, pathway)
    record = Training(
        pathway_id=pathway.id,
        in_employment=True,
        contract_id=contract.id if contract else None,
        organisation_id=training.organisation_id,
        certification_code=training.certification_code,
        funding=training.funding,
        starts_on=training.starts_on,
        ends_on=ends_on,
        hours=hours,
        result=TrainingResult.IN_PROGRESS,
    )
    session.add(record)
    session.flush()  # the audit entry names the training
    summary.refresh(session, pathway.id)
    audit.record(
        session,
        actor,
        "training.in_employment",
        object_type="training",
        object_id=record.id,
        platform_id=pathway.platform_id,
        details={"starts_on": training.starts_on.isoformat()},
    )
    return record


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
    messages = checkpoint_refusals(
        checkpoint.month,
        checkpoint.due_on,
        recorded_on=recorded_on,
        contract_starts_on=checkpoint.contract.starts_on,
        already_recorded=checkpoint.recorded_on is not None,
        cancelled_on=checkpoint.cancelled_on,
    )
    if messages:
        raise InvalidInput(messages)
    checkpoint.recorded_on = recorded_on
    checkpoint.still_in_post = still_in_post
    checkpoint.difficulties = (difficulties or "").strip() or None
    checkpoint.action_taken = (action_taken or "").strip() or None
    checkpoint.recorded_by_id = actor.id if actor else None
    session.flush()
    summary.refresh(session, checkpoint.pathway_id)
    if checkpoint.month == 6:
        # In post at six months: the furthest milestone of the funnel.
        standing.refresh(
            session, [session.scalar(sa.select(Pathway.person_id).where(Pathway.id == checkpoint.pathway_id))]
        )
    audit.record(
        session,
        actor,
        "checkpoint.record",
        object_type="checkpoint",
        object_id=checkpoint.id,
        platform_id=session.get_one(Pathway, checkpoint.pathway_id).platform_id,
        changes={"still_in_post": (None, still_in_post)},
    )
    return checkpoint


def set_prescriber(
    session: Session, pathway: Pathway, prescriber_type: PrescriberType | None, *, actor: User | None
) -> None:
    """Correct who referred the person to this pathway (the bilan counts pathways by it)."""
    before = pathway.prescriber_type
    if before == prescriber_type:
        return
    pathway.prescriber_type = prescriber_type
    _flush_or_conflict(session)
    audit.record(
        session,
        actor,
        "pathway.prescriber",
        object_type="pathway",
        object_id=pathway.id,
        platform_id=pathway.platform_id,
        changes={"prescriber_type": (before, prescriber_type)},
    )


def checkpoint_refusals(
    month: int,
    due_on: date,
    *,
    recorded_on: date,
    contract_starts_on: date,
    already_recorded: bool,
    cancelled_on: date | None,
    today: date | None = None,
) -> list[str]:
    """Why the ``month`` checkpoint, due on ``due_on``, cannot be recorded on ``recorded_on``."""
    messages = date_refusals(recorded_on, "du point de suivi", today=today)
    earliest = due_on - timedelta(days=CHECKPOINT_EARLIEST_DAYS)
    if recorded_on < contract_starts_on:
        messages.append("Un point de suivi ne peut pas précéder le début du contrat.")
    elif recorded_on < earliest:
        messages.append(
            f"Le point de suivi à {month} mois, prévu le {due_on:%d/%m/%Y}, "
            f"s'enregistre au plus tôt le {earliest:%d/%m/%Y}."
        )
    if already_recorded:
        messages.append(f"Le point de suivi à {month} mois est déjà enregistré.")
    if cancelled_on is not None:
        messages.append(
            f"Le point de suivi à {month} mois a été annulé : le contrat a pris fin le "
            f"{cancelled_on:%d/%m/%Y}."
        )
    return messages

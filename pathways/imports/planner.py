"""The history planner: each row's pathway rebuilt in memory, through the machine and the services' rules.

Nothing here reads or writes the database: the rows it plans (``NewRow``)
name each other by reference, and the writer (``writer.py``) gives them ids
when it inserts them in bulk. Every rule comes from where it lives — the
machine and its guards (``apply_move``), the pure rule functions of the
services (``dated_request``, ``assignment_refusals``, ``diagnostic_refusals``,
``checkpoint_refusals``, ``training_result_refusals``, ``planning_refusals``,
``step_record_values``…) — so that a row is judged as the service would
judge the same moves typed one by one, with the same French messages.

How a row becomes a history (import-format.md, and the choices made where
it leaves room):

- Moves happen on their columns' dates, in date order; a step dated by its
  own record (orientation week, PMSMP, training, contract) is dated by it.
- The latest step of a row, when it is one of those and its first day is
  still to come, is *planned* (``PlannedStep``), as the pathway file would
  plan it; any other date in the future is refused by the rules.
- Planning guards are met by the file (a date is a fact): information
  sessions and orientation weeks are found or created per date, the person
  is marked present at the information session, available for the week.
- ``projet_valide`` is the conclusion of the individual interview when the
  row has a ``date_entretien_diagnostic`` (Lyon's path), else of the
  orientation week (written at its end: its Friday, or the next step's day
  if earlier). A diagnostic comes before the moves of its day.
- The conseiller is assigned on the entry date when the row has no
  orientation week (a guichet-unique entry, a direct hire), else on the
  day of the diagnostic that concludes the week: the handover then needs
  it, as on the pathway file.
- A training's final result is recorded on ``date_fin_formation``
  (``abandon``: the dropout's day, the pathway goes on); its reason, and the
  blocks of a ``partielle`` result, are not in the file: the record says so.
- The follow-up checkpoints (``en_poste_*``) belong to the current contract
  (the second one when the row has one), recorded on their due dates; a
  filled ``en_poste_6_mois`` completes the pathway that day.
- A ``motif_*`` « autre » needs a comment the file does not have: the event
  says the file gave no detail.
- The audit trail gets a line per person created and per pathway opened
  (and the import's own line, with its counts); the history the import
  rebuilds already says who recorded each event and when (the importer, at
  the import), so the web's line per move, checkpoint or diagnostic is not
  repeated 40 000 times for a 10 000-row file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy.orm import DeclarativeBase

from pathways import audit
from pathways.imports.rows import (
    CHECKPOINT_COLUMNS,
    ContractColumns,
    RowPlan,
    Step,
    TrainingColumns,
    normalised,
)
from pathways.models import (
    AdviserAssignment,
    AuditEntry,
    Checkpoint,
    Contract,
    Diagnostic,
    Employer,
    Immersion,
    InfoSession,
    InfoSessionAttendance,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    PathwayEvent,
    Person,
    PlannedStep,
    Training,
    TrainingOrganisation,
    User,
)
from pathways.models.person import search_name_of
from pathways.services import summary
from pathways.services.enrolment import training_result_refusals
from pathways.services.pathway import (
    assignment_refusals,
    cancelled_by_contract_end,
    checkpoint_refusals,
    dated_request,
    diagnostic_refusals,
    event_values,
    opening_refusals,
    planning_refusals,
    step_record_values,
)
from pathways.services.person import AUDITED_FIELDS, identity_refusals, same_person
from pathways.states import (
    DATED_BY_RECORD,
    TERMINAL_STATES,
    ContractInput,
    ExitReason,
    ImmersionInput,
    MoveRefused,
    MoveRequest,
    PathwayFacts,
    State,
    TrainingInput,
    Trigger,
    add_months,
    apply_move,
    step_day,
)
from pathways.states.guards import refusals as guard_refusals
from pathways.states.guards import request_to_json
from pathways.vocabulary import (
    AttendanceStatus,
    ContractEndReason,
    DiagnosticKind,
    EmployerType,
    PlannedStepStatus,
    TrainingResult,
)

IMPORT_PLACE = "Reprise de l'existant"
NO_DETAIL_COMMENT = "Reprise de l'existant : motif « autre » sans précision dans le fichier."
ABANDON_REASON = "Reprise de l'existant : motif non précisé dans le fichier."
BLOCKS_NOT_GIVEN = "Non précisés dans le fichier repris"
ORIENTATION_WEEK_LAST_DAY = 4
# The records a pathway's summary is computed from (``summary.computed``).
SUMMARY_RECORDS = (PathwayEvent, Checkpoint, PlannedStep, Immersion, Training)
FUTURE_STEP_HINT = (
    "Seule la dernière étape d'une ligne peut être à venir : elle est alors enregistrée comme prévue."
)


class NewRow:
    """A row to insert into ``model``'s table; its values may name other new rows. ``id`` once written.

    ``build``, if given, turns the values (references resolved) into the
    row's columns at write time (the audit entries: their details are plain
    values, ids included).
    """

    __slots__ = ("build", "id", "model", "values")

    def __init__(
        self,
        model: type[DeclarativeBase],
        values: dict[str, Any],
        build: Callable[..., dict[str, Any]] | None = None,
    ) -> None:
        self.model = model
        self.values = values
        self.build = build
        self.id: int | None = None


Ref = int | NewRow


@dataclass(frozen=True)
class Update:
    """Columns of an existing row to change (a known person marked present at a session)."""

    model: type[DeclarativeBase]
    id: int
    values: dict[str, Any]


class RowRefused(Exception):
    """The rules refuse the row: ``messages`` (French) about ``column``."""

    def __init__(self, column: str, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.column = column
        self.messages = messages


@dataclass
class PlannedPathway:
    """What one row adds: its rows to insert, changes to existing rows, its end state."""

    number: int
    rows: list[NewRow]
    updates: list[Update]
    state: State
    events: int
    person_created: bool
    planned_steps: int


# --- what the file refers to -------------------------------------------------------


class References:
    """The platform's sessions, weeks, employers and organisations, found by date or name, else created.

    ``created`` lists the new ones in order; they are written before the
    pathways that use them.
    """

    def __init__(
        self,
        platform_id: int,
        *,
        info_sessions: dict[date, int],
        weeks: dict[date, int],
        employers: dict[str, int],
        organisations: dict[str, int],
    ) -> None:
        self.platform_id = platform_id
        self._info_sessions: dict[date, Ref] = dict(info_sessions)
        self._weeks: dict[date, Ref] = dict(weeks)
        self._employers: dict[str, Ref] = dict(employers)
        self._organisations: dict[str, Ref] = dict(organisations)
        self.created: list[NewRow] = []
        self.sessions_created = self.employers_created = self.organisations_created = 0

    def _new(self, model: type[DeclarativeBase], values: dict[str, Any]) -> NewRow:
        row = NewRow(model, {"platform_id": self.platform_id, **values})
        self.created.append(row)
        return row

    def info_session(self, day: date) -> Ref:
        if day not in self._info_sessions:
            self._info_sessions[day] = self._new(
                InfoSession, {"held_on": day, "place": IMPORT_PLACE, "seats": 12}
            )
            self.sessions_created += 1
        return self._info_sessions[day]

    def week(self, day: date) -> Ref:
        if day not in self._weeks:
            self._weeks[day] = self._new(
                OrientationWeek, {"starts_on": day, "place": IMPORT_PLACE, "seats": 10}
            )
            self.sessions_created += 1
        return self._weeks[day]

    def employer(self, name: str, employer_type: EmployerType | None) -> Ref:
        key = normalised(name)
        if key not in self._employers:
            # An employer only seen as a PMSMP host gets the type « other ».
            self._employers[key] = self._new(
                Employer, {"name": name, "employer_type": employer_type or EmployerType.OTHER}
            )
            self.employers_created += 1
        return self._employers[key]

    def organisation(self, name: str) -> Ref:
        key = normalised(name)
        if key not in self._organisations:
            self._organisations[key] = self._new(TrainingOrganisation, {"name": name})
            self.organisations_created += 1
        return self._organisations[key]


@dataclass
class Attendance:
    """A person's registration at an information session (known: ``id``; planned: ``row``)."""

    held_on: date
    present: bool | None
    id: int | None = None
    row: NewRow | None = None


@dataclass
class KnownPathway:
    entered_on: date
    state: State


@dataclass
class PersonEntry:
    """A person of the platform (``id``) or created by an earlier row of the file (``row``)."""

    last_name: str
    first_name: str
    birth_date: date
    france_travail_id: str | None
    id: int | None = None
    row: NewRow | None = None
    pathways: list[KnownPathway] = field(default_factory=list)
    attendances: dict[Ref, Attendance] = field(default_factory=dict)

    @property
    def ref(self) -> Ref:
        return self.id if self.id is not None else cast(NewRow, self.row)

    @property
    def full_name(self) -> str:
        return Person(first_name=self.first_name, last_name=self.last_name).full_name


class People:
    """The persons a file may name: the platform's (by birth date or France Travail id), and new ones."""

    def __init__(self, known: Iterable[PersonEntry]) -> None:
        self._by_birth: dict[date, list[PersonEntry]] = {}
        self._by_ft_id: dict[str, list[PersonEntry]] = {}
        for person in known:
            self.add(person)

    def add(self, person: PersonEntry) -> None:
        self._by_birth.setdefault(person.birth_date, []).append(person)
        if person.france_travail_id:
            self._by_ft_id.setdefault(person.france_travail_id, []).append(person)

    def match(self, row: RowPlan) -> PersonEntry | None:
        """The first person with the same identity (``same_person``, as duplicate detection decides)."""
        ft_id = row.person_fields.get("france_travail_id")
        candidates = self._by_birth.get(row.birth_date, []) + (self._by_ft_id.get(ft_id, []) if ft_id else [])
        for person in candidates:
            if same_person(
                person,
                last_name=row.last_name,
                first_name=row.first_name,
                birth_date=row.birth_date,
                france_travail_id=ft_id,
            ):
                return person
        return None


# --- one pathway, replayed -----------------------------------------------------------


@dataclass
class _Contract:
    row: NewRow
    starts_on: date
    checkpoints: dict[int, NewRow]


class Replay:
    """A pathway being rebuilt: its state for the machine, what the guards read, its rows.

    ``facts`` reads the records planned so far as ``pathway_facts`` reads
    them from the database (a test checks both agree on imported pathways).
    """

    def __init__(self, pathway: NewRow, person: PersonEntry, entered_on: date) -> None:
        self.pathway = pathway
        self.person = person
        self.state = State.REFERRED
        self.entered_on = entered_on
        self.last_on = entered_on
        self.sequence = 1
        self.adviser_id: int | None = None
        self.diagnostics: list[tuple[date, bool]] = []
        self.contracts: list[_Contract] = []
        self.weeks: list[tuple[date, Ref]] = []
        self.trainings: dict[str, NewRow] = {}
        self.week_started_on: date | None = None

    @property
    def current_contract(self) -> _Contract | None:
        # The latest by first day, then the latest written (as ordered by id).
        return max(reversed(self.contracts), key=lambda c: c.starts_on, default=None)

    def facts(self) -> PathwayFacts:
        contract = self.current_contract
        latest = max(reversed(self.diagnostics), key=lambda d: d[0], default=None)
        six_months = (
            contract is not None
            and 6 in contract.checkpoints
            and (contract.checkpoints[6].values.get("recorded_on") is not None)
        )
        return PathwayFacts(
            state=self.state,
            adviser_assigned=self.adviser_id is not None,
            diagnostic_recorded=bool(self.diagnostics),
            project_validated=bool(latest and latest[1]),
            contract_start=contract.starts_on if contract else None,
            contract_ended=contract is not None and contract.row.values.get("ended_on") is not None,
            six_month_checkpoint_recorded=six_months,
            absent_at_info_session=any(
                a.present is False and a.held_on >= self.entered_on for a in self.person.attendances.values()
            ),
        )


def _summary(rows: list[NewRow], last_event_on: date) -> dict[str, Any]:
    """The pathway's summary from the records its row plans, written with the pathway's row.

    The whole history is here, final: no later row of the file changes this
    pathway's records (a later row only marks its person present at a
    session), so the SQL recomputation after the write is not needed.
    """
    records: dict[type[DeclarativeBase], list[dict[str, Any]]] = {model: [] for model in SUMMARY_RECORDS}
    for new_row in rows:
        found = records.get(new_row.model)
        if found is not None:
            found.append(new_row.values)
    # No exchanges, notes nor freins: the file has none (their dates would be ``contacts``).
    return summary.computed(
        last_event_on=last_event_on,
        events=records[PathwayEvent],
        checkpoints=records[Checkpoint],
        planned_steps=records[PlannedStep],
        immersions=records[Immersion],
        trainings=records[Training],
    )


# --- the planner --------------------------------------------------------------------------


@dataclass
class _Action:
    day: date
    rank: int
    kind: str
    step: Step | None = None
    training: TrainingColumns | None = None
    month: int | None = None
    diagnostic_kind: DiagnosticKind | None = None


class Planner:
    """Plans the rows of one file into one platform, in order; refused rows change nothing it holds."""

    def __init__(
        self,
        *,
        platform_id: int,
        actor: User | None,
        today: date,
        references: References,
        people: People,
    ) -> None:
        self.platform_id = platform_id
        self.actor = actor
        self.actor_id = actor.id if actor else None
        self.today = today
        self.references = references
        self.people = people

    # --- a row ---------------------------------------------------------------------

    def plan(self, row: RowPlan) -> PlannedPathway | None:
        """The row's pathway, ``None`` if already imported; raises ``RowRefused``."""
        person = self.people.match(row)
        if person is not None and any(p.entered_on == row.entry_on for p in person.pathways):
            return None
        rows: list[NewRow] = []
        updates: list[Update] = []
        created = person is None
        if person is None:
            messages = identity_refusals(row.last_name.strip(), row.first_name.strip(), row.birth_date)
            if messages:
                raise RowRefused("nom", messages)
            person = self._new_person(row, rows)
        already_open = any(p.state not in TERMINAL_STATES for p in person.pathways)
        messages = opening_refusals(
            row.entry_on,
            person_name=person.full_name if already_open else "",
            already_open=already_open,
            today=self.today,
        )
        if messages:
            raise RowRefused("date_entree", messages)
        pathway = NewRow(
            Pathway,
            {
                "platform_id": self.platform_id,
                "person_id": person.ref,
                "territory_id": row.territory.id if row.territory else None,
                "prescriber_type": row.prescriber,
                "prescriber_id": None,
                "delegate_id": row.delegate.id if row.delegate else None,
                "adviser_id": None,
                "target_job_code": row.target_job,
                "state": State.REFERRED,
                "last_event_on": row.entry_on,
                "version": 1,
            },
        )
        rows.append(pathway)
        replay = Replay(pathway, person, row.entry_on)
        self._event(
            replay,
            rows,
            trigger=Trigger.REFER,
            from_state=None,
            day=row.entry_on,
            comment=None,
            details={"prescriber_type": row.prescriber.value if row.prescriber else None},
        )
        self._audit(
            rows,
            "pathway.open",
            object_type="pathway",
            object_id=pathway,
            details={"person_id": person.ref, "referred_on": row.entry_on.isoformat(), "via": "import"},
        )
        attendances_before = dict(person.attendances)
        try:
            planned_steps = self._replay(row, replay, rows, updates)
        except RowRefused:
            person.attendances = attendances_before
            raise
        pathway.values.update(
            state=replay.state,
            last_event_on=replay.last_on,
            adviser_id=replay.adviser_id,
            **_summary(rows, replay.last_on),
        )
        # The row is accepted: later rows see this person and this pathway.
        if created:
            self.people.add(person)
        person.pathways.append(KnownPathway(row.entry_on, replay.state))
        return PlannedPathway(
            number=row.number,
            rows=rows,
            updates=updates,
            state=replay.state,
            events=replay.sequence,
            person_created=created,
            planned_steps=planned_steps,
        )

    def _new_person(self, row: RowPlan, rows: list[NewRow]) -> PersonEntry:
        values = {
            "platform_id": self.platform_id,
            "last_name": row.last_name.strip(),
            "first_name": row.first_name.strip(),
            "birth_date": row.birth_date,
            **row.person_fields,
        }
        values["search_name"] = search_name_of(values["last_name"], values["first_name"])
        person_row = NewRow(Person, values)
        rows.append(person_row)
        self._audit(
            rows,
            "person.create",
            object_type="person",
            object_id=person_row,
            changes={f: (None, values[f]) for f in AUDITED_FIELDS if values.get(f)},
        )
        return PersonEntry(
            last_name=values["last_name"],
            first_name=values["first_name"],
            birth_date=row.birth_date,
            france_travail_id=values.get("france_travail_id"),
            row=person_row,
        )

    def _timeline(self, row: RowPlan) -> tuple[list[_Action], Step | None]:
        """The row's dated actions in the order they happen, and the step left planned (if any)."""
        moves = list(row.steps)
        planned = None
        if moves and moves[-1].trigger in DATED_BY_RECORD and moves[-1].day > self.today:
            planned = moves.pop()
        actions = [_Action(step.day, 2, "move", step=step) for step in moves]
        week = next((s for s in moves if s.trigger is Trigger.START_ORIENTATION), None)
        if row.project_validated is not None and row.interview_on is not None:
            actions.append(
                _Action(row.interview_on, 1, "diagnostic", diagnostic_kind=DiagnosticKind.INTERVIEW)
            )
        if week is not None:
            later = [s.day for s in moves if s.day > week.day]
            week_end = min([week.day + timedelta(days=ORIENTATION_WEEK_LAST_DAY), *later[:1], self.today])
            # On the week's first day (a week begun today), after its move.
            rank = 3 if week_end <= week.day else 1
            if row.project_validated is not None and row.interview_on is None:
                actions.append(
                    _Action(week_end, rank, "diagnostic", diagnostic_kind=DiagnosticKind.ORIENTATION_WEEK)
                )
            if row.adviser is not None:
                handover = row.interview_on if row.interview_on and row.interview_on >= week.day else week_end
                actions.append(_Action(handover, rank, "adviser"))
        elif row.adviser is not None:
            actions.append(_Action(row.entry_on, 0, "adviser"))
        for training in row.trainings:
            if training.result is not None and training.result.is_final:
                day = max(training.ends_on or training.starts_on, training.starts_on)
                actions.append(_Action(day, 3, "result", training=training))
        contract = row.current_contract
        if contract is not None:
            for month in row.checkpoints:
                actions.append(_Action(add_months(contract.starts_on, month), 1, "checkpoint", month=month))
        actions.sort(key=lambda action: (action.day, action.rank))
        return actions, planned

    def _replay(self, row: RowPlan, replay: Replay, rows: list[NewRow], updates: list[Update]) -> int:
        actions, planned = self._timeline(row)
        for action in actions:
            if action.kind == "move":
                assert action.step is not None
                self._move(row, replay, rows, updates, action.step)
            elif action.kind == "diagnostic":
                assert action.diagnostic_kind is not None
                self._diagnostic(row, replay, rows, action.day, action.diagnostic_kind)
            elif action.kind == "adviser":
                self._assign(row, replay, rows, action.day)
            elif action.kind == "checkpoint":
                assert action.month is not None
                self._checkpoint(row, replay, rows, action.month)
            else:
                assert action.training is not None
                self._result(replay, rows, action.training)
        if planned is None:
            return 0
        self._plan_step(row, replay, rows, planned)
        return 1

    # --- the moves ---------------------------------------------------------------------

    def _request(self, row: RowPlan, replay: Replay, step: Step) -> MoveRequest:
        trigger, day = step.trigger, step.day
        refs = self.references
        if trigger is Trigger.REGISTER_INFO_SESSION:
            return MoveRequest(trigger, day, info_session_id=cast(int, refs.info_session(day)))
        if trigger is Trigger.START_ORIENTATION:
            return MoveRequest(
                trigger, day, orientation_week_id=cast(int, refs.week(day)), availability_confirmed=True
            )
        if trigger is Trigger.START_IMMERSION:
            host = row.immersion_host
            employer = refs.employer(host, None) if host else None
            return MoveRequest(
                trigger, day, immersion=ImmersionInput(cast(int | None, employer), day, row.immersion_ends_on)
            )
        if trigger is Trigger.START_TRAINING:
            training = cast(TrainingColumns, step.training)
            organisation = refs.organisation(training.organisation) if training.organisation else None
            return MoveRequest(
                trigger,
                day,
                training=TrainingInput(
                    cast(int | None, organisation), training.certification, training.funding, day
                ),
                extra={"ends_on": training.ends_on} if training.ends_on is not None else {},
            )
        if trigger is Trigger.SIGN_CONTRACT:
            contract = cast(ContractColumns, step.contract)
            employer = refs.employer(contract.employer, contract.employer_type) if contract.employer else None
            organisation = (
                refs.organisation(contract.training_organisation) if contract.training_organisation else None
            )
            return MoveRequest(
                trigger,
                day,
                contract=ContractInput(
                    cast(int | None, employer),
                    contract.employer_type,
                    contract.job_code,
                    contract.contract_type,
                    day,
                    contract.cdd_months,
                    cast(int | None, organisation),
                    contract.training_certification,
                ),
            )
        if trigger is Trigger.END_CONTRACT:
            reason = row.contract_end_reason
            comment = NO_DETAIL_COMMENT if reason is ContractEndReason.OTHER else None
            return MoveRequest(trigger, day, contract_end_reason=reason, comment=comment)
        if trigger is Trigger.EXIT:
            reason = row.exit_reason
            comment = NO_DETAIL_COMMENT if reason is ExitReason.OTHER else None
            return MoveRequest(trigger, day, exit_reason=reason, comment=comment)
        return MoveRequest(trigger, day)

    def _move(
        self, row: RowPlan, replay: Replay, rows: list[NewRow], updates: list[Update], step: Step
    ) -> None:
        request = self._request(row, replay, step)
        day = step.day if step.trigger is Trigger.START_ORIENTATION else step_day(request)
        request, messages = dated_request(request, day, replay.last_on, today=self.today)
        facts = replay.facts()
        if messages:
            if step.day > self.today and step.trigger in DATED_BY_RECORD:
                messages.append(FUTURE_STEP_HINT)
            raise RowRefused(step.column, messages + guard_refusals(facts, request))
        from_state = replay.state
        try:
            apply_move(replay, facts, request)
        except MoveRefused as refused:
            raise RowRefused(step.column, refused.messages) from refused
        details = self._records(replay, rows, updates, request)
        if step.training is not None:
            replay.trainings[step.training.column] = details["training_id"]
        if request.trigger in (Trigger.EXIT, Trigger.END_CONTRACT) and request.comment:
            details["has_comment"] = True
        self._event(
            replay,
            rows,
            trigger=request.trigger,
            from_state=from_state,
            day=step.day,
            comment=request.comment,
            details=details,
        )

    def _records(
        self, replay: Replay, rows: list[NewRow], updates: list[Update], request: MoveRequest
    ) -> dict[str, Any]:
        """The records the accepted move creates (as ``move`` creates them), and its event's details."""
        details: dict[str, Any] = {}
        trigger = request.trigger
        pathway = replay.pathway
        if trigger is Trigger.REGISTER_INFO_SESSION:
            self._attend(replay, rows, updates, cast(Ref, request.info_session_id), request.occurred_on)
            details["info_session_id"] = request.info_session_id
        elif trigger is Trigger.START_ORIENTATION:
            week = cast(Ref, request.orientation_week_id)
            details["orientation_week_id"] = week
            rows.append(
                NewRow(
                    OrientationParticipant,
                    {"week_id": week, "pathway_id": pathway, "availability_confirmed": True},
                )
            )
            replay.weeks.append((cast(date, request.occurred_on), week))
            replay.week_started_on = request.occurred_on
        values = step_record_values(request)
        if values.immersion is not None:
            immersion = NewRow(Immersion, {"pathway_id": pathway, **values.immersion})
            rows.append(immersion)
            details["immersion_id"] = immersion
        if values.training is not None:
            training = NewRow(Training, {"pathway_id": pathway, **values.training})
            rows.append(training)
            details["training_id"] = training
        if values.contract is not None:
            contract = NewRow(Contract, {"pathway_id": pathway, **values.contract})
            rows.append(contract)
            checkpoints = {}
            for checkpoint in values.checkpoints:
                checkpoints[checkpoint["month"]] = NewRow(
                    Checkpoint, {"contract_id": contract, "pathway_id": pathway, **checkpoint}
                )
                rows.append(checkpoints[checkpoint["month"]])
            if values.contract_training is not None:
                rows.append(
                    NewRow(
                        Training, {"pathway_id": pathway, "contract_id": contract, **values.contract_training}
                    )
                )
            replay.contracts.append(_Contract(contract, values.contract["starts_on"], checkpoints))
            details["contract_id"] = contract
        if trigger is Trigger.END_CONTRACT:
            current = cast(_Contract, replay.current_contract)
            ended_on = cast(date, request.occurred_on)
            current.row.values.update(ended_on=ended_on, end_reason=request.contract_end_reason)
            for checkpoint in current.checkpoints.values():
                if cancelled_by_contract_end(
                    checkpoint.values["due_on"], checkpoint.values.get("recorded_on"), ended_on
                ):
                    checkpoint.values["cancelled_on"] = ended_on
            details["reason"] = cast(ContractEndReason, request.contract_end_reason).value
            details["contract_id"] = current.row
        elif trigger is Trigger.EXIT:
            details["reason"] = cast(ExitReason, request.exit_reason).value
        elif trigger is Trigger.COMPLETE:
            current = replay.current_contract
            details["contract_id"] = current.row if current else None
        return details

    def _attend(
        self, replay: Replay, rows: list[NewRow], updates: list[Update], session: Ref, day: date | None
    ) -> None:
        """Registered at the session, and present: a date in the file is a fact."""
        person = replay.person
        known = person.attendances.get(session)
        if known is None:
            attendance = NewRow(
                InfoSessionAttendance,
                {"session_id": session, "person_id": person.ref, "status": AttendanceStatus.PRESENT},
            )
            rows.append(attendance)
            person.attendances[session] = Attendance(cast(date, day), True, row=attendance)
        elif known.present is not True:
            if known.row is not None:
                known.row.values["status"] = AttendanceStatus.PRESENT
            else:
                updates.append(
                    Update(InfoSessionAttendance, cast(int, known.id), {"status": AttendanceStatus.PRESENT})
                )
            person.attendances[session] = replace(known, present=True)

    def _plan_step(self, row: RowPlan, replay: Replay, rows: list[NewRow], step: Step) -> None:
        """The row's last step, still to come: kept as planned, as the pathway file plans it."""
        request = self._request(row, replay, step)
        messages = planning_refusals(replay.facts(), request, step.day, today=self.today)
        if messages:
            raise RowRefused(step.column, messages)
        if step.trigger is Trigger.START_ORIENTATION:
            # An orientation week shows its planned participants on its list.
            rows.append(
                NewRow(
                    OrientationParticipant,
                    {
                        "week_id": request.orientation_week_id,
                        "pathway_id": replay.pathway,
                        "availability_confirmed": True,
                    },
                )
            )
        rows.append(
            NewRow(
                PlannedStep,
                {
                    "pathway_id": replay.pathway,
                    "trigger": step.trigger,
                    "planned_on": step.day,
                    "request": request_to_json(replace(request, occurred_on=None)),
                    "status": PlannedStepStatus.PLANNED,
                    "created_by_id": self.actor_id,
                    "version": 1,
                },
            )
        )

    # --- what happens between the moves -----------------------------------------------

    def _diagnostic(
        self, row: RowPlan, replay: Replay, rows: list[NewRow], day: date, kind: DiagnosticKind
    ) -> None:
        column = "date_entretien_diagnostic" if kind is DiagnosticKind.INTERVIEW else "projet_valide"
        week: tuple[date, Ref] | None = None
        if kind is DiagnosticKind.ORIENTATION_WEEK:
            week = max(replay.weeks, key=lambda w: w[0], default=None)
        messages = diagnostic_refusals(
            day,
            entered_on=replay.entered_on,
            state=replay.state,
            kind=kind,
            week_starts_on=week[0] if week else None,
            today=self.today,
        )
        if messages:
            raise RowRefused(column, messages)
        validated = bool(row.project_validated)
        diagnostic = NewRow(
            Diagnostic,
            {
                "pathway_id": replay.pathway,
                "kind": kind,
                "week_id": week[1] if week else None,
                "written_on": day,
                "project_validated": validated,
                "target_job_code": row.target_job if validated else None,
                "author_id": self.actor_id,
            },
        )
        rows.append(diagnostic)
        replay.diagnostics.append((day, validated))

    def _assign(self, row: RowPlan, replay: Replay, rows: list[NewRow], day: date) -> None:
        adviser = cast(User, row.adviser)
        messages = assignment_refusals(
            adviser,
            platform_id=self.platform_id,
            state=replay.state,
            current_adviser_id=replay.adviser_id,
            on=day,
            week_started_on=replay.week_started_on,
            latest_diagnostic_on=max((d for d, _ in replay.diagnostics), default=None),
            today=self.today,
        )
        if messages:
            raise RowRefused("conseiller", messages)
        rows.append(
            NewRow(
                AdviserAssignment,
                {
                    "pathway_id": replay.pathway,
                    "adviser_id": adviser.id,
                    "assigned_on": day,
                    "assigned_by_id": self.actor_id,
                    "handover_note": None,
                },
            )
        )
        replay.adviser_id = adviser.id

    def _checkpoint(self, row: RowPlan, replay: Replay, rows: list[NewRow], month: int) -> None:
        column = CHECKPOINT_COLUMNS[month]
        contract = replay.current_contract
        if contract is None:
            raise RowRefused(column, ["Aucun contrat n'est enregistré sur ce parcours."])
        checkpoint = contract.checkpoints[month]
        values = checkpoint.values
        recorded_on = add_months(contract.starts_on, month)
        messages = checkpoint_refusals(
            month,
            values["due_on"],
            recorded_on=recorded_on,
            contract_starts_on=contract.starts_on,
            already_recorded=values.get("recorded_on") is not None,
            cancelled_on=values.get("cancelled_on"),
            today=self.today,
        )
        if messages:
            raise RowRefused(column, messages)
        answer = row.checkpoints[month]
        values.update(
            recorded_on=recorded_on,
            still_in_post=answer,
            difficulties=None,
            action_taken=None,
            recorded_by_id=self.actor_id,
        )

    def _result(self, replay: Replay, rows: list[NewRow], training: TrainingColumns) -> None:
        result = cast(TrainingResult, training.result)
        abandon_reason = ABANDON_REASON if result is TrainingResult.ABANDONED else None
        blocks = BLOCKS_NOT_GIVEN if result is TrainingResult.PARTIAL else None
        messages = training_result_refusals(
            result,
            starts_on=training.starts_on,
            ends_on=training.ends_on,
            abandon_reason=abandon_reason,
            blocks_obtained=blocks,
            today=self.today,
        )
        record = replay.trainings.get(training.column)
        if messages or record is None:
            raise RowRefused(
                training.column_of("resultat_formation"),
                messages or ["Un résultat demande une formation commencée."],
            )
        record.values.update(
            result=result, abandon_reason=abandon_reason, blocks_obtained=blocks, ends_on=training.ends_on
        )

    # --- history and audit --------------------------------------------------------------

    def _event(
        self,
        replay: Replay,
        rows: list[NewRow],
        *,
        trigger: Trigger,
        from_state: State | None,
        day: date,
        comment: str | None,
        details: dict[str, Any],
    ) -> None:
        if from_state is not None:
            replay.sequence += 1
        replay.last_on = day
        rows.append(
            NewRow(
                PathwayEvent,
                {
                    "pathway_id": replay.pathway,
                    "redated_from": None,
                    **event_values(
                        sequence=replay.sequence,
                        trigger=trigger,
                        from_state=from_state,
                        to_state=replay.state,
                        occurred_on=day,
                        actor_id=self.actor_id,
                        comment=comment,
                        details=details,
                    ),
                },
            )
        )

    def _audit(
        self,
        rows: list[NewRow],
        action: str,
        *,
        object_type: str,
        object_id: Ref,
        changes: dict[str, tuple[Any, Any]] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        rows.append(
            NewRow(
                AuditEntry,
                {
                    "action": action,
                    "object_type": object_type,
                    "object_id": object_id,
                    "platform_id": self.platform_id,
                    "changes": changes,
                    "details": details,
                },
                build=self._audit_values,
            )
        )

    def _audit_values(self, **values: Any) -> dict[str, Any]:
        return audit.entry_values(self.actor, values.pop("action"), **values)

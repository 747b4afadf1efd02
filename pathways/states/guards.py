"""Guards of the pathway moves, as pure functions.

A guard looks at two things and returns the French messages of what is
missing (an empty list means the move may happen):

- ``PathwayFacts``: what is already recorded on the pathway (a conseiller
  assigned, the diagnostic, the current contract...). The fact guards decide
  which moves a pathway can make *now*.
- ``MoveRequest``: what the user submits with the move (the session chosen,
  the immersion, the training, the contract, the reason). The input guards
  check it is complete and coherent.

Finer rules decided here, as a conseiller would expect (pathway.md leaves
them open):

- the immersion lasts at most one calendar month: its end date is on or
  before the start date plus one month (15 March -> 15 April at the latest);
- a CDD states its length as a whole number of months, from 1 to 60;
- a pathway can be completed once six calendar months have passed since the
  start of the current (latest) contract, as of the date the completion is
  recorded;
- a suspension needs a reason in words (health, maternity, family event...);
- a contract ends on or after its first day; ``other`` as the reason of its
  end needs a comment, as ``other`` as an exit reason does;
- an apprenticeship or professionalisation contract names its training
  (organisation and certification): the training runs while the person is
  employed;
- the handover is judged on the destination: any move *into*
  reinforcement, immersion, training, employment or follow-up needs a
  conseiller, whatever state it leaves (``resume`` returns to a state
  already entered: it was judged then);
- a person noted absent at the information session of the pathway goes on
  to an orientation week only with an explicit choice (present after all,
  or came another way). *Excusé·e* counts as absent here, as a délégué
  sees it: an excuse explains the absence, it does not give the person
  what the session tells (the jobs, the conditions of the week); the same
  choice is asked.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from pathways.states.definitions import (
    FOLLOW_UP_MONTHS,
    HANDOVER_STATES,
    IMMERSION_MAX_MONTHS,
    ExitReason,
    State,
    Trigger,
    destination_of,
)
from pathways.vocabulary import (
    AbsenceOverride,
    ContractEndReason,
    ContractType,
    EmployerType,
    FundingScheme,
)

MAX_CDD_MONTHS = 60
E = TypeVar("E", bound=StrEnum)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the end of the month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class PathwayFacts:
    """What is recorded on a pathway, as far as the guards need it."""

    state: State
    adviser_assigned: bool = False
    diagnostic_recorded: bool = False
    project_validated: bool = False
    # The current contract: the latest one signed.
    contract_start: date | None = None
    contract_ended: bool = False
    six_month_checkpoint_recorded: bool = False
    suspended_from: State | None = None
    # Noted absent at the information session the pathway registered for.
    absent_at_info_session: bool = False


@dataclass(frozen=True)
class ImmersionInput:
    employer_id: int | None
    starts_on: date | None
    ends_on: date | None


@dataclass(frozen=True)
class TrainingInput:
    organisation_id: int | None
    certification_code: str | None
    funding: FundingScheme | None
    starts_on: date | None


@dataclass(frozen=True)
class ContractInput:
    employer_id: int | None
    employer_type: EmployerType | None
    job_code: str | None
    contract_type: ContractType | None
    starts_on: date | None
    cdd_months: int | None = None
    # The training an apprenticeship or professionalisation contract includes.
    training_organisation_id: int | None = None
    training_certification_code: str | None = None


CONTRACTS_WITH_TRAINING = frozenset({ContractType.APPRENTICESHIP, ContractType.PROFESSIONALISATION})


@dataclass(frozen=True)
class MoveRequest:
    """A move asked for, with the details its guard needs.

    ``occurred_on`` is the day the move happened. A step dated by its own
    record (see ``DATED_BY_RECORD``) takes the record's first day instead:
    ``step_day`` gives the day that counts, and the service fills
    ``occurred_on`` with it.
    """

    trigger: Trigger
    occurred_on: date | None = None
    comment: str | None = None
    info_session_id: int | None = None
    orientation_week_id: int | None = None
    availability_confirmed: bool = False
    immersion: ImmersionInput | None = None
    training: TrainingInput | None = None
    contract: ContractInput | None = None
    exit_reason: ExitReason | None = None
    suspend_reason: str | None = None
    contract_end_reason: ContractEndReason | None = None
    absence_override: AbsenceOverride | None = None
    # Free-form extras recorded with the event (kept out of guard logic).
    extra: dict[str, object] = field(default_factory=dict)


FactGuard = Callable[[PathwayFacts, Trigger], list[str]]
InputGuard = Callable[[MoveRequest], list[str]]
CombinedGuard = Callable[[PathwayFacts, MoveRequest], list[str]]


def step_day(request: MoveRequest) -> date | None:
    """The day a move happened: the record's first day for the steps that have one."""
    if request.trigger is Trigger.START_IMMERSION:
        return request.immersion.starts_on if request.immersion else None
    if request.trigger is Trigger.START_TRAINING:
        return request.training.starts_on if request.training else None
    if request.trigger is Trigger.SIGN_CONTRACT:
        return request.contract.starts_on if request.contract else None
    return request.occurred_on


# --- fact guards -------------------------------------------------------------


def handover_done(facts: PathwayFacts, trigger: Trigger) -> list[str]:
    if trigger is Trigger.RESUME:
        return []  # back to a state already entered: the handover was judged then
    destination = destination_of(trigger, facts.suspended_from)
    if destination in HANDOVER_STATES and not facts.adviser_assigned:
        return [
            "Un·e conseiller·ère doit être désigné·e avant cette étape : la part du délégué "
            "s'arrête au passage de relais."
        ]
    return []


def diagnostic_recorded(facts: PathwayFacts, trigger: Trigger) -> list[str]:
    if not facts.diagnostic_recorded:
        return ["Le diagnostic d'orientation doit d'abord être enregistré."]
    return []


def project_validated(facts: PathwayFacts, trigger: Trigger) -> list[str]:
    if not facts.project_validated:
        return ["Le projet professionnel doit avoir été validé par le diagnostic d'orientation."]
    return []


def follow_up_finished(facts: PathwayFacts, trigger: Trigger) -> list[str]:
    messages = []
    if not facts.six_month_checkpoint_recorded:
        messages.append("Le point de suivi à 6 mois du contrat en cours doit être enregistré.")
    return messages


def contract_in_progress(facts: PathwayFacts, trigger: Trigger) -> list[str]:
    if facts.contract_start is None or facts.contract_ended:
        return ["Aucun contrat en cours n'est enregistré sur ce parcours."]
    return []


# --- input guards ------------------------------------------------------------


def info_session_chosen(request: MoveRequest) -> list[str]:
    if request.info_session_id is None:
        return ["Choisissez une information collective."]
    return []


def orientation_week_chosen(request: MoveRequest) -> list[str]:
    messages = []
    if request.orientation_week_id is None:
        messages.append("Choisissez une semaine du pôle orientation.")
    if not request.availability_confirmed:
        messages.append(
            "La personne doit avoir confirmé sa disponibilité sur toute la semaine "
            "(garde d'enfants, transport… réglés)."
        )
    return messages


def immersion_recorded(request: MoveRequest) -> list[str]:
    immersion = request.immersion
    if immersion is None:
        return ["Renseignez la PMSMP : employeur, date de début et date de fin."]
    messages = []
    if immersion.employer_id is None:
        messages.append("Indiquez l'employeur d'accueil de la PMSMP.")
    if immersion.starts_on is None:
        messages.append("Indiquez la date de début de la PMSMP.")
    if immersion.ends_on is None:
        messages.append("Indiquez la date de fin de la PMSMP.")
    if immersion.starts_on and immersion.ends_on:
        if immersion.ends_on < immersion.starts_on:
            messages.append("La date de fin de la PMSMP précède sa date de début.")
        elif immersion.ends_on > add_months(immersion.starts_on, IMMERSION_MAX_MONTHS):
            messages.append("Une PMSMP dure au plus un mois.")
    return messages


def training_recorded(request: MoveRequest) -> list[str]:
    training = request.training
    if training is None:
        return ["Renseignez la formation : organisme, certification visée, financement et date de début."]
    messages = []
    if training.organisation_id is None:
        messages.append("Indiquez l'organisme de formation.")
    if not training.certification_code:
        messages.append("Indiquez la certification visée.")
    if training.funding is None:
        messages.append("Indiquez le dispositif de financement de la formation.")
    if training.starts_on is None:
        messages.append("Indiquez la date de début de la formation.")
    return messages


def contract_recorded(request: MoveRequest) -> list[str]:
    contract = request.contract
    if contract is None:
        return [
            "Renseignez le contrat : employeur, type d'employeur, métier (code ROME), "
            "type de contrat et date de début."
        ]
    messages = []
    if contract.employer_id is None:
        messages.append("Indiquez l'employeur.")
    if contract.employer_type is None:
        messages.append("Indiquez le type d'employeur.")
    if not contract.job_code:
        messages.append("Indiquez le métier (code ROME).")
    if contract.contract_type is None:
        messages.append("Indiquez le type de contrat.")
    if contract.starts_on is None:
        messages.append("Indiquez la date de début du contrat.")
    if contract.contract_type is ContractType.CDD:
        if contract.cdd_months is None:
            messages.append("Un CDD doit indiquer sa durée en mois.")
        elif not 1 <= contract.cdd_months <= MAX_CDD_MONTHS:
            messages.append(f"La durée d'un CDD est comprise entre 1 et {MAX_CDD_MONTHS} mois.")
    return messages


def exit_reason_given(request: MoveRequest) -> list[str]:
    if request.exit_reason is None:
        return ["Indiquez le motif de sortie."]
    if request.exit_reason is ExitReason.OTHER and not (request.comment or "").strip():
        return ["Le motif « Autre » demande un commentaire."]
    return []


def suspend_reason_given(request: MoveRequest) -> list[str]:
    if not (request.suspend_reason or "").strip():
        return ["Indiquez le motif de la suspension."]
    return []


def contract_end_reason_given(request: MoveRequest) -> list[str]:
    if request.contract_end_reason is None:
        return ["Indiquez le motif de la fin du contrat."]
    if request.contract_end_reason is ContractEndReason.OTHER and not (request.comment or "").strip():
        return ["Le motif « Autre » demande un commentaire."]
    return []


def contract_training_named(request: MoveRequest) -> list[str]:
    contract = request.contract
    if contract is None or contract.contract_type not in CONTRACTS_WITH_TRAINING:
        return []
    messages = []
    if contract.training_organisation_id is None:
        messages.append(
            "Un contrat d'apprentissage ou de professionnalisation indique l'organisme de sa formation."
        )
    if not contract.training_certification_code:
        messages.append(
            "Un contrat d'apprentissage ou de professionnalisation indique la certification préparée."
        )
    return messages


# --- guards on both the facts and the request ----------------------------------


def absence_explained(facts: PathwayFacts, request: MoveRequest) -> list[str]:
    if facts.absent_at_info_session and request.absence_override is None:
        return [
            "La personne est notée absente (ou excusée) à l'information collective : indiquez si elle était "
            "finalement présente, ou si elle est venue par un autre chemin."
        ]
    return []


def contract_ends_after_it_starts(facts: PathwayFacts, request: MoveRequest) -> list[str]:
    day = request.occurred_on
    if facts.contract_start is not None and day is not None and day < facts.contract_start:
        return [f"La fin du contrat ne peut pas précéder son début ({facts.contract_start:%d/%m/%Y})."]
    return []


FACT_GUARDS: dict[Trigger, tuple[FactGuard, ...]] = {
    Trigger.START_REINFORCEMENT: (diagnostic_recorded,),
    Trigger.START_TRAINING: (project_validated,),
    Trigger.SEEK_EMPLOYMENT: (project_validated,),
    Trigger.END_CONTRACT: (contract_in_progress,),
    Trigger.COMPLETE: (follow_up_finished,),
}

INPUT_GUARDS: dict[Trigger, tuple[InputGuard, ...]] = {
    Trigger.REGISTER_INFO_SESSION: (info_session_chosen,),
    Trigger.START_ORIENTATION: (orientation_week_chosen,),
    Trigger.START_IMMERSION: (immersion_recorded,),
    Trigger.START_TRAINING: (training_recorded,),
    Trigger.SIGN_CONTRACT: (contract_recorded, contract_training_named),
    Trigger.END_CONTRACT: (contract_end_reason_given,),
    Trigger.EXIT: (exit_reason_given,),
    Trigger.SUSPEND: (suspend_reason_given,),
}

COMBINED_GUARDS: dict[Trigger, tuple[CombinedGuard, ...]] = {
    Trigger.START_ORIENTATION: (absence_explained,),
    Trigger.END_CONTRACT: (contract_ends_after_it_starts,),
}


def fact_refusals(facts: PathwayFacts, trigger: Trigger) -> list[str]:
    """Why the recorded facts forbid ``trigger`` now (empty: they allow it)."""
    messages = handover_done(facts, trigger)
    for guard in FACT_GUARDS.get(trigger, ()):
        messages.extend(guard(facts, trigger))
    return messages


def six_months_passed(facts: PathwayFacts, on: date) -> list[str]:
    if facts.contract_start is None:
        return ["Aucun contrat n'est enregistré sur ce parcours."]
    ends_on = add_months(facts.contract_start, FOLLOW_UP_MONTHS)
    if on < ends_on:
        return [
            "Le suivi dans l'emploi dure six mois : le parcours peut être clos à partir "
            f"du {ends_on:%d/%m/%Y}."
        ]
    return []


def refusals(facts: PathwayFacts, request: MoveRequest) -> list[str]:
    """Every reason why ``request`` cannot happen on a pathway with ``facts``."""
    messages = fact_refusals(facts, request.trigger)
    if request.trigger is Trigger.COMPLETE and request.occurred_on is not None:
        messages.extend(six_months_passed(facts, request.occurred_on))
    for guard in INPUT_GUARDS.get(request.trigger, ()):
        messages.extend(guard(request))
    for combined in COMBINED_GUARDS.get(request.trigger, ()):
        messages.extend(combined(facts, request))
    return messages


# --- a request kept for later (a planned step) ---------------------------------


def _plain(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value


def request_to_json(request: MoveRequest) -> dict[str, object]:
    """``request`` as JSON-ready data (dates ISO, codes as values), to be kept and replayed."""
    data: dict[str, object] = {}
    for name, value in (
        ("trigger", request.trigger),
        ("occurred_on", request.occurred_on),
        ("comment", request.comment),
        ("info_session_id", request.info_session_id),
        ("orientation_week_id", request.orientation_week_id),
        ("availability_confirmed", request.availability_confirmed),
        ("exit_reason", request.exit_reason),
        ("suspend_reason", request.suspend_reason),
        ("contract_end_reason", request.contract_end_reason),
        ("absence_override", request.absence_override),
    ):
        data[name] = _plain(value)
    for name in ("immersion", "training", "contract"):
        record = getattr(request, name)
        data[name] = (
            None if record is None else {f.name: _plain(getattr(record, f.name)) for f in fields(record)}
        )
    data["extra"] = {key: _plain(value) for key, value in request.extra.items()}
    return data


def _day(value: object) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def request_from_json(data: dict[str, Any]) -> MoveRequest:
    """The ``MoveRequest`` that ``request_to_json`` kept."""

    def enum(kind: type[E], value: object) -> E | None:
        return kind(value) if value else None

    immersion = data.get("immersion")
    training = data.get("training")
    contract = data.get("contract")
    extra = dict(data.get("extra") or {})
    if "ends_on" in extra:
        extra["ends_on"] = _day(extra["ends_on"])
    return MoveRequest(
        trigger=Trigger(data["trigger"]),
        occurred_on=_day(data.get("occurred_on")),
        comment=data.get("comment"),
        info_session_id=data.get("info_session_id"),
        orientation_week_id=data.get("orientation_week_id"),
        availability_confirmed=bool(data.get("availability_confirmed")),
        immersion=ImmersionInput(
            immersion["employer_id"], _day(immersion["starts_on"]), _day(immersion["ends_on"])
        )
        if immersion
        else None,
        training=TrainingInput(
            training["organisation_id"],
            training["certification_code"],
            enum(FundingScheme, training["funding"]),
            _day(training["starts_on"]),
        )
        if training
        else None,
        contract=ContractInput(
            contract["employer_id"],
            enum(EmployerType, contract["employer_type"]),
            contract["job_code"],
            enum(ContractType, contract["contract_type"]),
            _day(contract["starts_on"]),
            contract.get("cdd_months"),
            contract.get("training_organisation_id"),
            contract.get("training_certification_code"),
        )
        if contract
        else None,
        exit_reason=enum(ExitReason, data.get("exit_reason")),
        suspend_reason=data.get("suspend_reason"),
        contract_end_reason=enum(ContractEndReason, data.get("contract_end_reason")),
        absence_override=enum(AbsenceOverride, data.get("absence_override")),
        extra=extra,
    )

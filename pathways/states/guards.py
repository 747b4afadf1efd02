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
  start of the latest contract, as of the date the completion is recorded;
- a suspension needs a reason in words (health, maternity, family event...).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from pathways.states.definitions import (
    FOLLOW_UP_MONTHS,
    IMMERSION_MAX_MONTHS,
    MOVES_WITHOUT_HANDOVER,
    ExitReason,
    State,
    Trigger,
)
from pathways.vocabulary import ContractType, EmployerType, FundingScheme

MAX_CDD_MONTHS = 60


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
    contract_start: date | None = None
    six_month_checkpoint_recorded: bool = False
    suspended_from: State | None = None


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


@dataclass(frozen=True)
class MoveRequest:
    """A move asked for, with the details its guard needs."""

    trigger: Trigger
    occurred_on: date
    comment: str | None = None
    info_session_id: int | None = None
    orientation_week_id: int | None = None
    availability_confirmed: bool = False
    immersion: ImmersionInput | None = None
    training: TrainingInput | None = None
    contract: ContractInput | None = None
    exit_reason: ExitReason | None = None
    suspend_reason: str | None = None
    # Free-form extras recorded with the event (kept out of guard logic).
    extra: dict[str, object] = field(default_factory=dict)


FactGuard = Callable[[PathwayFacts, Trigger], list[str]]
InputGuard = Callable[[MoveRequest], list[str]]


# --- fact guards -------------------------------------------------------------


def handover_done(facts: PathwayFacts, trigger: Trigger) -> list[str]:
    leaving_orientation = facts.state is State.ORIENTATION and trigger not in MOVES_WITHOUT_HANDOVER
    if leaving_orientation and not facts.adviser_assigned:
        return [
            "Un·e conseiller·ère doit être désigné·e avant de quitter le pôle "
            "orientation (passage de relais du délégué au conseiller)."
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
        messages.append("Le point de suivi à 6 mois doit être enregistré.")
    return messages


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


FACT_GUARDS: dict[Trigger, tuple[FactGuard, ...]] = {
    Trigger.START_REINFORCEMENT: (diagnostic_recorded,),
    Trigger.START_TRAINING: (project_validated,),
    Trigger.SEEK_EMPLOYMENT: (project_validated,),
    Trigger.COMPLETE: (follow_up_finished,),
}

INPUT_GUARDS: dict[Trigger, tuple[InputGuard, ...]] = {
    Trigger.REGISTER_INFO_SESSION: (info_session_chosen,),
    Trigger.START_ORIENTATION: (orientation_week_chosen,),
    Trigger.START_IMMERSION: (immersion_recorded,),
    Trigger.START_TRAINING: (training_recorded,),
    Trigger.SIGN_CONTRACT: (contract_recorded,),
    Trigger.EXIT: (exit_reason_given,),
    Trigger.SUSPEND: (suspend_reason_given,),
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
    if request.trigger is Trigger.COMPLETE:
        messages.extend(six_months_passed(facts, request.occurred_on))
    for guard in INPUT_GUARDS.get(request.trigger, ()):
        messages.extend(guard(request))
    return messages

"""Each guard, as a pure function: what it refuses and the French message it gives."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from pathways.states import (
    MACHINE,
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
)
from pathways.states.guards import (
    fact_refusals,
    refusals,
    request_from_json,
    request_to_json,
    step_day,
)
from pathways.vocabulary import (
    AbsenceOverride,
    ContractEndReason,
    ContractType,
    EmployerType,
    FundingScheme,
)

ON = date(2026, 3, 16)
READY = PathwayFacts(
    state=State.ORIENTATION, adviser_assigned=True, diagnostic_recorded=True, project_validated=True
)


class Row:
    """Stands for a pathway row: the machine only needs ``state``."""

    def __init__(self, state: State) -> None:
        self.state = state


def test_one_machine_shared_with_no_model_attached() -> None:
    assert MACHINE.models == []
    assert not hasattr(Row(State.REFERRED), "trigger")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 15), 1, date(2026, 4, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
    ],
)
def test_add_months_clamps_to_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_handover_needed_to_leave_orientation() -> None:
    facts = replace(READY, adviser_assigned=False)
    messages = refusals(facts, MoveRequest(Trigger.SEEK_EMPLOYMENT, ON))
    assert any("passage de relais" in m for m in messages)


@pytest.mark.parametrize("trigger", [Trigger.EXIT, Trigger.SUSPEND])
def test_exit_and_suspend_leave_orientation_without_conseiller(trigger: Trigger) -> None:
    facts = replace(READY, adviser_assigned=False)
    request = MoveRequest(trigger, ON, exit_reason=ExitReason.DROPPED_OUT, suspend_reason="Santé")
    assert refusals(facts, request) == []


def test_reinforcement_needs_the_diagnostic() -> None:
    facts = replace(READY, diagnostic_recorded=False, project_validated=False)
    assert refusals(facts, MoveRequest(Trigger.START_REINFORCEMENT, ON)) == [
        "Le diagnostic d'orientation doit d'abord être enregistré."
    ]


@pytest.mark.parametrize("trigger", [Trigger.START_TRAINING, Trigger.SEEK_EMPLOYMENT])
def test_training_and_employment_need_a_validated_project(trigger: Trigger) -> None:
    facts = replace(READY, project_validated=False)
    training = TrainingInput(1, "DEAS", FundingScheme.PRF, ON)
    messages = refusals(facts, MoveRequest(trigger, ON, training=training))
    assert messages == ["Le projet professionnel doit avoir été validé par le diagnostic d'orientation."]


def test_info_session_must_be_chosen() -> None:
    facts = PathwayFacts(state=State.REFERRED)
    assert refusals(facts, MoveRequest(Trigger.REGISTER_INFO_SESSION, ON)) == [
        "Choisissez une information collective."
    ]


def test_orientation_needs_a_week_and_confirmed_availability() -> None:
    facts = PathwayFacts(state=State.REFERRED)
    messages = refusals(facts, MoveRequest(Trigger.START_ORIENTATION, ON, orientation_week_id=3))
    assert len(messages) == 1
    assert "disponibilité" in messages[0]
    assert refusals(facts, MoveRequest(Trigger.START_ORIENTATION, ON, availability_confirmed=True)) == [
        "Choisissez une semaine du pôle orientation."
    ]


@pytest.mark.parametrize(
    ("immersion", "expected"),
    [
        (None, "Renseignez la PMSMP : employeur, date de début et date de fin."),
        (ImmersionInput(None, ON, ON), "Indiquez l'employeur d'accueil de la PMSMP."),
        (ImmersionInput(1, ON, date(2026, 3, 15)), "La date de fin de la PMSMP précède sa date de début."),
        (ImmersionInput(1, ON, date(2026, 4, 17)), "Une PMSMP dure au plus un mois."),
    ],
)
def test_immersion_guard(immersion: ImmersionInput | None, expected: str) -> None:
    assert refusals(READY, MoveRequest(Trigger.START_IMMERSION, ON, immersion=immersion)) == [expected]


def test_immersion_of_exactly_one_month_is_allowed() -> None:
    immersion = ImmersionInput(1, ON, date(2026, 4, 16))
    assert refusals(READY, MoveRequest(Trigger.START_IMMERSION, ON, immersion=immersion)) == []


def test_training_guard_lists_every_missing_field() -> None:
    training = TrainingInput(None, "", None, None)
    messages = refusals(READY, MoveRequest(Trigger.START_TRAINING, ON, training=training))
    assert messages == [
        "Indiquez l'organisme de formation.",
        "Indiquez la certification visée.",
        "Indiquez le dispositif de financement de la formation.",
        "Indiquez la date de début de la formation.",
    ]


def contract(**changes: object) -> ContractInput:
    base = ContractInput(1, EmployerType.SAAD, "K1311", ContractType.CDI, ON)
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (contract(), []),
        (contract(contract_type=ContractType.CDD), ["Un CDD doit indiquer sa durée en mois."]),
        (contract(contract_type=ContractType.CDD, cdd_months=6), []),
        (
            contract(contract_type=ContractType.CDD, cdd_months=0),
            ["La durée d'un CDD est comprise entre 1 et 60 mois."],
        ),
        (
            contract(employer_type=None, job_code=""),
            ["Indiquez le type d'employeur.", "Indiquez le métier (code ROME)."],
        ),
    ],
)
def test_contract_guard(data: ContractInput, expected: list[str]) -> None:
    assert refusals(READY, MoveRequest(Trigger.SIGN_CONTRACT, ON, contract=data)) == expected


def test_complete_needs_six_months_and_the_checkpoint() -> None:
    started = date(2026, 1, 10)
    facts = PathwayFacts(state=State.FOLLOW_UP, adviser_assigned=True, contract_start=started)
    early = refusals(facts, MoveRequest(Trigger.COMPLETE, date(2026, 7, 9)))
    assert early == [
        "Le point de suivi à 6 mois du contrat en cours doit être enregistré.",
        "Le suivi dans l'emploi dure six mois : le parcours peut être clos à partir du 10/07/2026.",
    ]
    done = replace(facts, six_month_checkpoint_recorded=True)
    assert refusals(done, MoveRequest(Trigger.COMPLETE, date(2026, 7, 10))) == []


def test_exit_needs_a_reason_and_other_needs_a_comment() -> None:
    facts = PathwayFacts(state=State.TRAINING)
    assert refusals(facts, MoveRequest(Trigger.EXIT, ON)) == ["Indiquez le motif de sortie."]
    assert refusals(facts, MoveRequest(Trigger.EXIT, ON, exit_reason=ExitReason.OTHER, comment=" ")) == [
        "Le motif « Autre » demande un commentaire."
    ]
    assert refusals(facts, MoveRequest(Trigger.EXIT, ON, exit_reason=ExitReason.OTHER, comment="Décès")) == []


def test_suspend_needs_a_reason() -> None:
    facts = PathwayFacts(state=State.TRAINING)
    assert refusals(facts, MoveRequest(Trigger.SUSPEND, ON, suspend_reason="  ")) == [
        "Indiquez le motif de la suspension."
    ]


@pytest.mark.parametrize(
    "suspended_in", [s for s in State if s not in (State.ON_HOLD, State.COMPLETED, State.EXITED)]
)
def test_resume_returns_to_the_state_it_was_suspended_in(suspended_in: State) -> None:
    row = Row(State.ON_HOLD)
    facts = PathwayFacts(state=State.ON_HOLD, suspended_from=suspended_in)
    assert apply_move(row, facts, MoveRequest(Trigger.RESUME, ON)) is suspended_in
    assert row.state is suspended_in


def test_a_refused_move_leaves_the_row_untouched() -> None:
    row = Row(State.ORIENTATION)
    with pytest.raises(MoveRefused) as refused:
        apply_move(row, replace(READY, adviser_assigned=False), MoveRequest(Trigger.SEEK_EMPLOYMENT, ON))
    assert row.state is State.ORIENTATION
    assert "passage de relais" in refused.value.messages[0]


def test_a_move_outside_the_table_names_the_step() -> None:
    with pytest.raises(MoveRefused) as refused:
        apply_move(Row(State.COMPLETED), READY, MoveRequest(Trigger.SUSPEND, ON, suspend_reason="x"))
    assert refused.value.messages == [
        "« Suspendre le parcours » n'est pas possible depuis l'étape « Parcours terminé »."
    ]


# --- version 2 -------------------------------------------------------------------


@pytest.mark.parametrize(
    "trigger",
    [Trigger.START_IMMERSION, Trigger.START_TRAINING, Trigger.SEEK_EMPLOYMENT, Trigger.SIGN_CONTRACT],
)
@pytest.mark.parametrize("state", [State.REFERRED, State.INFO_SESSION])
def test_every_move_into_the_conseiller_steps_needs_the_handover(state: State, trigger: Trigger) -> None:
    facts = PathwayFacts(state=state, diagnostic_recorded=True, project_validated=True)
    assert any("passage de relais" in m for m in fact_refusals(facts, trigger))
    assert not any(
        "passage de relais" in m for m in fact_refusals(replace(facts, adviser_assigned=True), trigger)
    )


@pytest.mark.parametrize("trigger", [Trigger.START_ORIENTATION, Trigger.REGISTER_INFO_SESSION])
def test_the_delegate_steps_need_no_conseiller(trigger: Trigger) -> None:
    assert fact_refusals(PathwayFacts(state=State.REFERRED), trigger) == []


def test_a_direct_hire_needs_a_contract_and_a_conseiller_but_no_diagnostic() -> None:
    facts = PathwayFacts(state=State.REFERRED, adviser_assigned=True)
    assert refusals(facts, MoveRequest(Trigger.SIGN_CONTRACT, contract=contract())) == []


def test_end_contract_needs_a_contract_in_progress() -> None:
    facts = PathwayFacts(state=State.FOLLOW_UP, adviser_assigned=True)
    request = MoveRequest(Trigger.END_CONTRACT, ON, contract_end_reason=ContractEndReason.RESIGNATION)
    assert refusals(facts, request) == ["Aucun contrat en cours n'est enregistré sur ce parcours."]
    ended = replace(facts, contract_start=date(2026, 1, 5), contract_ended=True)
    assert refusals(ended, request) == ["Aucun contrat en cours n'est enregistré sur ce parcours."]


def test_end_contract_needs_a_reason_and_other_needs_a_comment() -> None:
    facts = PathwayFacts(state=State.FOLLOW_UP, adviser_assigned=True, contract_start=date(2026, 1, 5))
    assert refusals(facts, MoveRequest(Trigger.END_CONTRACT, ON)) == [
        "Indiquez le motif de la fin du contrat."
    ]
    other = MoveRequest(Trigger.END_CONTRACT, ON, contract_end_reason=ContractEndReason.OTHER)
    assert refusals(facts, other) == ["Le motif « Autre » demande un commentaire."]
    assert refusals(facts, replace(other, comment="Fermeture du service")) == []


def test_a_contract_cannot_end_before_it_starts() -> None:
    facts = PathwayFacts(state=State.FOLLOW_UP, adviser_assigned=True, contract_start=date(2026, 4, 1))
    request = MoveRequest(Trigger.END_CONTRACT, ON, contract_end_reason=ContractEndReason.END_OF_CDD)
    assert refusals(facts, request) == ["La fin du contrat ne peut pas précéder son début (01/04/2026)."]


@pytest.mark.parametrize("kind", [ContractType.APPRENTICESHIP, ContractType.PROFESSIONALISATION])
def test_a_work_study_contract_names_its_training(kind: ContractType) -> None:
    request = MoveRequest(Trigger.SIGN_CONTRACT, contract=contract(contract_type=kind))
    assert refusals(READY, request) == [
        "Un contrat d'apprentissage ou de professionnalisation indique l'organisme de sa formation.",
        "Un contrat d'apprentissage ou de professionnalisation indique la certification préparée.",
    ]
    named = contract(contract_type=kind, training_organisation_id=4, training_certification_code="DEAES")
    assert refusals(READY, MoveRequest(Trigger.SIGN_CONTRACT, contract=named)) == []


def test_absent_at_the_information_session_needs_an_explicit_choice() -> None:
    facts = PathwayFacts(state=State.INFO_SESSION, absent_at_info_session=True)
    request = MoveRequest(Trigger.START_ORIENTATION, ON, orientation_week_id=3, availability_confirmed=True)
    assert refusals(facts, request) == [
        "La personne est notée absente (ou excusée) à l'information collective : indiquez si elle était "
        "finalement présente, ou si elle est venue par un autre chemin."
    ]
    for choice in AbsenceOverride:
        assert refusals(facts, replace(request, absence_override=choice)) == []
    assert refusals(replace(facts, absent_at_info_session=False), request) == []


def test_a_step_with_its_own_first_day_is_dated_by_it() -> None:
    first_day = date(2027, 1, 4)
    training = TrainingInput(1, "DEAS", FundingScheme.PRF, first_day)
    assert step_day(MoveRequest(Trigger.START_TRAINING, date(2026, 12, 1), training=training)) == first_day
    immersion = ImmersionInput(1, first_day, first_day)
    assert step_day(MoveRequest(Trigger.START_IMMERSION, None, immersion=immersion)) == first_day
    hired = contract(starts_on=first_day)
    assert step_day(MoveRequest(Trigger.SIGN_CONTRACT, None, contract=hired)) == first_day
    assert step_day(MoveRequest(Trigger.SEEK_EMPLOYMENT, ON)) == ON


def test_a_planned_request_is_kept_and_replayed_unchanged() -> None:
    request = MoveRequest(
        Trigger.SIGN_CONTRACT,
        contract=contract(
            contract_type=ContractType.APPRENTICESHIP,
            training_organisation_id=2,
            training_certification_code="DEAS",
        ),
        comment="Embauche au job dating",
        extra={"hours_per_week": 35},
    )
    kept = json.loads(json.dumps(request_to_json(request)))
    assert request_from_json(kept) == request

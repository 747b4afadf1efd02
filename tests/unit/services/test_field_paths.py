"""The field's real paths (pathway.md, version 2), end to end through the services.

Each test is a path a platform really takes, recorded as a conseiller or a
délégué would, dated on the day each fact happened.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from pathways.models import Checkpoint, Contract, Immersion, PathwayEvent, Training
from pathways.services import pathway as pathway_service
from pathways.services.enrolment import record_immersion_assessment, record_training_result
from pathways.states import (
    ContractInput,
    ExitReason,
    ImmersionInput,
    MoveRefused,
    MoveRequest,
    State,
    TrainingInput,
    Trigger,
    add_months,
)
from pathways.vocabulary import (
    ContractEndReason,
    ContractType,
    DiagnosticKind,
    EmployerType,
    FundingScheme,
    ImmersionOutcome,
    TrainingResult,
)
from tests.factories import make_pathway, make_person, make_world, week_on

ENTRY = date(2025, 3, 3)


def history(session, pathway) -> list[tuple[str, date]]:
    return [
        (event.trigger.value, event.occurred_on)
        for event in session.scalars(
            sa.select(PathwayEvent)
            .where(PathwayEvent.pathway_id == pathway.id)
            .order_by(PathwayEvent.sequence)
        )
    ]


def contract(world, starts_on: date, kind: ContractType = ContractType.CDI, months: int | None = None):
    return ContractInput(world.employer.id, EmployerType.SAAD, "K1311", kind, starts_on, months)


def test_lyon_guichet_unique_without_an_orientation_week(session, today) -> None:
    """Information collective → individual interview → compulsory PMSMP → IFAS training."""
    world = make_world(session)
    pathway = pathway_service.open_pathway(
        session, make_person(session, world), referred_on=ENTRY, actor=world.delegate
    )
    pathway_service.move(
        session,
        pathway,
        MoveRequest(
            Trigger.REGISTER_INFO_SESSION, ENTRY + timedelta(days=2), info_session_id=world.info_session.id
        ),
        world.delegate,
    )
    interview = ENTRY + timedelta(days=9)
    diagnostic = pathway_service.record_diagnostic(
        session,
        pathway,
        written_on=interview,
        project_validated=True,
        target_job_code="J1501",
        kind=DiagnosticKind.INTERVIEW,
        actor=world.adviser,
    )
    assert diagnostic.kind is DiagnosticKind.INTERVIEW
    assert diagnostic.week_id is None
    # No orientation week: the conseiller follows from the interview, no week diagnostic needed.
    pathway_service.assign_adviser(session, pathway, world.adviser, actor=world.manager, on=interview)
    first_day = ENTRY + timedelta(days=14)
    pathway_service.move(
        session,
        pathway,
        MoveRequest(
            Trigger.START_IMMERSION,
            immersion=ImmersionInput(world.employer.id, first_day, first_day + timedelta(days=1)),
        ),
        world.adviser,
    )
    assert pathway.state is State.IMMERSION
    pathway_service.move(
        session,
        pathway,
        MoveRequest(
            Trigger.START_TRAINING,
            training=TrainingInput(
                world.organisation.id, "DEAS", FundingScheme.PRF, ENTRY + timedelta(days=60)
            ),
        ),
        world.adviser,
    )
    assert pathway.state is State.TRAINING
    assert history(session, pathway) == [
        ("refer", ENTRY),
        ("register_info_session", ENTRY + timedelta(days=2)),
        ("start_immersion", first_day),
        ("start_training", ENTRY + timedelta(days=60)),
    ]


def test_a_hire_at_a_job_dating_the_week_of_the_referral(session, today) -> None:
    world = make_world(session)
    pathway = pathway_service.open_pathway(
        session, make_person(session, world), referred_on=ENTRY, actor=world.delegate
    )
    session.commit()
    with pytest.raises(MoveRefused) as refused:
        pathway_service.move(
            session,
            pathway,
            MoveRequest(Trigger.SIGN_CONTRACT, contract=contract(world, ENTRY + timedelta(days=3))),
            None,
        )
    assert any("passage de relais" in m for m in refused.value.messages)
    session.rollback()
    pathway_service.assign_adviser(session, pathway, world.adviser, actor=world.manager, on=ENTRY)
    event = pathway_service.move(
        session,
        pathway,
        MoveRequest(Trigger.SIGN_CONTRACT, contract=contract(world, ENTRY + timedelta(days=3))),
        None,
    )
    assert pathway.state is State.FOLLOW_UP
    assert event.occurred_on == ENTRY + timedelta(days=3)


def test_a_cdd_broken_in_month_two_then_a_cdi_followed_six_months(session, today) -> None:
    """CDD → trial broken in month 2 → job search → CDI → 6 months → completed; the first contract's
    checkpoints not yet due are cancelled and kept."""
    world = make_world(session)
    pathway = make_pathway(session, world, State.EMPLOYMENT, start=ENTRY)
    cdd_start = ENTRY + timedelta(days=10)
    pathway_service.move(
        session,
        pathway,
        MoveRequest(Trigger.SIGN_CONTRACT, contract=contract(world, cdd_start, ContractType.CDD, 6)),
        world.adviser,
    )
    first = session.scalars(sa.select(Contract).where(Contract.pathway_id == pathway.id)).one()
    one_month = session.scalars(
        sa.select(Checkpoint).where(Checkpoint.contract_id == first.id, Checkpoint.month == 1)
    ).one()
    pathway_service.record_checkpoint(
        session, one_month, recorded_on=one_month.due_on, still_in_post=True, actor=world.adviser
    )
    broken = cdd_start + timedelta(days=45)
    pathway_service.move(
        session,
        pathway,
        MoveRequest(
            Trigger.END_CONTRACT, broken, contract_end_reason=ContractEndReason.TRIAL_BROKEN_BY_EMPLOYER
        ),
        world.adviser,
    )
    assert pathway.state is State.EMPLOYMENT
    assert (first.ended_on, first.end_reason) == (broken, ContractEndReason.TRIAL_BROKEN_BY_EMPLOYER)
    checkpoints = {
        c.month: c for c in session.scalars(sa.select(Checkpoint).where(Checkpoint.contract_id == first.id))
    }
    assert checkpoints[1].recorded_on == one_month.due_on
    assert checkpoints[1].cancelled_on is None
    assert checkpoints[3].cancelled_on == broken
    assert checkpoints[6].cancelled_on == broken
    session.commit()
    with pytest.raises(MoveRefused, match="annulé"):
        pathway_service.record_checkpoint(
            session, checkpoints[3], recorded_on=checkpoints[3].due_on, still_in_post=True, actor=None
        )
    session.rollback()

    cdi_start = broken + timedelta(days=20)
    pathway_service.move(
        session,
        pathway,
        MoveRequest(Trigger.SIGN_CONTRACT, contract=contract(world, cdi_start)),
        world.adviser,
    )
    current = pathway_service.latest_contract(session, pathway)
    assert current is not None
    assert current.starts_on == cdi_start
    six = session.scalars(
        sa.select(Checkpoint).where(Checkpoint.contract_id == current.id, Checkpoint.month == 6)
    ).one()
    # Six months after the first contract would not do: completion counts on the current one.
    early = add_months(cdd_start, 6) + timedelta(days=1)
    session.commit()
    with pytest.raises(MoveRefused):
        pathway_service.move(session, pathway, MoveRequest(Trigger.COMPLETE, early), world.adviser)
    session.rollback()
    pathway_service.record_checkpoint(
        session, six, recorded_on=six.due_on, still_in_post=True, actor=world.adviser
    )
    pathway_service.move(session, pathway, MoveRequest(Trigger.COMPLETE, six.due_on), world.adviser)
    assert pathway.state is State.COMPLETED
    assert session.scalar(sa.select(sa.func.count()).where(Contract.pathway_id == pathway.id)) == 2
    assert session.scalar(sa.select(sa.func.count()).where(Checkpoint.pathway_id == pathway.id)) == 6
    assert [t for t, _ in history(session, pathway)][-4:] == [
        "sign_contract",
        "end_contract",
        "sign_contract",
        "complete",
    ]


def test_a_training_abandoned_then_another_training_then_a_contract(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.TRAINING, start=ENTRY)
    first = session.scalars(sa.select(Training).where(Training.pathway_id == pathway.id)).one()
    dropped = ENTRY + timedelta(days=40)
    session.commit()
    with pytest.raises(MoveRefused) as refused:
        record_training_result(session, first, result=TrainingResult.ABANDONED, ends_on=dropped, actor=None)
    assert refused.value.messages == ["Indiquez le motif de l'abandon."]
    session.rollback()
    record_training_result(
        session,
        first,
        result=TrainingResult.ABANDONED,
        ends_on=dropped,
        abandon_reason="Horaires incompatibles avec la garde des enfants",
        actor=world.adviser,
    )
    assert pathway.state is State.TRAINING  # an abandon does not end the pathway
    pathway_service.move(session, pathway, MoveRequest(Trigger.SEEK_EMPLOYMENT, dropped), world.adviser)
    second_start = dropped + timedelta(days=30)
    pathway_service.move(
        session,
        pathway,
        MoveRequest(
            Trigger.START_TRAINING,
            training=TrainingInput(world.organisation.id, "TP_ADVF", FundingScheme.POEI, second_start),
        ),
        world.adviser,
    )
    second = session.scalars(
        sa.select(Training).where(Training.pathway_id == pathway.id, Training.id != first.id)
    ).one()
    record_training_result(
        session,
        second,
        result=TrainingResult.PARTIAL,
        ends_on=second_start + timedelta(days=90),
        blocks_obtained="CCP1, CCP2",
        actor=world.adviser,
    )
    hired = second_start + timedelta(days=100)
    pathway_service.move(
        session, pathway, MoveRequest(Trigger.SIGN_CONTRACT, contract=contract(world, hired)), world.adviser
    )
    assert pathway.state is State.FOLLOW_UP
    assert (first.result, second.result, second.blocks_obtained) == (
        TrainingResult.ABANDONED,
        TrainingResult.PARTIAL,
        "CCP1, CCP2",
    )


def test_a_vae_while_employed_and_a_work_study_contract_name_their_training(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.EMPLOYMENT, start=ENTRY)
    start = ENTRY + timedelta(days=10)
    pathway_service.move(
        session,
        pathway,
        MoveRequest(
            Trigger.SIGN_CONTRACT,
            contract=ContractInput(
                world.employer.id,
                EmployerType.EHPAD,
                "J1501",
                ContractType.APPRENTICESHIP,
                start,
                None,
                world.organisation.id,
                "DEAS",
            ),
        ),
        world.adviser,
    )
    apprenticeship = session.scalars(sa.select(Training).where(Training.pathway_id == pathway.id)).one()
    assert apprenticeship.in_employment
    assert (apprenticeship.certification_code, apprenticeship.starts_on) == ("DEAS", start)
    assert apprenticeship.contract_id == pathway_service.latest_contract(session, pathway).id
    vae = pathway_service.add_training_in_employment(
        session,
        pathway,
        TrainingInput(world.organisation.id, "DEAES", FundingScheme.CPF, start + timedelta(days=40)),
        actor=world.adviser,
    )
    assert vae.in_employment
    assert pathway.state is State.FOLLOW_UP  # no move: the person is employed
    assert [t for t, _ in history(session, pathway)][-1] == "sign_contract"


def test_a_training_while_employed_is_refused_outside_the_follow_up(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.EMPLOYMENT, start=ENTRY)
    session.commit()
    with pytest.raises(MoveRefused) as refused:
        pathway_service.add_training_in_employment(
            session,
            pathway,
            TrainingInput(world.organisation.id, "DEAES", FundingScheme.CPF, ENTRY + timedelta(days=4)),
            actor=world.adviser,
        )
    assert "pendant le suivi dans l'emploi" in refused.value.messages[0]


# --- one date per fact ------------------------------------------------------------------------


def test_a_training_starting_later_is_planned_then_confirmed_on_its_first_day(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.IMMERSION, start=today - timedelta(days=60))
    first_day = today + timedelta(days=20)
    request = MoveRequest(
        Trigger.START_TRAINING,
        training=TrainingInput(world.organisation.id, "DEAS", FundingScheme.PRF, first_day),
    )
    planned = pathway_service.record_step(session, pathway, request, world.adviser)
    assert isinstance(planned, pathway_service.PlannedStep)
    assert planned.planned_on == first_day
    assert pathway.state is State.IMMERSION
    assert session.scalar(sa.select(sa.func.count()).where(Training.pathway_id == pathway.id)) == 0
    session.commit()
    with pytest.raises(MoveRefused, match="se confirme ce jour-là"):
        pathway_service.confirm_planned_step(session, planned, world.adviser)
    session.rollback()
    session.commit()
    with pytest.raises(MoveRefused, match="déjà prévue"):
        pathway_service.plan_step(session, pathway, request, world.adviser)
    session.rollback()


def test_confirming_a_planned_step_dates_it_by_its_first_day(session, monkeypatch, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.EMPLOYMENT, start=today - timedelta(days=60))
    first_day = today + timedelta(days=3)
    planned = pathway_service.record_step(
        session,
        pathway,
        MoveRequest(Trigger.SIGN_CONTRACT, contract=contract(world, first_day)),
        world.adviser,
    )
    session.commit()
    later = first_day + timedelta(days=5)
    monkeypatch.setattr("pathways.clock.today", lambda: later)
    event = pathway_service.confirm_planned_step(session, planned, world.adviser)
    assert event.occurred_on == first_day
    assert event.recorded_at.date() >= today
    assert planned.event_id == event.id
    assert planned.status.value == "confirmed"
    assert pathway.state is State.FOLLOW_UP


def test_a_planned_step_redated_into_the_past_is_recorded_on_that_day(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.EMPLOYMENT, start=today - timedelta(days=60))
    planned = pathway_service.record_step(
        session,
        pathway,
        MoveRequest(Trigger.SIGN_CONTRACT, contract=contract(world, today + timedelta(days=10))),
        world.adviser,
    )
    moved_later = today + timedelta(days=30)
    pathway_service.replan_step(
        session,
        planned,
        MoveRequest(Trigger.SIGN_CONTRACT, contract=contract(world, moved_later)),
        world.adviser,
    )
    assert planned.planned_on == moved_later
    actually = today - timedelta(days=2)
    event = pathway_service.replan_step(
        session,
        planned,
        MoveRequest(Trigger.SIGN_CONTRACT, contract=contract(world, actually)),
        world.adviser,
    )
    assert event.occurred_on == actually
    assert planned.status.value == "confirmed"


def test_a_cancelled_planned_step_is_kept_and_an_exit_cancels_the_others(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.EMPLOYMENT, start=today - timedelta(days=60))
    immersion = pathway_service.record_step(
        session,
        pathway,
        MoveRequest(
            Trigger.START_IMMERSION,
            immersion=ImmersionInput(world.employer.id, today + timedelta(days=5), today + timedelta(days=6)),
        ),
        world.adviser,
    )
    pathway_service.cancel_planned_step(session, immersion, world.adviser)
    assert immersion.status.value == "cancelled"
    training = pathway_service.record_step(
        session,
        pathway,
        MoveRequest(
            Trigger.START_TRAINING,
            training=TrainingInput(
                world.organisation.id, "DEAS", FundingScheme.PRF, today + timedelta(days=30)
            ),
        ),
        world.adviser,
    )
    pathway_service.move(
        session,
        pathway,
        MoveRequest(Trigger.EXIT, today, exit_reason=ExitReason.MOVED),
        world.adviser,
    )
    assert training.status.value == "cancelled"
    assert len(pathway_service.planned_steps(session, pathway)) == 2  # both kept


def test_a_step_with_its_own_first_day_in_the_future_is_not_a_move(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.EMPLOYMENT, start=today - timedelta(days=60))
    session.commit()
    with pytest.raises(MoveRefused, match="ne peut pas être dans le futur"):
        pathway_service.move(
            session,
            pathway,
            MoveRequest(Trigger.SIGN_CONTRACT, contract=contract(world, today + timedelta(days=1))),
            world.adviser,
        )


# --- consistency ----------------------------------------------------------------------------


def test_the_handover_at_the_end_of_a_week_needs_the_week_diagnostic(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.REFERRED, start=ENTRY)
    week = week_on(session, world, ENTRY + timedelta(days=7))
    pathway_service.move(
        session,
        pathway,
        MoveRequest(
            Trigger.START_ORIENTATION, orientation_week_id=week.id, availability_confirmed=True
        ),
        world.delegate,
    )
    session.commit()
    with pytest.raises(MoveRefused) as refused:
        pathway_service.assign_adviser(session, pathway, world.adviser, actor=world.delegate)
    assert refused.value.messages == [
        "Le diagnostic de la semaine du pôle orientation doit être enregistré avant de passer le relais à "
        "un·e conseiller·ère."
    ]
    session.rollback()
    pathway_service.record_diagnostic(
        session,
        pathway,
        written_on=week.starts_on + timedelta(days=4),
        project_validated=True,
        week_id=week.id,
        actor=world.delegate,
    )
    pathway_service.assign_adviser(session, pathway, world.adviser, actor=world.delegate)
    assert pathway.adviser_id == world.adviser.id


def test_a_checkpoint_is_recorded_at_the_earliest_fifteen_days_before_it_is_due(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.FOLLOW_UP, start=ENTRY)
    checkpoint = session.scalars(
        sa.select(Checkpoint).where(Checkpoint.pathway_id == pathway.id, Checkpoint.month == 3)
    ).one()
    too_early = checkpoint.due_on - timedelta(days=16)
    session.commit()
    with pytest.raises(MoveRefused) as refused:
        pathway_service.record_checkpoint(
            session, checkpoint, recorded_on=too_early, still_in_post=True, actor=None
        )
    earliest = checkpoint.due_on - timedelta(days=15)
    assert refused.value.messages == [
        f"Le point de suivi à 3 mois, prévu le {checkpoint.due_on:%d/%m/%Y}, s'enregistre au plus tôt le "
        f"{earliest:%d/%m/%Y}."
    ]
    session.rollback()
    pathway_service.record_checkpoint(
        session, checkpoint, recorded_on=earliest, still_in_post=True, actor=None
    )


def test_an_immersion_is_assessed_at_the_earliest_on_its_last_day(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.IMMERSION, start=ENTRY)
    immersion = session.scalars(sa.select(Immersion).where(Immersion.pathway_id == pathway.id)).one()
    session.commit()
    with pytest.raises(MoveRefused, match="au plus tôt le jour de sa fin"):
        record_immersion_assessment(
            session,
            immersion,
            outcome=ImmersionOutcome.COMPLETED,
            assessed_on=immersion.starts_on,
            actor=None,
        )
    session.rollback()
    record_immersion_assessment(
        session, immersion, outcome=ImmersionOutcome.COMPLETED, assessed_on=immersion.ends_on, actor=None
    )


def test_a_diagnostic_is_not_dated_before_the_entry_nor_written_on_a_finished_pathway(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.REFERRED, start=ENTRY)
    session.commit()
    with pytest.raises(MoveRefused, match="ne peut pas précéder l'entrée dans le parcours"):
        pathway_service.record_diagnostic(
            session,
            pathway,
            written_on=ENTRY - timedelta(days=1),
            project_validated=True,
            actor=world.adviser,
        )
    session.rollback()
    finished = make_pathway(session, world, State.EXITED, start=ENTRY)
    session.commit()
    with pytest.raises(MoveRefused, match="terminé"):
        pathway_service.record_diagnostic(
            session,
            finished,
            written_on=ENTRY + timedelta(days=5),
            project_validated=True,
            actor=world.adviser,
        )

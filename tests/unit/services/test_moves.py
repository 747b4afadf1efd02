"""The move service on a real database: events, records, dates, refusals that write nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from pathways.models import AdviserAssignment, AuditEntry, Checkpoint, Contract, Immersion, PathwayEvent
from pathways.services import pathway as pathway_service
from pathways.services.pathway import InvalidInput
from pathways.states import ContractInput, ImmersionInput, MoveRefused, MoveRequest, State, Trigger
from pathways.vocabulary import ContractType, EmployerType
from tests.factories import (
    full_request,
    make_pathway,
    make_person,
    make_world,
    satisfy_orientation,
    week_on,
)

START = date(2025, 3, 3)


def count(session, model, **where) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return session.scalar(query)


def test_opening_records_the_first_event(session, today) -> None:
    world = make_world(session)
    person = make_person(session, world)
    pathway = pathway_service.open_pathway(session, person, referred_on=START, actor=world.delegate)
    (event,) = pathway.events
    assert (event.sequence, event.trigger, event.from_state, event.to_state) == (
        1,
        Trigger.REFER,
        None,
        State.REFERRED,
    )
    assert event.recorded_by_id == world.delegate.id
    assert pathway.state is State.REFERRED
    assert pathway.last_event_on == START


def test_one_open_pathway_per_person_but_a_new_one_after_an_exit(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.EXITED, start=START)
    person = pathway.person
    second = pathway_service.open_pathway(session, person, referred_on=START + timedelta(days=30), actor=None)
    assert second.id != pathway.id
    assert pathway.state is State.EXITED
    with pytest.raises(InvalidInput, match="déjà un parcours en cours"):
        pathway_service.open_pathway(session, person, referred_on=START + timedelta(days=31), actor=None)


def test_a_person_who_left_comes_back_after_a_commit_expired_the_actor(session, today) -> None:
    """The new pathway is not flushed before its first event gives it its entry day."""
    world = make_world(session)
    pathway = make_pathway(session, world, State.EXITED, start=START)
    session.commit()  # every object expired: reading the actor's id loads it again
    back_on = START + timedelta(days=30)
    second = pathway_service.open_pathway(session, pathway.person, referred_on=back_on, actor=world.delegate)
    session.commit()
    assert second.entered_on == back_on
    assert [e.recorded_by_id for e in second.events] == [world.delegate.id]


def test_an_allowed_move_appends_exactly_one_event_with_its_details(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.ORIENTATION, start=START)
    before = count(session, PathwayEvent, pathway_id=pathway.id)
    on = START + timedelta(days=10)
    event = pathway_service.move(
        session, pathway, full_request(world, Trigger.START_IMMERSION, on), world.adviser
    )
    immersion = session.get(Immersion, event.details["immersion_id"])
    assert count(session, PathwayEvent, pathway_id=pathway.id) == before + 1
    assert (immersion.employer_id, immersion.starts_on) == (world.employer.id, on)
    assert event.sequence == before + 1
    assert event.occurred_on == on
    assert event.recorded_by_id == world.adviser.id
    assert session.scalar(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "pathway.move", AuditEntry.object_id == pathway.id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).changes == {"state": ["orientation", "immersion"]}


def test_a_refused_move_writes_nothing_not_even_its_records(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.REFERRED, start=START)
    pathway_service.move(session, pathway, full_request(world, Trigger.START_ORIENTATION, START, week=week_on(session, world, START)), None)
    session.commit()  # orientation, but no conseiller yet
    counts = {model: count(session, model) for model in (PathwayEvent, Contract, Checkpoint, AuditEntry)}
    with pytest.raises(MoveRefused) as refused:
        pathway_service.move(
            session, pathway, full_request(world, Trigger.SIGN_CONTRACT, START + timedelta(days=3)), None
        )
    assert any("passage de relais" in m for m in refused.value.messages)
    session.rollback()  # what a request or a command does on any error
    assert {model: count(session, model) for model in counts} == counts
    assert session.get(type(pathway), pathway.id).state is State.ORIENTATION


def test_refusal_happens_before_anything_is_added_to_the_session(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.ORIENTATION, start=START)
    pathway.adviser_id = None  # the handover has not happened
    with pytest.raises(MoveRefused):
        pathway_service.move(
            session, pathway, full_request(world, Trigger.SIGN_CONTRACT, START + timedelta(days=3)), None
        )
    assert not [o for o in session.new if isinstance(o, Contract | Checkpoint | PathwayEvent)]


def test_sign_contract_creates_the_three_checkpoints(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.EMPLOYMENT, start=START)
    starts = date(2025, 8, 31)
    request = MoveRequest(
        Trigger.SIGN_CONTRACT,
        starts,
        contract=ContractInput(
            world.employer.id, EmployerType.SAAD, "J1501", ContractType.CDD, starts, cdd_months=12
        ),
    )
    event = pathway_service.move(session, pathway, request, world.adviser)
    checkpoints = session.scalars(
        sa.select(Checkpoint)
        .where(Checkpoint.contract_id == event.details["contract_id"])
        .order_by(Checkpoint.month)
    ).all()
    assert [(c.month, c.due_on) for c in checkpoints] == [
        (1, date(2025, 9, 30)),
        (3, date(2025, 11, 30)),
        (6, date(2026, 2, 28)),
    ]
    assert all(c.recorded_on is None for c in checkpoints)


def test_complete_is_refused_until_six_months_and_the_checkpoint(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.FOLLOW_UP, start=START)
    with pytest.raises(MoveRefused) as refused:
        pathway_service.move(
            session, pathway, MoveRequest(Trigger.COMPLETE, START + timedelta(days=100)), None
        )
    assert refused.value.messages == [
        "Le point de suivi à 6 mois du contrat en cours doit être enregistré.",
        "Le suivi dans l'emploi dure six mois : le parcours peut être clos à partir du 05/09/2025.",
    ]


@pytest.mark.parametrize("state", [State.REFERRED, State.ORIENTATION, State.TRAINING, State.FOLLOW_UP])
def test_suspend_then_resume_returns_to_the_suspended_state(session, today, state: State) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, state, start=START)
    on = pathway.last_event_on + timedelta(days=1)
    suspend = MoveRequest(Trigger.SUSPEND, on, suspend_reason="Hospitalisation")
    event = pathway_service.move(session, pathway, suspend, world.adviser)
    assert pathway.state is State.ON_HOLD
    assert event.details == {"reason": "Hospitalisation"}
    moves = {option.trigger: option for option in pathway_service.available_moves(session, pathway)}
    assert set(moves) == {Trigger.RESUME, Trigger.EXIT}
    assert moves[Trigger.RESUME].destination is state
    pathway_service.move(
        session, pathway, MoveRequest(Trigger.RESUME, on + timedelta(days=40)), world.adviser
    )
    assert pathway.state is state
    assert pathway_service.replay(pathway.events) is state


def test_backdated_move_allowed_down_to_the_previous_event(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.REFERRED, start=START)
    # Recorded today, happened months ago, on the very day of the previous event.
    event = pathway_service.move(
        session, pathway, full_request(world, Trigger.REGISTER_INFO_SESSION, START), None
    )
    assert event.occurred_on == START
    assert event.recorded_at.date() >= today - timedelta(days=1)


def test_move_before_the_previous_event_is_refused(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.REFERRED, start=START)
    with pytest.raises(InvalidInput) as refused:
        pathway_service.move(
            session,
            pathway,
            full_request(world, Trigger.REGISTER_INFO_SESSION, START - timedelta(days=1)),
            None,
        )
    assert refused.value.messages == [
        "La date de l'événement (02/03/2025) ne peut pas précéder le dernier événement du parcours (03/03/2025)."
    ]


def test_move_in_the_future_is_refused(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.REFERRED, start=START)
    tomorrow = today + timedelta(days=1)
    with pytest.raises(InvalidInput) as refused:
        pathway_service.move(
            session, pathway, full_request(world, Trigger.REGISTER_INFO_SESSION, tomorrow), None
        )
    assert refused.value.messages == ["La date de l'événement (16/06/2026) ne peut pas être dans le futur."]


def test_references_of_another_platform_are_refused(session, today) -> None:
    world = make_world(session)
    other = make_world(session, "essonne")
    pathway = make_pathway(session, world, State.ORIENTATION, start=START)
    on = START + timedelta(days=5)
    request = MoveRequest(Trigger.START_IMMERSION, on, immersion=ImmersionInput(other.employer.id, on, on))
    with pytest.raises(InvalidInput) as refused:
        pathway_service.move(session, pathway, request, world.adviser)
    assert refused.value.messages == ["Cet employeur n'est pas connu de la plateforme."]


def test_available_moves_explain_refusals(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.REFERRED, start=START)
    pathway_service.move(session, pathway, full_request(world, Trigger.START_ORIENTATION, START, week=week_on(session, world, START)), None)
    options = {o.trigger: o for o in pathway_service.available_moves(session, pathway)}
    assert set(options) == {
        Trigger.START_REINFORCEMENT,
        Trigger.START_IMMERSION,
        Trigger.START_TRAINING,
        Trigger.SEEK_EMPLOYMENT,
        Trigger.SIGN_CONTRACT,
        Trigger.EXIT,
        Trigger.SUSPEND,
    }
    assert options[Trigger.EXIT].allowed
    assert options[Trigger.SUSPEND].allowed
    assert not options[Trigger.START_TRAINING].allowed
    assert "Le projet professionnel doit avoir été validé par le diagnostic d'orientation." in (
        options[Trigger.START_TRAINING].refusals
    )
    satisfy_orientation(session, world, pathway, START)
    options = {o.trigger: o for o in pathway_service.available_moves(session, pathway)}
    assert all(option.allowed for option in options.values())


def test_reassignment_keeps_who_followed_whom(session, today) -> None:
    from pathways.services.platform import create_user
    from tests.factories import PASSWORD

    world = make_world(session)
    pathway = make_pathway(session, world, State.TRAINING, start=START)
    second = create_user(
        session, email="second@example.fr", role="adviser", password=PASSWORD, platform=world.platform
    )
    pathway_service.assign_adviser(session, pathway, second, actor=world.manager, on=date(2026, 1, 5))
    history = session.scalars(
        sa.select(AdviserAssignment)
        .where(AdviserAssignment.pathway_id == pathway.id)
        .order_by(AdviserAssignment.id)
    ).all()
    assert [(a.adviser_id, a.ended_on) for a in history] == [
        (world.adviser.id, date(2026, 1, 5)),
        (second.id, None),
    ]
    assert pathway.adviser_id == second.id
    with pytest.raises(InvalidInput, match="suit déjà ce parcours"):
        pathway_service.assign_adviser(session, pathway, second, actor=world.manager)
    with pytest.raises(InvalidInput, match="n'est pas un·e conseiller·ère"):
        pathway_service.assign_adviser(session, pathway, world.delegate, actor=world.manager)


def test_stored_state_equals_the_replay_of_the_events(session, today) -> None:
    world = make_world(session)
    for state in State:
        pathway = make_pathway(session, world, state, start=START)
        assert pathway_service.replay(pathway.events) is pathway.state is state
        assert pathway.last_event_on == pathway.events[-1].occurred_on

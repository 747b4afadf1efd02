"""Property: whatever the services write, in whatever order, a pathway's summary equals its records.

Random sequences mix moves (into and out of PMSMPs, trainings, contracts,
suspensions, exits) with every other write the summary follows: exchanges,
notes, checkpoints, freins and their statuses, steps planned, re-planned,
cancelled or confirmed, PMSMPs assessed, trainings while employed. After
each write (accepted or refused), the cached columns equal
``summary.recomputed`` from the records, and ``summary.computed`` (the
import's Python twin of it) on the same records; the rebuild command finds
nothing to change. Each person's standing (``services.standing``, the
dashboard's) equals ``standing.computed()`` after every write too, and
after the person leaves and comes back (a new pathway, their latest).
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pathways.models import (
    Barrier,
    BarrierStatusChange,
    Checkpoint,
    Exchange,
    Immersion,
    Note,
    Pathway,
    PathwayEvent,
    PlannedStep,
    Training,
)
from pathways.services import barrier as barrier_service
from pathways.services import coaccompaniment, standing, summary
from pathways.services import pathway as pathway_service
from pathways.services.enrolment import record_immersion_assessment
from pathways.services.pathway import PathwayConflict
from pathways.states import TERMINAL_STATES, MoveRefused, Trigger, is_allowed_from
from pathways.states.guards import TrainingInput
from pathways.vocabulary import BarrierCategory, BarrierStatus, FundingScheme, PlannedStepStatus
from tests.factories import full_request, make_person, make_world, week_on

ALL_MOVES = [t for t in Trigger if t is not Trigger.REFER]
WRITES = (
    "move",
    "move",
    "move",
    "plan",
    "exchange",
    "note",
    "checkpoint",
    "barrier",
    "barrier_status",
    "confirm",
    "replan",
    "cancel",
    "assess",
    "training_in_employment",
)


def _planned(session, pathway: Pathway) -> PlannedStep | None:
    return session.scalars(
        sa.select(PlannedStep).where(
            PlannedStep.pathway_id == pathway.id, PlannedStep.status == PlannedStepStatus.PLANNED
        )
    ).first()


def write(session, world, pathway: Pathway, kind: str, day: date, today: date, data) -> str:
    """One write of ``kind`` dated around ``day`` (it may be refused: that is part of the test)."""
    if kind == "move":
        allowed = [t for t in ALL_MOVES if is_allowed_from(t, pathway.state)] or ALL_MOVES
        # The pathway's end comes rarely, so that long pathways are explored.
        lasting = [t for t in allowed if t not in (Trigger.EXIT, Trigger.COMPLETE)] or allowed
        pool = lasting if data.draw(st.integers(0, 9), label="bias") < 9 else allowed
        trigger = data.draw(st.sampled_from(pool), label="trigger")
        request = full_request(world, trigger, day, week=week_on(session, world, day))
        pathway_service.record_step(session, pathway, request, world.adviser)
        return f"move {trigger.value}"
    if kind == "plan":
        trigger = data.draw(
            st.sampled_from([Trigger.START_IMMERSION, Trigger.START_TRAINING, Trigger.SIGN_CONTRACT]),
            label="planned trigger",
        )
        later = today + timedelta(days=data.draw(st.integers(1, 20), label="ahead"))
        pathway_service.plan_step(session, pathway, full_request(world, trigger, later), world.adviser)
        return "plan"
    if kind == "exchange":
        coaccompaniment.record_exchange(
            session,
            pathway,
            occurred_on=day,
            mode="phone",
            participants="La personne, son référent",
            summary="Point d'étape",
            actor=world.adviser,
        )
        return kind
    if kind == "note":
        coaccompaniment.add_note(session, pathway, body="Appel", actor=world.adviser, written_on=day)
        return kind
    if kind == "checkpoint":
        checkpoint = session.scalars(
            sa.select(Checkpoint)
            .where(Checkpoint.pathway_id == pathway.id, Checkpoint.recorded_on.is_(None))
            .order_by(Checkpoint.due_on)
        ).first()
        if checkpoint is None:
            return "no checkpoint"
        pathway_service.record_checkpoint(
            session,
            checkpoint,
            recorded_on=max(day, checkpoint.due_on - timedelta(days=10)),
            still_in_post=data.draw(st.booleans(), label="in post"),
            actor=world.adviser,
        )
        return kind
    if kind == "barrier":
        barrier_service.identify_barrier(
            session, pathway, category=BarrierCategory.MOBILITY, identified_on=day, actor=world.adviser
        )
        return kind
    if kind == "barrier_status":
        barrier = next((b for b in pathway_barriers(session, pathway) if not b.status.is_closed), None)
        if barrier is None:
            return "no barrier"
        barrier_service.change_barrier_status(
            session, barrier, status=BarrierStatus.RESOLVED, changed_on=day, actor=world.adviser
        )
        return kind
    if kind in ("confirm", "replan", "cancel"):
        planned = _planned(session, pathway)
        if planned is None:
            return f"no planned step to {kind}"
        if kind == "confirm":
            pathway_service.confirm_planned_step(session, planned, world.adviser)
        elif kind == "cancel":
            pathway_service.cancel_planned_step(session, planned, world.adviser)
        else:
            shift = data.draw(st.integers(-30, 30), label="shift")
            request = full_request(world, planned.trigger, max(day, today + timedelta(days=shift)))
            pathway_service.replan_step(session, planned, request, world.adviser)
        return kind
    if kind == "assess":
        immersion = session.scalars(
            sa.select(Immersion).where(Immersion.pathway_id == pathway.id, Immersion.outcome.is_(None))
        ).first()
        if immersion is None:
            return "no immersion"
        assessed_on = max(day, immersion.ends_on)
        record_immersion_assessment(
            session, immersion, outcome="completed", assessed_on=assessed_on, actor=world.adviser
        )
        return kind
    training = TrainingInput(world.organisation.id, "TP_ADVF", FundingScheme.CPF, day)
    pathway_service.add_training_in_employment(session, pathway, training, actor=world.adviser)
    return kind


def pathway_barriers(session, pathway: Pathway):
    from pathways.models import Barrier

    return session.scalars(sa.select(Barrier).where(Barrier.pathway_id == pathway.id)).all()


def computed_from_records(session, pathway: Pathway) -> list:
    """``summary.computed`` (the import's twin of the SQL) on the pathway's records as stored."""

    def records(model) -> list[dict]:
        keys = [column.key for column in sa.inspect(model).column_attrs]
        rows = session.scalars(sa.select(model).where(model.pathway_id == pathway.id))
        return [{key: getattr(row, key) for key in keys} for row in rows]

    contacts = [
        *session.scalars(sa.select(Exchange.occurred_on).where(Exchange.pathway_id == pathway.id)),
        *session.scalars(sa.select(Note.written_on).where(Note.pathway_id == pathway.id)),
        *session.scalars(
            sa.select(BarrierStatusChange.changed_on)
            .join(Barrier, Barrier.id == BarrierStatusChange.barrier_id)
            .where(Barrier.pathway_id == pathway.id)
        ),
    ]
    values = summary.computed(
        last_event_on=pathway.last_event_on,
        events=records(PathwayEvent),
        checkpoints=records(Checkpoint),
        planned_steps=records(PlannedStep),
        immersions=records(Immersion),
        trainings=records(Training),
        contacts=contacts,
    )
    return [summary.plain(values[column]) for column in summary.COLUMNS]


def kept(session, pathway: Pathway) -> list:
    row = session.execute(
        sa.select(*[getattr(Pathway, c) for c in summary.COLUMNS]).where(Pathway.id == pathway.id)
    ).one()
    return [summary.plain(value) for value in row]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_summary_is_always_the_records(session, today, data) -> None:
    world = session.info.get("world")
    if world is None:
        world = session.info["world"] = make_world(session, "resume")
        session.commit()
    person = make_person(session, world)
    start = today - timedelta(days=data.draw(st.integers(100, 400), label="entered days ago"))
    pathway = pathway_service.open_pathway(session, person, referred_on=start, actor=world.delegate)
    pathway_service.assign_adviser(session, pathway, world.adviser, actor=world.manager, on=start)
    # A validated project: trainings and the job search are open to the moves.
    pathway_service.record_diagnostic(
        session, pathway, written_on=start, project_validated=True, actor=world.adviser
    )
    session.commit()
    assert summary.mismatches(session, [pathway.id]) == []
    day = start
    for _ in range(data.draw(st.integers(min_value=1, max_value=12), label="length")):
        day = min(today, day + timedelta(days=data.draw(st.integers(-3, 40), label="gap")))
        kind = data.draw(st.sampled_from(WRITES), label="write")
        try:
            what = write(session, world, pathway, kind, day, today, data)
            session.commit()
            event(f"accepted {what}")
        except (MoveRefused, PathwayConflict):
            session.rollback()
        session.expire_all()
        assert summary.mismatches(session, [pathway.id]) == []
        # The import's Python twin of the definition agrees on whatever the services wrote.
        assert computed_from_records(session, pathway) == kept(session, pathway)
        # The person's standing (the dashboard's) follows their pathways.
        assert standing.mismatches(session, platform_id=world.platform.id) == []
    # The person leaves and comes back: a new pathway, now their latest, the first one kept.
    if pathway.state not in TERMINAL_STATES:
        try:
            exit_request = full_request(world, Trigger.EXIT, day)
            pathway_service.record_step(session, pathway, exit_request, world.adviser)
            session.commit()
        except (MoveRefused, PathwayConflict):
            session.rollback()
        session.expire_all()
        assert standing.mismatches(session, platform_id=world.platform.id) == []
    if pathway.state in TERMINAL_STATES:
        back = pathway_service.open_pathway(session, person, referred_on=day, actor=world.delegate)
        session.commit()
        event("came back")
        assert standing.mismatches(session, platform_id=world.platform.id) == []
        pathway_service.record_step(
            session, back, full_request(world, Trigger.REGISTER_INFO_SESSION, day), world.delegate
        )
        session.commit()
        assert standing.mismatches(session, platform_id=world.platform.id) == []
    # The rebuild command recomputes the same values.
    columns = sa.select(*[getattr(Pathway, c) for c in summary.COLUMNS]).where(Pathway.id == pathway.id)
    before = session.execute(columns).one()
    summary.rebuild(session, pathway_ids=[pathway.id])
    after = session.execute(columns).one()
    assert [summary.plain(v) for v in before] == [summary.plain(v) for v in after]
    session.rollback()


def test_a_move_of_every_kind_keeps_the_summary(session, today) -> None:
    """The field's common path, step by step, through the services (no randomness)."""
    world = make_world(session, "chemin")
    pathway = pathway_service.open_pathway(
        session, make_person(session, world), referred_on=today - timedelta(days=300), actor=world.delegate
    )
    day = today - timedelta(days=290)
    for trigger in (
        Trigger.REGISTER_INFO_SESSION,
        Trigger.START_ORIENTATION,
        Trigger.START_IMMERSION,
        Trigger.START_TRAINING,
        Trigger.SIGN_CONTRACT,
        Trigger.END_CONTRACT,
        Trigger.SIGN_CONTRACT,
        Trigger.SUSPEND,
        Trigger.RESUME,
        Trigger.EXIT,
    ):
        week = week_on(session, world, day)
        if trigger is Trigger.START_ORIENTATION:
            day = week.starts_on
        request = full_request(world, trigger, day, week=week)
        if trigger is Trigger.START_IMMERSION:
            pathway_service.record_diagnostic(
                session, pathway, written_on=day, project_validated=True, actor=world.delegate
            )
            pathway_service.assign_adviser(session, pathway, world.adviser, actor=world.manager, on=day)
        pathway_service.move(session, pathway, request, world.adviser)
        session.flush()
        assert summary.mismatches(session, [pathway.id]) == [], trigger
        day += timedelta(days=20)
    session.expire_all()
    assert pathway.exit_reason == "other_job"
    assert pathway.contract_on is not None
    assert pathway.step_on is not None
    assert pathway.entered_on == today - timedelta(days=300)

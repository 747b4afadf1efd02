"""Property: whatever moves are tried, in whatever order, the stored state is the replay of the events.

Random sequences mix moves with the facts the guards look at (diagnostic,
handover, 6-month checkpoint) and with dates that may be too early or in the
future. After every attempt: an accepted move added exactly one event, a
refused one none, and the cached state and date equal the replay.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pathways.models import Checkpoint, Pathway, PathwayEvent
from pathways.services import pathway as pathway_service
from pathways.services.pathway import InvalidInput, PathwayConflict
from pathways.states import MoveRefused, Trigger, is_allowed_from
from tests.factories import full_request, make_person, make_world, week_on

PREPARATIONS = ("none", "diagnostic_validated", "diagnostic_refused", "handover", "checkpoint")
# Every move of the version-2 table, end_contract included.
ALL_MOVES = [t for t in Trigger if t is not Trigger.REFER]


def stored_events(session, pathway: Pathway) -> list[PathwayEvent]:
    return list(
        session.scalars(
            sa.select(PathwayEvent)
            .where(PathwayEvent.pathway_id == pathway.id)
            .order_by(PathwayEvent.sequence)
        )
    )


def prepare(session, world, pathway: Pathway, preparation: str, on: date) -> None:
    try:
        if preparation.startswith("diagnostic"):
            pathway_service.record_diagnostic(
                session,
                pathway,
                written_on=on,
                project_validated=preparation.endswith("validated"),
                actor=world.delegate,
            )
        elif preparation == "handover" and pathway.adviser_id is None:
            pathway_service.assign_adviser(session, pathway, world.adviser, actor=world.delegate, on=on)
        elif preparation == "checkpoint":
            checkpoint = session.scalars(
                sa.select(Checkpoint).where(
                    Checkpoint.pathway_id == pathway.id,
                    Checkpoint.month == 6,
                    Checkpoint.recorded_on.is_(None),
                )
            ).first()
            if checkpoint is not None:
                pathway_service.record_checkpoint(
                    session,
                    checkpoint,
                    recorded_on=max(on, checkpoint.contract.starts_on),
                    still_in_post=True,
                    actor=world.adviser,
                )
    except InvalidInput:
        session.rollback()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_state_is_always_the_replay_of_the_events(session, today, data) -> None:
    world = session.info.get("world")
    if world is None:
        world = session.info["world"] = make_world(session, "propriete")
        session.commit()
    person = make_person(session, world)
    start = date(2025, 1, 2)
    pathway = pathway_service.open_pathway(session, person, referred_on=start, actor=world.delegate)
    session.commit()
    day = start
    for _ in range(data.draw(st.integers(min_value=1, max_value=14), label="length")):
        # Mostly moves the table allows from here (so that long pathways are
        # explored), sometimes any move at all.
        allowed = [t for t in ALL_MOVES if is_allowed_from(t, pathway.state)] or ALL_MOVES
        pool = allowed if data.draw(st.integers(0, 9), label="bias") < 8 else ALL_MOVES
        trigger = data.draw(st.sampled_from(pool), label="trigger")
        day = max(start, day + timedelta(days=data.draw(st.integers(-3, 60), label="gap")))
        preparation = data.draw(st.sampled_from(PREPARATIONS), label="preparation")
        prepare(session, world, pathway, preparation, min(day, today))
        session.commit()
        before = stored_events(session, pathway)
        try:
            pathway_service.move(
                session,
                pathway,
                full_request(world, trigger, day, week=week_on(session, world, day)),
                world.adviser,
            )
            session.commit()
            accepted = True
            event(f"accepted {trigger.value}")
        except (MoveRefused, PathwayConflict):
            session.rollback()
            accepted = False
        session.expire_all()
        after = stored_events(session, pathway)
        assert len(after) == len(before) + (1 if accepted else 0)
        assert pathway.state is pathway_service.replay(after)
        assert pathway.last_event_on == after[-1].occurred_on
        assert [e.sequence for e in after] == list(range(1, len(after) + 1))
        assert all(a.occurred_on <= b.occurred_on for a, b in itertools.pairwise(after))

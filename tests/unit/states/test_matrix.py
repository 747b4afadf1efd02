"""Every (state, trigger) pair, allowed or refused exactly as pathway.md says.

The expected table is written out here again, from the field reference
(version 2 of the transitions), on purpose: it must not be derived from the
code it checks. Every fact a guard looks at is satisfied first (a validated
diagnostic, a conseiller), so that only the table decides.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from pathways.models import Checkpoint, PathwayEvent
from pathways.services import pathway as pathway_service
from pathways.states import MoveRefused, State, Trigger
from tests.factories import full_request, make_pathway, make_world, satisfy_interview, week_on

NON_TERMINAL = {s.value for s in State} - {"completed", "exited"}
# trigger -> (allowed sources, destination), copied from pathway.md.
REFERENCE_TABLE: dict[str, tuple[set[str], str | None]] = {
    "register_info_session": ({"referred"}, "info_session"),
    "start_orientation": ({"referred", "info_session"}, "orientation"),
    "start_reinforcement": ({"orientation"}, "reinforcement"),
    "start_immersion": (
        {
            "referred",
            "info_session",
            "orientation",
            "reinforcement",
            "immersion",
            "training",
            "employment",
        },
        "immersion",
    ),
    "start_training": (
        {"referred", "info_session", "orientation", "reinforcement", "immersion", "employment"},
        "training",
    ),
    "seek_employment": (
        {"referred", "info_session", "orientation", "reinforcement", "immersion", "training"},
        "employment",
    ),
    "sign_contract": (
        {
            "referred",
            "info_session",
            "orientation",
            "reinforcement",
            "immersion",
            "training",
            "employment",
        },
        "follow_up",
    ),
    "end_contract": ({"follow_up"}, "employment"),
    "complete": ({"follow_up"}, "completed"),
    "exit": (NON_TERMINAL, "exited"),
    "suspend": (NON_TERMINAL - {"on_hold"}, "on_hold"),
    "resume": ({"on_hold"}, None),  # back to the state it was suspended in
}
MOVE_TRIGGERS = [t for t in Trigger if t is not Trigger.REFER]
START = date(2025, 1, 6)


def test_reference_table_covers_every_trigger() -> None:
    assert set(REFERENCE_TABLE) == {t.value for t in MOVE_TRIGGERS}


@pytest.mark.parametrize("state", list(State), ids=str)
@pytest.mark.parametrize("trigger", MOVE_TRIGGERS, ids=str)
def test_pair(session, today, state: State, trigger: Trigger) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, state, start=START)
    on = pathway.last_event_on + timedelta(days=1)
    if pathway.adviser_id is None and not state.is_terminal:
        # A guichet-unique entry: an individual interview validates the
        # project, and a conseiller follows the person from the start.
        satisfy_interview(session, world, pathway, pathway.last_event_on)
    if state is State.FOLLOW_UP:
        # What `complete` needs: six months passed and the 6-month checkpoint.
        on = START + timedelta(days=200)
        checkpoint = session.scalars(
            sa.select(Checkpoint).where(Checkpoint.pathway_id == pathway.id, Checkpoint.month == 6)
        ).one()
        pathway_service.record_checkpoint(
            session, checkpoint, recorded_on=on, still_in_post=True, actor=world.adviser
        )
    session.commit()  # so that a rollback shows what the move itself wrote
    assert pathway.state is state
    events_before = session.scalar(sa.select(sa.func.count()).where(PathwayEvent.pathway_id == pathway.id))
    sources, destination = REFERENCE_TABLE[trigger.value]
    request = full_request(world, trigger, on, week=week_on(session, world, on))

    if state.value in sources:
        event = pathway_service.move(session, pathway, request, world.adviser)
        expected = destination or "orientation"  # the fixtures suspend from orientation
        assert pathway.state.value == expected
        assert (event.from_state, event.to_state, event.trigger) == (state, pathway.state, trigger)
        assert (
            session.scalar(sa.select(sa.func.count()).where(PathwayEvent.pathway_id == pathway.id))
            == events_before + 1
        )
    else:
        with pytest.raises(MoveRefused) as refused:
            pathway_service.move(session, pathway, request, world.adviser)
        assert "n'est pas possible depuis l'étape" in refused.value.messages[0]
        session.rollback()
        session.refresh(pathway)
        assert pathway.state is state
        assert (
            session.scalar(sa.select(sa.func.count()).where(PathwayEvent.pathway_id == pathway.id))
            == events_before
        )

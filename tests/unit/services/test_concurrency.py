"""Two moves of the same pathway at the same moment, on two real connections.

Both writers read the pathway and pass every check before either writes (a
barrier holds them right after the state machine accepted the move); then
both write. Exactly one commits; the other gets ``PathwayConflict`` and
writes nothing.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways.extensions import db
from pathways.models import AuditEntry, Pathway, PathwayEvent
from pathways.services import pathway as pathway_service
from pathways.services.pathway import PathwayConflict
from pathways.states import MoveRequest, State, Trigger
from tests.factories import make_pathway, make_world

START = date(2025, 3, 3)


@pytest.mark.parametrize(
    "triggers",
    [
        (Trigger.SEEK_EMPLOYMENT, Trigger.START_REINFORCEMENT),
        (Trigger.SEEK_EMPLOYMENT, Trigger.SEEK_EMPLOYMENT),
    ],
    ids=["different-moves", "same-move"],
)
def test_exactly_one_of_two_simultaneous_moves_wins(session, today, monkeypatch, triggers) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.ORIENTATION, start=START)
    session.commit()
    pathway_id = pathway.id
    events_before = len(pathway.events)
    audits_before = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))

    both_checked = threading.Barrier(2, timeout=20)
    original_apply = pathway_service.apply_move

    def apply_then_wait(*args, **kwargs):
        result = original_apply(*args, **kwargs)
        both_checked.wait()  # both moves accepted on the same version: now race
        return result

    monkeypatch.setattr(pathway_service, "apply_move", apply_then_wait)
    outcomes: dict[int, object] = {}
    engine = db.engine

    def attempt(index: int, trigger: Trigger) -> None:
        with Session(engine) as own_session:  # its own connection
            row = own_session.get(Pathway, pathway_id)
            request = MoveRequest(trigger, START + timedelta(days=10))
            try:
                pathway_service.move(own_session, row, request, None)
                own_session.commit()
                outcomes[index] = "won"
            except PathwayConflict as conflict:
                own_session.rollback()
                outcomes[index] = conflict

    threads = [threading.Thread(target=attempt, args=(i, t)) for i, t in enumerate(triggers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(map(str, outcomes.values())) == sorted(["won", PathwayConflict.message])
    winner = next(i for i, outcome in outcomes.items() if outcome == "won")
    session.expire_all()
    stored = session.get(Pathway, pathway_id)
    events = session.scalars(
        sa.select(PathwayEvent).where(PathwayEvent.pathway_id == pathway_id).order_by(PathwayEvent.sequence)
    ).all()
    assert len(events) == events_before + 1
    assert events[-1].trigger is triggers[winner]
    assert stored.state is events[-1].to_state is pathway_service.replay(list(events))
    # The loser's audit entry went with its rollback.
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audits_before + 1

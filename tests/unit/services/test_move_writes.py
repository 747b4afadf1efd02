"""A move writes its rows with plain statements (issue 14): what the session and the database then hold.

The move bypasses the unit of work for the pathway's row, its event and its
audit line; these tests check that nothing a flush would have done is lost:
the object agrees with its row, the session has nothing left to write, a
change made before the move is stored with it, and a move costs the
statements it needs and no more.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways.extensions import db
from pathways.models import AuditEntry, Pathway, PathwayEvent
from pathways.services import pathway as pathway_service
from pathways.states import MoveRequest, State, Trigger
from tests.factories import make_pathway, make_world

START = date(2025, 3, 3)


def _columns(pathway: Pathway) -> dict[str, object]:
    return {column.key: getattr(pathway, column.key) for column in sa.inspect(Pathway).column_attrs}


def test_after_a_move_the_object_is_its_row_and_nothing_is_left_to_write(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.ORIENTATION, start=START)
    session.commit()
    version = pathway.version

    event = pathway_service.move(
        session, pathway, MoveRequest(Trigger.SUSPEND, START + timedelta(days=20), suspend_reason="Santé"), None
    )

    assert not session.dirty
    assert not session.new
    assert pathway.version == version + 1
    assert event in session
    assert event.id is not None
    session.commit()
    with Session(db.engine) as other:
        stored = other.get(Pathway, pathway.id)
        assert _columns(stored) == _columns(pathway)
        (last,) = other.scalars(
            sa.select(PathwayEvent).where(PathwayEvent.pathway_id == pathway.id).order_by(
                PathwayEvent.sequence.desc()
            ).limit(1)
        )
        assert (last.id, last.trigger, last.to_state, last.occurred_on) == (
            event.id,
            Trigger.SUSPEND,
            State.ON_HOLD,
            START + timedelta(days=20),
        )
        entry = other.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
        assert (entry.action, entry.object_id, entry.changes) == (
            "pathway.move",
            pathway.id,
            {"state": ["orientation", "on_hold"]},
        )
    # The history read again holds the new event.
    assert pathway.events[-1].id == event.id


def test_a_change_made_before_the_move_is_stored_with_it(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.ORIENTATION, start=START)
    session.commit()
    pathway.target_job_code = "J1501"

    pathway_service.move(
        session, pathway, MoveRequest(Trigger.SUSPEND, START + timedelta(days=20), suspend_reason="Santé"), None
    )
    session.commit()

    with Session(db.engine) as other:
        stored = other.get(Pathway, pathway.id)
        assert (stored.target_job_code, stored.state) == ("J1501", State.ON_HOLD)


def test_the_last_contact_is_kept_when_later_than_the_move(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.ORIENTATION, start=START)
    session.commit()
    # A contact recorded meanwhile, after the day the move is dated.
    later = START + timedelta(days=40)
    session.execute(sa.update(Pathway).where(Pathway.id == pathway.id).values(last_contact_on=later))
    session.commit()

    pathway_service.move(
        session, pathway, MoveRequest(Trigger.SUSPEND, START + timedelta(days=20), suspend_reason="Santé"), None
    )
    assert pathway.last_contact_on == later
    pathway_service.move(session, pathway, MoveRequest(Trigger.RESUME, START + timedelta(days=50)), None)
    assert pathway.last_contact_on == START + timedelta(days=50)
    session.commit()
    assert session.scalar(sa.select(Pathway.last_contact_on).where(Pathway.id == pathway.id)) == START + timedelta(
        days=50
    )


def test_a_move_costs_its_statements_and_no_more(session, today) -> None:
    world = make_world(session)
    pathway = make_pathway(session, world, State.ORIENTATION, start=START)
    session.commit()
    pathway = session.get(Pathway, pathway.id)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        pathway_service.move(
            session,
            pathway,
            MoveRequest(Trigger.SUSPEND, START + timedelta(days=20), suspend_reason="Santé"),
            None,
        )
        session.commit()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)

    # The facts and last event in one SELECT; then the pathway's row, its event and
    # its audit line: one statement on PostgreSQL, three on SQLite (no writes in WITH).
    if db.engine.dialect.name == "postgresql":
        assert statements == ["SELECT", "WITH"]
    else:
        assert statements == ["SELECT", "UPDATE", "INSERT", "INSERT"]

"""Each person's standing (services.standing): kept by the services, read by the dashboard.

The dashboard's funnel and cohorts are read from ``person_standings``; the
bilan's from the pathways (``dashboard.funnel``, ``dashboard.cohorts``). On
the demo platform, with persons who left and came back (two pathways, the
latest counted for the cohorts, the furthest for the funnel), both give the
same figures, and the kept standings are ``standing.computed()``.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy import event

from pathways import clock
from pathways.demo import seed_demo
from pathways.models import Pathway, Person, PersonStanding, Platform
from pathways.services import pathway as pathway_service
from pathways.services import standing
from pathways.services.dashboard import cohorts, cohorts_as_they_stand, funnel, funnel_as_it_stands
from pathways.states import State, Trigger
from tests.factories import full_request, make_person, make_world


def test_the_dashboard_from_standings_is_the_dashboard_from_pathways(session) -> None:
    seed_demo(session, persons=120)
    platform_id = session.scalar(sa.select(Platform.id))
    today = clock.today()
    delegate_id = session.scalar(
        sa.select(Pathway.delegate_id).where(Pathway.delegate_id.is_not(None)).limit(1)
    )
    delegate = session.get(pathway_service.User, delegate_id)
    # Half the persons whose pathway ended come back this year: a second pathway, their latest.
    ended = session.scalars(
        sa.select(Person)
        .join(Pathway, Pathway.person_id == Person.id)
        .where(Pathway.state.in_((State.EXITED, State.COMPLETED)))
        .order_by(Person.id)
    ).all()
    assert len(ended) >= 6
    back = [
        pathway_service.open_pathway(session, person, referred_on=today, actor=delegate)
        for person in ended[::2]
    ]
    session.commit()
    assert len(back) >= 3

    year = today.year
    assert funnel_as_it_stands(session, platform_id) == funnel(
        session, [platform_id], [(None, None), (date(year, 1, 1), date(year, 12, 31))]
    )
    assert cohorts_as_they_stand(session, platform_id) == cohorts(session, [platform_id])
    assert standing.mismatches(session) == []
    # Not a comparison of empty figures: every milestone and outcome is reached by someone.
    steps = funnel_as_it_stands(session, platform_id)
    assert all(step.counts[0] for step in steps), steps
    outcomes = {code for cohort in cohorts_as_they_stand(session, platform_id) for code, n in cohort.outcomes.items() if n}
    assert outcomes >= {"in_progress", "follow_up", "completed", "other_exit"}, outcomes


def test_a_person_who_comes_back_stands_where_their_latest_pathway_is(session, today) -> None:
    world = make_world(session, "retour")
    person = make_person(session, world)
    start = today - timedelta(days=100)
    first = pathway_service.open_pathway(session, person, referred_on=start, actor=world.delegate)
    pathway_service.record_step(
        session, first, full_request(world, Trigger.REGISTER_INFO_SESSION, start), world.delegate
    )
    session.commit()
    pathway_service.record_step(session, first, full_request(world, Trigger.EXIT, start + timedelta(days=3)), world.adviser)
    session.commit()
    kept = session.get(PersonStanding, person.id)
    assert (kept.latest_entered_on, kept.latest_outcome) == (start, "positive_exit")

    # Opened again in the same session, the actor expired by the commit: nothing flushed half-built.
    again = start + timedelta(days=40)
    pathway_service.open_pathway(session, person, referred_on=again, actor=world.delegate)
    session.commit()
    session.expire_all()
    kept = session.get(PersonStanding, person.id)
    assert (kept.latest_entered_on, kept.latest_outcome) == (again, "in_progress")
    assert standing.mismatches(session) == []


def test_a_move_that_changes_no_standing_writes_none(session, today) -> None:
    """A move between two steps in progress reaching no new milestone leaves the standing unread."""
    world = make_world(session, "sobre")
    pathway = pathway_service.open_pathway(
        session, make_person(session, world), referred_on=today - timedelta(days=30), actor=world.delegate
    )
    session.commit()
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        # Referred -> information session: no milestone, in progress before and after.
        pathway_service.record_step(
            session, pathway, full_request(world, Trigger.REGISTER_INFO_SESSION, today - timedelta(days=20)), world.delegate
        )
        quiet = [s for s in statements if "person_standings" in s]
        statements.clear()
        pathway_service.record_step(
            session, pathway, full_request(world, Trigger.EXIT, today - timedelta(days=10)), world.delegate
        )
        refreshed = [s for s in statements if "person_standings" in s]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert quiet == []
    assert refreshed


def test_a_refresh_of_many_persons_goes_by_batches(session, monkeypatch) -> None:
    """An import of 50 000 rows refreshes more persons than SQLite takes parameters at once."""
    seed_demo(session, persons=30)
    session.execute(sa.delete(PersonStanding))
    monkeypatch.setattr(standing, "REFRESH_BATCH", 4)
    persons = session.scalars(sa.select(Person.id)).all()
    assert len(persons) > 3 * 4
    standing.refresh(session, persons)
    with_pathways = session.scalar(sa.select(sa.func.count(sa.distinct(Pathway.person_id))))
    assert session.scalar(sa.select(sa.func.count()).select_from(PersonStanding)) == with_pathways
    assert standing.mismatches(session) == []

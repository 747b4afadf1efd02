"""The conseiller's caseload: scope, filters, search, the five alerts, their order."""

from __future__ import annotations

import html
from datetime import date, timedelta

import sqlalchemy as sa

from pathways.models import Checkpoint, Immersion, Training
from pathways.security.access import pathway_scope
from pathways.services import summary
from pathways.services.caseload import Alert, CaseloadFilters, alert_counts, caseload
from pathways.services.coaccompaniment import add_note
from pathways.states import State
from tests import factories

TODAY = date(2026, 6, 15)


def names(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_adviser_sees_only_their_pathways(session, world, login):
    mine = factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=10))
    other_world = factories.make_world(session, "essonne")
    theirs = factories.make_pathway(session, other_world, State.EMPLOYMENT, start=TODAY - timedelta(days=10))
    not_handed_over = factories.make_pathway(
        session, world, State.INFO_SESSION, start=TODAY - timedelta(days=10)
    )
    session.commit()
    page = names(login(world.adviser).get("/portefeuille/"))
    assert mine.person.last_name.upper() in page
    assert theirs.person.last_name.upper() not in page
    assert not_handed_over.person.last_name.upper() not in page
    assert "Mon portefeuille" in page


def test_manager_sees_the_platform_and_delegate_gets_404(session, world, login):
    factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=10))
    session.commit()
    assert login(world.manager).get("/portefeuille/").status_code == 200
    assert login(world.delegate).get("/portefeuille/").status_code == 404
    assert login(world.admin).get("/portefeuille/").status_code == 404


def test_filters_and_search(session, world, login):
    employed = factories.make_pathway(
        session,
        world,
        State.EMPLOYMENT,
        start=TODAY - timedelta(days=10),
        person=factories.make_person(session, world, last_name="Dupont", france_travail_id="1234567A"),
    )
    training = factories.make_pathway(session, world, State.TRAINING, start=TODAY - timedelta(days=10))
    session.commit()
    client = login(world.adviser)
    page = names(client.get("/portefeuille/?etat=training"))
    assert training.person.last_name.upper() in page
    assert employed.person.last_name.upper() not in page
    page = names(client.get("/portefeuille/?q=dupont"))
    assert "DUPONT" in page
    assert training.person.last_name.upper() not in page
    page = names(client.get("/portefeuille/?q=1234567a"))
    assert "DUPONT" in page
    page = names(client.get(f"/portefeuille/?territoire={world.territory.id}&alerte=no_contact&etat=bogus"))
    assert "Aucun parcours ne correspond." in page


def test_the_five_alerts(session, world):
    scope = pathway_scope(world.adviser)
    old = TODAY - timedelta(days=200)
    overdue = factories.make_pathway(session, world, State.FOLLOW_UP, start=old)
    silent = factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=40))
    talked_to = factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=40))
    add_note(session, talked_to, body="Appel", written_on=TODAY - timedelta(days=2), actor=world.adviser)
    immersion = factories.make_pathway(session, world, State.IMMERSION, start=TODAY - timedelta(days=5))
    session.execute(
        sa.update(Immersion)
        .where(Immersion.pathway_id == immersion.id)
        .values(ends_on=TODAY + timedelta(days=3))
    )
    training = factories.make_pathway(session, world, State.TRAINING, start=TODAY - timedelta(days=5))
    session.execute(
        sa.update(Training)
        .where(Training.pathway_id == training.id)
        .values(starts_on=TODAY + timedelta(days=7))
    )
    suspended = factories.make_pathway(session, world, State.ON_HOLD, start=TODAY - timedelta(days=70))
    # The dates were moved behind the services' back: their summary is refreshed, as they would have.
    summary.refresh(session, immersion.id, training.id)
    session.flush()

    def flagged(alert: Alert) -> set[int]:
        rows = caseload(session, scope, CaseloadFilters(alert=alert), today=TODAY).rows
        return {row.pathway_id for row in rows}

    assert overdue.id in flagged(Alert.CHECKPOINT_OVERDUE)
    assert silent.id in flagged(Alert.NO_CONTACT)
    assert talked_to.id not in flagged(Alert.NO_CONTACT)
    assert flagged(Alert.IMMERSION_ENDING) == {immersion.id}
    assert flagged(Alert.TRAINING_STARTING) == {training.id}
    assert flagged(Alert.LONG_SUSPENSION) == {suspended.id}
    assert suspended.id not in flagged(Alert.NO_CONTACT)
    counts = alert_counts(session, scope, today=TODAY)
    assert counts[Alert.LONG_SUSPENSION] == 1
    # Recording the checkpoints clears the alert.
    session.execute(
        sa.update(Checkpoint)
        .where(Checkpoint.pathway_id == overdue.id)
        .values(recorded_on=TODAY, still_in_post=True)
    )
    summary.refresh(session, overdue.id)
    assert overdue.id not in flagged(Alert.CHECKPOINT_OVERDUE)


def test_what_needs_attention_comes_first(session, world, login):
    calm = factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=3))
    urgent = factories.make_pathway(session, world, State.FOLLOW_UP, start=TODAY - timedelta(days=200))
    session.commit()
    rows = caseload(session, pathway_scope(world.adviser), today=TODAY).rows
    assert [r.pathway_id for r in rows] == [urgent.id, calm.id]
    page = names(login(world.adviser).get("/portefeuille/"))
    assert page.index(urgent.person.last_name.upper()) < page.index(calm.person.last_name.upper())
    assert "Point de suivi en retard" in page


def test_finished_pathways_are_hidden_unless_asked(session, world, login):
    done = factories.make_pathway(session, world, State.COMPLETED, start=TODAY - timedelta(days=300))
    session.commit()
    client = login(world.adviser)
    assert done.person.last_name.upper() not in names(client.get("/portefeuille/"))
    assert done.person.last_name.upper() in names(client.get("/portefeuille/?termines=1"))

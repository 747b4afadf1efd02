"""The manager's dashboard, caseload reassignment and reference lists."""

from __future__ import annotations

import html
import json
from datetime import date, timedelta

import sqlalchemy as sa

from pathways.models import AdviserAssignment, Employer, Pathway, Prescriber
from pathways.services import pathway as pathway_service
from pathways.services.dashboard import cohorts, funnel
from pathways.services.platform import create_user
from pathways.states import State, Trigger
from pathways.vocabulary import Role
from tests import factories

TODAY = date(2026, 6, 15)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_funnel_narrows_and_outcomes_follow_the_same_persons(session, world):
    factories.make_pathway(session, world, State.COMPLETED, start=date(2025, 2, 3))
    factories.make_pathway(session, world, State.EXITED, start=date(2025, 2, 10))
    factories.make_pathway(session, world, State.EMPLOYMENT, start=date(2026, 1, 5))
    # Hired on the spot at a job dating: no orientation week, yet counted at every step before.
    person = factories.make_person(session, world)
    hired = pathway_service.open_pathway(session, person, referred_on=date(2026, 2, 2), actor=world.delegate)
    pathway_service.assign_adviser(session, hired, world.adviser, actor=world.manager, on=date(2026, 2, 2))
    pathway_service.move(
        session, hired, factories.full_request(world, Trigger.SIGN_CONTRACT, date(2026, 2, 4)), world.adviser
    )
    session.flush()
    windows = [(None, None), (date(2026, 1, 1), date(2026, 12, 31))]
    steps = {s.code: s.counts for s in funnel(session, [world.platform.id], windows, as_of=TODAY)}
    assert steps["entered"] == (4, 2)
    assert steps["accompanied"] == (4, 2)
    assert steps["step"] == (4, 2)  # the exit went to a job outside the sector
    assert steps["contract"] == (2, 1)
    assert steps["six_months"] == (1, 0)
    for column in range(2):
        counts = [s.counts[column] for s in funnel(session, [world.platform.id], windows)]
        assert counts == sorted(counts, reverse=True)
    rows = {c.label: c for c in cohorts(session, [world.platform.id])}
    assert rows["T1 2025"].outcomes["completed"] == 1
    assert rows["T1 2025"].outcomes["positive_exit"] == 1  # the factories exit to a job outside the sector
    assert rows["T1 2026"].outcomes["in_progress"] == 1
    assert rows["T1 2026"].outcomes["follow_up"] == 1
    # The outcomes as they stood on a past day.
    # (the factory's completed pathway signed its contract from its first days; the exit had not entered)
    before = {c.label: c for c in cohorts(session, [world.platform.id], as_of=date(2025, 2, 5))}
    assert set(before) == {"T1 2025"}
    assert before["T1 2025"].total == 1
    assert before["T1 2025"].outcomes["follow_up"] == 1


def test_dashboard_page(session, world, login):
    factories.make_pathway(session, world, State.FOLLOW_UP, start=TODAY - timedelta(days=200))
    session.commit()
    response = login(world.manager).get("/tableau-de-bord/")
    page = text(response)
    assert response.status_code == 200
    assert "Entonnoir du parcours" in page
    assert "Point de suivi en retard" in page
    data = json.loads(page.split('id="chart-data"')[1].split(">", 1)[1].split("</script>")[0])
    assert data["funnel"]["datasets"][0]["data"][0] == 1
    assert "<script>" not in page  # no inline script: data only
    assert 'href="/bilan/"' in response.get_data(as_text=True)  # the bilan is one click away
    assert 'href="/import/"' in response.get_data(as_text=True)
    assert login(world.adviser).get("/tableau-de-bord/").status_code == 404
    assert login(world.delegate).get("/tableau-de-bord/").status_code == 404


def test_reassign_a_whole_caseload(session, world, login):
    first = factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=20))
    second = factories.make_pathway(session, world, State.TRAINING, start=TODAY - timedelta(days=20))
    done = factories.make_pathway(session, world, State.COMPLETED, start=TODAY - timedelta(days=300))
    newcomer = create_user(
        session,
        email="new@example.fr",
        role=Role.ADVISER,
        password=factories.PASSWORD,
        platform=world.platform,
    )
    session.commit()
    client = login(world.manager)
    assert client.get(f"/tableau-de-bord/reaffecter?conseiller={world.adviser.id}").status_code == 200
    response = client.post(
        "/tableau-de-bord/reaffecter",
        data={
            "from_adviser_id": world.adviser.id,
            "adviser_id": world.adviser.id,
            "on": "2026-06-15",
            "confirmation": "oui",
        },
    )
    assert response.status_code == 422
    assert "différent" in text(response)
    handover = {
        "from_adviser_id": world.adviser.id,
        "adviser_id": newcomer.id,
        "on": "2026-06-15",
        "note": "Départ",
    }
    # Without the dialog's confirmation nothing moves, and the page says why.
    response = client.post("/tableau-de-bord/reaffecter", data=handover)
    assert response.status_code == 422
    assert "Confirmez dans la fenêtre qui s'ouvre" in text(response)
    assert session.scalar(sa.select(Pathway.adviser_id).where(Pathway.id == first.id)) == world.adviser.id
    response = client.post("/tableau-de-bord/reaffecter", data={**handover, "confirmation": "oui"})
    assert response.status_code == 302
    advisers = dict(session.execute(sa.select(Pathway.id, Pathway.adviser_id)).all())
    assert advisers[first.id] == advisers[second.id] == newcomer.id
    assert advisers[done.id] == world.adviser.id  # a finished pathway keeps its history as it was
    ended = session.scalars(sa.select(AdviserAssignment).where(AdviserAssignment.ended_on.is_not(None))).all()
    assert len(ended) == 2
    other = factories.make_world(session, "essonne")
    session.commit()
    response = client.post(
        "/tableau-de-bord/reaffecter", data={"from_adviser_id": other.adviser.id, "adviser_id": newcomer.id}
    )
    assert response.status_code == 404


def test_reference_lists(session, world, login):
    client = login(world.manager)
    assert client.get("/referentiels/").status_code == 200
    response = client.post(
        "/referentiels/employeurs/nouveau",
        data={
            "name": "EHPAD Les Tilleuls",
            "employer_type": "ehpad",
            "siret": "123 456 789 00012",
            "city": "Poissy",
        },
    )
    assert response.status_code == 302
    employer = session.scalar(sa.select(Employer).where(Employer.name == "EHPAD Les Tilleuls"))
    assert employer.siret == "12345678900012"
    response = client.post(
        "/referentiels/employeurs/nouveau", data={"name": "ehpad les tilleuls", "employer_type": "ehpad"}
    )
    assert response.status_code == 422
    assert "existe déjà" in text(response)
    response = client.post(
        f"/referentiels/employeurs/{employer.id}", data={"name": "EHPAD Les Tilleuls", "employer_type": "x"}
    )
    assert response.status_code == 422
    response = client.post(
        f"/referentiels/employeurs/{employer.id}",
        data={"name": "EHPAD Les Tilleuls II", "employer_type": "ehpad"},
    )
    assert response.status_code == 302
    assert (
        client.post(
            "/referentiels/prescripteurs/nouveau",
            data={"name": "FT Mantes", "prescriber_type": "france_travail"},
        ).status_code
        == 302
    )
    assert session.scalar(sa.select(Prescriber)).name == "FT Mantes"
    assert (
        client.post("/referentiels/organismes-de-formation/nouveau", data={"name": "IFAS"}).status_code == 302
    )
    assert client.get("/referentiels/inconnu/nouveau").status_code == 404
    other = factories.make_world(session, "essonne")
    session.commit()
    assert client.get(f"/referentiels/employeurs/{other.employer.id}").status_code == 404
    assert login(world.delegate).get("/referentiels/").status_code == 404


def test_a_person_who_came_back_counts_once_at_their_latest_pathway(session, world):
    person = factories.make_person(session, world)
    factories.make_pathway(session, world, State.EXITED, start=date(2025, 2, 10), person=person)
    factories.make_pathway(session, world, State.ORIENTATION, start=date(2026, 1, 5), person=person)
    session.flush()
    for as_of in (None, TODAY - timedelta(days=1)):  # today reads the summary; a past day, the history too
        rows = {c.label: c for c in cohorts(session, [world.platform.id], as_of=as_of)}
        assert set(rows) == {"T1 2026"}
        assert rows["T1 2026"].outcomes["in_progress"] == 1
        assert rows["T1 2026"].total == 1
    # Before coming back, the latest pathway had not begun: the person is not counted yet.
    assert cohorts(session, [world.platform.id], as_of=date(2025, 12, 31)) == []

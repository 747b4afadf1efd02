"""The manager's dashboard, caseload reassignment and reference lists."""

from __future__ import annotations

import html
import json
from datetime import date, timedelta

import sqlalchemy as sa

from pathways.models import AdviserAssignment, Employer, Pathway, Prescriber
from pathways.services.dashboard import cohorts, funnel
from pathways.services.platform import create_user
from pathways.states import State
from pathways.vocabulary import Role
from tests import factories

TODAY = date(2026, 6, 15)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_funnel_and_cohorts(session, world):
    factories.make_pathway(session, world, State.COMPLETED, start=date(2025, 2, 3))
    factories.make_pathway(session, world, State.EXITED, start=date(2025, 2, 10))
    factories.make_pathway(session, world, State.EMPLOYMENT, start=date(2026, 1, 5))
    session.flush()
    steps = {s.state: s for s in funnel(session, world.platform.id, 2026)}
    assert steps[State.REFERRED].overall == 3
    assert steps[State.REFERRED].this_year == 1
    assert steps[State.COMPLETED].overall == 1
    assert steps[State.EMPLOYMENT].this_year == 1
    rows = {c.label: c for c in cohorts(session, world.platform.id)}
    assert rows["T1 2025"].outcomes["completed"] == 1
    assert rows["T1 2025"].outcomes["positive_exit"] == 1  # the factories exit to a job outside the sector
    assert rows["T1 2026"].outcomes["in_progress"] == 1


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

"""The pathway file: what it shows, each of its forms (valid, refused, forbidden)."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from pathways.models import (
    AdviserAssignment,
    Barrier,
    Checkpoint,
    Exchange,
    Immersion,
    Note,
    Referent,
    Training,
)
from pathways.services.barrier import identify_barrier
from pathways.states import State
from tests import factories

TODAY = date(2026, 6, 15)


@pytest.fixture
def employment(session, world):
    pathway = factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=20))
    session.commit()
    return pathway


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_file_shows_identity_timeline_and_only_allowed_moves(employment, world, login):
    page = text(login(world.adviser).get(f"/parcours/{employment.id}"))
    assert employment.person.full_name in page
    assert "Accès à l'emploi" in page
    assert "Historique du parcours" in page
    assert f"/parcours/{employment.id}/etapes/sign_contract" in page
    assert f"/parcours/{employment.id}/etapes/complete" not in page  # not allowed from employment
    assert "Les notes doivent être factuelles" in page


@pytest.mark.parametrize("role", ["adviser", "delegate", "manager"])
def test_file_is_404_outside_scope(session, world, login, role):
    other = factories.make_world(session, "essonne")
    theirs = factories.make_pathway(session, other, State.EMPLOYMENT, start=TODAY - timedelta(days=20))
    session.commit()
    client = login(getattr(world, role))
    assert client.get(f"/parcours/{theirs.id}").status_code == 404
    assert client.post(f"/parcours/{theirs.id}/notes/nouvelle", data={"body": "x"}).status_code == 404
    assert client.get(f"/parcours/{theirs.id}/etapes/exit").status_code == 404


def test_admin_gets_404(employment, world, login):
    assert login(world.admin).get(f"/parcours/{employment.id}").status_code == 404


def test_a_move_is_recorded(employment, world, login, session):
    response = login(world.adviser).post(
        f"/parcours/{employment.id}/etapes/sign_contract",
        data={
            "occurred_on": "2026-06-10",
            "employer_id": world.employer.id,
            "employer_type": "saad",
            "job_code": "K1311",
            "contract_type": "cdd",
            "cdd_months": "6",
            "starts_on": "2026-06-10",
        },
    )
    assert response.status_code == 302
    session.refresh(employment)
    assert employment.state is State.FOLLOW_UP
    assert session.scalar(sa.select(sa.func.count()).select_from(Checkpoint)) == 3


def test_a_refused_move_shows_the_guard_and_keeps_what_was_typed(employment, world, login, session):
    response = login(world.adviser).post(
        f"/parcours/{employment.id}/etapes/start_immersion",
        data={
            "occurred_on": "2026-06-10",
            "employer_id": world.employer.id,
            "starts_on": "2026-06-01",
            "ends_on": "2026-08-01",
            "tutor_name": "Mme Tutrice",
        },
    )
    page = text(response)
    assert response.status_code == 422
    assert "Une PMSMP dure au plus un mois." in page
    assert 'value="Mme Tutrice"' in page
    assert 'value="2026-08-01"' in page
    session.refresh(employment)
    assert employment.state is State.EMPLOYMENT
    assert session.scalar(sa.select(sa.func.count()).select_from(Immersion)) == 0


def test_a_move_not_allowed_now_is_refused_with_its_reason(session, world, login):
    orientation = factories.make_pathway(session, world, State.INFO_SESSION, start=TODAY - timedelta(days=5))
    session.commit()
    client = login(world.delegate)
    response = client.get(f"/parcours/{orientation.id}/etapes/complete")
    assert response.status_code == 404  # not a move from this state at all
    response = client.get(f"/parcours/{orientation.id}/etapes/bogus")
    assert response.status_code == 404


def test_a_move_blocked_by_a_fact_guard_is_explained(session, world, login):
    pathway = factories.make_pathway(session, world, State.FOLLOW_UP, start=TODAY - timedelta(days=20))
    session.commit()
    response = login(world.adviser).get(f"/parcours/{pathway.id}/etapes/complete")
    assert response.status_code == 422
    assert "six mois" in text(response)


def test_freins_add_change_and_history(employment, world, login, session):
    client = login(world.adviser)
    response = client.post(
        f"/parcours/{employment.id}/freins/nouveau",
        data={"category": "mobility", "identified_on": "2026-06-01", "details": "Pas de permis"},
    )
    assert response.status_code == 302
    barrier = session.scalar(sa.select(Barrier))
    response = client.post(
        f"/parcours/{employment.id}/freins/{barrier.id}/statut",
        data={"status": "resolved", "changed_on": "2026-06-10", "action_taken": "Aide au permis"},
    )
    assert response.status_code == 302
    page = text(client.get(f"/parcours/{employment.id}"))
    assert "Aide au permis" in page
    assert "Levé" in page


def test_freins_invalid(employment, world, login, session):
    client = login(world.adviser)
    response = client.post(
        f"/parcours/{employment.id}/freins/nouveau", data={"category": "other", "identified_on": "2026-06-01"}
    )
    assert response.status_code == 422
    assert "Un frein « Autre » demande une précision." in text(response)
    barrier = identify_barrier(
        session, employment, category="mobility", identified_on=TODAY, actor=world.adviser
    )
    session.commit()
    response = client.post(
        f"/parcours/{employment.id}/freins/{barrier.id}/statut",
        data={"status": "resolved", "changed_on": "2026-06-01"},
    )
    assert response.status_code == 422
    assert "ne peut pas précéder" in text(response)


def test_frein_of_another_pathway_is_404(employment, world, login, session):
    other = factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=20))
    barrier = identify_barrier(session, other, category="mobility", identified_on=TODAY, actor=world.adviser)
    session.commit()
    response = login(world.adviser).get(f"/parcours/{employment.id}/freins/{barrier.id}/statut")
    assert response.status_code == 404


def test_health_details_hidden_from_the_manager(employment, world, login, session):
    identify_barrier(
        session,
        employment,
        category="health",
        identified_on=TODAY,
        actor=world.adviser,
        details="Temps partiel",
    )
    session.commit()
    assert "Temps partiel" in text(login(world.adviser).get(f"/parcours/{employment.id}"))
    assert "Temps partiel" not in text(login(world.manager).get(f"/parcours/{employment.id}"))


def test_referent_and_exchange(employment, world, login, session):
    client = login(world.adviser)
    response = client.post(
        f"/parcours/{employment.id}/referents/nouveau",
        data={"organisation_type": "france_travail", "name": "M. Référent", "email": "ref@example.fr"},
    )
    assert response.status_code == 302
    referent = session.scalar(sa.select(Referent))
    assert client.get(f"/parcours/{employment.id}/echanges/nouveau").status_code == 200
    response = client.post(
        f"/parcours/{employment.id}/echanges/nouveau",
        data={
            "occurred_on": "2026-06-12",
            "referent_id": referent.id,
            "mode": "phone",
            "participants": "Personne, conseiller, référent",
            "summary": "Point sur la recherche",
        },
    )
    assert response.status_code == 302
    assert session.scalar(sa.select(Exchange)).referent_id == referent.id
    response = client.post(
        f"/parcours/{employment.id}/referents/nouveau", data={"organisation_type": "", "name": ""}
    )
    assert response.status_code == 422
    response = client.post(f"/parcours/{employment.id}/echanges/nouveau", data={"occurred_on": "2026-06-12"})
    assert response.status_code == 422
    assert "Le compte rendu de l'échange est obligatoire." in text(response)


def test_notes(employment, world, login, session):
    client = login(world.adviser)
    page = text(client.get(f"/parcours/{employment.id}/notes/nouvelle"))
    assert "la personne peut demander à lire" in page
    response = client.post(
        f"/parcours/{employment.id}/notes/nouvelle", data={"written_on": "2026-06-15", "body": ""}
    )
    assert response.status_code == 422
    response = client.post(
        f"/parcours/{employment.id}/notes/nouvelle",
        data={"written_on": "2026-06-15", "body": "Entretien fait."},
    )
    assert response.status_code == 302
    assert session.scalar(sa.select(Note)).body == "Entretien fait."


def test_immersion_assessment(session, world, login):
    pathway = factories.make_pathway(session, world, State.IMMERSION, start=TODAY - timedelta(days=20))
    session.commit()
    immersion = session.scalar(sa.select(Immersion))
    client = login(world.adviser)
    url = f"/parcours/{pathway.id}/pmsmp/bilan"
    assert client.get(f"{url}?pmsmp={immersion.id}").status_code == 200
    assert client.get(f"{url}?pmsmp=999999").status_code == 404
    response = client.post(url, data={"immersion_id": immersion.id, "assessed_on": "2026-06-15"})
    assert response.status_code == 422
    response = client.post(
        url,
        data={
            "immersion_id": immersion.id,
            "outcome": "completed",
            "assessed_on": "2026-06-15",
            "employer_feedback": "Très bien",
            "leads_to": "training",
        },
    )
    assert response.status_code == 302
    session.refresh(immersion)
    assert immersion.outcome.value == "completed"
    response = client.post(
        url, data={"immersion_id": immersion.id, "outcome": "completed", "assessed_on": "2026-06-15"}
    )
    assert response.status_code == 422
    assert "déjà enregistré" in text(response)


def test_training_result(session, world, login):
    pathway = factories.make_pathway(session, world, State.TRAINING, start=TODAY - timedelta(days=20))
    session.commit()
    training = session.scalar(sa.select(Training))
    client = login(world.adviser)
    url = f"/parcours/{pathway.id}/formation/resultat"
    assert client.get(f"{url}?formation={training.id}").status_code == 200
    response = client.post(url, data={"training_id": training.id, "result": ""})
    assert response.status_code == 422
    response = client.post(
        url, data={"training_id": training.id, "result": "obtained", "ends_on": "2026-06-14"}
    )
    assert response.status_code == 302


def test_checkpoint(session, world, login):
    pathway = factories.make_pathway(session, world, State.FOLLOW_UP, start=TODAY - timedelta(days=40))
    session.commit()
    checkpoint = session.scalar(sa.select(Checkpoint).where(Checkpoint.month == 1))
    client = login(world.adviser)
    url = f"/parcours/{pathway.id}/points-de-suivi/{checkpoint.id}"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"recorded_on": "2026-06-15"})
    assert response.status_code == 422
    response = client.post(
        url, data={"recorded_on": "2026-06-15", "still_in_post": "yes", "difficulties": "Horaires"}
    )
    assert response.status_code == 302
    session.refresh(checkpoint)
    assert checkpoint.still_in_post is True
    response = client.post(url, data={"recorded_on": "2026-06-15", "still_in_post": "yes"})
    assert response.status_code == 422
    assert "déjà enregistré" in text(response)


def test_reassign_one_pathway_keeps_history(employment, world, login, session):
    other_adviser = factories.create_user(
        session,
        email="second@example.fr",
        role=factories.Role.ADVISER,
        password=factories.PASSWORD,
        platform=world.platform,
    )
    session.commit()
    client = login(world.manager)
    url = f"/parcours/{employment.id}/conseiller"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"adviser_id": "", "on": "2026-06-15"}).status_code == 422
    response = client.post(url, data={"adviser_id": world.adviser.id, "on": "2026-06-15"})
    assert response.status_code == 422
    assert "suit déjà ce parcours" in text(response)
    response = client.post(url, data={"adviser_id": other_adviser.id, "on": "2026-06-15", "note": "Congé"})
    assert response.status_code == 302
    assignments = session.scalars(sa.select(AdviserAssignment).order_by(AdviserAssignment.id)).all()
    assert [a.adviser_id for a in assignments] == [world.adviser.id, other_adviser.id]
    assert assignments[0].ended_on == TODAY
    assert login(world.adviser).post(url, data={"adviser_id": world.adviser.id}).status_code == 404

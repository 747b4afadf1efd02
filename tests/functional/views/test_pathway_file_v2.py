"""The pathway file's version-2 forms: planned steps, end of contract, training results, the person."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from pathways.models import AuditEntry, Checkpoint, Diagnostic, PathwayEvent, PlannedStep, Training
from pathways.states import State, Trigger
from tests import factories

TODAY = date(2026, 6, 15)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def employment(session, world):
    pathway = factories.make_pathway(session, world, State.EMPLOYMENT, start=TODAY - timedelta(days=20))
    session.commit()
    return pathway


def contract_form(starts_on: date) -> dict[str, object]:
    return {
        "employer_id": 1,
        "employer_type": "saad",
        "job_code": "K1311",
        "contract_type": "cdi",
        "starts_on": starts_on.isoformat(),
    }


def test_a_dated_step_has_no_second_date_and_is_dated_by_its_first_day(employment, world, login, session):
    client = login(world.adviser)
    page = text(client.get(f"/parcours/{employment.id}/etapes/sign_contract"))
    assert "Date de l'événement" not in page
    assert "Premier jour du contrat" in page
    first_day = TODAY - timedelta(days=2)
    data = contract_form(first_day) | {"employer_id": world.employer.id}
    response = client.post(f"/parcours/{employment.id}/etapes/sign_contract", data=data)
    assert response.status_code == 302
    event = session.scalars(sa.select(PathwayEvent).order_by(PathwayEvent.id.desc())).first()
    assert (event.trigger, event.occurred_on) == (Trigger.SIGN_CONTRACT, first_day)


def test_a_step_starting_later_is_planned_shown_and_confirmed_when_its_day_has_come(
    employment, world, login, session, monkeypatch
):
    client = login(world.adviser)
    first_day = TODAY + timedelta(days=10)
    response = client.post(
        f"/parcours/{employment.id}/etapes/sign_contract",
        data=contract_form(first_day) | {"employer_id": world.employer.id},
        follow_redirects=True,
    )
    page = text(response)
    assert f"Étape prévue le {first_day:%d/%m/%Y}" in page
    assert "Étapes prévues" in page
    assert "Confirmer : l'étape a eu lieu" not in page  # not before its day
    session.refresh(employment)
    assert employment.state is State.EMPLOYMENT
    planned = session.scalars(sa.select(PlannedStep)).one()
    caseload = text(client.get("/portefeuille/"))
    assert f"À venir le {first_day:%d/%m/%Y}" in caseload
    refused = client.post(
        f"/parcours/{employment.id}/etapes-prevues/{planned.id}/confirmer", follow_redirects=True
    )
    assert "se confirme ce jour-là" in text(refused)
    monkeypatch.setattr("pathways.clock.today", lambda: first_day + timedelta(days=1))
    page = text(client.get(f"/parcours/{employment.id}"))
    assert "Confirmer : l'étape a eu lieu" in page
    response = client.post(f"/parcours/{employment.id}/etapes-prevues/{planned.id}/confirmer")
    assert response.status_code == 302
    session.refresh(employment)
    assert employment.state is State.FOLLOW_UP
    assert employment.last_event_on == first_day


def test_a_planned_step_is_changed_then_cancelled_and_stays_on_the_file(employment, world, login, session):
    client = login(world.adviser)
    client.post(
        f"/parcours/{employment.id}/etapes/sign_contract",
        data=contract_form(TODAY + timedelta(days=10)) | {"employer_id": world.employer.id},
    )
    planned = session.scalars(sa.select(PlannedStep)).one()
    form = text(client.get(f"/parcours/{employment.id}/etapes-prevues/{planned.id}/modifier"))
    assert (TODAY + timedelta(days=10)).isoformat() in form  # the kept details, to change
    later = TODAY + timedelta(days=40)
    response = client.post(
        f"/parcours/{employment.id}/etapes-prevues/{planned.id}/modifier",
        data=contract_form(later) | {"employer_id": world.employer.id},
    )
    assert response.status_code == 302
    session.refresh(planned)
    assert planned.planned_on == later
    client.post(f"/parcours/{employment.id}/etapes-prevues/{planned.id}/annuler")
    session.refresh(planned)
    assert planned.status.value == "cancelled"
    assert "Étapes prévues annulées" in text(client.get(f"/parcours/{employment.id}"))


def test_end_of_contract_form_cancels_the_checkpoints_not_yet_due(session, world, login):
    pathway = factories.make_pathway(session, world, State.FOLLOW_UP, start=TODAY - timedelta(days=50))
    session.commit()
    client = login(world.adviser)
    assert "/etapes/end_contract" in text(client.get(f"/parcours/{pathway.id}"))
    refused = client.post(
        f"/parcours/{pathway.id}/etapes/end_contract", data={"occurred_on": TODAY.isoformat()}
    )
    assert refused.status_code == 422
    assert "Indiquez le motif de la fin du contrat." in text(refused)
    response = client.post(
        f"/parcours/{pathway.id}/etapes/end_contract",
        data={"occurred_on": TODAY.isoformat(), "contract_end_reason": "trial_broken_by_employee"},
        follow_redirects=True,
    )
    page = text(response)
    assert "Accès à l'emploi" in page
    assert "Rupture de la période d'essai par la personne" in page
    assert "Annulé (fin du contrat le" in page
    assert session.scalar(sa.select(sa.func.count()).where(Checkpoint.cancelled_on.is_not(None))) >= 2


def test_training_result_abandoned_and_partial(session, world, login):
    pathway = factories.make_pathway(session, world, State.TRAINING, start=TODAY - timedelta(days=50))
    session.commit()
    training = session.scalars(sa.select(Training)).one()
    client = login(world.adviser)
    url = f"/parcours/{pathway.id}/formation/resultat"
    refused = client.post(
        url, data={"training_id": training.id, "result": "abandoned", "ends_on": TODAY.isoformat()}
    )
    assert refused.status_code == 422
    assert "Indiquez le motif de l'abandon." in text(refused)
    response = client.post(
        url,
        data={
            "training_id": training.id,
            "result": "abandoned",
            "ends_on": TODAY.isoformat(),
            "abandon_reason": "Santé",
        },
        follow_redirects=True,
    )
    page = text(response)
    assert "Abandon de la formation" in page
    assert "motif : Santé" in page
    assert "Formation qualifiante" in page  # the pathway goes on
    session.refresh(pathway)
    assert pathway.state is State.TRAINING


def test_interview_diagnostic_by_the_adviser_not_the_manager(session, world, login):
    pathway = factories.make_pathway(session, world, State.INFO_SESSION, start=TODAY - timedelta(days=10))
    session.commit()
    assert login(world.manager).get(f"/parcours/{pathway.id}/diagnostic").status_code in (403, 404)
    client = login(world.delegate)
    assert "Enregistrer le diagnostic d'un entretien individuel" in text(
        client.get(f"/parcours/{pathway.id}")
    )
    response = client.post(
        f"/parcours/{pathway.id}/diagnostic",
        data={"written_on": TODAY.isoformat(), "project_validated": "yes", "target_job_code": "J1501"},
        follow_redirects=True,
    )
    assert "Entretien individuel de diagnostic" in text(response)
    assert "Aide-soignant" in text(response) or "J1501" in text(response)
    assert session.scalars(sa.select(Diagnostic)).one().kind.value == "interview"


def test_training_while_employed_only_during_the_follow_up(session, world, login):
    pathway = factories.make_pathway(session, world, State.FOLLOW_UP, start=TODAY - timedelta(days=50))
    session.commit()
    client = login(world.adviser)
    assert "Enregistrer une formation pendant l'emploi" in text(client.get(f"/parcours/{pathway.id}"))
    response = client.post(
        f"/parcours/{pathway.id}/formation/pendant-emploi",
        data={
            "organisation_id": world.organisation.id,
            "certification_code": "DEAES",
            "funding": "cpf",
            "starts_on": TODAY.isoformat(),
        },
        follow_redirects=True,
    )
    assert "pendant l'emploi" in text(response)
    assert (
        session.scalars(sa.select(Training).where(Training.in_employment)).one().certification_code == "DEAES"
    )


def test_the_person_is_corrected_by_those_who_work_on_the_pathway(employment, world, login, session):
    person = employment.person
    data = {
        "last_name": "Traoré",
        "first_name": person.first_name,
        "birth_date": person.birth_date.isoformat(),
        "is_rsa_beneficiary": "y",
        "prescriber_type": "mission_locale",
    }
    manager = login(world.manager)
    response = manager.post(f"/parcours/{employment.id}/personne", data=data, follow_redirects=True)
    page = text(response)
    assert "Identité et situation mises à jour." in page
    assert "TRAORÉ" in page
    assert "Allocataire du RSA" in page
    assert "Mission locale" in page
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "person.update")).one()
    assert entry.changes["last_name"][1] == "Traoré"
    refused = manager.post(f"/parcours/{employment.id}/personne", data=data | {"last_name": ""})
    assert refused.status_code == 422
    # A conseiller who does not follow the pathway cannot correct it, even on the same platform.
    other = factories.create_user(
        session,
        email="autre@example.fr",
        role=factories.Role.ADVISER,
        password=factories.PASSWORD,
        platform=world.platform,
    )
    session.commit()
    assert login(other).get(f"/parcours/{employment.id}/personne").status_code == 404

"""The délégué's pages: information sessions, orientation weeks, diagnostic, handover, persons."""

from __future__ import annotations

import html
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from pathways.models import (
    AdviserAssignment,
    Diagnostic,
    InfoSession,
    InfoSessionAttendance,
    OrientationAttendance,
    OrientationWeek,
    Pathway,
    Person,
)
from pathways.states import State
from pathways.vocabulary import AttendanceStatus
from tests import factories

TODAY = date(2026, 6, 15)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("role", ["delegate", "manager"])
def test_lists_and_creation_pages(world, login, role):
    client = login(getattr(world, role))
    for url in [
        "/informations-collectives/",
        "/informations-collectives/nouvelle",
        "/pole-orientation/",
        "/pole-orientation/nouvelle",
        f"/informations-collectives/{world.info_session.id}",
        f"/pole-orientation/{world.week.id}",
    ]:
        assert client.get(url).status_code == 200, url


def test_adviser_and_other_platform_get_404(session, world, login):
    other = factories.make_world(session, "essonne")
    session.commit()
    adviser = login(world.adviser)
    assert adviser.get("/informations-collectives/").status_code == 404
    assert adviser.get(f"/pole-orientation/{world.week.id}").status_code == 404
    delegate = login(world.delegate)
    assert delegate.get(f"/informations-collectives/{other.info_session.id}").status_code == 404
    assert delegate.get(f"/pole-orientation/{other.week.id}").status_code == 404
    assert delegate.post(f"/pole-orientation/{other.week.id}/participants", data={}).status_code == 404


def test_create_info_session(world, login, session):
    client = login(world.delegate)
    response = client.post(
        "/informations-collectives/nouvelle",
        data={
            "held_on": "2026-06-20",
            "starts_at": "09:30",
            "ends_at": "12:00",
            "place": "Mantes",
            "seats": "10",
            "territory_id": world.territory.id,
        },
    )
    assert response.status_code == 302
    created = session.scalar(sa.select(InfoSession).where(InfoSession.place == "Mantes"))
    assert created.delegate_id == world.delegate.id
    assert (created.starts_at, created.ends_at) == (time(9, 30), time(12))
    page = text(client.get("/informations-collectives/"))
    assert "9 h 30 – 12 h" in page
    assert world.territory.name in page
    assert "De 9 h 30 à 12 h, Mantes" in text(client.get(f"/informations-collectives/{created.id}"))
    response = client.post(
        "/informations-collectives/nouvelle", data={"held_on": "", "place": "", "seats": "0"}
    )
    assert response.status_code == 422
    assert "Indiquez l'heure de début" in text(response)


def test_an_info_session_ends_after_it_starts(world, login, session):
    response = login(world.delegate).post(
        "/informations-collectives/nouvelle",
        data={
            "held_on": "2026-06-20",
            "starts_at": "14:00",
            "ends_at": "13:00",
            "place": "Limay",
            "seats": "8",
        },
    )
    assert response.status_code == 422
    assert "L'heure de fin doit suivre l'heure de début." in text(response)
    assert session.scalar(sa.select(InfoSession).where(InfoSession.place == "Limay")) is None


def test_register_new_person_with_duplicate_detection(world, login, session):
    client = login(world.delegate)
    url = f"/informations-collectives/{world.info_session.id}/inscriptions/nouvelle-personne"
    data = {
        "last_name": "Diallo",
        "first_name": "Fatou",
        "birth_date": "1990-03-04",
        "prescriber_type": "france_travail",
    }
    assert client.post(url, data=data).status_code == 302
    pathway = session.scalar(sa.select(Pathway))
    assert pathway.state is State.INFO_SESSION
    assert pathway.delegate_id == world.delegate.id
    # The same person again: shown as a possible duplicate, nothing created.
    response = client.post(url, data={**data, "last_name": "DIALLO"})
    assert response.status_code == 422
    assert "déjà connue" in text(response)
    assert "Inscrire cette personne" in text(response)
    assert session.scalar(sa.select(sa.func.count()).select_from(Person)) == 1
    # Confirmed as another person with the same identity: created.
    response = client.post(url, data={**data, "confirm_new": "y"})
    assert response.status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(Person)) == 2
    assert client.post(url, data={"last_name": ""}).status_code == 422


def test_register_known_and_duplicate_person(world, login, session):
    # Referred a few days before the session (the délégué records the registration afterwards).
    referred = factories.make_pathway(
        session, world, State.REFERRED, start=world.info_session.held_on - timedelta(days=3)
    )
    returning = factories.make_person(session, world)
    session.commit()
    client = login(world.delegate)
    base = f"/informations-collectives/{world.info_session.id}/inscriptions"
    assert referred.person.last_name.upper() in text(
        client.get(f"/informations-collectives/{world.info_session.id}")
    )
    assert client.post(base, data={"pathway": ""}).status_code == 422
    assert client.post(base, data={"pathway": referred.id}).status_code == 302
    session.refresh(referred)
    assert referred.state is State.INFO_SESSION
    response = client.post(base, data={"pathway": referred.id})
    assert response.status_code == 422
    assert "déjà à l'étape" in text(response)
    # A known person's id is accepted only once the duplicate check showed that person
    # (issue 9: no pulling any id of the platform into a new pathway).
    assert client.post(f"{base}/personne-connue", data={"person": returning.id}).status_code == 404
    shown = client.post(
        f"{base}/nouvelle-personne",
        data={
            "last_name": returning.last_name,
            "first_name": returning.first_name,
            "birth_date": returning.birth_date.isoformat(),
        },
    )
    assert shown.status_code == 422
    assert "déjà connues" in text(shown)
    # A person known with no pathway in progress gets a new one.
    assert client.post(f"{base}/personne-connue", data={"person": returning.id}).status_code == 302
    assert (
        session.scalar(sa.select(Pathway).where(Pathway.person_id == returning.id)).state
        is State.INFO_SESSION
    )


def test_info_session_attendance(world, login, session):
    pathway = factories.make_pathway(session, world, State.INFO_SESSION, start=TODAY - timedelta(days=3))
    session.commit()
    attendance = session.scalar(sa.select(InfoSessionAttendance))
    client = login(world.delegate)
    response = client.post(
        f"/informations-collectives/{world.info_session.id}/presences",
        data={f"presence-{attendance.id}": "present"},
    )
    assert response.status_code == 302
    session.refresh(attendance)
    assert attendance.status is AttendanceStatus.PRESENT
    assert pathway.person.last_name.upper() in text(
        client.get(f"/informations-collectives/{world.info_session.id}")
    )


def test_week_creation_join_attendance_diagnostic_handover(world, login, session):
    pathway = factories.make_pathway(session, world, State.INFO_SESSION, start=TODAY - timedelta(days=10))
    session.commit()
    client = login(world.delegate)
    response = client.post(
        "/pole-orientation/nouvelle", data={"starts_on": "2026-06-13", "place": "X", "seats": "8"}
    )
    assert response.status_code == 422  # a Saturday
    assert "jour ouvré" in text(response)
    response = client.post(
        "/pole-orientation/nouvelle",
        data={
            "starts_on": "2026-06-08",
            "place": "Versailles",
            "seats": "8",
            "territory_id": world.territory.id,
        },
    )
    assert response.status_code == 302
    week = session.scalar(sa.select(OrientationWeek).where(OrientationWeek.starts_on == date(2026, 6, 8)))
    url = f"/pole-orientation/{week.id}"
    # Joining needs the availability confirmed: the guard's message is shown.
    response = client.post(f"{url}/participants", data={"pathway": pathway.id})
    assert response.status_code == 422
    assert "disponibilité" in text(response)
    assert (
        client.post(
            f"{url}/participants", data={"pathway": pathway.id, "availability_confirmed": "y"}
        ).status_code
        == 302
    )
    session.refresh(pathway)
    assert pathway.state is State.ORIENTATION
    participant = week.participants[0]
    days = {f"jour-{participant.id}-{d}": "1" for d in (1, 2, 3, 5)}
    assert client.post(f"{url}/presences", data=days).status_code == 302
    marks = {a.day: a.present for a in session.scalars(sa.select(OrientationAttendance))}
    assert marks == {1: True, 2: True, 3: True, 4: False, 5: True}
    # Diagnostic with a road map.
    diag_url = f"{url}/participants/{pathway.id}/diagnostic"
    assert client.get(diag_url).status_code == 200
    assert client.post(diag_url, data={"written_on": "2026-06-12"}).status_code == 422
    response = client.post(
        diag_url,
        data={
            "written_on": "2026-06-12",
            "project_validated": "yes",
            "target_job_code": "K1311",
            "basic_skills": "Acquis",
            "road_map-0-title": "PMSMP en EHPAD",
            "road_map-0-planned_on": "2026-07-01",
            "road_map-1-title": "",
        },
    )
    assert response.status_code == 302
    diagnostic = session.scalar(sa.select(Diagnostic))
    assert diagnostic.project_validated
    assert [s.label for s in diagnostic.road_map] == ["PMSMP en EHPAD"]
    # Handover with a note.
    handover_url = f"{url}/participants/{pathway.id}/relais"
    assert client.post(handover_url, data={"adviser_id": ""}).status_code == 422
    response = client.post(
        handover_url, data={"adviser_id": world.adviser.id, "note": "Motivée, permis en cours"}
    )
    assert response.status_code == 302
    assignment = session.scalar(sa.select(AdviserAssignment))
    assert assignment.handover_note == "Motivée, permis en cours"
    # A pathway that is not a participant of the week: 404.
    outsider = factories.make_pathway(session, world, State.REFERRED, start=TODAY - timedelta(days=1))
    session.commit()
    assert client.get(f"{url}/participants/{outsider.id}/diagnostic").status_code == 404


def test_delegate_home_persons_and_new_person(world, login, session):
    pathway = factories.make_pathway(session, world, State.REFERRED, start=TODAY - timedelta(days=1))
    session.commit()
    client = login(world.delegate)
    assert client.get("/delegue/").status_code == 200
    assert pathway.person.last_name.upper() in text(client.get("/delegue/personnes"))
    assert pathway.person.last_name.upper() in text(client.get("/delegue/personnes?etat=referred&q=martin"))
    response = client.post(
        "/delegue/personnes/nouvelle",
        data={"last_name": "Ba", "first_name": "Ali", "birth_date": "1985-02-02"},
    )
    assert response.status_code == 302
    response = client.post(
        "/delegue/personnes/nouvelle",
        data={"last_name": "Ba", "first_name": "Ali", "birth_date": "1985-02-02"},
    )
    assert response.status_code == 422
    assert "déjà connue" in text(response)
    assert "02/02/1985" in text(response)  # the look-alike is listed, to check before creating
    assert session.scalar(sa.select(sa.func.count()).select_from(Person).where(Person.last_name == "Ba")) == 1
    response = client.post(
        "/delegue/personnes/nouvelle",
        data={"last_name": "Ba", "first_name": "Ali", "birth_date": "1985-02-02", "confirm_new": "y"},
    )
    assert response.status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(Person).where(Person.last_name == "Ba")) == 2
    assert login(world.adviser).get("/delegue/personnes").status_code == 404
    assert login(world.manager).get("/delegue/").status_code == 404

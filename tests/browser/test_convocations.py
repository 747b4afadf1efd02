"""Issue 11 in Chromium, on a laptop and a phone, axe-core on every page: convoke, answer, see the answer.

The délégué convokes a session's people in one action; a person opens her
link, answers once (a second visit shows the answer, unchanged); a tampered
link and an expired one are refused; the délégué sees the answer and the
conseiller opens her agenda.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pathways.extensions import db
from pathways.models import InfoSessionAttendance, User
from pathways.services import convocations
from pathways.services import sessions as session_service
from pathways.services.enrolment import register_at_info_session
from pathways.vocabulary import AttendanceStatus, InvitationAnswer
from tests import factories
from tests.browser.conftest import START

pytestmark = pytest.mark.browser
DEVICES = ["ordinateur", "telephone"]
PEOPLE = {
    "ordinateur": [("Diarra", "Kadiatou"), ("Lemaire", "Odile")],
    "telephone": [("Benhamou", "Yasmine"), ("Tessier", "Manon")],
}


def expected_refusal(journey, status: int) -> None:
    """Chromium logs any 4xx as a console error: the refused link's own status is the page's design."""
    journey.console_errors = [e for e in journey.console_errors if f"status of {status}" not in e]


def in_app(live_app, action):
    with live_app.app_context():
        result = action(db.session)
        db.session.commit()
        return result


@pytest.mark.parametrize("device", DEVICES)
def test_a_session_is_convoked_and_a_person_answers_once(journey, world, live_app, device):
    people = PEOPLE[device]

    def prepare(session):
        delegate = session.get(User, world.delegate.id)
        info_session = session_service.create_info_session(
            session,
            delegate.platform,
            held_on=START + timedelta(days=9 if device == "ordinateur" else 10),
            starts_at=time(9, 30),
            ends_at=time(12, 0),
            place="Maison de l'emploi de Mantes, salle 2",
            seats=12,
            actor=delegate,
            territory_id=world.territory.id,
            access="Bus 12, arrêt Mairie",
            contact_phone="01 99 00 01 78",
        )
        for last, first in people:
            person = factories.make_person(session, world, last_name=last, first_name=first, email=None)
            register_at_info_session(session, info_session, person, actor=delegate)
        return info_session.id

    session_id = in_app(live_app, prepare)
    page = journey(device)
    page.login(world.delegate.email)
    page.goto(f"/informations-collectives/{session_id}")
    page.check("seance-a-convoquer")
    page.page.click("button:has-text('Convoquer 2 personnes non convoquées')")
    expect(page.page.locator("main .fr-alert--success")).to_contain_text("2 personnes convoquées")
    expect(page.page.locator("#convocations")).to_contain_text("à imprimer")
    page.check("seance-convoquee")

    def token_of(session):
        attendance = session.scalars(
            sa.select(InfoSessionAttendance)
            .where(InfoSessionAttendance.session_id == session_id)
            .order_by(InfoSessionAttendance.id)
        ).first()
        return attendance.id, convocations.info_session_convocation(session, attendance).token

    attendance_id, token = in_app(live_app, token_of)
    page.logout()
    # The person, on her own device: no account, her first name only.
    person = journey(device)
    person.goto(f"/reponse/{token}")
    expect(person.page.locator("h1")).to_have_text("Votre convocation")
    body = person.page.inner_text("main")
    assert f"Bonjour {people[0][1]}" in body
    assert people[0][0] not in body
    assert people[0][0].upper() not in body
    person.check("reponse")
    person.page.click("label[for=answer-0]")  # « Je serai présent·e »
    person.page.click("button:has-text('Envoyer ma réponse')")
    expect(person.page.locator("#reponse .fr-alert--success")).to_contain_text("Je serai présent·e")
    person.check("reponse-enregistree")
    # Opened again: the answer as recorded, nothing to change.
    person.goto(f"/reponse/{token}")
    expect(person.page.locator("#reponse")).to_contain_text("Votre réponse est enregistrée")
    assert person.page.locator("button:has-text('Envoyer ma réponse')").count() == 0
    status = in_app(
        live_app,
        lambda s: (
            s.get(InfoSessionAttendance, attendance_id).status,
            s.get(InfoSessionAttendance, attendance_id).answer,
        ),
    )
    assert status == (AttendanceStatus.CONFIRMED, InvitationAnswer.ATTENDING)
    # A tampered link.
    person.goto(f"/reponse/{token[:-3]}abc")
    expect(person.page.locator("h1")).to_have_text("Lien non valide")
    person.check("lien-falsifie")
    expected_refusal(person, 404)
    person.assert_accessible()

    # The délégué sees the answer in the list.
    page = journey(device)
    page.login(world.delegate.email)
    page.goto(f"/informations-collectives/{session_id}")
    expect(page.page.locator("#inscrits")).to_contain_text("Je serai présent·e")
    expect(page.page.locator("#inscrits")).to_contain_text("Confirmé·e")
    page.goto("/agenda/")
    expect(page.page.locator("h1")).to_have_text("Mon agenda")
    page.check("agenda-delegue")
    page.assert_accessible()


@pytest.mark.parametrize("device", DEVICES)
def test_an_expired_link_and_the_conseillers_agenda(journey, world, live_app, live_clock, device):
    def prepare(session):
        delegate = session.get(User, world.delegate.id)
        info_session = session_service.create_info_session(
            session,
            delegate.platform,
            held_on=START + timedelta(days=3),
            starts_at=time(14, 0),
            ends_at=time(16, 0),
            place="Espace emploi de Versailles",
            seats=12,
            actor=delegate,
        )
        person = factories.make_person(session, world, last_name=f"Expire{device}", first_name="Rose")
        register_at_info_session(session, info_session, person, actor=delegate)
        attendance = info_session.attendances[0]
        convocations.convoke_info_session(session, info_session, [attendance.id], delegate, deliver=False)
        return convocations.info_session_convocation(session, attendance).token

    token = in_app(live_app, prepare)
    live_clock.shift(4)  # the day after the session
    person = journey(device)
    person.goto(f"/reponse/{token}")
    expect(person.page.locator("h1")).to_have_text("Lien expiré")
    assert "Rose" not in person.page.inner_text("main")
    person.check("lien-expire")
    expected_refusal(person, 410)
    person.assert_accessible()

    adviser = journey(device)
    adviser.login(world.adviser.email)
    adviser.nav("Mon agenda")
    expect(adviser.page.locator("h1")).to_have_text("Mon agenda")
    adviser.page.click("a:has-text('Semaine suivante')")
    expect(adviser.page.locator(".fr-text--lead")).to_contain_text("Semaine du lundi")
    adviser.check("agenda-conseiller")
    adviser.assert_accessible()

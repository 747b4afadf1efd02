"""The person's answer: a signed, expiring, single-purpose link; one answer; a public page that tells nothing more."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from pathways import clock
from pathways.models import AuditEntry, InfoSessionAttendance, LoginAttempt, OrientationParticipant, Pathway
from pathways.privacy.anonymise import Reason, anonymise_person
from pathways.services import answers, convocations
from pathways.services import pathway as pathway_service
from pathways.states import ExitReason, MoveRequest, Trigger
from pathways.vocabulary import AttendanceStatus, InvitationAnswer
from tests.unit.messaging.conftest import make_upcoming_session, make_week_participant

PEOPLE = [
    {
        "first_name": "Aminata",
        "last_name": "Traoré-Secret",
        "email": "aminata.secret@exemple.test",
        "phone": "06 55 44 33 22",
        "france_travail_id": "7654321X",
        "birth_date": date(1988, 3, 14),
    }
]


@pytest.fixture
def convoked(app, session, today):
    case = make_upcoming_session(session, today, people=PEOPLE)
    convocations.convoke_info_session(
        session, case.info_session, [case.attendances[0].id], case.world.delegate
    )
    session.commit()
    token = convocations.info_session_convocation(session, case.attendances[0]).token
    return case, token


def test_a_token_opens_its_convocation_only_until_its_day(app, session, today, convoked, monkeypatch) -> None:
    case, token = convoked
    invitation = answers.read_token(session, token)
    assert invitation.record.id == case.attendances[0].id
    assert invitation.first_name == "Aminata"
    # Tampered: any character changed, or the payload re-signed with another purpose.
    for tampered in (token[:-1] + ("A" if token[-1] != "A" else "B"), token.replace(".", "x", 1), "", "a.b"):
        with pytest.raises(answers.LinkInvalid):
            answers.read_token(session, tampered)
    other_purpose = URLSafeSerializer(app.config["SECRET_KEY"], salt="pathways.autre-usage").dumps(
        {"k": "s", "i": case.attendances[0].id, "u": "2099-01-01"}
    )
    with pytest.raises(answers.LinkInvalid):
        answers.read_token(session, other_purpose)
    other_key = URLSafeSerializer("une-autre-cle", salt=answers.SALT).dumps(
        {"k": "s", "i": case.attendances[0].id, "u": "2099-01-01"}
    )
    with pytest.raises(answers.LinkInvalid):
        answers.read_token(session, other_key)
    # Valid on the day of the session, expired the day after.
    held_on = case.info_session.held_on
    monkeypatch.setattr(clock, "today", lambda: held_on)
    answers.read_token(session, token)
    monkeypatch.setattr(clock, "today", lambda: held_on + timedelta(days=1))
    with pytest.raises(answers.LinkExpired):
        answers.read_token(session, token)


def test_an_answer_is_recorded_once(app, session, today, convoked) -> None:
    case, token = convoked
    invitation = answers.read_token(session, token)
    assert answers.record_answer(session, invitation, InvitationAnswer.ATTENDING, "ignored when attending")
    session.commit()
    again = answers.read_token(session, token)
    assert not answers.record_answer(session, again, InvitationAnswer.NOT_ATTENDING, "finalement non")
    session.commit()
    attendance = session.get(InfoSessionAttendance, case.attendances[0].id)
    assert attendance.answer is InvitationAnswer.ATTENDING
    assert attendance.answer_reason is None
    assert attendance.status is AttendanceStatus.CONFIRMED
    entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "convocation.answer")).all()
    assert len(entries) == 1
    assert entries[0].changes == {"answer": [None, "attending"]}


def _page(client, token: str):
    return client.get(f"/reponse/{token}")


def test_the_public_page_records_each_answer_once_and_leaks_nothing(app, session, today, convoked) -> None:
    case, token = convoked
    client = app.test_client()
    page = _page(client, token)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bonjour Aminata" in html
    assert "Maison de l&#39;emploi de Mantes" in html
    for secret in (
        "Traoré",
        "TRAORÉ",
        "Secret",
        "aminata.secret",
        "06 55 44 33 22",
        "7654321X",
        "14/03/1988",
        "1988",
    ):
        assert secret not in html, secret
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert 'name="robots" content="noindex' in html
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    answered = client.post(
        f"/reponse/{token}",
        data={"csrf_token": csrf, "answer": "not_attending", "reason": "Garde d'enfant ce jour-là"},
    )
    assert answered.status_code == 302
    session.expire_all()
    attendance = session.get(InfoSessionAttendance, case.attendances[0].id)
    assert (attendance.answer, attendance.status) == (
        InvitationAnswer.NOT_ATTENDING,
        AttendanceStatus.EXCUSED,
    )
    assert attendance.answer_reason == "Garde d'enfant ce jour-là"
    # Replayed, the link shows the recorded answer and changes nothing.
    replay = client.post(f"/reponse/{token}", data={"csrf_token": csrf, "answer": "attending"})
    assert replay.status_code == 200
    replayed = replay.get_data(as_text=True)
    assert "Votre réponse est enregistrée" in replayed
    assert "Je ne pourrai pas venir" in replayed
    assert "Garde d" not in replayed  # the reason is for the délégué, not for whoever holds the link
    session.expire_all()
    assert session.get(InfoSessionAttendance, case.attendances[0].id).answer is InvitationAnswer.NOT_ATTENDING


def test_tampered_and_expired_links_are_refused_in_french(app, session, today, convoked, monkeypatch) -> None:
    case, token = convoked
    client = app.test_client()
    tampered = _page(client, token[:-2] + "zz")
    assert tampered.status_code == 404
    assert "Lien non valide" in tampered.get_data(as_text=True)
    assert _page(client, "x" * 400).status_code == 404
    monkeypatch.setattr(clock, "today", lambda: case.info_session.held_on + timedelta(days=1))
    expired = _page(client, token)
    assert expired.status_code == 410
    assert "Lien expiré" in expired.get_data(as_text=True)
    assert "Aminata" not in expired.get_data(as_text=True)


def test_an_erased_person_s_link_opens_nothing(app, session, today, convoked) -> None:
    """Issue 12 meets 11: once the person's data is erased, her convocation's link is no link at all."""
    case, token = convoked
    person = case.persons[0]
    pathway = session.scalars(sa.select(Pathway).where(Pathway.person_id == person.id)).one()
    client = app.test_client()
    assert "Aminata" in _page(client, token).get_data(as_text=True)
    pathway_service.move(
        session,
        pathway,
        MoveRequest(Trigger.EXIT, today, exit_reason=ExitReason.OTHER, comment="Demande d'effacement"),
        case.world.delegate,
    )
    anonymise_person(session, person, reason=Reason.REQUEST, actor=case.world.manager)
    session.commit()
    gone = _page(client, token)
    assert gone.status_code == 404
    assert "Lien non valide" in gone.get_data(as_text=True)
    with pytest.raises(answers.LinkInvalid):
        answers.read_token(session, token)


def test_guessing_links_is_throttled_like_the_login(app, session, today, convoked) -> None:
    _case, token = convoked
    client = app.test_client()
    for number in range(5):
        assert _page(client, f"devine-{number}.abc").status_code == 404
    # The sixth wrong link, and then any link, waits: 1 minute, then longer.
    assert _page(client, "devine-6.abc").status_code == 429
    locked = _page(client, token)
    assert locked.status_code == 429
    assert "réessayez dans 1 minute" in locked.get_data(as_text=True)
    # Counted apart from the logins: the address may still log in.
    rows = session.scalars(sa.select(LoginAttempt)).all()
    assert {row.email for row in rows} == {"lien-de-reponse"}
    assert all(row.address.startswith("lien ") for row in rows)
    from pathways.security.throttle import locked_until

    assert locked_until(session, "delegate-yvelines@example.fr", "127.0.0.1") is None


def test_hostile_values_on_the_answer_page_never_fail(app, session, today, convoked, monkeypatch) -> None:
    case, token = convoked
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    client = app.test_client()
    for hostile in ("", "present", "attending\x00", "9" * 40, "١", "<script>", "call_back" * 50):
        response = client.post(f"/reponse/{token}", data={"answer": hostile, "reason": hostile * 20})
        assert response.status_code in (200, 302, 400, 422), (hostile, response.status_code)
    session.expire_all()
    assert session.get(InfoSessionAttendance, case.attendances[0].id).answer is None
    response = client.post(f"/reponse/{token}", data={"answer": "call_back", "reason": "x" * 301})
    assert response.status_code == 422
    assert "300 caractères au plus" in response.get_data(as_text=True)


def test_the_delegate_sees_the_answers_and_notes_the_call_back(
    app, session, today, convoked, monkeypatch
) -> None:
    from tests.security.scene import login

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    case, token = convoked
    answers.record_answer(session, answers.read_token(session, token), InvitationAnswer.CALL_BACK, "Le soir")
    session.commit()
    client = app.test_client()
    login(client, case.world.delegate)
    page = client.get(f"/informations-collectives/{case.info_session.id}").get_data(as_text=True)
    assert "Je souhaite être rappelé·e" in page
    assert "« Le soir »" in page
    assert "1</strong> à rappeler" in page
    agenda = client.get("/agenda/").get_data(as_text=True)
    assert "TRAORÉ-SECRET" in agenda
    response = client.post(
        f"/informations-collectives/{case.info_session.id}/rappels",
        data={"record": case.attendances[0].id, "retour": "agenda"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/agenda/")
    session.expire_all()
    assert session.get(InfoSessionAttendance, case.attendances[0].id).called_back_on == today
    assert "TRAORÉ-SECRET" not in client.get("/agenda/").get_data(as_text=True)


def test_a_week_call_back_is_noted_once_and_nobody_outside_the_list_is_reached(
    app, session, today, monkeypatch
) -> None:
    """The week's call-back goes through the same rule; an id the délégué does not see changes nothing."""
    from tests.security.scene import login

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    case = make_upcoming_session(session, today, people=[])
    world = case.world
    week, pathway, participant = make_week_participant(
        session, world, today + timedelta(days=14), today - timedelta(days=10)
    )
    convocations.convoke_week(session, week, [participant.id], world.delegate, deliver=False)
    session.commit()
    client = app.test_client()
    login(client, world.delegate)
    url = f"/pole-orientation/{week.id}/rappels"

    def page(response) -> str:
        return html.unescape(response.get_data(as_text=True))

    # Not asked for: refused in French, nothing noted.
    refused = page(client.post(url, data={"record": participant.id}, follow_redirects=True))
    assert "Cette personne n'a pas demandé à être rappelée." in refused
    # An id that is not one of the week's people (the next one, nobody's) is refused.
    assert client.post(url, data={"record": participant.id + 1}).status_code == 404
    session.expire_all()
    assert session.get(OrientationParticipant, participant.id).called_back_on is None

    invitation = answers.read_token(session, convocations.week_convocation(session, participant).token)
    answers.record_answer(session, invitation, InvitationAnswer.CALL_BACK, "Après 17 h")
    session.commit()
    name = pathway.person.last_name.upper()
    assert name in page(client.get("/agenda/"))  # to call back, on the délégué's agenda
    done = page(client.post(url, data={"record": participant.id}, follow_redirects=True))
    assert "Rappel noté." in done
    session.expire_all()
    assert session.get(OrientationParticipant, participant.id).called_back_on == today
    assert name not in page(client.get("/agenda/"))
    again = page(client.post(url, data={"record": participant.id}, follow_redirects=True))
    assert "Le rappel est déjà noté" in again

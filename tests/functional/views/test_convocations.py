"""The délégué's pages: convoke in one action, print the letters, note statuses; preferences; the sends."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from pathways.models import AuditEntry, InfoSessionAttendance, OrientationParticipant, OrientationWeek, Person
from pathways.vocabulary import AttendanceStatus
from tests import factories
from tests.unit.messaging.conftest import make_upcoming_session

from .test_sessions import text


def test_the_delegate_convokes_a_session_in_one_action_and_prints_the_letters(
    web_app, login, session, today, monkeypatch, tmp_path
) -> None:
    monkeypatch.setitem(web_app.config, "MAIL_BACKEND", "capture")
    monkeypatch.setitem(web_app.config, "MAIL_CAPTURE_FOLDER", str(tmp_path / "capture"))
    case = make_upcoming_session(
        session,
        today,
        people=[
            {"first_name": "Awa", "last_name": "Courriel", "email": "awa@exemple.test"},
            {"first_name": "Jules", "last_name": "Papier"},
            {
                "first_name": "Inès",
                "last_name": "Refus",
                "email": "ines@exemple.test",
                "email_allowed": False,
            },
        ],
    )
    client = login(case.world.delegate)
    base = f"/informations-collectives/{case.info_session.id}"
    page = text(client.get(base))
    assert "Convoquer 3 personnes non convoquées" in page
    response = client.post(f"{base}/convocations", follow_redirects=True)
    body = text(response)
    assert "3 personnes convoquées (1 par courriel, 2 par courrier : imprimez leurs lettres)." in body
    assert "Toutes les personnes de la liste sont convoquées." in body
    # Counts agree with their number (French: 0 and 1 are singular).
    for shown in (
        "3</strong> inscrit·es",
        "3</strong> convoqué·es",
        "0</strong> confirmé·e<",
        "0</strong> excusé·e<",
    ):
        assert shown in body, shown
    assert "Les lettres à imprimer pour les 2 personnes convoquées par courrier (PDF)" in body
    statuses = session.scalars(sa.select(InfoSessionAttendance.status)).all()
    assert set(statuses) == {AttendanceStatus.CONVOKED}
    # Once more: nobody is convoked twice.
    again = text(client.post(f"{base}/convocations", follow_redirects=True))
    assert "Toutes les personnes inscrites sont déjà convoquées." in again
    # The captured e-mail, listed for the manager of the platform.
    manager = login(case.world.manager)
    sends = text(manager.get("/envois/"))
    assert "Convocation (courriel)" in sends
    assert "awa@exemple.test" in sends
    name = next((tmp_path / "capture").glob("*.eml")).name
    captured = text(manager.get(f"/envois/capture?fichier={name}"))
    assert "Bonjour Awa" in captured
    assert manager.get("/envois/capture?fichier=../../secret_key").status_code == 404
    # The letters: those on paper by default, one person's on demand.
    letters = client.get(f"{base}/convocations.pdf")
    assert letters.status_code == 200
    assert letters.headers["Content-Type"] == "application/pdf"
    assert letters.data.startswith(b"%PDF")
    one = client.get(f"{base}/convocations.pdf?personne={case.attendances[0].id}")
    assert one.status_code == 200
    assert client.get(f"{base}/convocations.pdf?personne=999999").status_code == 404
    assert client.get(f"{base}/convocations.pdf?personne=abc").status_code == 404
    exports = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "export")).all()
    assert [e.details["report"] for e in exports] == ["convocations", "convocations"]
    assert [e.details["rows"] for e in exports] == [2, 1]


def test_attendance_is_noted_as_present_excused_or_absent(
    web_app, login, session, today, monkeypatch
) -> None:
    case = make_upcoming_session(session, today, people=[{}, {}])
    first, second = case.attendances
    client = login(case.world.delegate)
    base = f"/informations-collectives/{case.info_session.id}"
    # Before the day: excused may be noted, present may not.
    response = client.post(
        f"{base}/presences", data={f"presence-{first.id}": "excused"}, follow_redirects=True
    )
    assert "Présences enregistrées (1 modification)." in text(response)
    response = client.post(
        f"{base}/presences", data={f"presence-{second.id}": "present"}, follow_redirects=True
    )
    assert "se note le jour de l'information collective" in text(response)
    session.expire_all()
    assert (first.status, second.status) == (AttendanceStatus.EXCUSED, AttendanceStatus.REGISTERED)
    from pathways import clock

    monkeypatch.setattr(clock, "today", lambda: case.info_session.held_on)
    client.post(
        f"{base}/presences", data={f"presence-{first.id}": "present", f"presence-{second.id}": "absent"}
    )
    session.expire_all()
    assert (first.status, second.status) == (AttendanceStatus.PRESENT, AttendanceStatus.ABSENT)
    entry = session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "info_session.presence")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert set(entry.changes) == {"attendance"}
    page = text(client.get(base))
    assert "Taux d'absence <strong>50,0\u202f%</strong>" in page


def test_a_week_with_its_hours_and_its_convocations(web_app, login, session, today) -> None:
    world = factories.make_world(session)
    session.commit()
    client = login(world.delegate)
    monday = today + timedelta(days=(7 - today.weekday()) % 7 + 7)
    response = client.post(
        "/pole-orientation/nouvelle",
        data={
            "starts_on": monday.isoformat(),
            "starts_at": "09:00",
            "ends_at": "16:30",
            "place": "Pôle orientation",
            "seats": "10",
            "access": "Bus 3",
            "contact_phone": "01 99 00 01 78",
            "territory_id": world.territory.id,
        },
    )
    assert response.status_code == 302
    week = session.scalars(sa.select(OrientationWeek).where(OrientationWeek.starts_on == monday)).one()
    assert (week.starts_at.hour, week.ends_at.minute, week.access) == (9, 30, "Bus 3")
    pathway = factories.make_pathway(
        session, world, factories.State.INFO_SESSION, start=today - timedelta(days=5)
    )
    session.commit()
    client.post(
        f"/pole-orientation/{week.id}/participants",
        data={"pathway": pathway.id, "availability_confirmed": "y"},
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(OrientationParticipant)) == 1
    body = text(client.post(f"/pole-orientation/{week.id}/convocations", follow_redirects=True))
    assert "1 personne convoquée (1 par courrier : imprimez leurs lettres)." in body
    assert "chaque jour de 9 h à 16 h 30" in body
    assert client.get(f"/pole-orientation/{week.id}/convocations.pdf").data.startswith(b"%PDF")


def test_contact_preferences_are_shown_and_edited_on_the_file(web_app, login, session, today) -> None:
    world = factories.make_world(session)
    pathway = factories.make_pathway(
        session, world, factories.State.INFO_SESSION, start=today - timedelta(days=5)
    )
    pathway.person.email = "p@exemple.fr"
    session.commit()
    client = login(world.delegate)
    page = text(client.get(f"/parcours/{pathway.id}"))
    assert "Contact par courriel" in page
    assert "Accepté" in page
    person = pathway.person
    data = {
        "last_name": person.last_name,
        "first_name": person.first_name,
        "birth_date": person.birth_date.isoformat(),
        "email": "p@exemple.fr",
        "phone": "06 12 34 56 78",
        "sms_allowed": "y",  # e-mail unticked: refused
    }
    response = client.post(f"/parcours/{pathway.id}/personne", data=data)
    assert response.status_code == 302, text(response)[text(response).find("fr-alert") :][:600]
    session.expire_all()
    person = session.get(Person, person.id)
    assert (person.email_allowed, person.sms_allowed, person.contact_preferences_on) == (False, True, today)
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "person.update")).one()
    assert entry.changes["email_allowed"] == [True, False]
    assert entry.changes["sms_allowed"] == [False, True]
    page = text(client.get(f"/parcours/{pathway.id}"))
    assert "Refusé" in page
    assert f"choix noté le {today:%d/%m/%Y}" in page

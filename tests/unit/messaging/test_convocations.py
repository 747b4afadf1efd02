"""Convocations by e-mail to a real SMTP server (aiosmtpd on loopback), with their .ics; letters on paper."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta
from html import unescape

import icalendar
import pytest
import sqlalchemy as sa

from pathways import clock
from pathways.messaging.mail import DeliveryError
from pathways.models import AuditEntry, OutgoingMessage
from pathways.privacy import rights
from pathways.services import convocations
from pathways.services.messaging import deliver_message, may_message, queue_message
from pathways.services.pathway import InvalidInput
from pathways.vocabulary import AttendanceStatus, MessageChannel, MessageKind, MessageStatus
from tests.unit.messaging.conftest import make_upcoming_session

LINK = re.compile(r"https://pathways\.test/reponse/[A-Za-z0-9_.\-]+")


def test_a_real_smtp_server_receives_the_convocation_with_its_ics(app, session, today, mailbox) -> None:
    case = make_upcoming_session(
        session,
        today,
        people=[
            {
                "first_name": "Awa",
                "last_name": "Keïta",
                "email": "awa@exemple.test",
                "phone": "06 12 34 56 78",
            },
            {"first_name": "Jules", "last_name": "Petit"},  # no address: on paper
        ],
    )
    ids = [a.id for a in case.attendances]
    done = convocations.convoke_info_session(session, case.info_session, ids, case.world.delegate)
    session.commit()  # the send job runs when the request commits (immediately in tests)

    assert (done.by_email, done.on_paper) == ([ids[0]], [ids[1]])
    assert len(mailbox.messages) == 1
    mail = mailbox.messages[0]
    assert mail["To"] == "awa@exemple.test"
    assert mail["From"] == "Plateforme Yvelines <ne-pas-repondre@plateforme.test>"
    held_on = case.info_session.held_on
    assert mail["Subject"] == f"Convocation : information collective le {held_on:%d/%m/%Y}"
    text = mail.get_body(("plain",)).get_content()
    html = unescape(mail.get_body(("html",)).get_content())
    for part in (text, html):
        assert "Bonjour Awa" in part
        assert "de 9 h 30 à 12 h" in part
        assert "Maison de l'emploi de Mantes, salle 2" in part
        assert "Bus 12, arrêt Mairie" in part
        assert "01 99 00 01 78" in part
        assert "une pièce d'identité" in part
        # The person's first name only: no last name, no contact detail.
        assert "Keïta" not in part
        assert "KEÏTA" not in part
        assert "06 12 34 56 78" not in part
    assert LINK.search(text)
    # The calendar file, read by an independent parser.
    (ics,) = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert ics.get_filename() == "rendez-vous.ics"
    calendar = icalendar.Calendar.from_ical(ics.get_content())
    assert str(calendar["METHOD"]) == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    start = datetime(held_on.year, held_on.month, held_on.day, 9, 30, tzinfo=clock.PLATFORM_TIMEZONE)
    assert event.decoded("DTSTART") == start.astimezone(UTC)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == (
        datetime(2000, 1, 1, 12) - datetime(2000, 1, 1, 9, 30)
    )
    assert str(event["LOCATION"]) == "Maison de l'emploi de Mantes, salle 2"
    assert str(event["UID"]) == f"convocation-s{ids[0]}@pathways"

    session.expire_all()
    statuses = [a.status for a in case.attendances]
    assert statuses == [AttendanceStatus.CONVOKED, AttendanceStatus.CONVOKED]
    # The log: to whom, what, when, sent — and no text anywhere in it.
    (logged,) = session.scalars(sa.select(OutgoingMessage)).all()
    assert (logged.kind, logged.channel, logged.status) == (
        MessageKind.CONVOCATION,
        MessageChannel.EMAIL,
        MessageStatus.SENT,
    )
    assert logged.recipient == "awa@exemple.test"
    assert logged.sent_at is not None
    assert mail["X-Pathways-Message"] == str(logged.id)
    columns = {c.name for c in OutgoingMessage.__table__.columns}
    assert not columns & {"body", "text", "content", "subject", "html"}
    # The person without e-mail has a letter to print, and only she.
    letters = convocations.info_session_letters(session, case.info_session, ids, paper_only=True)
    assert [c.last_name for c in letters] == ["Petit"]
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "info_session.convoke"))
    assert entry.details["by_email"] == 1
    assert entry.details["on_paper"] == 1


def test_convoking_again_convokes_nobody_twice(app, session, today, mailbox) -> None:
    case = make_upcoming_session(session, today, people=[{"email": "a@exemple.test"}])
    ids = [a.id for a in case.attendances]
    convocations.convoke_info_session(session, case.info_session, ids, case.world.delegate)
    session.commit()
    with pytest.raises(InvalidInput, match="déjà convoquées"):
        convocations.convoke_info_session(session, case.info_session, ids, case.world.delegate)
    session.rollback()
    assert len(mailbox.messages) == 1


def test_a_session_held_convokes_nobody(app, session, today, mailbox, monkeypatch) -> None:
    case = make_upcoming_session(session, today, people=[{"email": "a@exemple.test"}], days_ahead=2)
    monkeypatch.setattr(clock, "today", lambda: case.info_session.held_on + timedelta(days=1))
    with pytest.raises(InvalidInput, match="a eu lieu"):
        convocations.convoke_info_session(
            session, case.info_session, [a.id for a in case.attendances], case.world.delegate
        )
    session.rollback()
    assert mailbox.messages == []


def test_nobody_who_refused_email_gets_one(app, session, today, mailbox) -> None:
    case = make_upcoming_session(
        session,
        today,
        people=[
            {"first_name": "Inès", "email": "ines@exemple.test", "email_allowed": False},
            {"first_name": "Léa", "email": "lea@exemple.test"},
        ],
    )
    refusing, accepting = case.persons
    assert not may_message(refusing, MessageKind.CONVOCATION, MessageChannel.EMAIL)
    assert may_message(refusing, MessageKind.CONVOCATION, MessageChannel.EMAIL).reason == (
        "La personne ne souhaite pas recevoir de courriel."
    )
    done = convocations.convoke_info_session(
        session, case.info_session, [a.id for a in case.attendances], case.world.delegate
    )
    session.commit()
    assert done.on_paper == [case.attendances[0].id]
    assert [m["To"] for m in mailbox.messages] == ["lea@exemple.test"]
    # Asked for, then refused before it left: the job asks again and sends nothing.
    message = queue_message(
        session,
        kind=MessageKind.REMINDER,
        channel=MessageChannel.EMAIL,
        person=accepting,
        platform_id=case.world.platform.id,
        attendance_id=case.attendances[1].id,
    )
    assert message is not None
    accepting.email_allowed = False
    session.commit()
    session.expire_all()
    assert session.get(OutgoingMessage, message.id).status is MessageStatus.CANCELLED
    assert [m["To"] for m in mailbox.messages] == ["lea@exemple.test"]
    # And asking again now gives nothing at all.
    assert (
        queue_message(
            session,
            kind=MessageKind.REMINDER,
            channel=MessageChannel.EMAIL,
            person=accepting,
            platform_id=case.world.platform.id,
            attendance_id=case.attendances[1].id,
        )
        is None
    )


def test_nobody_who_opposed_or_was_anonymised_gets_a_message(app, session, today, mailbox) -> None:
    """Issue 12: the opposition recorded on the file stops every message, even one already asked for."""
    case = make_upcoming_session(
        session,
        today,
        people=[
            {"first_name": "Inès", "email": "ines@exemple.test"},
            {"first_name": "Léa", "email": "lea@exemple.test"},
        ],
    )
    opposing, accepting = case.persons
    rights.record_opposition(session, opposing, on=today, actor=case.world.delegate)
    assert may_message(opposing, MessageKind.CONVOCATION, MessageChannel.EMAIL).reason == (
        "La personne s'est opposée à recevoir des messages."
    )
    done = convocations.convoke_info_session(
        session, case.info_session, [a.id for a in case.attendances], case.world.delegate
    )
    session.commit()
    assert done.on_paper == [case.attendances[0].id]
    assert [m["To"] for m in mailbox.messages] == ["lea@exemple.test"]
    message = queue_message(
        session,
        kind=MessageKind.REMINDER,
        channel=MessageChannel.EMAIL,
        person=accepting,
        platform_id=case.world.platform.id,
        attendance_id=case.attendances[1].id,
    )
    assert message is not None
    rights.record_opposition(session, accepting, on=today, actor=case.world.delegate)
    session.commit()
    session.expire_all()
    assert session.get(OutgoingMessage, message.id).status is MessageStatus.CANCELLED
    assert [m["To"] for m in mailbox.messages] == ["lea@exemple.test"]


def test_an_unreachable_server_is_tried_again_then_the_message_fails(
    app, session, today, monkeypatch
) -> None:
    case = make_upcoming_session(session, today, people=[{"email": "a@exemple.test"}])
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for key, value in {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setitem(app.config, "JOBS_IMMEDIATE", True)
    message = queue_message(
        session,
        kind=MessageKind.CONVOCATION,
        channel=MessageChannel.EMAIL,
        person=case.persons[0],
        platform_id=case.world.platform.id,
        attendance_id=case.attendances[0].id,
    )
    message_id = message.id
    # Committed without its job running: the test plays the queue's tries itself.
    monkeypatch.setattr("pathways.jobs.service.send", lambda job_id, kind: None)
    session.commit()
    with pytest.raises(DeliveryError):
        deliver_message(session, message_id, last_try=False)
    session.rollback()
    logged = session.get(OutgoingMessage, message_id)
    assert (logged.status, logged.attempts) == (MessageStatus.QUEUED, 1)
    assert "injoignable" in logged.error
    outcome = deliver_message(session, message_id, last_try=True)
    session.commit()
    assert outcome.status is MessageStatus.FAILED
    assert session.get(OutgoingMessage, message_id).attempts == 2


def test_an_address_the_server_refuses_fails_at_once(app, session, today, mailbox) -> None:
    mailbox.refused.add("inconnue@exemple.test")
    case = make_upcoming_session(session, today, people=[{"email": "inconnue@exemple.test"}])
    convocations.convoke_info_session(
        session, case.info_session, [case.attendances[0].id], case.world.delegate
    )
    session.commit()
    logged = session.scalars(sa.select(OutgoingMessage)).one()
    assert logged.status is MessageStatus.FAILED
    assert logged.error == "adresse refusée (SMTP 550)"
    assert mailbox.messages == []


def test_without_a_mail_server_everything_goes_on_paper(app, session, today, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "off")
    case = make_upcoming_session(session, today, people=[{"email": "a@exemple.test"}])
    done = convocations.convoke_info_session(
        session, case.info_session, [case.attendances[0].id], case.world.delegate
    )
    session.commit()
    assert done.on_paper == [case.attendances[0].id]
    assert done.by_email == []
    assert session.scalar(sa.select(sa.func.count()).select_from(OutgoingMessage)) == 0


def test_the_printed_letters_say_everything_a_convocation_says(app, session, today, mailbox) -> None:
    from pathways.messaging.texts import letters_html, letters_pdf

    case = make_upcoming_session(
        session,
        today,
        people=[{"first_name": "Jules", "last_name": "Petit", "city": "Limay", "postal_code": "78520"}],
    )
    convocations.convoke_info_session(
        session, case.info_session, [case.attendances[0].id], case.world.delegate
    )
    session.commit()
    letters = convocations.info_session_letters(session, case.info_session, [case.attendances[0].id])
    html = unescape(letters_html(letters, {letters[0].record_id: "https://pathways.test/reponse/abc"}))
    for words in (
        "Jules PETIT",
        "78520 Limay",
        "de 9 h 30 à 12 h",
        "Bus 12, arrêt Mairie",
        "01 99 00 01 78",
        "une pièce d'identité",
        "https://pathways.test/reponse/abc",
    ):
        assert words in html, words
    pdf = letters_pdf(letters, {letters[0].record_id: None})
    assert pdf.startswith(b"%PDF")


def test_no_message_carries_notes_or_health_details(app, session, today, mailbox, monkeypatch) -> None:
    from pathways.services import barrier as barrier_service
    from pathways.services import coaccompaniment
    from pathways.services.enrolment import open_pathway_of
    from pathways.services.reminders import queue_reminders
    from pathways.workdays import working_days_before

    convoked_at = datetime.combine(today, datetime.min.time(), tzinfo=clock.PLATFORM_TIMEZONE) + timedelta(
        hours=10
    )
    monkeypatch.setattr(clock, "now", lambda: convoked_at)
    case = make_upcoming_session(session, today, people=[{"first_name": "Awa", "email": "awa@exemple.test"}])
    pathway = open_pathway_of(session, case.persons[0])
    coaccompaniment.add_note(session, pathway, body="Note confidentielle 91bc", actor=case.world.delegate)
    barrier_service.identify_barrier(
        session,
        pathway,
        category="health",
        identified_on=today,
        actor=case.world.delegate,
        details="Lombalgie chronique 7f3a",
    )
    convocations.convoke_info_session(
        session, case.info_session, [case.attendances[0].id], case.world.delegate
    )
    session.commit()
    due = working_days_before(case.info_session.held_on, 2)
    moment = datetime.combine(due, datetime.min.time(), tzinfo=clock.PLATFORM_TIMEZONE) + timedelta(hours=9)
    monkeypatch.setattr(clock, "now", lambda: moment)
    monkeypatch.setattr(clock, "today", lambda: due)
    assert queue_reminders(session) == 1
    session.commit()
    assert len(mailbox.messages) == 2
    for mail in mailbox.messages:
        # Every part decoded (the wire form is quoted-printable or base64).
        raw = "".join(part.get_content() for part in mail.walk() if part.get_content_maintype() == "text")
        assert "Awa" in raw
        for secret in ("91bc", "7f3a", "Lombalgie", "confidentielle", "santé"):
            assert secret not in raw, secret

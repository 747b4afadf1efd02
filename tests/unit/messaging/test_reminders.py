"""Reminders leave by themselves: the job queue's periodic job, at the right moment (time frozen), once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from pathways import clock
from pathways.jobs.service import enqueue_periodic
from pathways.models import BackgroundJob, OrientationParticipant, OutgoingMessage
from pathways.services import answers, convocations
from pathways.services import sessions as session_service
from pathways.services.enrolment import join_orientation_week
from pathways.services.reminders import queue_reminders
from pathways.states import State
from pathways.vocabulary import InvitationAnswer, JobStatus, MessageChannel, MessageKind, MessageStatus
from pathways.workdays import working_days_before
from tests.factories import make_pathway
from tests.unit.messaging.conftest import make_upcoming_session, make_week_participant


def freeze(monkeypatch: pytest.MonkeyPatch, day: date, hour: int, minute: int = 0) -> datetime:
    """The platforms' clock at ``day`` ``hour``:``minute``, Paris time."""
    moment = datetime.combine(day, time(hour, minute), tzinfo=clock.PLATFORM_TIMEZONE)
    monkeypatch.setattr(clock, "now", lambda: moment)
    monkeypatch.setattr(clock, "today", lambda: day)
    return moment


def run_periodic(session) -> None:
    """What the consumer's scheduler does each hour: ask for the job (it runs at once in tests)."""
    enqueue_periodic("messages.reminders")
    session.expire_all()


def reminders(session) -> list[OutgoingMessage]:
    return list(
        session.scalars(sa.select(OutgoingMessage).where(OutgoingMessage.kind != MessageKind.CONVOCATION))
    )


def test_the_reminder_leaves_two_working_days_before_from_8_am_and_once(
    app, session, monkeypatch, mailbox
) -> None:
    monday = date(2026, 6, 15)
    freeze(monkeypatch, monday, 10)
    # A Thursday session: reminded on the Tuesday before.
    case = make_upcoming_session(
        session, monday, people=[{"first_name": "Awa", "email": "awa@exemple.test"}], days_ahead=10
    )
    held_on = case.info_session.held_on
    assert held_on.weekday() == 3
    convocations.convoke_info_session(
        session, case.info_session, [case.attendances[0].id], case.world.delegate
    )
    session.commit()
    assert len(mailbox.messages) == 1  # the convocation

    due = working_days_before(held_on, 2)
    assert due == held_on - timedelta(days=2)
    freeze(monkeypatch, due - timedelta(days=1), 9)  # the Monday: too early
    run_periodic(session)
    freeze(monkeypatch, due, 7, 59)  # the day, before 8
    run_periodic(session)
    assert reminders(session) == []
    assert len(mailbox.messages) == 1

    freeze(monkeypatch, due, 8, 20)
    run_periodic(session)
    (reminder,) = reminders(session)
    assert (reminder.kind, reminder.channel, reminder.status) == (
        MessageKind.REMINDER,
        MessageChannel.EMAIL,
        MessageStatus.SENT,
    )
    mail = mailbox.messages[-1]
    assert mail["Subject"] == f"Rappel : information collective le {held_on:%d/%m/%Y}"
    text = mail.get_body(("plain",)).get_content()
    assert "Bonjour Awa" in text
    assert "Vous ne nous avez pas encore répondu" in text
    # Run by the job queue: a periodic job's row, done.
    job = session.scalar(sa.select(BackgroundJob).where(BackgroundJob.kind == "messages.reminders"))
    assert job.status is JobStatus.DONE

    # The next runs, that day and the next, send nothing more.
    freeze(monkeypatch, due, 9, 20)
    run_periodic(session)
    freeze(monkeypatch, due + timedelta(days=1), 8, 20)
    run_periodic(session)
    assert len(reminders(session)) == 1
    assert len(mailbox.messages) == 2


def test_no_reminder_to_someone_who_said_no_nor_on_the_day(app, session, monkeypatch, mailbox) -> None:
    monday = date(2026, 6, 15)
    freeze(monkeypatch, monday, 10)
    case = make_upcoming_session(
        session,
        monday,
        people=[{"email": "non@exemple.test"}, {"email": "oui@exemple.test"}],
        days_ahead=10,
    )
    convocations.convoke_info_session(
        session, case.info_session, [a.id for a in case.attendances], case.world.delegate
    )
    session.commit()
    token = convocations.info_session_convocation(session, case.attendances[0]).token
    answers.record_answer(session, answers.read_token(session, token), InvitationAnswer.NOT_ATTENDING)
    session.commit()
    freeze(monkeypatch, working_days_before(case.info_session.held_on, 2), 8)
    assert queue_reminders(session) == 1
    session.commit()
    assert [m["To"] for m in mailbox.messages[2:]] == ["oui@exemple.test"]
    # The day of the session: no « reminder » any more.
    freeze(monkeypatch, case.info_session.held_on, 8)
    assert queue_reminders(session) == 0


def test_a_fresh_convocation_is_not_reminded_and_holidays_do_not_count(
    app, session, monkeypatch, mailbox
) -> None:
    # Tuesday 7 April 2026 follows Easter Monday: two working days before is Thursday 2 April.
    assert working_days_before(date(2026, 4, 7), 2) == date(2026, 4, 2)
    assert working_days_before(date(2026, 6, 22), 2) == date(2026, 6, 18)  # a Monday: the Thursday before
    wednesday = date(2026, 6, 17)
    freeze(monkeypatch, wednesday, 9)
    case = make_upcoming_session(session, wednesday, people=[{"email": "a@exemple.test"}], days_ahead=5)
    held_on = case.info_session.held_on  # Monday 22 June
    convocations.convoke_info_session(
        session, case.info_session, [case.attendances[0].id], case.world.delegate
    )
    session.commit()
    freeze(monkeypatch, date(2026, 6, 18), 8, 30)  # due, but convoked less than a day ago
    assert queue_reminders(session) == 0
    freeze(monkeypatch, date(2026, 6, 19), 8, 30)  # Friday: the reminder goes
    assert queue_reminders(session) == 1
    freeze(monkeypatch, date(2026, 6, 20), 8, 30)  # Saturday: already sent
    assert queue_reminders(session) == 0
    assert held_on == date(2026, 6, 22)


def test_a_week_is_reminded_before_and_on_the_morning_of_its_first_day(
    app, session, monkeypatch, mailbox
) -> None:
    monday = date(2026, 6, 15)
    freeze(monkeypatch, monday, 9)
    case = make_upcoming_session(session, monday, people=[], days_ahead=3)
    world = case.world
    week, pathway, participant = make_week_participant(
        session, world, date(2026, 6, 29), monday - timedelta(days=10)
    )
    pathway.person.email = "semaine@exemple.test"
    pathway.person.phone = "06 11 22 33 44"
    pathway.person.sms_allowed = True
    convocations.convoke_week(session, week, [participant.id], world.delegate)
    session.commit()
    assert (
        mailbox.messages[-1]["Subject"] == "Convocation : semaine du pôle orientation du 29/06 au 03/07/2026"
    )

    freeze(monkeypatch, date(2026, 6, 25), 8, 5)  # Thursday, two working days before
    assert queue_reminders(session) == 1  # e-mail only: no SMS provider configured
    session.commit()
    freeze(monkeypatch, date(2026, 6, 29), 6, 55)
    assert queue_reminders(session) == 0  # before 7 a.m.
    freeze(monkeypatch, date(2026, 6, 29), 7, 10)
    assert queue_reminders(session) == 1
    session.commit()
    assert mailbox.messages[-1]["Subject"] == "C'est aujourd'hui : semaine du pôle orientation"
    freeze(monkeypatch, date(2026, 6, 29), 7, 40)
    assert queue_reminders(session) == 0  # once
    kinds = [m.kind for m in reminders(session)]
    assert kinds == [MessageKind.REMINDER, MessageKind.FIRST_DAY]


def test_a_first_day_reminder_too_late_in_the_morning_is_not_sent(app, session, monkeypatch, mailbox) -> None:
    monday = date(2026, 6, 15)
    freeze(monkeypatch, monday, 9)
    case = make_upcoming_session(session, monday, people=[], days_ahead=3)
    world = case.world
    week = session_service.create_orientation_week(
        session, world.platform, starts_on=date(2026, 6, 22), place="Mantes", seats=10, actor=world.delegate
    )
    pathway = make_pathway(session, world, State.REFERRED, start=monday - timedelta(days=10))
    pathway.person.email = "tard@exemple.test"
    join_orientation_week(session, week, pathway, availability_confirmed=True, actor=world.delegate)
    participant = session.scalars(sa.select(OrientationParticipant)).one()
    convocations.convoke_week(session, week, [participant.id], world.delegate)
    session.commit()
    freeze(monkeypatch, date(2026, 6, 22), 10, 30)  # no hours: 10 a.m. is the limit
    assert queue_reminders(session) == 0


def test_sms_reminders_reach_the_provider_only_for_people_who_said_yes(
    app, session, monkeypatch, mailbox, sms_provider
) -> None:
    monday = date(2026, 6, 15)
    freeze(monkeypatch, monday, 10)
    case = make_upcoming_session(
        session,
        monday,
        people=[
            {"first_name": "Oui", "phone": "06 12 34 56 78", "sms_allowed": True},
            {"first_name": "Non", "phone": "06 98 76 54 32", "sms_allowed": False},
            {"first_name": "Fixe", "phone": "01 30 00 00 00", "sms_allowed": True},
        ],
        days_ahead=10,
    )
    convocations.convoke_info_session(
        session, case.info_session, [a.id for a in case.attendances], case.world.delegate
    )
    session.commit()
    freeze(monkeypatch, working_days_before(case.info_session.held_on, 2), 9)
    assert queue_reminders(session) == 1
    session.commit()
    (payload,) = sms_provider.received
    assert payload["recipients"] == ["+33612345678"]
    assert payload["sender"] == "Plateforme"
    assert payload["message"].startswith("Bonjour Oui, rappel : information collective le ")
    assert "https://pathways.test/reponse/" in payload["message"]
    assert sms_provider.headers[0]["Authorization"] == "Bearer cle-de-test"
    logged = session.scalars(
        sa.select(OutgoingMessage).where(OutgoingMessage.channel == MessageChannel.SMS)
    ).one()
    assert (logged.status, logged.recipient) == (MessageStatus.SENT, "+33612345678")


def test_the_sms_provider_refusing_a_number_fails_the_message_without_retry(
    app, session, monkeypatch, mailbox, sms_provider
) -> None:
    sms_provider.status = 400
    monday = date(2026, 6, 15)
    freeze(monkeypatch, monday, 10)
    case = make_upcoming_session(
        session, monday, people=[{"phone": "0612345678", "sms_allowed": True}], days_ahead=10
    )
    convocations.convoke_info_session(
        session, case.info_session, [case.attendances[0].id], case.world.delegate
    )
    session.commit()
    freeze(monkeypatch, working_days_before(case.info_session.held_on, 2), 9)
    queue_reminders(session)
    session.commit()
    logged = session.scalars(
        sa.select(OutgoingMessage).where(OutgoingMessage.channel == MessageChannel.SMS)
    ).one()
    assert logged.status is MessageStatus.FAILED
    assert logged.error == "refus du fournisseur de SMS (HTTP 400)"
    assert len(sms_provider.received) == 1


def test_without_credentials_the_sms_channel_is_closed(app) -> None:
    from pathways.messaging.sms import DisabledGateway, mobile_number, sms_gateway

    assert isinstance(sms_gateway({"SMS_API_URL": None, "SMS_API_KEY": None}), DisabledGateway)
    assert isinstance(sms_gateway({"SMS_API_URL": "https://sms.example", "SMS_API_KEY": ""}), DisabledGateway)
    assert mobile_number("06 12 34 56 78") == "+33612345678"
    assert mobile_number("+33 7 12 34 56 78") == "+33712345678"
    assert mobile_number("0033612345678") == "+33612345678"
    for not_mobile in ("01 30 00 00 00", "12", "", None, "06 12 34 56 7"):
        assert mobile_number(not_mobile) is None

"""Messages to persons and accounts: may we send it, the log, and its delivery by the job queue.

``may_message`` is the ONE place that decides whether a person may be sent a
kind of message on a channel. Every message asks it twice: when it is
asked for (``queue_message``) and again when the job sends it
(``deliver_message``) — a person who says no in between gets nothing. The
person's GDPR opposition (``pathways.privacy.rights``) and an anonymised
person are checked there first.

A message is a row of ``outgoing_messages`` (to whom, what kind, which
channel, when, sent or failed — never its text) and a job of the queue
(``messages.send``), retried when the server is unreachable; the text is
written when the job runs, from the data as it is then.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pathways import clock
from pathways.jobs import enqueue
from pathways.messaging.mail import DeliveryError, build_message, mail_backend, sender_of
from pathways.messaging.sms import mobile_number, sms_gateway
from pathways.models import (
    InfoSessionAttendance,
    OrientationParticipant,
    OutgoingMessage,
    Person,
    User,
)
from pathways.models.messaging import ERROR_LENGTH
from pathways.privacy import rights
from pathways.vocabulary import AttendanceStatus, InvitationAnswer, MessageChannel, MessageKind, MessageStatus

logger = logging.getLogger(__name__)

SEND_JOB = "messages.send"
MESSAGE_HEADER = "X-Pathways-Message"


@dataclass(frozen=True)
class Permission:
    """Whether a message may go, and if not why (French, shown to the délégué)."""

    allowed: bool
    reason: str | None = None

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Permission(True)


def may_message(person: Person, kind: MessageKind, channel: MessageChannel) -> Permission:
    """May the platform send ``person`` a message of ``kind`` on ``channel``? The one decision.

    E-mail: unless the person said no, to the address they gave. SMS: only
    if they said yes, to a French mobile number. Only messages about their
    own convocations go to a person (the digest goes to accounts).
    """
    if not kind.to_person:
        return Permission(False, "Ce message ne s'adresse pas aux personnes accompagnées.")
    if rights.opposes_messages(person):
        return Permission(False, "La personne s'est opposée à recevoir des messages.")
    if channel is MessageChannel.EMAIL:
        if not person.email_allowed:
            return Permission(False, "La personne ne souhaite pas recevoir de courriel.")
        if not person.email:
            return Permission(False, "La personne n'a pas d'adresse électronique.")
        return ALLOWED
    if channel is MessageChannel.SMS:
        if not person.sms_allowed:
            return Permission(False, "La personne n'a pas accepté de recevoir des SMS.")
        if mobile_number(person.phone) is None:
            return Permission(False, "La personne n'a pas de numéro de téléphone mobile.")
        return ALLOWED
    return Permission(False, "Canal inconnu.")


def channel_open(channel: MessageChannel) -> bool:
    """Whether the platform can send on ``channel`` at all (e-mail configured, SMS provider set)."""
    config = current_app.config
    if channel is MessageChannel.EMAIL:
        return mail_backend(config).enabled
    return sms_gateway(config).enabled


def _recipient(person: Person | None, user: User | None, channel: MessageChannel) -> str | None:
    if user is not None:
        return user.email
    assert person is not None
    if channel is MessageChannel.EMAIL:
        return person.email
    return mobile_number(person.phone)


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def queue_message(
    session: Session,
    *,
    kind: MessageKind,
    channel: MessageChannel,
    platform_id: int | None,
    person: Person | None = None,
    user: User | None = None,
    attendance_id: int | None = None,
    participant_id: int | None = None,
    dedup_key: str | None = None,
    actor: User | None = None,
) -> OutgoingMessage | None:
    """Log a message and ask the job queue to send it; None when not allowed or already asked for.

    ``dedup_key``: the same key never gives two messages (a reminder is sent
    once, whatever how often the periodic job runs). The job leaves when
    the caller's transaction commits.
    """
    if person is not None and not may_message(person, kind, channel):
        return None
    recipient = _recipient(person, user, channel)
    if not recipient:
        return None
    values = {
        "platform_id": platform_id,
        "kind": kind,
        "channel": channel,
        "status": MessageStatus.QUEUED,
        "person_id": person.id if person else None,
        "user_id": user.id if user else None,
        "attendance_id": attendance_id,
        "participant_id": participant_id,
        "recipient": recipient[:254],
        "dedup_key": dedup_key,
        "attempts": 0,
        "asked_by_id": actor.id if actor else None,
        "created_at": clock.now(),
    }
    insert = _insert(session)(OutgoingMessage).values(**values)
    if dedup_key is not None:
        insert = insert.on_conflict_do_nothing(index_elements=["dedup_key"])
    message_id = session.scalar(insert.returning(OutgoingMessage.id))
    if message_id is None:
        return None  # asked for already
    enqueue(
        session,
        SEND_JOB,
        {"message_id": message_id},
        actor=None,
        idempotency_key=f"message:{message_id}",
        platform_id=platform_id,
        title=f"Envoi : {kind.label.lower()} ({channel.label.lower()})",
    )
    return session.get(OutgoingMessage, message_id)


# --- delivery (the job) --------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: MessageStatus
    reason: str | None = None


def _cancel(message: OutgoingMessage, reason: str) -> Outcome:
    message.status = MessageStatus.CANCELLED
    message.error = reason[:ERROR_LENGTH]
    return Outcome(MessageStatus.CANCELLED, reason)


def _record_try(session: Session, message_id: int, reason: str) -> None:
    """A failed try, written at once on a connection of its own (the job's work is rolled back)."""
    bind = session.get_bind()
    with getattr(bind, "engine", bind).begin() as connection:
        connection.execute(
            sa.update(OutgoingMessage)
            .where(OutgoingMessage.id == message_id)
            .values(attempts=OutgoingMessage.attempts + 1, error=reason[:ERROR_LENGTH])
        )


def deliver_message(session: Session, message_id: int, *, last_try: bool = True) -> Outcome:
    """Write and send message ``message_id`` (once: a message already sent is left alone).

    A temporary failure raises ``DeliveryError`` for the job queue to try
    again, unless ``last_try``; a permanent one, or the last try, leaves the
    message ``failed`` with the short reason.
    """
    message = session.get(OutgoingMessage, message_id)
    if message is None or message.status is not MessageStatus.QUEUED:
        return Outcome(message.status if message else MessageStatus.CANCELLED)
    person = session.get(Person, message.person_id) if message.person_id else None
    user = session.get(User, message.user_id) if message.user_id else None
    if person is not None:
        permission = may_message(person, message.kind, message.channel)
        if not permission:
            return _cancel(message, permission.reason or "non autorisé")
    if user is not None and not user.is_active:
        return _cancel(message, "compte désactivé")
    if message.kind is MessageKind.DIGEST and user is not None and not user.weekly_digest:
        return _cancel(message, "agenda du lundi arrêté")
    recipient = _recipient(person, user, message.channel)
    if not recipient:
        return _cancel(message, "plus d'adresse")
    content = _content(session, message, recipient)
    if isinstance(content, Outcome):
        return _cancel(message, content.reason or "plus d'actualité")
    config = current_app.config
    try:
        if message.channel is MessageChannel.EMAIL:
            mime = build_message(content, sender_of(config))
            mime[MESSAGE_HEADER] = str(message.id)  # the log's row, for the capture page
            mail_backend(config).send(mime)
        else:
            sms_gateway(config).send(recipient, content)
    except DeliveryError as error:
        logger.warning("message %s (%s) not delivered: %s", message.id, message.kind.value, error.reason)
        if not error.permanent and not last_try:
            _record_try(session, message.id, error.reason)
            raise
        message.status = MessageStatus.FAILED
        message.attempts += 1
        message.error = error.reason[:ERROR_LENGTH]
        return Outcome(MessageStatus.FAILED, error.reason)
    message.status = MessageStatus.SENT
    message.attempts += 1
    message.error = None
    message.recipient = recipient[:254]
    message.sent_at = clock.now()
    return Outcome(MessageStatus.SENT)


def _content(session: Session, message: OutgoingMessage, recipient: str) -> Any:
    """What ``message`` says (an ``Email``, or an SMS text), or an ``Outcome`` when it should not go."""
    from pathways.messaging import texts
    from pathways.messaging.links import absolute_url
    from pathways.services import convocations

    if message.kind is MessageKind.DIGEST:
        from pathways.services.agenda import digest_for

        return digest_for(session, session.get_one(User, message.user_id), recipient)
    if message.kind is MessageKind.RETENTION:
        from pathways.privacy.retention import retention_email_for

        return retention_email_for(session, session.get_one(User, message.user_id), recipient)
    if message.attendance_id is not None:
        attendance = session.get(InfoSessionAttendance, message.attendance_id)
        if attendance is None:
            return Outcome(MessageStatus.CANCELLED, "inscription retirée")
        convocation = convocations.info_session_convocation(session, attendance)
        answered = attendance.answer is not None
        gone = attendance.status in (AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT)
    else:
        participant = session.get(OrientationParticipant, message.participant_id)
        if participant is None:
            return Outcome(MessageStatus.CANCELLED, "participation retirée")
        convocation = convocations.week_convocation(session, participant)
        answered = participant.answer is not None
        gone = participant.answer is InvitationAnswer.NOT_ATTENDING
    answer_url = absolute_url("answers.show", token=convocation.token)
    if message.kind is MessageKind.CONVOCATION:
        return texts.convocation_email(convocation, recipient, answer_url)
    if gone:
        return Outcome(MessageStatus.CANCELLED, "la personne a dit qu'elle ne viendrait pas")
    if clock.today() > convocation.first_day:
        return Outcome(MessageStatus.CANCELLED, "rendez-vous passé")
    first_day = message.kind is MessageKind.FIRST_DAY
    if message.channel is MessageChannel.SMS:
        return texts.reminder_sms(convocation, answer_url, first_day=first_day, answered=answered)
    return texts.reminder_email(convocation, recipient, answer_url, first_day=first_day, answered=answered)


# --- reading the log -------------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedMessage:
    id: int
    created_at: Any
    sent_at: Any
    kind: MessageKind
    channel: MessageChannel
    status: MessageStatus
    recipient: str
    error: str | None
    attempts: int
    first_name: str | None
    last_name: str | None
    pathway_id: int | None


def message_log(session: Session, platform_id: int, *, limit: int = 200) -> list[LoggedMessage]:
    """The platform's latest messages: to whom, what, when, sent or failed (never the text)."""
    from pathways.models import Pathway

    latest_pathway = (
        sa.select(sa.func.max(Pathway.id))
        .where(Pathway.person_id == OutgoingMessage.person_id)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(
            OutgoingMessage.id,
            OutgoingMessage.created_at,
            OutgoingMessage.sent_at,
            OutgoingMessage.kind,
            OutgoingMessage.channel,
            OutgoingMessage.status,
            OutgoingMessage.recipient,
            OutgoingMessage.error,
            OutgoingMessage.attempts,
            Person.first_name,
            Person.last_name,
            latest_pathway,
        )
        .outerjoin(Person, Person.id == OutgoingMessage.person_id)
        .where(OutgoingMessage.platform_id == platform_id)
        .order_by(OutgoingMessage.created_at.desc(), OutgoingMessage.id.desc())
        .limit(limit)
    )
    return [
        LoggedMessage(
            row[0],
            row[1],
            row[2],
            MessageKind(row[3]),
            MessageChannel(row[4]),
            MessageStatus(row[5]),
            *row[6:],
        )
        for row in rows
    ]


def message_platforms(session: Session, message_ids: list[int]) -> dict[int, int | None]:
    return dict(
        session.execute(
            sa.select(OutgoingMessage.id, OutgoingMessage.platform_id).where(
                OutgoingMessage.id.in_(message_ids)
            )
        ).all()
    )

"""The person's answer to a convocation, through a personal link: no account, one answer.

The link carries a token signed with the application's secret key
(``itsdangerous``), under a salt of its own: a token made for anything else
of the application (a session cookie, another purpose) never opens it, and
this one opens nothing else. It names the convocation (an information
session's attendance or a week's participant) and the last day it may be
used — the day of the session, or the week's first day —, both under the
signature: changing a character gives an invalid link, and guessing one
means guessing the HMAC. The page reveals the session (date, hours, place)
and the person's first name, nothing else.

Replay rule: an answer is recorded once. The same link opened again shows
the answer already recorded (and when), and cannot change it: to change
their mind the person calls the number of the convocation (the page says
so), and the délégué notes it. Attendance noted after the session wins
over any answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.models import InfoSessionAttendance, OrientationParticipant, Pathway, Person, User
from pathways.models.orientation import ANSWER_REASON_LENGTH, ORIENTATION_WEEK_DAYS
from pathways.services.pathway import InvalidInput
from pathways.vocabulary import AttendanceStatus, InvitationAnswer

SALT = "pathways.convocation-answer.v1"
INFO_SESSION, WEEK = "s", "w"


class LinkInvalid(Exception):
    """Not a link the tool made, or one whose convocation no longer exists."""


class LinkExpired(Exception):
    """A real link, past its last day."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def answer_token(kind: str, record_id: int, valid_until: date) -> str:
    """The token of a convocation's answer link (``kind``: ``INFO_SESSION`` or ``WEEK``)."""
    return _serializer().dumps({"k": kind, "i": record_id, "u": valid_until.isoformat()})


@dataclass(frozen=True)
class Invitation:
    """What the public page may know: the convocation, and the person's first name."""

    kind: str
    record: InfoSessionAttendance | OrientationParticipant
    first_name: str
    title: str
    first_day: date
    days: int
    valid_until: date

    @property
    def answered(self) -> bool:
        return self.record.answer is not None

    @property
    def attendance_noted(self) -> bool:
        """The session took place and the attendance was noted: an answer means nothing any more."""
        if isinstance(self.record, InfoSessionAttendance):
            return self.record.status.is_noted and self.record.answer is None
        return bool(self.record.days)


def read_token(session: Session, token: str) -> Invitation:
    """The convocation ``token`` opens, or ``LinkInvalid`` / ``LinkExpired``."""
    try:
        payload = _serializer().loads(token)
        kind, record_id, valid_until = payload["k"], int(payload["i"]), date.fromisoformat(payload["u"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkInvalid from None
    if kind == INFO_SESSION:
        attendance = session.get(InfoSessionAttendance, record_id)
        if attendance is None:
            raise LinkInvalid
        person = session.get_one(Person, attendance.person_id)
        if person.anonymised_on is not None:  # the person's data is gone: so is the link
            raise LinkInvalid
        invitation = Invitation(
            kind,
            attendance,
            person.first_name,
            "Information collective",
            attendance.session.held_on,
            1,
            valid_until,
        )
    elif kind == WEEK:
        participant = session.get(OrientationParticipant, record_id)
        if participant is None:
            raise LinkInvalid
        pathway = session.get_one(Pathway, participant.pathway_id)
        if pathway.person.anonymised_on is not None:
            raise LinkInvalid
        invitation = Invitation(
            kind,
            participant,
            pathway.person.first_name,
            "Semaine du pôle orientation",
            participant.week.starts_on,
            ORIENTATION_WEEK_DAYS,
            valid_until,
        )
    else:
        raise LinkInvalid
    if clock.today() > valid_until:
        raise LinkExpired
    return invitation


def record_answer(
    session: Session, invitation: Invitation, answer: InvitationAnswer | str, reason: str | None = None
) -> bool:
    """Record the person's answer; False (and nothing changed) when one was already recorded.

    « Je serai présent·e » confirms, « je ne pourrai pas venir » excuses (an
    information session's status says so at once; a week's is read from the
    answer), « je souhaite être rappelé·e » waits for the délégué's call.
    """
    try:
        answer = InvitationAnswer(answer)
    except ValueError:
        raise InvalidInput(["Choisissez l'une des trois réponses."]) from None
    record = invitation.record
    if record.answer is not None or invitation.attendance_noted:
        return False
    reason = (reason or "").strip()[:ANSWER_REASON_LENGTH] or None
    record.answer = answer
    record.answer_reason = reason if answer is not InvitationAnswer.ATTENDING else None
    record.answered_at = clock.now()
    if isinstance(record, InfoSessionAttendance) and not record.status.is_noted:
        if answer is InvitationAnswer.ATTENDING:
            record.status = AttendanceStatus.CONFIRMED
        elif answer is InvitationAnswer.NOT_ATTENDING:
            record.status = AttendanceStatus.EXCUSED
    session.flush()
    is_attendance = isinstance(record, InfoSessionAttendance)
    audit.record(
        session,
        None,
        "convocation.answer",
        object_type="info_session_attendance" if is_attendance else "orientation_participant",
        object_id=record.id,
        platform_id=record.session.platform_id if is_attendance else record.week.platform_id,  # type: ignore[union-attr]
        # The answer, never the reason: it is the person's own words.
        changes={"answer": (None, answer.value)},
    )
    return True


def record_call_back(
    session: Session, record: InfoSessionAttendance | OrientationParticipant, actor: User | None
) -> None:
    """The délégué called the person back (« je souhaite être rappelé·e »)."""
    if record.answer is not InvitationAnswer.CALL_BACK:
        raise InvalidInput(["Cette personne n'a pas demandé à être rappelée."])
    if record.called_back_on is not None:
        raise InvalidInput([f"Le rappel est déjà noté (le {record.called_back_on:%d/%m/%Y})."])
    record.called_back_on = clock.today()
    session.flush()
    is_attendance = isinstance(record, InfoSessionAttendance)
    audit.record(
        session,
        actor,
        "convocation.called_back",
        object_type="info_session_attendance" if is_attendance else "orientation_participant",
        object_id=record.id,
        platform_id=record.session.platform_id if is_attendance else record.week.platform_id,  # type: ignore[union-attr]
    )

"""Convocations to information sessions and orientation weeks: one action for a whole list.

The délégué convokes, in one action, the people of a session or a week not
convoked yet: each one gets the convocation by e-mail (with an ``.ics``)
when ``may_message`` allows it and e-mail is configured; the others are
« à imprimer »: their letters make one PDF (one page each) to print and
post or hand over. Either way the person is *convoqué·e* from then on,
and their convocation carries a personal answer link (``services.answers``).

Rules decided here, as a délégué would expect: a session already held, or a
week already begun, convokes nobody; a person convoked is not convoked a
second time by the same action (the action is safe to repeat); the letter of
a person already convoked can always be printed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import audit, clock
from pathways.models import (
    InfoSession,
    InfoSessionAttendance,
    OrientationParticipant,
    OrientationWeek,
    OutgoingMessage,
    Pathway,
    Person,
    Platform,
    User,
)
from pathways.models.orientation import ORIENTATION_WEEK_DAYS
from pathways.services import answers
from pathways.services.messaging import channel_open, may_message, queue_message
from pathways.services.pathway import InvalidInput
from pathways.vocabulary import AttendanceStatus, MessageChannel, MessageKind, MessageStatus

INFO_SESSION_TITLE = "Information collective"
WEEK_TITLE = "Semaine du pôle orientation"
TO_BRING = {
    answers.INFO_SESSION: (
        "une pièce d'identité",
        "votre CV si vous en avez un",
        "de quoi prendre des notes",
    ),
    answers.WEEK: (
        "une pièce d'identité",
        "votre CV si vous en avez un",
        "votre identifiant France Travail si vous êtes inscrit·e",
        "de quoi prendre des notes",
        "de quoi déjeuner, chaque jour de la semaine",
    ),
}
PURPOSE = {
    answers.INFO_SESSION: (
        "découvrir les métiers de l'accompagnement des personnes âgées et en situation de handicap, "
        "les formations qui y mènent et l'accompagnement que propose la plateforme"
    ),
    answers.WEEK: (
        "construire votre projet professionnel : ateliers, rencontres avec des professionnels, "
        "visites et un bilan individuel en fin de semaine"
    ),
}


@dataclass(frozen=True)
class Convocation:
    """Everything a convocation says, for the e-mail, the letter and the reminders."""

    kind: str  # answers.INFO_SESSION or answers.WEEK
    record_id: int
    person_id: int
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    city: str | None
    postal_code: str | None
    platform_name: str
    title: str
    first_day: date
    days: int
    starts_at: time | None
    ends_at: time | None
    place: str
    access: str | None
    contact_name: str | None
    contact_phone: str | None
    contact_email: str | None
    valid_until: date
    convoked_at: datetime | None

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)

    @property
    def token(self) -> str:
        return answers.answer_token(self.kind, self.record_id, self.valid_until)

    @property
    def to_bring(self) -> tuple[str, ...]:
        return TO_BRING[self.kind]

    @property
    def purpose(self) -> str:
        return PURPOSE[self.kind]

    @property
    def calendar_uid(self) -> str:
        return f"convocation-{self.kind}{self.record_id}@pathways"


def _contact(session: Session, delegate_id: int | None) -> tuple[str | None, str | None]:
    delegate = session.get(User, delegate_id) if delegate_id else None
    if delegate is None:
        return None, None
    return delegate.display_name, delegate.email


def _addressee(person: Person) -> dict[str, Any]:
    """Who a convocation goes to: what the letter's address block and greeting need, nothing else."""
    return {
        "person_id": person.id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "phone": person.phone,
        "city": person.city,
        "postal_code": person.postal_code,
    }


def info_session_convocation(session: Session, attendance: InfoSessionAttendance) -> Convocation:
    info_session = attendance.session
    person = session.get_one(Person, attendance.person_id)
    contact_name, contact_email = _contact(session, info_session.delegate_id)
    return Convocation(
        kind=answers.INFO_SESSION,
        record_id=attendance.id,
        **_addressee(person),
        platform_name=_platform_name(session, info_session.platform_id),
        title=INFO_SESSION_TITLE,
        first_day=info_session.held_on,
        days=1,
        starts_at=info_session.starts_at,
        ends_at=info_session.ends_at,
        place=info_session.place,
        access=info_session.access,
        contact_name=contact_name,
        contact_phone=info_session.contact_phone,
        contact_email=contact_email,
        valid_until=info_session.held_on,
        convoked_at=attendance.convoked_at,
    )


def week_convocation(session: Session, participant: OrientationParticipant) -> Convocation:
    week = participant.week
    pathway = session.get_one(Pathway, participant.pathway_id)
    person = pathway.person
    contact_name, contact_email = _contact(session, week.delegate_id or pathway.delegate_id)
    return Convocation(
        kind=answers.WEEK,
        record_id=participant.id,
        **_addressee(person),
        platform_name=_platform_name(session, week.platform_id),
        title=WEEK_TITLE,
        first_day=week.starts_on,
        days=ORIENTATION_WEEK_DAYS,
        starts_at=week.starts_at,
        ends_at=week.ends_at,
        place=week.place,
        access=week.access,
        contact_name=contact_name,
        contact_phone=week.contact_phone,
        contact_email=contact_email,
        valid_until=week.starts_on,
        convoked_at=participant.convoked_at,
    )


def _platform_name(session: Session, platform_id: int) -> str:
    return session.get_one(Platform, platform_id).name


@dataclass
class Convoked:
    """What a convocation action did: who got an e-mail, whose letter is to print."""

    by_email: list[int] = field(default_factory=list)
    on_paper: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.by_email) + len(self.on_paper)


def _by_email(person: Person) -> bool:
    return bool(may_message(person, MessageKind.CONVOCATION, MessageChannel.EMAIL)) and channel_open(
        MessageChannel.EMAIL
    )


def _convoke(
    session: Session,
    invitations: Sequence[InfoSessionAttendance] | Sequence[OrientationParticipant],
    actor: User | None,
    *,
    platform_id: int,
    audit_object: tuple[str, int],
    deliver: bool,
    at: datetime | None,
) -> Convoked:
    """Mark ``invitations`` convoked at ``at``; e-mail those ``may_message`` allows, the rest on paper."""
    done = Convoked()
    moment = at or clock.now()
    for invitation in invitations:
        invitation.convoked_at = moment
        is_attendance = isinstance(invitation, InfoSessionAttendance)
        if is_attendance:
            invitation.status = AttendanceStatus.CONVOKED
            person = session.get_one(Person, invitation.person_id)
        else:
            person = session.get_one(Pathway, invitation.pathway_id).person
        if deliver and _by_email(person):
            queue_message(
                session,
                kind=MessageKind.CONVOCATION,
                channel=MessageChannel.EMAIL,
                person=person,
                platform_id=platform_id,
                attendance_id=invitation.id if is_attendance else None,
                participant_id=None if is_attendance else invitation.id,
                actor=actor,
            )
            done.by_email.append(invitation.id)
        else:
            done.on_paper.append(invitation.id)
    session.flush()
    object_type, object_id = audit_object
    audit.record(
        session,
        actor,
        f"{object_type}.convoke",
        object_type=object_type,
        object_id=object_id,
        platform_id=platform_id,
        details={"by_email": len(done.by_email), "on_paper": len(done.on_paper), "delivered": deliver},
    )
    return done


def convoke_info_session(
    session: Session,
    info_session: InfoSession,
    attendance_ids: list[int],
    actor: User | None,
    *,
    deliver: bool = True,
    at: datetime | None = None,
) -> Convoked:
    """Convoke the people of ``attendance_ids`` (those the délégué sees) not convoked yet.

    ``deliver=False`` records convocations sent outside the tool (letters
    written by hand, a history being rebuilt): nothing is sent, ``at`` is
    when they went out.
    """
    if deliver and info_session.held_on < clock.today():
        raise InvalidInput(["Cette information collective a eu lieu : il n'y a plus personne à convoquer."])
    attendances = session.scalars(
        sa.select(InfoSessionAttendance)
        .where(
            InfoSessionAttendance.session_id == info_session.id,
            InfoSessionAttendance.id.in_(attendance_ids),
            InfoSessionAttendance.convoked_at.is_(None),
            InfoSessionAttendance.status == AttendanceStatus.REGISTERED,
        )
        .order_by(InfoSessionAttendance.id)
    ).all()
    if not attendances:
        raise InvalidInput(["Toutes les personnes inscrites sont déjà convoquées."])
    return _convoke(
        session,
        attendances,
        actor,
        platform_id=info_session.platform_id,
        audit_object=("info_session", info_session.id),
        deliver=deliver,
        at=at,
    )


def convoke_week(
    session: Session,
    week: OrientationWeek,
    participant_ids: list[int],
    actor: User | None,
    *,
    deliver: bool = True,
    at: datetime | None = None,
) -> Convoked:
    """Convoke the participants of ``participant_ids`` not convoked yet (see ``convoke_info_session``)."""
    if deliver and week.starts_on < clock.today():
        raise InvalidInput(["Cette semaine a commencé : il n'y a plus personne à convoquer."])
    participants = session.scalars(
        sa.select(OrientationParticipant)
        .where(
            OrientationParticipant.week_id == week.id,
            OrientationParticipant.id.in_(participant_ids),
            OrientationParticipant.convoked_at.is_(None),
        )
        .order_by(OrientationParticipant.id)
    ).all()
    if not participants:
        raise InvalidInput(["Toutes les personnes de la semaine sont déjà convoquées."])
    return _convoke(
        session,
        participants,
        actor,
        platform_id=week.platform_id,
        audit_object=("orientation_week", week.id),
        deliver=deliver,
        at=at,
    )


def _emailed(about: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """The convocation went (or is going) by e-mail: otherwise its letter is to print."""
    return sa.exists().where(
        about,
        OutgoingMessage.kind == MessageKind.CONVOCATION,
        OutgoingMessage.status.in_([MessageStatus.QUEUED, MessageStatus.SENT]),
    )


def letters_to_print(
    session: Session, *, attendance_ids: list[int] = (), participant_ids: list[int] = ()
) -> int:  # type: ignore[assignment]
    """How many of these convoked people get their convocation on paper."""
    if attendance_ids:
        return (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(InfoSessionAttendance)
                .where(
                    InfoSessionAttendance.id.in_(list(attendance_ids)),
                    InfoSessionAttendance.convoked_at.is_not(None),
                    ~_emailed(OutgoingMessage.attendance_id == InfoSessionAttendance.id),
                )
            )
            or 0
        )
    if participant_ids:
        return (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(OrientationParticipant)
                .where(
                    OrientationParticipant.id.in_(list(participant_ids)),
                    OrientationParticipant.convoked_at.is_not(None),
                    ~_emailed(OutgoingMessage.participant_id == OrientationParticipant.id),
                )
            )
            or 0
        )
    return 0


def info_session_letters(
    session: Session, info_session: InfoSession, attendance_ids: list[int], *, paper_only: bool = False
) -> list[Convocation]:
    """The convocations of ``attendance_ids`` (convoked ones), by name, for the printed letters.

    ``paper_only``: only those whose convocation did not go by e-mail.
    """
    query = (
        sa.select(InfoSessionAttendance)
        .join(Person, Person.id == InfoSessionAttendance.person_id)
        .where(
            InfoSessionAttendance.session_id == info_session.id,
            InfoSessionAttendance.id.in_(attendance_ids),
            InfoSessionAttendance.convoked_at.is_not(None),
        )
        .order_by(Person.search_name, InfoSessionAttendance.id)
    )
    if paper_only:
        query = query.where(~_emailed(OutgoingMessage.attendance_id == InfoSessionAttendance.id))
    attendances = session.scalars(query).all()
    return [info_session_convocation(session, attendance) for attendance in attendances]


def week_letters(
    session: Session, week: OrientationWeek, participant_ids: list[int], *, paper_only: bool = False
) -> list[Convocation]:
    """The convocations of ``participant_ids`` (convoked ones), by name (``paper_only``: see above)."""
    query = (
        sa.select(OrientationParticipant)
        .join(Pathway, Pathway.id == OrientationParticipant.pathway_id)
        .join(Person, Person.id == Pathway.person_id)
        .where(
            OrientationParticipant.week_id == week.id,
            OrientationParticipant.id.in_(participant_ids),
            OrientationParticipant.convoked_at.is_not(None),
        )
        .order_by(Person.search_name, OrientationParticipant.id)
    )
    if paper_only:
        query = query.where(~_emailed(OutgoingMessage.participant_id == OrientationParticipant.id))
    participants = session.scalars(query).all()
    return [week_convocation(session, participant) for participant in participants]

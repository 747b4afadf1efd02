"""A person's whole record, for the right of access: everything the tool holds about them.

Identity, contact and situation; the notice and the opposition; every
pathway with its dated history, its planned steps, freins (health details
included: it is the person's own data), diagnostics and road map, PMSMP,
trainings, contracts and checkpoints, referents, exchanges, notes, the
conseillers who followed it, the orientation weeks and their attendance;
the information sessions with the convocations' answers; the messages sent
(when, how, to which address — never a text, the tool keeps none); and who
opened the file when (the audit trail's views and the exports of this
record, kept 12 months). Read through the
pathway file's own read model, so the record shows what the file shows.
Written as PDF and as a spreadsheet by ``exports.person_record``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import clock
from pathways.models import (
    AuditEntry,
    InfoSession,
    InfoSessionAttendance,
    OrientationAttendance,
    OrientationParticipant,
    OrientationWeek,
    OutgoingMessage,
    Pathway,
    Person,
    Platform,
    User,
)
from pathways.services.pathway_file import PathwayFile, pathway_file
from pathways.vocabulary import AttendanceStatus, InvitationAnswer, MessageChannel, MessageKind, MessageStatus

# The audit trail's actions that are an access to the person's file.
ACCESS_ACTIONS = {
    "pathway.view": "Consultation du dossier du parcours",
    "person.view": "Consultation de la fiche de la personne",
    "person.access_export": "Export du dossier complet (droit d'accès)",
}


@dataclass(frozen=True)
class OrientationRecord:
    starts_on: date
    place: str
    availability_confirmed: bool
    answer: InvitationAnswer | None
    answer_reason: str | None
    # (day 1..5, present)
    days: list[tuple[int, bool]]


@dataclass(frozen=True)
class PathwayRecord:
    file: PathwayFile
    orientation: list[OrientationRecord]

    @property
    def pathway(self) -> Pathway:
        return self.file.pathway


@dataclass(frozen=True)
class InfoSessionRecord:
    held_on: date
    place: str
    status: AttendanceStatus
    answer: InvitationAnswer | None
    answer_reason: str | None


@dataclass(frozen=True)
class MessageRecord:
    created_at: datetime
    kind: MessageKind
    channel: MessageChannel
    recipient: str
    status: MessageStatus


@dataclass(frozen=True)
class Access:
    at: datetime
    who: str
    role: str
    what: str


@dataclass
class PersonRecord:
    person: Person
    platform: Platform
    informed_by: str | None
    opposed_by: str | None
    pathways: list[PathwayRecord]
    info_sessions: list[InfoSessionRecord]
    messages: list[MessageRecord]
    accesses: list[Access]
    produced_on: date = field(default_factory=clock.today)


def _orientation(session: Session, pathway: Pathway) -> list[OrientationRecord]:
    participants = session.execute(
        sa.select(OrientationParticipant, OrientationWeek)
        .join(OrientationWeek, OrientationWeek.id == OrientationParticipant.week_id)
        .where(OrientationParticipant.pathway_id == pathway.id)
        .order_by(OrientationWeek.starts_on)
    ).all()
    records = []
    for participant, week in participants:
        days = session.execute(
            sa.select(OrientationAttendance.day, OrientationAttendance.present)
            .where(OrientationAttendance.participant_id == participant.id)
            .order_by(OrientationAttendance.day)
        ).all()
        records.append(
            OrientationRecord(
                week.starts_on,
                week.place,
                participant.availability_confirmed,
                participant.answer,
                participant.answer_reason,
                [(d, p) for d, p in days],
            )
        )
    return records


def accesses(session: Session, person: Person, pathway_ids: list[int]) -> list[Access]:
    """Who opened the person's file, and when (most recent first), as long as the trail keeps it."""
    about_person = sa.or_(
        sa.and_(AuditEntry.object_type == "pathway", AuditEntry.object_id.in_(pathway_ids)),
        sa.and_(AuditEntry.object_type == "person", AuditEntry.object_id == person.id),
    )
    rows = session.execute(
        sa.select(AuditEntry.occurred_at, AuditEntry.action, User.full_name, User.email, User.role)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.action.in_(list(ACCESS_ACTIONS)), about_person)
        .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
    ).all()
    return [
        Access(at, full_name or email or "—", role.label if role else "—", ACCESS_ACTIONS[action])
        for at, action, full_name, email, role in rows
    ]


def person_record(session: Session, person: Person) -> PersonRecord:
    """Everything the tool holds about ``person`` (see the module's docstring)."""
    pathways = list(
        session.scalars(sa.select(Pathway).where(Pathway.person_id == person.id).order_by(Pathway.id))
    )
    info_sessions = session.execute(
        sa.select(
            InfoSession.held_on,
            InfoSession.place,
            InfoSessionAttendance.status,
            InfoSessionAttendance.answer,
            InfoSessionAttendance.answer_reason,
        )
        .join(InfoSession, InfoSession.id == InfoSessionAttendance.session_id)
        .where(InfoSessionAttendance.person_id == person.id)
        .order_by(InfoSession.held_on)
    ).all()
    messages = session.execute(
        sa.select(
            OutgoingMessage.created_at,
            OutgoingMessage.kind,
            OutgoingMessage.channel,
            OutgoingMessage.recipient,
            OutgoingMessage.status,
        )
        .where(OutgoingMessage.person_id == person.id)
        .order_by(OutgoingMessage.created_at, OutgoingMessage.id)
    ).all()
    platform = session.get(Platform, person.platform_id)
    assert platform is not None
    return PersonRecord(
        person=person,
        platform=platform,
        informed_by=person.informed_by.display_name if person.informed_by else None,
        opposed_by=person.opposed_by.display_name if person.opposed_by else None,
        pathways=[
            PathwayRecord(pathway_file(session, pathway, health_visible=True), _orientation(session, pathway))
            for pathway in pathways
        ],
        info_sessions=[InfoSessionRecord(*row) for row in info_sessions],
        messages=[MessageRecord(*row) for row in messages],
        accesses=accesses(session, person, [p.id for p in pathways]),
    )

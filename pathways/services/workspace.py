"""Read models of the délégué's and manager's pages: sessions, weeks, their people.

Plain functions returning rows of selected columns; the caller gives the
scope conditions (it knows the user), nothing here knows about the web.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways.models import (
    Diagnostic,
    InfoSession,
    InfoSessionAttendance,
    OrientationAttendance,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    Person,
    Territory,
    User,
)
from pathways.models.orientation import ORIENTATION_WEEK_DAYS
from pathways.paging import PAGE_SIZE, Paged, Window
from pathways.services.attendance import (
    AttendanceCounts,
    info_session_counts,
    participant_status,
    week_counts,
)
from pathways.states import State
from pathways.vocabulary import AttendanceStatus, InvitationAnswer


def session_visibility(
    model: type[InfoSession] | type[OrientationWeek], territory_ids: list[int] | None, user_id: int
) -> sa.ColumnElement[bool]:
    """Sessions a délégué sees: of their territories, of no territory, or their own (``None``: all)."""
    if territory_ids is None:
        return sa.true()
    return sa.or_(
        model.territory_id.is_(None), model.territory_id.in_(territory_ids), model.delegate_id == user_id
    )


def _info_session_rows(platform_id: int, visibility: sa.ColumnElement[bool]) -> sa.Select:
    registered = (
        sa.select(sa.func.count()).where(InfoSessionAttendance.session_id == InfoSession.id).scalar_subquery()
    )
    present = (
        sa.select(sa.func.count())
        .where(
            InfoSessionAttendance.session_id == InfoSession.id,
            InfoSessionAttendance.status == AttendanceStatus.PRESENT,
        )
        .scalar_subquery()
    )
    return (
        sa.select(
            InfoSession.id,
            InfoSession.held_on,
            InfoSession.starts_at,
            InfoSession.ends_at,
            InfoSession.place,
            InfoSession.seats,
            Territory.name.label("territory"),
            registered.label("registered"),
            present.label("present"),
        )
        .outerjoin(Territory, Territory.id == InfoSession.territory_id)
        .where(InfoSession.platform_id == platform_id, visibility)
    )


def _paged(session: Session, query: sa.Select, page: int, page_size: int) -> Paged[sa.Row]:
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    window = Window.of(total, page, page_size)
    return Paged.of(list(session.execute(query.limit(window.size).offset(window.offset))), window)


@dataclass(frozen=True)
class Listed:
    """A session or week of a list, with its attendance counts (``services.attendance``)."""

    row: sa.Row
    counts: AttendanceCounts

    def __getattr__(self, name: str) -> object:
        return getattr(self.row, name)


def _with_counts(
    rows: list[sa.Row], counts: Callable[[list[int]], dict[int, AttendanceCounts]]
) -> list[Listed]:
    found = counts([row.id for row in rows])
    return [Listed(row, found.get(row.id, AttendanceCounts())) for row in rows]


def info_sessions(
    session: Session,
    platform_id: int,
    visibility: sa.ColumnElement[bool],
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Paged[sa.Row]:
    """Information sessions, latest first, a page at a time.

    Rows: id, held_on, starts_at, ends_at, place, seats, territory, registered, present,
    and ``counts`` (by status, with the rates).
    """
    query = _info_session_rows(platform_id, visibility).order_by(
        InfoSession.held_on.desc(), InfoSession.starts_at.desc(), InfoSession.id.desc()
    )
    paged = _paged(session, query, page, page_size)
    rows = _with_counts(paged.rows, lambda ids: info_session_counts(session, ids))
    return replace(paged, rows=rows)


def upcoming_info_sessions(
    session: Session, platform_id: int, visibility: sa.ColumnElement[bool], today: date, limit: int = 5
) -> list[sa.Row]:
    """The next information sessions from ``today``, soonest first (same rows as ``info_sessions``)."""
    query = (
        _info_session_rows(platform_id, visibility)
        .where(InfoSession.held_on >= today)
        .order_by(InfoSession.held_on, InfoSession.starts_at, InfoSession.id)
        .limit(limit)
    )
    return list(session.execute(query))


def _week_rows(platform_id: int, visibility: sa.ColumnElement[bool]) -> sa.Select:
    participants = (
        sa.select(sa.func.count())
        .where(OrientationParticipant.week_id == OrientationWeek.id)
        .scalar_subquery()
    )
    return (
        sa.select(
            OrientationWeek.id,
            OrientationWeek.starts_on,
            OrientationWeek.place,
            OrientationWeek.seats,
            Territory.name.label("territory"),
            participants.label("participants"),
        )
        .outerjoin(Territory, Territory.id == OrientationWeek.territory_id)
        .where(OrientationWeek.platform_id == platform_id, visibility)
    )


def weeks(
    session: Session,
    platform_id: int,
    visibility: sa.ColumnElement[bool],
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Paged[sa.Row]:
    """Orientation weeks, latest first, a page at a time.

    Rows: id, starts_on, place, seats, territory, participants, and ``counts``.
    """
    query = _week_rows(platform_id, visibility).order_by(
        OrientationWeek.starts_on.desc(), OrientationWeek.id.desc()
    )
    paged = _paged(session, query, page, page_size)
    rows = _with_counts(paged.rows, lambda ids: week_counts(session, ids))
    return replace(paged, rows=rows)


def current_and_upcoming_weeks(
    session: Session, platform_id: int, visibility: sa.ColumnElement[bool], today: date, limit: int = 5
) -> list[sa.Row]:
    """Weeks still running on ``today`` or to come, soonest first (same rows as ``weeks``)."""
    query = (
        _week_rows(platform_id, visibility)
        .where(OrientationWeek.starts_on >= today - timedelta(days=ORIENTATION_WEEK_DAYS - 1))
        .order_by(OrientationWeek.starts_on, Territory.name, OrientationWeek.id)
        .limit(limit)
    )
    return list(session.execute(query))


@dataclass(frozen=True)
class Attendee:
    attendance_id: int
    person_id: int
    name: str
    birth_date: date
    status: AttendanceStatus
    pathway_id: int | None
    state: State | None
    convoked_at: datetime | None = None
    answer: InvitationAnswer | None = None
    answer_reason: str | None = None
    answered_at: datetime | None = None
    called_back_on: date | None = None
    # Whether a convocation can go by e-mail (an address, and the person did not refuse).
    by_email: bool = False


def info_session_attendees(
    session: Session, info_session_id: int, scope: sa.ColumnElement[bool]
) -> tuple[list[Attendee], int]:
    """The persons registered at a session with their pathway in progress (if any).

    Only persons with a pathway in ``scope`` (the viewer's) are listed; the
    others are counted, not named: (listed, hidden count).
    """
    open_pathway = (
        sa.select(Pathway.id)
        .where(Pathway.person_id == Person.id, Pathway.state.not_in([State.COMPLETED, State.EXITED]))
        .order_by(Pathway.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(
            InfoSessionAttendance.id,
            Person.id,
            Person.first_name,
            Person.last_name,
            Person.birth_date,
            InfoSessionAttendance.status,
            open_pathway,
            InfoSessionAttendance.convoked_at,
            InfoSessionAttendance.answer,
            InfoSessionAttendance.answer_reason,
            InfoSessionAttendance.answered_at,
            InfoSessionAttendance.called_back_on,
            sa.and_(Person.email.is_not(None), Person.email_allowed.is_(True)),
        )
        .join(Person, Person.id == InfoSessionAttendance.person_id)
        .where(InfoSessionAttendance.session_id == info_session_id)
        .order_by(Person.last_name, Person.first_name)
    ).all()
    visible = set(
        session.scalars(
            sa.select(Pathway.person_id).where(Pathway.person_id.in_([r[1] for r in rows]), scope)
        )
    )
    hidden = sum(1 for r in rows if r[1] not in visible)
    rows = [r for r in rows if r[1] in visible]
    ids = [r[6] for r in rows if r[6]]
    states: dict[int, State] = dict(
        session.execute(sa.select(Pathway.id, Pathway.state).where(Pathway.id.in_(ids))).all()
    )
    return [
        Attendee(
            aid,
            pid,
            f"{first} {last.upper()}",
            birth,
            AttendanceStatus(status),
            pathway_id,
            states.get(pathway_id),
            convoked_at,
            InvitationAnswer(answer) if answer else None,
            reason,
            answered_at,
            called_back_on,
            bool(by_email),
        )
        for (
            aid,
            pid,
            first,
            last,
            birth,
            status,
            pathway_id,
            convoked_at,
            answer,
            reason,
            answered_at,
            called_back_on,
            by_email,
        ) in rows
    ], hidden


@dataclass
class Participant:
    participant_id: int
    pathway_id: int
    name: str
    state: State
    availability_confirmed: bool
    adviser: str | None
    days: dict[int, bool] = field(default_factory=dict)
    diagnostic: bool | None = None  # None: not written; else project validated or not
    status: AttendanceStatus = AttendanceStatus.REGISTERED
    convoked_at: datetime | None = None
    answer: InvitationAnswer | None = None
    answer_reason: str | None = None
    called_back_on: date | None = None
    by_email: bool = False


def week_participants(
    session: Session, week_id: int, scope: sa.ColumnElement[bool]
) -> tuple[list[Participant], int]:
    """The participants of a week whose pathway is in ``scope``, and how many others there are."""
    hidden = (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(OrientationParticipant)
            .join(Pathway, Pathway.id == OrientationParticipant.pathway_id)
            .where(OrientationParticipant.week_id == week_id, sa.not_(scope))
        )
        or 0
    )
    rows = session.execute(
        sa.select(
            OrientationParticipant.id,
            Pathway.id,
            Person.first_name,
            Person.last_name,
            Pathway.state,
            OrientationParticipant.availability_confirmed,
            User.full_name,
            User.email,
            OrientationParticipant.convoked_at,
            OrientationParticipant.answer,
            OrientationParticipant.answer_reason,
            OrientationParticipant.called_back_on,
            sa.and_(Person.email.is_not(None), Person.email_allowed.is_(True)),
        )
        .join(Pathway, Pathway.id == OrientationParticipant.pathway_id)
        .join(Person, Person.id == Pathway.person_id)
        .outerjoin(User, User.id == Pathway.adviser_id)
        .where(OrientationParticipant.week_id == week_id, scope)
        .order_by(Person.last_name, Person.first_name)
    ).all()
    participants = {
        pid: Participant(
            pid,
            pathway_id,
            f"{first} {last.upper()}",
            State(state),
            bool(avail),
            name or email,
            convoked_at=convoked_at,
            answer=InvitationAnswer(answer) if answer else None,
            answer_reason=reason,
            called_back_on=called_back_on,
            by_email=bool(by_email),
        )
        for (
            pid,
            pathway_id,
            first,
            last,
            state,
            avail,
            name,
            email,
            convoked_at,
            answer,
            reason,
            called_back_on,
            by_email,
        ) in rows
    }
    for participant_id, day, present in session.execute(
        sa.select(
            OrientationAttendance.participant_id, OrientationAttendance.day, OrientationAttendance.present
        ).where(OrientationAttendance.participant_id.in_(list(participants)))
    ):
        participants[participant_id].days[day] = present
    for participant in participants.values():
        present_days = sum(1 for present in participant.days.values() if present)
        participant.status = participant_status(
            participant.answer, participant.convoked_at is not None, present_days, len(participant.days)
        )
    by_pathway = {p.pathway_id: p for p in participants.values()}
    for pathway_id, validated in session.execute(
        sa.select(Diagnostic.pathway_id, Diagnostic.project_validated)
        .where(Diagnostic.pathway_id.in_(list(by_pathway)))
        .order_by(Diagnostic.written_on, Diagnostic.id)
    ):
        by_pathway[pathway_id].diagnostic = validated  # the latest wins
    return list(participants.values()), hidden


def waiting_pathways(
    session: Session, scope: sa.ColumnElement[bool], states: tuple[State, ...]
) -> list[tuple[int, str]]:
    """Pathways in scope waiting in ``states`` (to register or to join a week): (id, label)."""
    return [
        (pathway_id, f"{first} {last.upper()} — né·e le {birth:%d/%m/%Y} ({State(state).label})")
        for pathway_id, first, last, birth, state in session.execute(
            sa.select(Pathway.id, Person.first_name, Person.last_name, Person.birth_date, Pathway.state)
            .join(Person, Person.id == Pathway.person_id)
            .where(scope, Pathway.state.in_(states))
            .order_by(Person.last_name, Person.first_name)
            .limit(500)
        )
    ]


WEEK_DAYS = range(1, ORIENTATION_WEEK_DAYS + 1)

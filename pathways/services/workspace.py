"""Read models of the délégué's and manager's pages: sessions, weeks, their people.

Plain functions returning rows of selected columns; the caller gives the
scope conditions (it knows the user), nothing here knows about the web.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

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
from pathways.states import State


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
        .where(InfoSessionAttendance.session_id == InfoSession.id, InfoSessionAttendance.present.is_(True))
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


def info_sessions(
    session: Session,
    platform_id: int,
    visibility: sa.ColumnElement[bool],
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Paged[sa.Row]:
    """Information sessions, latest first, a page at a time.

    Rows: id, held_on, starts_at, ends_at, place, seats, territory, registered, present.
    """
    query = _info_session_rows(platform_id, visibility).order_by(
        InfoSession.held_on.desc(), InfoSession.starts_at.desc(), InfoSession.id.desc()
    )
    return _paged(session, query, page, page_size)


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

    Rows: id, starts_on, place, seats, territory, participants.
    """
    query = _week_rows(platform_id, visibility).order_by(
        OrientationWeek.starts_on.desc(), OrientationWeek.id.desc()
    )
    return _paged(session, query, page, page_size)


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
    present: bool | None
    pathway_id: int | None
    state: State | None


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
            InfoSessionAttendance.present,
            open_pathway,
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
        Attendee(aid, pid, f"{first} {last.upper()}", birth, present, pathway_id, states.get(pathway_id))
        for aid, pid, first, last, birth, present, pathway_id in rows
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
        )
        .join(Pathway, Pathway.id == OrientationParticipant.pathway_id)
        .join(Person, Person.id == Pathway.person_id)
        .outerjoin(User, User.id == Pathway.adviser_id)
        .where(OrientationParticipant.week_id == week_id, scope)
        .order_by(Person.last_name, Person.first_name)
    ).all()
    participants = {
        pid: Participant(pid, pathway_id, f"{first} {last.upper()}", State(state), bool(avail), name or email)
        for pid, pathway_id, first, last, state, avail, name, email in rows
    }
    for participant_id, day, present in session.execute(
        sa.select(
            OrientationAttendance.participant_id, OrientationAttendance.day, OrientationAttendance.present
        ).where(OrientationAttendance.participant_id.in_(list(participants)))
    ):
        participants[participant_id].days[day] = present
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

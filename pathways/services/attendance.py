"""Who came: attendance counts and the no-show and excused rates of sessions and weeks.

One definition for the délégué's and manager's pages and the bilan's
``Sessions`` sheet (decided here, as the field's peers count them):

- at an information session, each registered person has a status
  (``AttendanceStatus``); the *noted* ones are présent, excusé, absent;
- at an orientation week, a participant is *présent* when marked present on
  at least one day, *excusé* when they answered « je ne pourrai pas venir »
  and never came, *absent* when at least one day was noted and they never
  came; a participant with no day noted and no excuse is not counted yet;
- the **no-show rate** (taux d'absence) is absents ÷ (présents + excusés +
  absents), the **excused rate** excusés ÷ the same: a person whose
  attendance is not noted yet (a session to come, a list not filled in) is
  in neither. No noted attendance: no rate (``None``), never 0 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways.models import (
    InfoSession,
    InfoSessionAttendance,
    OrientationAttendance,
    OrientationParticipant,
    OrientationWeek,
)
from pathways.vocabulary import AttendanceStatus, InvitationAnswer


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class AttendanceCounts:
    """How many people of a session (or of several) are at each status."""

    by_status: dict[AttendanceStatus, int] = field(default_factory=dict)
    # Answers waiting for the délégué's call (« je souhaite être rappelé·e »).
    to_call_back: int = 0

    def __getitem__(self, status: AttendanceStatus) -> int:
        return self.by_status.get(status, 0)

    def add(self, status: AttendanceStatus, number: int = 1) -> None:
        self.by_status[status] = self.by_status.get(status, 0) + number

    def __iadd__(self, other: AttendanceCounts) -> AttendanceCounts:
        for status, number in other.by_status.items():
            self.add(status, number)
        self.to_call_back += other.to_call_back
        return self

    @property
    def registered(self) -> int:
        return sum(self.by_status.values())

    @property
    def present(self) -> int:
        return self[AttendanceStatus.PRESENT]

    @property
    def excused(self) -> int:
        return self[AttendanceStatus.EXCUSED]

    @property
    def absent(self) -> int:
        return self[AttendanceStatus.ABSENT]

    @property
    def noted(self) -> int:
        return self.present + self.excused + self.absent

    @property
    def no_show_rate(self) -> float | None:
        return rate(self.absent, self.noted)

    @property
    def excused_rate(self) -> float | None:
        return rate(self.excused, self.noted)


def info_session_counts(session: Session, session_ids: Iterable[int]) -> dict[int, AttendanceCounts]:
    """Each information session's counts by status (sessions nobody registered at are absent)."""
    ids = list(session_ids)
    counts: dict[int, AttendanceCounts] = {}
    if not ids:
        return counts
    pending_call = InfoSessionAttendance.awaiting_call_back
    for session_id, status, number, to_call in session.execute(
        sa.select(
            InfoSessionAttendance.session_id,
            InfoSessionAttendance.status,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((pending_call, 1), else_=0)), 0),
        )
        .where(InfoSessionAttendance.session_id.in_(ids))
        .group_by(InfoSessionAttendance.session_id, InfoSessionAttendance.status)
    ):
        found = counts.setdefault(session_id, AttendanceCounts())
        found.add(AttendanceStatus(status), number)
        found.to_call_back += int(to_call)
    return counts


def participant_status(
    answer: InvitationAnswer | None, convoked: bool, present_days: int, noted_days: int
) -> AttendanceStatus:
    """A week participant's status, from their answer and the days noted (see the module's docstring)."""
    if present_days:
        return AttendanceStatus.PRESENT
    if answer is InvitationAnswer.NOT_ATTENDING:
        return AttendanceStatus.EXCUSED
    if noted_days:
        return AttendanceStatus.ABSENT
    if answer is InvitationAnswer.ATTENDING:
        return AttendanceStatus.CONFIRMED
    return AttendanceStatus.CONVOKED if convoked else AttendanceStatus.REGISTERED


def participant_rows(week_ids: Iterable[int]) -> sa.Select:
    """Per participant: id, week, answer, convoked_at, called_back_on, days present, days noted."""
    return (
        sa.select(
            OrientationParticipant.id,
            OrientationParticipant.week_id,
            OrientationParticipant.answer,
            OrientationParticipant.convoked_at,
            OrientationParticipant.called_back_on,
            sa.func.coalesce(
                sa.func.sum(sa.case((OrientationAttendance.present.is_(True), 1), else_=0)), 0
            ).label("present_days"),
            sa.func.count(OrientationAttendance.id).label("noted_days"),
        )
        .outerjoin(OrientationAttendance, OrientationAttendance.participant_id == OrientationParticipant.id)
        .where(OrientationParticipant.week_id.in_(list(week_ids)))
        .group_by(OrientationParticipant.id)
    )


def week_counts(session: Session, week_ids: Iterable[int]) -> dict[int, AttendanceCounts]:
    """Each orientation week's participants by status."""
    ids = list(week_ids)
    counts: dict[int, AttendanceCounts] = {}
    if not ids:
        return counts
    for _pid, week_id, answer, convoked_at, called_back_on, present_days, noted_days in session.execute(
        participant_rows(ids)
    ):
        answer = InvitationAnswer(answer) if answer else None
        found = counts.setdefault(week_id, AttendanceCounts())
        found.add(participant_status(answer, convoked_at is not None, int(present_days), int(noted_days)))
        if answer is InvitationAnswer.CALL_BACK and called_back_on is None:
            found.to_call_back += 1
    return counts


@dataclass(frozen=True)
class PeriodAttendance:
    """The information sessions' and the weeks' counts over a period."""

    info_sessions: int
    info: AttendanceCounts
    weeks: int
    week: AttendanceCounts


def period_attendance(
    session: Session,
    platform_id: int,
    start: date,
    end: date,
    *,
    visibility_sessions: sa.ColumnElement[bool] | None = None,
    visibility_weeks: sa.ColumnElement[bool] | None = None,
) -> PeriodAttendance:
    """Counts of the sessions held and weeks started in [start, end] (within ``visibility``)."""
    session_ids = list(
        session.scalars(
            sa.select(InfoSession.id).where(
                InfoSession.platform_id == platform_id,
                InfoSession.held_on.between(start, end),
                visibility_sessions if visibility_sessions is not None else sa.true(),
            )
        )
    )
    week_ids = list(
        session.scalars(
            sa.select(OrientationWeek.id).where(
                OrientationWeek.platform_id == platform_id,
                OrientationWeek.starts_on.between(start, end),
                visibility_weeks if visibility_weeks is not None else sa.true(),
            )
        )
    )
    info = AttendanceCounts()
    for counts in info_session_counts(session, session_ids).values():
        info += counts
    week = AttendanceCounts()
    for counts in week_counts(session, week_ids).values():
        week += counts
    return PeriodAttendance(len(session_ids), info, len(week_ids), week)


def recent_attendance(
    session: Session,
    platform_id: int,
    today: date,
    *,
    visibility_sessions: sa.ColumnElement[bool] | None = None,
    visibility_weeks: sa.ColumnElement[bool] | None = None,
) -> list[tuple[str, PeriodAttendance]]:
    """The last 3 and 12 months up to ``today``, for the délégué's and the manager's pages."""
    from pathways.audit import months_before

    return [
        (
            label,
            period_attendance(
                session,
                platform_id,
                months_before(today, months),
                today,
                visibility_sessions=visibility_sessions,
                visibility_weeks=visibility_weeks,
            ),
        )
        for label, months in (("3 derniers mois", 3), ("12 derniers mois", 12))
    ]

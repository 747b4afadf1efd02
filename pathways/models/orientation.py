"""Information sessions, orientation weeks, diagnostics and road maps."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pathways.models.base import Base, StrEnumType, UTCDateTime, created_at, int_pk
from pathways.models.person import Person
from pathways.vocabulary import AttendanceStatus, DiagnosticKind, InvitationAnswer

ANSWER_REASON_LENGTH = 300


class Invitation:
    """What a convocation to a session or a week gathers: when it went out, and the person's answer.

    The answer is given once, on the public answer page (``services.answers``);
    « je souhaite être rappelé·e » waits for the délégué's call
    (``called_back_on``). The reason is the person's own words: shown to the
    délégué, never in a message, an export or the audit trail.
    """

    convoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[InvitationAnswer | None] = mapped_column(StrEnumType(InvitationAnswer, 16))
    answer_reason: Mapped[str | None] = mapped_column(sa.String(ANSWER_REASON_LENGTH))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_back_on: Mapped[date | None] = mapped_column(sa.Date)

    @hybrid_property
    def awaiting_call_back(self) -> bool:
        """The person asked to be called back and nobody has yet (the agenda's and the counts' rule)."""
        return self.answer is InvitationAnswer.CALL_BACK and self.called_back_on is None

    @awaiting_call_back.inplace.expression
    @classmethod
    def _awaiting_call_back_expression(cls) -> sa.ColumnElement[bool]:
        return sa.and_(cls.answer == InvitationAnswer.CALL_BACK, cls.called_back_on.is_(None))


ORIENTATION_WEEK_DAYS = 5


class InfoSession(Base):
    """An *information collective* presenting the sector and its jobs."""

    __tablename__ = "info_sessions"
    __table_args__ = (
        sa.Index("ix_info_sessions_platform_id_held_on", "platform_id", "held_on"),
        sa.CheckConstraint("seats > 0", name="seats_positive"),
    )

    id: Mapped[int_pk]
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="RESTRICT"))
    territory_id: Mapped[int | None] = mapped_column(sa.ForeignKey("territories.id", ondelete="RESTRICT"))
    delegate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    held_on: Mapped[date] = mapped_column(sa.Date)
    # Local times of the platform (Europe/Paris), as on a convocation; empty
    # only on sessions created before times were asked for. The service checks
    # that the end follows the start (no CHECK: adding one would make SQLite
    # rebuild a table others reference).
    starts_at: Mapped[time | None] = mapped_column(sa.Time)
    ends_at: Mapped[time | None] = mapped_column(sa.Time)
    place: Mapped[str] = mapped_column(sa.String(200))
    # For the convocation: how to get there, and the number to call.
    access: Mapped[str | None] = mapped_column(sa.String(500))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(32))
    seats: Mapped[int] = mapped_column(default=12)
    created_at: Mapped[created_at]

    attendances: Mapped[list[InfoSessionAttendance]] = relationship(back_populates="session")


class InfoSessionAttendance(Invitation, Base):
    """A person registered at an information session: convoked, their answer, then their attendance."""

    __tablename__ = "info_session_attendances"
    __table_args__ = (sa.UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int_pk]
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("info_sessions.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="RESTRICT"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(
        StrEnumType(AttendanceStatus, 16), default=AttendanceStatus.REGISTERED, server_default="registered"
    )

    session: Mapped[InfoSession] = relationship(back_populates="attendances")
    person: Mapped[Person] = relationship()


class OrientationWeek(Base):
    """A *pôle orientation* week: five days, starting on ``starts_on``."""

    __tablename__ = "orientation_weeks"
    __table_args__ = (
        sa.Index("ix_orientation_weeks_platform_id_starts_on", "platform_id", "starts_on"),
        sa.CheckConstraint("seats > 0", name="seats_positive"),
    )

    id: Mapped[int_pk]
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="RESTRICT"))
    territory_id: Mapped[int | None] = mapped_column(sa.ForeignKey("territories.id", ondelete="RESTRICT"))
    delegate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    # Each day's hours (local times), as on the convocation; empty on weeks
    # created before they were asked for.
    starts_at: Mapped[time | None] = mapped_column(sa.Time)
    ends_at: Mapped[time | None] = mapped_column(sa.Time)
    place: Mapped[str] = mapped_column(sa.String(200))
    access: Mapped[str | None] = mapped_column(sa.String(500))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(32))
    seats: Mapped[int] = mapped_column(default=10)
    created_at: Mapped[created_at]

    participants: Mapped[list[OrientationParticipant]] = relationship(back_populates="week")


class OrientationParticipant(Invitation, Base):
    """A pathway taking part in an orientation week (its attendance is noted day by day)."""

    __tablename__ = "orientation_participants"
    __table_args__ = (sa.UniqueConstraint("week_id", "pathway_id"),)

    id: Mapped[int_pk]
    week_id: Mapped[int] = mapped_column(sa.ForeignKey("orientation_weeks.id", ondelete="RESTRICT"))
    pathway_id: Mapped[int] = mapped_column(sa.ForeignKey("pathways.id", ondelete="RESTRICT"), index=True)
    availability_confirmed: Mapped[bool] = mapped_column(default=False)

    week: Mapped[OrientationWeek] = relationship(back_populates="participants")
    days: Mapped[list[OrientationAttendance]] = relationship(
        back_populates="participant", order_by="OrientationAttendance.day"
    )


class OrientationAttendance(Base):
    """Presence of a participant on one day (1 to 5) of the week."""

    __tablename__ = "orientation_attendances"
    __table_args__ = (
        sa.UniqueConstraint("participant_id", "day"),
        sa.CheckConstraint(f"day BETWEEN 1 AND {ORIENTATION_WEEK_DAYS}", name="day_in_week"),
    )

    id: Mapped[int_pk]
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("orientation_participants.id", ondelete="RESTRICT")
    )
    day: Mapped[int]
    present: Mapped[bool]

    participant: Mapped[OrientationParticipant] = relationship(back_populates="days")


class Diagnostic(Base):
    """A diagnostic: at the end of an orientation week, or at an individual interview.

    The latest diagnostic of a pathway says whether its project is validated.
    """

    __tablename__ = "diagnostics"
    __table_args__ = (
        sa.CheckConstraint("kind = 'orientation_week' OR week_id IS NULL", name="week_only_at_the_week"),
    )

    id: Mapped[int_pk]
    pathway_id: Mapped[int] = mapped_column(sa.ForeignKey("pathways.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[DiagnosticKind] = mapped_column(StrEnumType(DiagnosticKind, 16))
    week_id: Mapped[int | None] = mapped_column(sa.ForeignKey("orientation_weeks.id", ondelete="RESTRICT"))
    written_on: Mapped[date] = mapped_column(sa.Date, index=True)
    basic_skills: Mapped[str | None] = mapped_column(sa.Text)
    professional_values: Mapped[str | None] = mapped_column(sa.Text)
    barriers_and_levers: Mapped[str | None] = mapped_column(sa.Text)
    project_validated: Mapped[bool]
    target_job_code: Mapped[str | None] = mapped_column(sa.ForeignKey("jobs.rome_code", ondelete="RESTRICT"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]

    road_map: Mapped[list[RoadMapStep]] = relationship(
        back_populates="diagnostic", order_by="RoadMapStep.planned_on"
    )


class RoadMapStep(Base):
    """A planned step of the *feuille de route*."""

    __tablename__ = "road_map_steps"

    id: Mapped[int_pk]
    diagnostic_id: Mapped[int] = mapped_column(
        sa.ForeignKey("diagnostics.id", ondelete="RESTRICT"), index=True
    )
    label: Mapped[str] = mapped_column(sa.String(200))
    planned_on: Mapped[date | None] = mapped_column(sa.Date)

    diagnostic: Mapped[Diagnostic] = relationship(back_populates="road_map")

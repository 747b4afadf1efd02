"""Pathways (parcours) and their history of events, the source of truth."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pathways.crypto import EncryptedText
from pathways.models.base import Base, StrEnumType, UTCDateTime, created_at, int_pk
from pathways.models.person import Person
from pathways.models.platform import Platform, Territory, User
from pathways.states import State, Trigger
from pathways.vocabulary import PlannedStepStatus, PrescriberType

# The summary's dates an alert compares with today (services.caseload.alert_conditions).
ALERT_DATE_COLUMNS = ("checkpoint_due_on", "planned_on", "immersion_ends_on", "training_starts_on")


class Pathway(Base):
    """One person's *parcours sans couture*.

    ``state`` and ``last_event_on`` are a cache of the last event, kept for
    the caseload's filters and sort (indexed); the events are the truth and a
    test checks that replaying them gives the same state. ``version`` makes
    two concurrent moves of the same pathway collide instead of both landing.

    The columns after ``created_at`` are the pathway's *summary*: what the
    pages need about it (last contact, the dates its alerts look at, the
    milestones the dashboard counts), a cache of its records written by the
    services in the same transaction (``pathways.services.summary``), rebuilt
    by ``flask rebuild-summaries`` and checked against the records by a test.
    """

    __tablename__ = "pathways"
    __table_args__ = (
        sa.Index("ix_pathways_adviser_id_state_last_event_on", "adviser_id", "state", "last_event_on"),
        # A caseload listed most recent first, without a state filter.
        sa.Index("ix_pathways_adviser_id_last_event_on", "adviser_id", "last_event_on"),
        sa.Index("ix_pathways_platform_id_state", "platform_id", "state"),
        # The dashboard's funnel and cohorts: the pathways entered in a window.
        sa.Index("ix_pathways_platform_id_entered_on", "platform_id", "entered_on"),
        # The dashboard's funnel and cohorts group a platform's pathways by person, the latest
        # first (read backwards): in this order, and on PostgreSQL with what they count, the
        # index alone answers them, without sorting the platform's pathways.
        sa.Index(
            "ix_pathways_platform_id_person_id_entered_on",
            "platform_id",
            "person_id",
            "entered_on",
            "id",
            postgresql_include=[
                "state",
                "exit_reason",
                "last_event_on",
                "accompanied_on",
                "step_on",
                "contract_on",
                "six_months_on",
            ],
        ),
        # A platform's alerts counted one by one (the dashboard): each walks the pathways that
        # have its date, not every pathway in progress.
        sa.Index("ix_pathways_platform_id_last_contact_on", "platform_id", "last_contact_on", "state"),
        *(
            sa.Index(
                f"ix_pathways_platform_id_{column}",
                "platform_id",
                column,
                # With the state, a count of pathways in progress reads the index alone.
                "state",
                sqlite_where=sa.text(f"{column} IS NOT NULL"),
                postgresql_where=sa.text(f"{column} IS NOT NULL"),
            )
            for column in ALERT_DATE_COLUMNS
        ),
    )

    id: Mapped[int_pk]
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="RESTRICT"), index=True)
    territory_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("territories.id", ondelete="RESTRICT"), index=True
    )
    prescriber_type: Mapped[PrescriberType | None] = mapped_column(StrEnumType(PrescriberType))
    prescriber_id: Mapped[int | None] = mapped_column(sa.ForeignKey("prescribers.id", ondelete="RESTRICT"))
    delegate_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    adviser_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    target_job_code: Mapped[str | None] = mapped_column(sa.ForeignKey("jobs.rome_code", ondelete="RESTRICT"))
    state: Mapped[State] = mapped_column(StrEnumType(State, 16))
    last_event_on: Mapped[date] = mapped_column(sa.Date)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[created_at]

    # --- the summary (pathways.services.summary) ---
    # The first event's day, and the last contact (an event, an exchange, a
    # note, a recorded checkpoint, a frein's change of status).
    entered_on: Mapped[date] = mapped_column(sa.Date)
    last_contact_on: Mapped[date] = mapped_column(sa.Date)
    # The first day each milestone of the funnel was reached, or a later one
    # (services.dashboard.MILESTONES); six_months: in post at a 6-month checkpoint.
    accompanied_on: Mapped[date | None] = mapped_column(sa.Date)
    step_on: Mapped[date | None] = mapped_column(sa.Date)
    contract_on: Mapped[date | None] = mapped_column(sa.Date)
    six_months_on: Mapped[date | None] = mapped_column(sa.Date)
    # The exit's reason, once exited (the cohorts tell positive exits apart).
    exit_reason: Mapped[str | None] = mapped_column(sa.String(32))
    # What the alerts look at: the earliest checkpoint neither recorded nor
    # cancelled, the earliest step still planned, the latest end of a PMSMP
    # not assessed, the latest start of a training (or of one planned).
    checkpoint_due_on: Mapped[date | None] = mapped_column(sa.Date)
    planned_on: Mapped[date | None] = mapped_column(sa.Date)
    immersion_ends_on: Mapped[date | None] = mapped_column(sa.Date)
    training_starts_on: Mapped[date | None] = mapped_column(sa.Date)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    platform: Mapped[Platform] = relationship()
    person: Mapped[Person] = relationship(back_populates="pathways")
    territory: Mapped[Territory | None] = relationship()
    delegate: Mapped[User | None] = relationship(foreign_keys=[delegate_id])
    adviser: Mapped[User | None] = relationship(foreign_keys=[adviser_id])
    events: Mapped[list[PathwayEvent]] = relationship(
        back_populates="pathway", order_by="PathwayEvent.sequence"
    )


class PersonStanding(Base):
    """What the dashboard counts of one person, kept from their pathways (services.standing).

    The dashboard counts persons, not pathways: each at the furthest
    milestone of their pathways (the funnel), and at the outcome of their
    latest one (the cohorts). A cache of the pathways' summary, one row per
    person who has a pathway, refreshed by the services in the same
    transaction as their writes; the pathways stay the truth.
    """

    __tablename__ = "person_standings"
    __table_args__ = (
        # The funnel since the start: the platform's persons by furthest milestone.
        sa.Index("ix_person_standings_platform_id_furthest", "platform_id", "furthest"),
        # The funnel of a year and the cohorts: the persons by latest entry, with what they count.
        sa.Index(
            "ix_person_standings_platform_id_latest_entered_on",
            "platform_id",
            "latest_entered_on",
            "latest_year_furthest",
            "latest_outcome",
        ),
    )

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True)
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="RESTRICT"))
    # The furthest milestone any of the person's pathways reached (0 entered … 4 in post at six months).
    furthest: Mapped[int] = mapped_column(sa.SmallInteger)
    # The latest pathway (latest entry, then highest id): its entry, and its outcome
    # (services.dashboard.OUTCOMES); the furthest milestone of the pathways entered that year.
    latest_entered_on: Mapped[date] = mapped_column(sa.Date)
    latest_year_furthest: Mapped[int] = mapped_column(sa.SmallInteger)
    latest_outcome: Mapped[str] = mapped_column(sa.String(16))


class PathwayEvent(Base):
    """One move of a pathway. Appended, never edited nor deleted by the application."""

    __tablename__ = "pathway_events"
    __table_args__ = (
        # Two writers appending the same position collide here, whatever the
        # isolation level.
        sa.UniqueConstraint("pathway_id", "sequence"),
        sa.Index("ix_pathway_events_trigger_occurred_on", "trigger", "occurred_on"),
        sa.CheckConstraint("sequence >= 1", name="sequence_positive"),
        sa.CheckConstraint("(sequence = 1) = (from_state IS NULL)", name="only_first_event_without_origin"),
    )

    id: Mapped[int_pk]
    pathway_id: Mapped[int] = mapped_column(sa.ForeignKey("pathways.id", ondelete="RESTRICT"))
    sequence: Mapped[int]
    trigger: Mapped[Trigger] = mapped_column(StrEnumType(Trigger, 32))
    from_state: Mapped[State | None] = mapped_column(StrEnumType(State, 16))
    to_state: Mapped[State] = mapped_column(StrEnumType(State, 16))
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    # The structured details the guard needed: session, immersion, training,
    # contract, reason... as ids and codes.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The date the event carried before version 2 dated each step by its own
    # first day (set once by that migration; the downgrade restores it).
    redated_from: Mapped[date | None] = mapped_column(sa.Date)

    pathway: Mapped[Pathway] = relationship(back_populates="events")
    recorded_by: Mapped[User | None] = relationship()


class PlannedStep(Base):
    """A step whose first day is still to come: kept with its date until it happens.

    ``request`` holds the move asked for (its record's details, as typed);
    confirming it on or after ``planned_on`` makes the move through the same
    service, dated that day, and links the event. A planned step is
    re-dated or cancelled, never deleted.
    """

    __tablename__ = "planned_steps"
    __table_args__ = (
        sa.Index("ix_planned_steps_status_planned_on", "status", "planned_on"),
        # One step of a kind planned at a time on a pathway.
        sa.Index(
            "uq_planned_steps_pathway_id_trigger_planned",
            "pathway_id",
            "trigger",
            unique=True,
            sqlite_where=sa.text("status = 'planned'"),
            postgresql_where=sa.text("status = 'planned'"),
        ),
        sa.CheckConstraint("(status = 'confirmed') = (event_id IS NOT NULL)", name="confirmed_has_event"),
    )

    id: Mapped[int_pk]
    pathway_id: Mapped[int] = mapped_column(sa.ForeignKey("pathways.id", ondelete="RESTRICT"), index=True)
    trigger: Mapped[Trigger] = mapped_column(StrEnumType(Trigger, 32))
    planned_on: Mapped[date] = mapped_column(sa.Date)
    request: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[PlannedStepStatus] = mapped_column(
        StrEnumType(PlannedStepStatus, 16), default=PlannedStepStatus.PLANNED
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]
    decided_on: Mapped[date | None] = mapped_column(sa.Date)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pathway_events.id", ondelete="RESTRICT"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class AdviserAssignment(Base):
    """Who followed a pathway, from when to when (the handover and reassignments)."""

    __tablename__ = "adviser_assignments"

    id: Mapped[int_pk]
    pathway_id: Mapped[int] = mapped_column(sa.ForeignKey("pathways.id", ondelete="RESTRICT"), index=True)
    adviser_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    assigned_on: Mapped[date] = mapped_column(sa.Date)
    assigned_at: Mapped[created_at]
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    handover_note: Mapped[str | None] = mapped_column(sa.Text)

    adviser: Mapped[User] = relationship(foreign_keys=[adviser_id])


class Note(Base):
    """A conseiller's note on a pathway: factual, readable by the person; its body encrypted at rest."""

    __tablename__ = "notes"

    id: Mapped[int_pk]
    pathway_id: Mapped[int] = mapped_column(sa.ForeignKey("pathways.id", ondelete="RESTRICT"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    written_on: Mapped[date] = mapped_column(sa.Date)
    body: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[created_at]

    author: Mapped[User | None] = relationship()

"""Records of the steps: immersion (PMSMP), training, contract, follow-up checkpoints."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pathways.models.base import Base, StrEnumType, created_at, int_pk
from pathways.models.reference import Employer, TrainingOrganisation
from pathways.vocabulary import (
    ContractEndReason,
    ContractType,
    EmployerType,
    FundingScheme,
    ImmersionFollowOn,
    ImmersionObjective,
    ImmersionOutcome,
    PrescriberType,
    TrainingResult,
)


class Immersion(Base):
    """A PMSMP (période de mise en situation en milieu professionnel)."""

    __tablename__ = "immersions"
    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="dates_ordered"),)

    id: Mapped[int_pk]
    pathway_id: Mapped[int] = mapped_column(sa.ForeignKey("pathways.id", ondelete="RESTRICT"), index=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id", ondelete="RESTRICT"))
    tutor_name: Mapped[str | None] = mapped_column(sa.String(200))
    tutor_job: Mapped[str | None] = mapped_column(sa.String(200))
    tutor_contact: Mapped[str | None] = mapped_column(sa.String(200))
    # The organisation that signs the convention.
    prescriber_type: Mapped[PrescriberType | None] = mapped_column(StrEnumType(PrescriberType))
    objective: Mapped[ImmersionObjective | None] = mapped_column(StrEnumType(ImmersionObjective, 16))
    job_code: Mapped[str | None] = mapped_column(sa.ForeignKey("jobs.rome_code", ondelete="RESTRICT"))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date, index=True)
    hours: Mapped[int | None]
    # The end assessment, once recorded.
    outcome: Mapped[ImmersionOutcome | None] = mapped_column(StrEnumType(ImmersionOutcome, 16))
    employer_feedback: Mapped[str | None] = mapped_column(sa.Text)
    leads_to: Mapped[ImmersionFollowOn | None] = mapped_column(StrEnumType(ImmersionFollowOn, 16))
    assessed_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[created_at]
    # Editing forms compare it; concurrent writers collide on it (issue 9).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    employer: Mapped[Employer] = relationship()


class Training(Base):
    """A qualifying training (formation qualifiante).

    Entered by the ``start_training`` move, or — ``in_employment`` — recorded
    during the follow-up without a move: a VAE, a CCP after hiring, the
    training of an apprenticeship or professionalisation contract
    (``contract_id``). ``ends_on`` is the planned end while the training is
    in progress, then the day its result was known (the dropout's day for
    ``abandoned``).
    """

    __tablename__ = "trainings"
    __table_args__ = (
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_ordered"),
        sa.CheckConstraint(
            "(result = 'abandoned') = (abandon_reason IS NOT NULL)", name="abandon_has_a_reason"
        ),
    )

    id: Mapped[int_pk]
    pathway_id: Mapped[int] = mapped_column(sa.ForeignKey("pathways.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_organisations.id", ondelete="RESTRICT")
    )
    certification_code: Mapped[str] = mapped_column(sa.ForeignKey("certifications.code", ondelete="RESTRICT"))
    funding: Mapped[FundingScheme] = mapped_column(StrEnumType(FundingScheme, 16))
    starts_on: Mapped[date] = mapped_column(sa.Date, index=True)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    hours: Mapped[int | None]
    result: Mapped[TrainingResult] = mapped_column(
        StrEnumType(TrainingResult, 16), default=TrainingResult.IN_PROGRESS
    )
    abandon_reason: Mapped[str | None] = mapped_column(sa.String(200))
    # The blocks of a partial certification (e.g. "CCP1, CCP2").
    blocks_obtained: Mapped[str | None] = mapped_column(sa.String(200))
    in_employment: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contracts.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]
    # Editing forms compare it; concurrent writers collide on it (issue 9).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    organisation: Mapped[TrainingOrganisation] = relationship()
    contract: Mapped[Contract | None] = relationship()


class Contract(Base):
    """A work contract; its first day starts the six-month follow-up.

    A pathway may hold several: a contract ended early (``end_contract``)
    keeps its end date and reason, and the next one signed is the current one.
    """

    __tablename__ = "contracts"
    __table_args__ = (
        sa.CheckConstraint(
            "(contract_type = 'cdd') = (cdd_months IS NOT NULL)", name="cdd_states_its_length"
        ),
        sa.CheckConstraint("(ended_on IS NULL) = (end_reason IS NULL)", name="end_has_a_reason"),
        sa.CheckConstraint("ended_on IS NULL OR ended_on >= starts_on", name="dates_ordered"),
    )

    id: Mapped[int_pk]
    pathway_id: Mapped[int] = mapped_column(sa.ForeignKey("pathways.id", ondelete="RESTRICT"), index=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employers.id", ondelete="RESTRICT"))
    # The employer's type at signature: the bilan counts contracts by it.
    employer_type: Mapped[EmployerType] = mapped_column(StrEnumType(EmployerType))
    job_code: Mapped[str] = mapped_column(sa.ForeignKey("jobs.rome_code", ondelete="RESTRICT"))
    contract_type: Mapped[ContractType] = mapped_column(StrEnumType(ContractType, 24))
    cdd_months: Mapped[int | None]
    starts_on: Mapped[date] = mapped_column(sa.Date, index=True)
    hours_per_week: Mapped[int | None]
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    end_reason: Mapped[ContractEndReason | None] = mapped_column(StrEnumType(ContractEndReason))
    created_at: Mapped[created_at]

    employer: Mapped[Employer] = relationship()
    checkpoints: Mapped[list[Checkpoint]] = relationship(
        back_populates="contract", order_by="Checkpoint.month"
    )


class Checkpoint(Base):
    """A follow-up checkpoint (1, 3 or 6 months after the contract start).

    When the contract ends early, its checkpoints not yet due are cancelled
    (``cancelled_on``, the contract's end): kept, never deleted.
    """

    __tablename__ = "checkpoints"
    __table_args__ = (
        sa.UniqueConstraint("contract_id", "month"),
        sa.CheckConstraint("month IN (1, 3, 6)", name="month_known"),
        sa.CheckConstraint("(recorded_on IS NULL) = (still_in_post IS NULL)", name="recorded_with_answer"),
        sa.CheckConstraint("recorded_on IS NULL OR cancelled_on IS NULL", name="recorded_or_cancelled"),
        sa.Index("ix_checkpoints_due_on_recorded_on", "due_on", "recorded_on"),
    )

    id: Mapped[int_pk]
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id", ondelete="RESTRICT"))
    pathway_id: Mapped[int] = mapped_column(sa.ForeignKey("pathways.id", ondelete="RESTRICT"), index=True)
    month: Mapped[int]
    due_on: Mapped[date] = mapped_column(sa.Date)
    recorded_on: Mapped[date | None] = mapped_column(sa.Date)
    still_in_post: Mapped[bool | None]
    difficulties: Mapped[str | None] = mapped_column(sa.Text)
    action_taken: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    cancelled_on: Mapped[date | None] = mapped_column(sa.Date)
    # Editing forms compare it; concurrent writers collide on it (issue 9).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    contract: Mapped[Contract] = relationship(back_populates="checkpoints")

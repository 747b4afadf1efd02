"""Freins périphériques and their dated status changes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pathways.crypto import EncryptedText
from pathways.models.base import Base, StrEnumType, UTCDateTime, int_pk
from pathways.models.platform import User
from pathways.vocabulary import BarrierCategory, BarrierStatus


class Barrier(Base):
    """A frein périphérique. Never deleted: closed as resolved or not resolvable.

    ``status`` caches the last status change (the history is the truth). For
    the ``health`` category, ``details`` is restricted to the pathway's
    conseiller and délégué and never leaves in row-level exports; it must
    never hold a diagnosis. The details of every frein are encrypted at rest
    (``EncryptedText``): a « dettes » or « logement » frein tells as much as a
    health one, and one rule for all keeps any category from being missed.
    """

    __tablename__ = "barriers"
    __table_args__ = (
        sa.CheckConstraint("category <> 'other' OR details IS NOT NULL", name="other_needs_details"),
    )

    id: Mapped[int_pk]
    pathway_id: Mapped[int] = mapped_column(sa.ForeignKey("pathways.id", ondelete="RESTRICT"), index=True)
    category: Mapped[BarrierCategory] = mapped_column(StrEnumType(BarrierCategory, 16))
    status: Mapped[BarrierStatus] = mapped_column(StrEnumType(BarrierStatus, 16))
    identified_on: Mapped[date] = mapped_column(sa.Date)
    details: Mapped[str | None] = mapped_column(EncryptedText)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    # Editing forms compare it; concurrent writers collide on it (issue 9).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

    changes: Mapped[list[BarrierStatusChange]] = relationship(
        back_populates="barrier", order_by="BarrierStatusChange.id"
    )


class BarrierStatusChange(Base):
    """One dated status of a frein, with the action taken and the partner involved (both encrypted)."""

    __tablename__ = "barrier_status_changes"

    id: Mapped[int_pk]
    barrier_id: Mapped[int] = mapped_column(sa.ForeignKey("barriers.id", ondelete="RESTRICT"), index=True)
    status: Mapped[BarrierStatus] = mapped_column(StrEnumType(BarrierStatus, 16))
    changed_on: Mapped[date] = mapped_column(sa.Date, index=True)
    action_taken: Mapped[str | None] = mapped_column(EncryptedText)
    # Text, not String(200): a token is longer than what it encrypts (the form caps the typing).
    partner: Mapped[str | None] = mapped_column(EncryptedText)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))

    barrier: Mapped[Barrier] = relationship(back_populates="changes")
    recorded_by: Mapped[User | None] = relationship()

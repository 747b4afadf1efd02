"""Co-accompaniment: partner referents and tripartite exchanges."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pathways.models.base import Base, StrEnumType, created_at, int_pk
from pathways.vocabulary import ExchangeMode, ReferentOrganisation


class Referent(Base):
    """A partner referent of a pathway (France Travail, mission locale, RSA referent...)."""

    __tablename__ = "referents"

    id: Mapped[int_pk]
    pathway_id: Mapped[int] = mapped_column(sa.ForeignKey("pathways.id", ondelete="RESTRICT"), index=True)
    organisation_type: Mapped[ReferentOrganisation] = mapped_column(StrEnumType(ReferentOrganisation, 16))
    organisation_name: Mapped[str | None] = mapped_column(sa.String(200))
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[created_at]


class Exchange(Base):
    """A tripartite exchange: the person, the platform and a referent."""

    __tablename__ = "exchanges"

    id: Mapped[int_pk]
    pathway_id: Mapped[int] = mapped_column(sa.ForeignKey("pathways.id", ondelete="RESTRICT"), index=True)
    referent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referents.id", ondelete="RESTRICT"))
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    participants: Mapped[str] = mapped_column(sa.Text)
    mode: Mapped[ExchangeMode] = mapped_column(StrEnumType(ExchangeMode, 16))
    summary: Mapped[str] = mapped_column(sa.Text)
    next_step: Mapped[str | None] = mapped_column(sa.Text)
    # The next step as a dated task of the conseiller's agenda, ticked when done.
    next_step_on: Mapped[date | None] = mapped_column(sa.Date)
    next_step_done_on: Mapped[date | None] = mapped_column(sa.Date)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]

    referent: Mapped[Referent | None] = relationship()

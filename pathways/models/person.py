"""The people accompanied (bénéficiaires)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pathways.models.base import Base, StrEnumType, created_at, int_pk
from pathways.vocabulary import DiplomaLevel, Sex


class Person(Base):
    """A person accompanied by a platform; may have several pathways over time."""

    __tablename__ = "persons"
    __table_args__ = (
        # Duplicate detection looks people up by name and birth date.
        sa.Index("ix_persons_platform_id_birth_date", "platform_id", "birth_date"),
        sa.Index("ix_persons_platform_id_france_travail_id", "platform_id", "france_travail_id"),
    )

    id: Mapped[int_pk]
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="RESTRICT"))
    last_name: Mapped[str] = mapped_column(sa.String(120))
    first_name: Mapped[str] = mapped_column(sa.String(120))
    birth_date: Mapped[date] = mapped_column(sa.Date)
    sex: Mapped[Sex | None] = mapped_column(StrEnumType(Sex, 1))
    france_travail_id: Mapped[str | None] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    postal_code: Mapped[str | None] = mapped_column(sa.String(10))
    city: Mapped[str | None] = mapped_column(sa.String(120))
    diploma_level: Mapped[DiplomaLevel | None] = mapped_column(StrEnumType(DiplomaLevel, 8))
    # Public categories of the bilan (youth is computed from the birth date).
    is_job_seeker: Mapped[bool] = mapped_column(default=False)
    is_rsa_beneficiary: Mapped[bool] = mapped_column(default=False)
    is_reconversion: Mapped[bool] = mapped_column(default=False)
    is_rqth: Mapped[bool] = mapped_column(default=False)
    is_bpi: Mapped[bool] = mapped_column(default=False)
    is_qpv_resident: Mapped[bool] = mapped_column(default=False)
    is_zrr_resident: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[created_at]

    pathways: Mapped[list[Pathway]] = relationship(  # noqa: F821
        back_populates="person", order_by="Pathway.id"
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"

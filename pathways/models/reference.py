"""Reference lists: jobs (ROME), certifications, employers, training organisations, prescribers."""

from __future__ import annotations

from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from pathways.models.base import Base, StrEnumType, int_pk
from pathways.vocabulary import EmployerType, PrescriberType


class Job(Base):
    """A job of the ROME 4.0 (code and label as of the ROME version loaded)."""

    __tablename__ = "jobs"

    rome_code: Mapped[str] = mapped_column(sa.String(5), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    # The target jobs of the sector come first in the lists.
    is_sector_job: Mapped[bool] = mapped_column(default=False)


class Certification(Base):
    """A certification aimed at by a training (DEAS, DEAES, TP ADVF...)."""

    __tablename__ = "certifications"

    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    level: Mapped[str | None] = mapped_column(sa.String(8))
    rncp_code: Mapped[str | None] = mapped_column(sa.String(16))


class Employer(Base):
    """An employer known to a platform (PMSMP host or hiring employer)."""

    __tablename__ = "employers"
    __table_args__ = (sa.UniqueConstraint("platform_id", "name"),)

    id: Mapped[int_pk]
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(sa.String(200))
    siret: Mapped[str | None] = mapped_column(sa.String(14))
    employer_type: Mapped[EmployerType] = mapped_column(StrEnumType(EmployerType))
    city: Mapped[str | None] = mapped_column(sa.String(120))
    # Editing forms compare it; concurrent writers collide on it (issue 9).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class TrainingOrganisation(Base):
    __tablename__ = "training_organisations"
    __table_args__ = (sa.UniqueConstraint("platform_id", "name"),)

    id: Mapped[int_pk]
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(sa.String(200))
    city: Mapped[str | None] = mapped_column(sa.String(120))
    # Editing forms compare it; concurrent writers collide on it (issue 9).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}


class Prescriber(Base):
    """A prescribing organisation (an agency, a mission locale...) of a platform."""

    __tablename__ = "prescribers"
    __table_args__ = (sa.UniqueConstraint("platform_id", "name"),)

    id: Mapped[int_pk]
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(sa.String(200))
    prescriber_type: Mapped[PrescriberType] = mapped_column(StrEnumType(PrescriberType))
    # Editing forms compare it; concurrent writers collide on it (issue 9).
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": version}

"""The people accompanied (bénéficiaires)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from pathways.models.base import Base, StrEnumType, created_at, int_pk
from pathways.text import fold
from pathways.vocabulary import DiplomaLevel, Sex

SEARCH_NAME_LENGTH = 250


def search_name_of(last_name: str | None, first_name: str | None) -> str:
    """What the search compares a person's name with: « Traoré Laura » is ``traore laura``."""
    return fold(f"{last_name or ''} {first_name or ''}")[:SEARCH_NAME_LENGTH]


def _search_name_default(context: DefaultExecutionContext) -> str:
    # Rows inserted without the ORM (bulk loads) get their search name too.
    row = context.get_current_parameters()
    return search_name_of(row.get("last_name"), row.get("first_name"))


class Person(Base):
    """A person accompanied by a platform; may have several pathways over time."""

    __tablename__ = "persons"
    __table_args__ = (
        # Duplicate detection looks people up by name and birth date.
        sa.Index("ix_persons_platform_id_birth_date", "platform_id", "birth_date"),
        sa.Index("ix_persons_platform_id_france_travail_id", "platform_id", "france_travail_id"),
        # The persons not yet given the notice, few once a platform informs at entry (an alert).
        sa.Index(
            "ix_persons_platform_id_not_informed",
            "platform_id",
            sqlite_where=sa.text("informed_on IS NULL"),
            postgresql_where=sa.text("informed_on IS NULL"),
        ),
    )

    id: Mapped[int_pk]
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="RESTRICT"))
    last_name: Mapped[str] = mapped_column(sa.String(120))
    first_name: Mapped[str] = mapped_column(sa.String(120))
    # The folded name (see ``search_name_of``), kept by the model itself each
    # time a name is set: every writer, whatever its service, keeps it right.
    search_name: Mapped[str] = mapped_column(
        sa.String(SEARCH_NAME_LENGTH), default=_search_name_default, server_default=""
    )
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
    # Contact preferences (issue 11): may the platform write to the person by
    # e-mail (yes unless they said no: they gave the address for it), by SMS
    # (only if they said yes: the text goes through a provider), and since when.
    # Every message asks ``services.messaging.may_message``.
    email_allowed: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    sms_allowed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    contact_preferences_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[created_at]
    # Personal data (pathways.privacy). The information notice given at the
    # first contact: when, by whom (the caseload flags persons not informed).
    informed_on: Mapped[date | None] = mapped_column(sa.Date)
    informed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    # The person opposed being messaged (e-mail, SMS): recorded, never messaged since.
    opposed_on: Mapped[date | None] = mapped_column(sa.Date)
    opposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    # The day the retention job first listed the person to the manager (the notice
    # period runs from it); cleared when a contact brings the person back.
    retention_notice_on: Mapped[date | None] = mapped_column(sa.Date)
    # Set once, by pathways.privacy.anonymise: identity, contact and free texts are gone.
    anonymised_on: Mapped[date | None] = mapped_column(sa.Date)

    pathways: Mapped[list[Pathway]] = relationship(  # noqa: F821
        back_populates="person", order_by="Pathway.id"
    )
    informed_by: Mapped[User | None] = relationship(foreign_keys=[informed_by_id])  # noqa: F821
    opposed_by: Mapped[User | None] = relationship(foreign_keys=[opposed_by_id])  # noqa: F821

    @validates("last_name", "first_name")
    def _keep_search_name(self, key: str, value: str) -> str:
        names = {"last_name": self.last_name, "first_name": self.first_name, key: value}
        self.search_name = search_name_of(names["last_name"], names["first_name"])
        return value

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_on is not None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"

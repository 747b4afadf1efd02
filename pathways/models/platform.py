"""Tenants and the people who use the tool."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pathways.models.base import Base, StrEnumType, UTCDateTime, created_at, int_pk, timestamp
from pathways.vocabulary import Role

user_territories = sa.Table(
    "user_territories",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("territory_id", sa.ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True),
)


class Platform(Base):
    """A *plateforme des métiers de l'autonomie*: the tenant."""

    __tablename__ = "platforms"

    id: Mapped[int_pk]
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[created_at]

    territories: Mapped[list[Territory]] = relationship(back_populates="platform", order_by="Territory.name")


class Territory(Base):
    """A territory of a platform, on which délégués work."""

    __tablename__ = "territories"
    __table_args__ = (sa.UniqueConstraint("platform_id", "name"),)

    id: Mapped[int_pk]
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(sa.String(200))

    platform: Mapped[Platform] = relationship(back_populates="territories")


class User(Base):
    """An account: admin, manager (responsable), delegate (délégué) or adviser (conseiller)."""

    __tablename__ = "users"
    __table_args__ = (
        # Only an admin works above the platforms.
        sa.CheckConstraint("role = 'admin' OR platform_id IS NOT NULL", name="platform_required"),
    )

    id: Mapped[int_pk]
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(StrEnumType(Role, 16))
    platform_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("platforms.id", ondelete="RESTRICT"), index=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    # Set when an administrator chose the password (a new account, a reset):
    # the user must choose their own before doing anything else.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Opted in to the Monday e-mail of the week's agenda (counts and links).
    weekly_digest: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Changed at logout, deactivation and password change: a session cookie
    # carrying an older value is refused, whichever worker serves it.
    session_token: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[created_at]
    last_login_at: Mapped[timestamp | None]

    platform: Mapped[Platform | None] = relationship()
    territories: Mapped[list[Territory]] = relationship(secondary=user_territories)

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    # Flask-Login's user protocol, without tying the model to Flask. The id
    # carries the session token, so changing the token ends every session.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


class AdviserReplacement(Base):
    """A manager's time-limited grant of one adviser's caseload to another."""

    __tablename__ = "adviser_replacements"
    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="dates_ordered"),)

    id: Mapped[int_pk]
    platform_id: Mapped[int] = mapped_column(sa.ForeignKey("platforms.id", ondelete="RESTRICT"))
    replaced_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    replacing_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]

    replaced: Mapped[User] = relationship(foreign_keys=[replaced_id])
    replacing: Mapped[User] = relationship(foreign_keys=[replacing_id])


class LoginAttempt(Base):
    """One login attempt, kept in the database so throttling holds across workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        sa.Index("ix_login_attempts_email_attempted_at", "email", "attempted_at"),
        sa.Index("ix_login_attempts_address_attempted_at", "address", "attempted_at"),
    )

    id: Mapped[int_pk]
    email: Mapped[str] = mapped_column(sa.String(254))
    address: Mapped[str] = mapped_column(sa.String(64))
    attempted_at: Mapped[timestamp] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool] = mapped_column(default=False)


class AuditEntry(Base):
    """An append-only line of the audit trail: a write, a view, an export, a refusal."""

    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_platform_id_occurred_at", "platform_id", "occurred_at"),)

    id: Mapped[int_pk]
    occurred_at: Mapped[timestamp] = mapped_column(UTCDateTime, index=True)
    platform_id: Mapped[int | None] = mapped_column(sa.ForeignKey("platforms.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str | None] = mapped_column(sa.String(64))
    object_id: Mapped[int | None]
    # {"field": [before, after]} for writes; counts and parameters otherwise.
    changes: Mapped[dict | None] = mapped_column(sa.JSON)
    details: Mapped[dict | None] = mapped_column(sa.JSON)
    address: Mapped[str | None] = mapped_column(sa.String(64))

    user: Mapped[User | None] = relationship()

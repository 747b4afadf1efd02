"""What an administrator's home shows: the accounts, the platforms, the recent refusals.

Counts and accounts only: an administrator sees no person's file.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways.models import AuditEntry, Platform, Territory, User
from pathways.services.audit_trail import AuditRow, describe
from pathways.vocabulary import Role

# Refusals an administrator watches: someone trying what they may not.
REFUSALS = ("access.refused", "login.failed", "login.throttled")


@dataclass(frozen=True)
class PlatformSummary:
    id: int
    name: str
    territories: int
    active_accounts: int


@dataclass(frozen=True)
class AdminOverview:
    active_by_role: dict[Role, int]
    deactivated: int
    # Accounts that have not yet chosen their own password (new, or reset by an administrator).
    awaiting_password: list[User]
    never_logged_in: int
    platforms: list[PlatformSummary]
    refusals: list[AuditRow]


def admin_overview(session: Session, *, refusals: int = 10) -> AdminOverview:
    by_role = dict(
        session.execute(
            sa.select(User.role, sa.func.count()).where(User.is_active.is_(True)).group_by(User.role)
        ).all()
    )
    territories = sa.select(sa.func.count()).where(Territory.platform_id == Platform.id).scalar_subquery()
    accounts = (
        sa.select(sa.func.count())
        .where(User.platform_id == Platform.id, User.is_active.is_(True))
        .scalar_subquery()
    )
    platforms = [
        PlatformSummary(*row)
        for row in session.execute(
            sa.select(Platform.id, Platform.name, territories, accounts).order_by(Platform.name)
        )
    ]
    entries = session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action.in_(REFUSALS))
        .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
        .limit(refusals)
    ).all()
    return AdminOverview(
        active_by_role={role: int(by_role.get(role, 0)) for role in Role},
        deactivated=session.scalar(sa.select(sa.func.count()).where(User.is_active.is_(False))) or 0,
        awaiting_password=list(
            session.scalars(
                sa.select(User)
                .where(User.is_active.is_(True), User.must_change_password.is_(True))
                .order_by(User.created_at.desc())
                .limit(20)
            )
        ),
        never_logged_in=session.scalar(
            sa.select(sa.func.count()).where(User.is_active.is_(True), User.last_login_at.is_(None))
        )
        or 0,
        platforms=platforms,
        refusals=describe(session, entries),
    )

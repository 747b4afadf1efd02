"""Account changes: deactivation, role, platform, territories, password.

Services: they change objects and write the audit entry, and never commit.
Anything that lowers a user's rights or changes their password also changes
their session token, which ends every session they have open.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import audit
from pathways.models import Platform, Territory, User
from pathways.passwords import hash_password, policy_problems, verify_password
from pathways.services.pathway import InvalidInput
from pathways.services.platform import create_user
from pathways.vocabulary import Role


def end_sessions(user: User) -> None:
    user.session_token = secrets.token_hex(16)


def create_account(
    session: Session,
    *,
    email: str,
    role: Role | str,
    password: str,
    platform: Platform | None,
    full_name: str = "",
    territories: Sequence[Territory] = (),
    actor: User | None,
) -> User:
    """A new account; the password may be neither common nor the account's e-mail or name."""
    problems = [p for p in policy_problems(password, related=(email, full_name)) if "courant" in p]
    if problems:
        raise InvalidInput(problems)
    user = create_user(
        session,
        email=email,
        role=role,
        password=password,
        platform=platform,
        full_name=full_name,
        territories=list(territories),
        actor=actor,
    )
    # The administrator knows this password: the user chooses their own at first login.
    user.must_change_password = True
    return user


def deactivate_user(session: Session, user: User, *, actor: User | None) -> None:
    if actor is not None and actor.id == user.id:
        raise InvalidInput(["Vous ne pouvez pas désactiver votre propre compte."])
    if not user.is_active:
        return
    user.is_active = False
    end_sessions(user)
    audit.record(
        session,
        actor,
        "user.deactivate",
        object_type="user",
        object_id=user.id,
        platform_id=user.platform_id,
        changes={"is_active": (True, False)},
    )


def reactivate_user(session: Session, user: User, *, actor: User | None) -> None:
    if user.is_active:
        return
    user.is_active = True
    audit.record(
        session,
        actor,
        "user.reactivate",
        object_type="user",
        object_id=user.id,
        platform_id=user.platform_id,
        changes={"is_active": (False, True)},
    )


def update_user(
    session: Session,
    user: User,
    *,
    role: Role | str,
    platform: Platform | None,
    territories: Sequence[Territory],
    full_name: str,
    actor: User | None,
) -> None:
    """Change role, platform, territories and name; a change of rights ends the user's sessions."""
    messages = []
    try:
        role = Role(role)
    except ValueError:
        messages.append("Rôle inconnu.")
        role = user.role
    if role is not Role.ADMIN and platform is None:
        messages.append("Un compte autre qu'administrateur est rattaché à une plateforme.")
    if role is Role.ADMIN:
        platform = None
    if actor is not None and actor.id == user.id and role is not user.role:
        messages.append("Vous ne pouvez pas changer votre propre rôle.")
    for territory in territories:
        if platform is None or territory.platform_id != platform.id:
            messages.append(f"Le territoire « {territory.name} » n'est pas de cette plateforme.")
    if messages:
        raise InvalidInput(messages)
    territories = list(territories) if role is Role.DELEGATE else []
    before = {
        "role": user.role.value,
        "platform_id": user.platform_id,
        "territories": ",".join(str(t.id) for t in sorted(user.territories, key=lambda t: t.id)),
        "full_name": user.full_name,
    }
    after = {
        "role": role.value,
        "platform_id": platform.id if platform else None,
        "territories": ",".join(str(t.id) for t in sorted(territories, key=lambda t: t.id)),
        "full_name": full_name.strip(),
    }
    changes = {name: (before[name], after[name]) for name in before if before[name] != after[name]}
    if not changes:
        return
    user.role = role
    user.platform_id = platform.id if platform else None
    user.territories = territories
    user.full_name = full_name.strip()
    if changes.keys() - {"full_name"}:
        # New rights take effect at once: the user logs in again under them.
        end_sessions(user)
    audit.record(
        session,
        actor,
        "user.update",
        object_type="user",
        object_id=user.id,
        platform_id=user.platform_id,
        changes=changes,
    )


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """The user's own change: the current password is asked; every other session ends."""
    messages = []
    if not verify_password(user.password_hash, current):
        messages.append("Le mot de passe actuel est incorrect.")
    elif verify_password(user.password_hash, new):
        messages.append("Choisissez un mot de passe différent de l'actuel.")
    messages += policy_problems(new, related=(user.email, user.full_name))
    if messages:
        raise InvalidInput(messages)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_sessions(user)
    audit.record(session, user, "user.password_change", object_type="user", object_id=user.id)


def set_password(session: Session, user: User, *, new: str, actor: User | None) -> None:
    """An admin's reset (the user changes it afterwards); ends the user's sessions."""
    problems = policy_problems(new, related=(user.email, user.full_name))
    if problems:
        raise InvalidInput(problems)
    user.password_hash = hash_password(new)
    user.must_change_password = True  # the administrator knows it: the user changes it at once
    end_sessions(user)
    audit.record(
        session,
        actor,
        "user.password_reset",
        object_type="user",
        object_id=user.id,
        platform_id=user.platform_id,
    )


def users_of(session: Session, platform_id: int | None = None) -> list[User]:
    query = sa.select(User).order_by(User.is_active.desc(), User.email)
    if platform_id is not None:
        query = query.where(User.platform_id == platform_id)
    return list(session.scalars(query))

"""Platforms, territories and user accounts."""

from __future__ import annotations

import re
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from pathways import audit
from pathways.models import Platform, Territory, User
from pathways.passwords import hash_password, policy_problems
from pathways.services.pathway import InvalidInput
from pathways.vocabulary import Role

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def create_platform(session: Session, slug: str, name: str, actor: User | None = None) -> Platform:
    messages = []
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        messages.append(
            "L'identifiant de plateforme ne contient que des minuscules, chiffres et tirets "
            "(2 à 63 caractères)."
        )
    if not name.strip():
        messages.append("Le nom de la plateforme est obligatoire.")
    if session.scalar(sa.select(Platform.id).where(Platform.slug == slug)) is not None:
        messages.append(f"La plateforme « {slug} » existe déjà.")
    if messages:
        raise InvalidInput(messages)
    platform = Platform(slug=slug, name=name.strip())
    session.add(platform)
    session.flush()  # the audit entry names the platform
    audit.record(
        session,
        actor,
        "platform.create",
        object_type="platform",
        object_id=platform.id,
        platform_id=platform.id,
        details={"slug": slug},
    )
    return platform


def platform_by_slug(session: Session, slug: str) -> Platform:
    platform = session.scalar(sa.select(Platform).where(Platform.slug == slug.strip().lower()))
    if platform is None:
        raise InvalidInput([f"Aucune plateforme « {slug} »."])
    return platform


def create_territory(session: Session, platform: Platform, name: str, actor: User | None = None) -> Territory:
    name = name.strip()
    if not name:
        raise InvalidInput(["Le nom du territoire est obligatoire."])
    exists = session.scalar(
        sa.select(Territory.id).where(Territory.platform_id == platform.id, Territory.name == name)
    )
    if exists is not None:
        raise InvalidInput([f"Le territoire « {name} » existe déjà sur cette plateforme."])
    territory = Territory(platform_id=platform.id, name=name)
    session.add(territory)
    session.flush()
    audit.record(
        session,
        actor,
        "territory.create",
        object_type="territory",
        object_id=territory.id,
        platform_id=platform.id,
    )
    return territory


def create_user(
    session: Session,
    *,
    email: str,
    role: Role | str,
    password: str,
    platform: Platform | None,
    full_name: str = "",
    territories: list[Territory] | None = None,
    actor: User | None = None,
) -> User:
    email = email.strip().lower()
    messages = []
    try:
        role = Role(role)
    except ValueError:
        messages.append(f"Rôle inconnu « {role} » : admin, manager, delegate ou adviser.")
    if not EMAIL_PATTERN.match(email):
        messages.append(f"Adresse électronique invalide : « {email} ».")
    elif session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        messages.append(f"Un compte existe déjà pour {email}.")
    messages += policy_problems(password)
    if role != Role.ADMIN and platform is None:
        messages.append("Un compte autre qu'administrateur est rattaché à une plateforme.")
    for territory in territories or []:
        if platform is None or territory.platform_id != platform.id:
            messages.append(f"Le territoire « {territory.name} » n'est pas de cette plateforme.")
    if messages:
        raise InvalidInput(messages)
    user = User(
        email=email,
        role=Role(role),
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        platform_id=platform.id if platform else None,
        session_token=secrets.token_hex(16),
        territories=list(territories or []),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.create",
        object_type="user",
        object_id=user.id,
        platform_id=user.platform_id,
        changes={"role": (None, user.role.value)},
    )
    return user

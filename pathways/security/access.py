"""Who sees what: the one scoping helper every query for persons goes through.

Rules (pathway.md, issue 3):
- ``admin`` manages accounts and platforms and sees no person's file;
- ``manager`` sees everything of their platform;
- ``delegate`` sees the pathways of their territories up to the handover
  (referred, info_session, orientation) and the pathways they are délégué of;
- ``adviser`` sees the pathways assigned to them, and those of an adviser they
  replace during a replacement a manager granted.
An identifier outside one's scope answers 404, never 403: a 403 would tell
that the object exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required
from sqlalchemy.orm import Session

from pathways import clock
from pathways.models import AdviserReplacement, Pathway, Person, User
from pathways.states import State
from pathways.vocabulary import Role

F = TypeVar("F", bound=Callable[..., Any])

PRE_HANDOVER_STATES = (State.REFERRED, State.INFO_SESSION, State.ORIENTATION)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Login required, and one of ``roles``; other roles get 404 (the page does not exist for them)."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def replaced_adviser_ids(user: User) -> sa.Select[tuple[int]]:
    today = clock.today()
    return sa.select(AdviserReplacement.replaced_id).where(
        AdviserReplacement.replacing_id == user.id,
        AdviserReplacement.starts_on <= today,
        AdviserReplacement.ends_on >= today,
    )


def pathway_scope(user: User) -> sa.ColumnElement[bool]:
    """A condition on ``Pathway`` that is true exactly for the pathways ``user`` may see."""
    if user.role is Role.ADMIN or user.platform_id is None:
        return sa.false()
    same_platform = Pathway.platform_id == user.platform_id
    if user.role is Role.MANAGER:
        return same_platform
    if user.role is Role.DELEGATE:
        territory_ids = [t.id for t in user.territories]
        return sa.and_(
            same_platform,
            sa.or_(
                Pathway.delegate_id == user.id,
                sa.and_(
                    Pathway.territory_id.in_(territory_ids),
                    Pathway.state.in_(PRE_HANDOVER_STATES),
                ),
            ),
        )
    if user.role is Role.ADVISER:
        return sa.and_(
            same_platform,
            sa.or_(Pathway.adviser_id == user.id, Pathway.adviser_id.in_(replaced_adviser_ids(user))),
        )
    return sa.false()


def scoped_pathways(user: User) -> sa.Select[tuple[Pathway]]:
    return sa.select(Pathway).where(pathway_scope(user))


def scoped_persons(user: User) -> sa.Select[tuple[Person]]:
    """Persons with at least one pathway in scope (managers: every person of the platform)."""
    if user.role is Role.MANAGER:
        return sa.select(Person).where(Person.platform_id == user.platform_id)
    visible = sa.select(Pathway.person_id).where(pathway_scope(user))
    return sa.select(Person).where(Person.id.in_(visible))


def get_pathway_or_404(session: Session, user: User, pathway_id: int) -> Pathway:
    pathway = session.scalar(scoped_pathways(user).where(Pathway.id == pathway_id))
    if pathway is None:
        abort(404)
    return pathway


def get_person_or_404(session: Session, user: User, person_id: int) -> Person:
    person = session.scalar(scoped_persons(user).where(Person.id == person_id))
    if person is None:
        abort(404)
    return person


def can_see_health_details(user: User, pathway: Pathway) -> bool:
    """Health freins: only the pathway's conseiller and délégué see the details."""
    return user.id in (pathway.adviser_id, pathway.delegate_id)


# --- loaders of the workspaces (issue 4): each object through its pathway or platform ---


def _platform_object_or_404(session: Session, user: User, model: type, object_id: int) -> Any:
    found = session.get(model, object_id)
    if found is None or user.platform_id is None or found.platform_id != user.platform_id:
        abort(404)
    return found


def session_scope_ok(user: User, territory_id: int | None, delegate_id: int | None) -> bool:
    """A délégué sees the sessions and weeks of their territories (or of none) and their own."""
    if user.role is Role.MANAGER:
        return True
    if user.role is Role.DELEGATE:
        territory_ids = {t.id for t in user.territories}
        return delegate_id == user.id or territory_id is None or territory_id in territory_ids
    return False


def get_info_session_or_404(session: Session, user: User, session_id: int) -> Any:
    from pathways.models import InfoSession

    info_session = _platform_object_or_404(session, user, InfoSession, session_id)
    if not session_scope_ok(user, info_session.territory_id, info_session.delegate_id):
        abort(404)
    return info_session


def get_week_or_404(session: Session, user: User, week_id: int) -> Any:
    from pathways.models import OrientationWeek

    week = _platform_object_or_404(session, user, OrientationWeek, week_id)
    if not session_scope_ok(user, week.territory_id, week.delegate_id):
        abort(404)
    return week


def _pathway_child_or_404(session: Session, user: User, model: type, object_id: int, pathway_id: int) -> Any:
    """A barrier, checkpoint, referent... of a pathway ``user`` may see, named by both ids."""
    pathway = get_pathway_or_404(session, user, pathway_id)
    found = session.get(model, object_id)
    if found is None or found.pathway_id != pathway.id:
        abort(404)
    return found


def get_barrier_or_404(session: Session, user: User, pathway_id: int, barrier_id: int) -> Any:
    from pathways.models import Barrier

    return _pathway_child_or_404(session, user, Barrier, barrier_id, pathway_id)


def get_checkpoint_or_404(session: Session, user: User, pathway_id: int, checkpoint_id: int) -> Any:
    from pathways.models import Checkpoint

    return _pathway_child_or_404(session, user, Checkpoint, checkpoint_id, pathway_id)


def get_referent_or_404(session: Session, user: User, pathway_id: int, referent_id: int) -> Any:
    from pathways.models import Referent

    return _pathway_child_or_404(session, user, Referent, referent_id, pathway_id)


def get_platform_user_or_404(session: Session, user: User, user_id: int) -> User:
    """An account of the manager's own platform."""
    found = session.get(User, user_id)
    if found is None or user.platform_id is None or found.platform_id != user.platform_id:
        abort(404)
    return found

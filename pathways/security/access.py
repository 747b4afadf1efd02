"""Who sees what: the one scoping helper every query for persons goes through.

Rules (pathway.md, issue 3):
- ``admin`` manages accounts, platforms and territories and sees no person's
  file (nor the platforms' sessions, which list persons);
- ``manager`` sees everything of their platform;
- ``delegate`` sees the pathways of their territories up to the handover
  (referred, info_session, orientation, or no conseiller assigned yet) and the
  pathways they are délégué of;
- ``adviser`` sees the pathways assigned to them, and those of an adviser they
  replace during a replacement a manager granted on their platform.
The details of a health frein are visible only to the pathway's conseiller
and délégué (a replacing conseiller sees that one exists, not its details).

An identifier outside one's scope answers 404, never 403: a 403 would tell
that the object exists. Every such refusal is written to the audit trail
(``pathways.security.trail``), so an enumeration leaves a trace.

Views declare who may call them: ``public`` (no login), ``login_required``
(any role) or ``roles_required(...)``; the security layer refuses by default
any view that declares nothing, and the route matrix test reads these marks.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import wraps
from typing import Any, NoReturn, TypeVar

import sqlalchemy as sa
from flask import abort, g, request
from flask_login import current_user, login_required
from sqlalchemy.orm import Session, object_session

from pathways import clock

# Re-exported: views load objects and record what they show from one module.
from pathways.audit import audit_export, audit_import, audit_view  # noqa: F401
from pathways.extensions import db
from pathways.models import (
    AdviserReplacement,
    BackgroundJob,
    Barrier,
    Checkpoint,
    Immersion,
    InfoSession,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    Person,
    PlannedStep,
    Platform,
    Referent,
    Territory,
    Training,
    User,
)
from pathways.security.ids import parse_id
from pathways.states import State
from pathways.vocabulary import Role

F = TypeVar("F", bound=Callable[..., Any])

PRE_HANDOVER_STATES = (State.REFERRED, State.INFO_SESSION, State.ORIENTATION)
PLATFORM_ROLES = (Role.MANAGER, Role.DELEGATE, Role.ADVISER)


def public(view: F) -> F:
    """Mark a view as reachable without login (login page, health check).

    Put it under ``@blueprint.route`` so the registered function carries the mark.
    """
    view.is_public = True  # type: ignore[attr-defined]
    return view


def is_public(view: Callable[..., Any] | None) -> bool:
    return bool(getattr(view, "is_public", False))


def allowed_roles(view: Callable[..., Any] | None) -> frozenset[Role]:
    """The roles a view admits (every role for a plain ``login_required`` view)."""
    return getattr(view, "allowed_roles", frozenset(Role))


def refuse(object_type: str | None = None, object_id: int | None = None, reason: str = "scope") -> NoReturn:
    """Answer 404 and leave a trace of the refusal in the audit trail.

    The entry is written by the 404 handler, after the request's changes are
    rolled back, so a refused request changes nothing but the trail.
    """
    g.setdefault("refused_accesses", []).append(
        {
            "object_type": object_type,
            # Only what the column can hold: an id out of range is no id.
            "object_id": parse_id(object_id) if object_id is not None else None,
            "reason": reason,
            "path": request.path,
        }
    )
    abort(404)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Login required, and one of ``roles``; other roles get 404 (the page does not exist for them)."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                refuse(reason="role")
            return view(*args, **kwargs)

        wrapper.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def replaced_adviser_ids(user: User) -> sa.Select[tuple[int]]:
    """The advisers ``user`` replaces today (a manager's grant, same platform)."""
    today = clock.today()
    return sa.select(AdviserReplacement.replaced_id).where(
        AdviserReplacement.replacing_id == user.id,
        AdviserReplacement.platform_id == user.platform_id,
        AdviserReplacement.starts_on <= today,
        AdviserReplacement.ends_on >= today,
    )


def pathway_scope(user: User, session: Session | None = None) -> sa.ColumnElement[bool]:
    """A condition on ``Pathway`` that is true exactly for the pathways ``user`` may see.

    The scope is resolved to ids before it reaches the query — the délégué's
    territories, the conseillers a conseiller replaces today (read with
    ``session``, by default the user's own) —: ``adviser_id IN (…)`` walks
    the index where ``adviser_id = :me OR adviser_id IN (SELECT …)`` made
    the planner read the whole table.
    """
    if user.role is Role.ADMIN or user.platform_id is None or not user.is_active:
        return sa.false()
    same_platform = Pathway.platform_id == user.platform_id
    if user.role is Role.MANAGER:
        return same_platform
    if user.role is Role.DELEGATE:
        territory_ids = [t.id for t in user.territories]
        before_handover = sa.or_(Pathway.state.in_(PRE_HANDOVER_STATES), Pathway.adviser_id.is_(None))
        return sa.and_(
            same_platform,
            sa.or_(
                Pathway.delegate_id == user.id,
                sa.and_(Pathway.territory_id.in_(territory_ids), before_handover),
            ),
        )
    if user.role is Role.ADVISER:
        session = session or object_session(user) or db.session
        adviser_ids = [user.id, *session.scalars(replaced_adviser_ids(user))]
        return sa.and_(same_platform, Pathway.adviser_id.in_(adviser_ids))
    return sa.false()


def scoped_pathways(user: User) -> sa.Select[tuple[Pathway]]:
    return sa.select(Pathway).where(pathway_scope(user))


def get_pathway_or_404(session: Session, user: User, pathway_id: int) -> Pathway:
    pathway = session.scalar(scoped_pathways(user).where(Pathway.id == pathway_id))
    if pathway is None:
        refuse("pathway", pathway_id)
    return pathway


R = TypeVar("R", Barrier, Checkpoint, Referent, Immersion, Training, PlannedStep)


def _record_of_pathway_or_404(
    session: Session, user: User, model: type[R], kind: str, pathway_id: int, record_id: object
) -> R:
    """A record of pathway ``pathway_id`` (by id, as typed: parsed strictly), the pathway in scope."""
    parsed = parse_id(record_id)
    record = None
    if parsed is not None:
        record = session.scalar(
            sa.select(model)
            .join(Pathway, Pathway.id == model.pathway_id)
            .where(model.id == parsed, model.pathway_id == pathway_id, pathway_scope(user))
        )
    if record is None:
        refuse(kind, parsed)
    return record


def get_barrier_or_404(session: Session, user: User, pathway_id: int, barrier_id: int) -> Barrier:
    """A frein of pathway ``pathway_id``, in scope (health details: check ``can_see_health_details``)."""
    return _record_of_pathway_or_404(session, user, Barrier, "barrier", pathway_id, barrier_id)


def get_checkpoint_or_404(session: Session, user: User, pathway_id: int, checkpoint_id: int) -> Checkpoint:
    """A follow-up checkpoint of pathway ``pathway_id``, in scope."""
    return _record_of_pathway_or_404(session, user, Checkpoint, "checkpoint", pathway_id, checkpoint_id)


def get_planned_step_or_404(session: Session, user: User, pathway_id: int, planned_id: int) -> PlannedStep:
    """A step planned on pathway ``pathway_id``, in scope."""
    return _record_of_pathway_or_404(session, user, PlannedStep, "planned_step", pathway_id, planned_id)


def get_immersion_or_404(session: Session, user: User, pathway_id: int, immersion_id: object) -> Immersion:
    """A PMSMP of pathway ``pathway_id``, in scope (the id may come raw from a form or a query)."""
    return _record_of_pathway_or_404(session, user, Immersion, "immersion", pathway_id, immersion_id)


def get_training_or_404(session: Session, user: User, pathway_id: int, training_id: object) -> Training:
    """A training of pathway ``pathway_id``, in scope (the id may come raw from a form or a query)."""
    return _record_of_pathway_or_404(session, user, Training, "training", pathway_id, training_id)


def get_person_or_404(
    session: Session, user: User, person_id: object, offered: Collection[int] = ()
) -> Person:
    """A person of the user's platform whose file the user may open.

    That is: one of the person's pathways is in the user's scope, or the
    person is one of ``offered`` — the look-alikes the duplicate check showed
    for what this user typed (a délégué registering a known person); never
    any id of the platform picked at will.
    """
    parsed = parse_id(person_id)
    found = None
    if parsed is not None and user.platform_id is not None:
        in_scope = sa.exists().where(Pathway.person_id == Person.id, pathway_scope(user))
        allowed = sa.or_(in_scope, Person.id.in_(list(offered))) if offered else in_scope
        found = session.scalar(
            sa.select(Person).where(Person.id == parsed, Person.platform_id == user.platform_id, allowed)
        )
    if found is None:
        refuse("person", parsed)
    return found


def get_participant_or_404(
    session: Session, user: User, week_id: int, pathway_id: int
) -> tuple[OrientationWeek, Pathway]:
    """A participant of an orientation week: the week and the pathway in scope, and taking part."""
    week = get_week_or_404(session, user, week_id)
    pathway = get_pathway_or_404(session, user, pathway_id)
    taking_part = session.scalar(
        sa.select(OrientationParticipant.id).where(
            OrientationParticipant.week_id == week.id, OrientationParticipant.pathway_id == pathway.id
        )
    )
    if taking_part is None:
        refuse("orientation_participant", pathway.id)
    return week, pathway


def check_territory_or_404(session: Session, user: User, territory_id: int | None) -> None:
    """A territory a session may be created on: the manager's platform's, the délégué's own; or none."""
    if territory_id is None:
        return
    if user.role is Role.MANAGER:
        get_territory_or_404(session, user, territory_id)
    elif territory_id not in {t.id for t in user.territories}:
        refuse("territory", territory_id)


def session_scope_ok(user: User, territory_id: int | None, delegate_id: int | None) -> bool:
    """A délégué sees the sessions and weeks of their territories (or of none) and their own."""
    if user.role is Role.MANAGER:
        return True
    if user.role is Role.DELEGATE:
        territory_ids = {t.id for t in user.territories}
        return delegate_id == user.id or territory_id is None or territory_id in territory_ids
    return False


def _platform_object(session: Session, user: User, model: Any, object_id: int, kind: str) -> Any:
    """A session or week of the user's platform, within ``session_scope_ok`` (admins: none)."""
    found = None
    if user.platform_id is not None:
        found = session.scalar(
            sa.select(model).where(model.id == object_id, model.platform_id == user.platform_id)
        )
    if found is None or not session_scope_ok(user, found.territory_id, found.delegate_id):
        refuse(kind, object_id)
    return found


def get_info_session_or_404(session: Session, user: User, session_id: int) -> InfoSession:
    """An information session in scope."""
    return _platform_object(session, user, InfoSession, session_id, "info_session")


def get_week_or_404(session: Session, user: User, week_id: int) -> OrientationWeek:
    """An orientation week in scope; list its participants through ``scoped_pathways``."""
    return _platform_object(session, user, OrientationWeek, week_id, "orientation_week")


get_orientation_week_or_404 = get_week_or_404


def get_referent_or_404(session: Session, user: User, pathway_id: int, referent_id: int) -> Referent:
    """A partner referent of pathway ``pathway_id``, in scope."""
    return _record_of_pathway_or_404(session, user, Referent, "referent", pathway_id, referent_id)


def get_platform_row_or_404(session: Session, user: User, model: Any, object_id: int) -> Any:
    """A row of the user's own platform (employers, training organisations, prescribers...)."""
    found = None
    if user.platform_id is not None and parse_id(object_id) is not None:
        found = session.scalar(
            sa.select(model).where(model.id == object_id, model.platform_id == user.platform_id)
        )
    if found is None:
        refuse(model.__tablename__, object_id)
    return found


def get_user_or_404(session: Session, user: User, user_id: int) -> User:
    """An account: any for an admin, their platform's for a manager, oneself for the others."""
    query = sa.select(User).where(User.id == user_id)
    if user.role is Role.MANAGER:
        query = query.where(User.platform_id == user.platform_id)
    elif user.role is not Role.ADMIN:
        query = query.where(User.id == user.id)
    found = session.scalar(query)
    if found is None:
        refuse("user", user_id)
    return found


def get_platform_user_or_404(session: Session, user: User, user_id: int, *, active: bool = True) -> User:
    """An active account of the user's own platform (to pick a conseiller, a replacement).

    ``active=False`` admits a deactivated one too (a departed conseiller's caseload to reassign).
    """
    found = None
    if user.platform_id is not None:
        found = session.scalar(
            sa.select(User).where(
                User.id == user_id,
                User.platform_id == user.platform_id,
                User.is_active.is_(True) if active else sa.true(),
            )
        )
    if found is None:
        refuse("user", user_id)
    return found


def get_platform_or_404(session: Session, user: User, platform_id: int) -> Platform:
    """A platform: any for an admin, one's own otherwise."""
    query = sa.select(Platform).where(Platform.id == platform_id)
    if user.role is not Role.ADMIN:
        query = query.where(Platform.id == user.platform_id)
    found = session.scalar(query)
    if found is None:
        refuse("platform", platform_id)
    return found


def get_territory_or_404(session: Session, user: User, territory_id: int) -> Territory:
    """A territory: any for an admin, one of one's platform otherwise."""
    query = sa.select(Territory).where(Territory.id == territory_id)
    if user.role is not Role.ADMIN:
        query = query.where(Territory.platform_id == user.platform_id)
    found = session.scalar(query)
    if found is None:
        refuse("territory", territory_id)
    return found


def can_edit_person(user: User, pathway: Pathway) -> bool:
    """Identity and situation are corrected by the pathway's délégué, its conseiller, or the manager."""
    if not user.is_active or user.platform_id != pathway.platform_id:
        return False
    return user.role is Role.MANAGER or user.id in (pathway.adviser_id, pathway.delegate_id)


def can_act_for_person(user: User, person: Person) -> bool:
    """The notice given, an opposition: whoever may correct the person on one of their pathways."""
    return any(can_edit_person(user, pathway) for pathway in person.pathways)


def can_see_health_details(user: User, pathway: Pathway) -> bool:
    """Health freins: only the pathway's conseiller and délégué see the details."""
    return user.is_active and user.id in (pathway.adviser_id, pathway.delegate_id)


def get_own_job_or_404(session: Session, user: User, job_id: int) -> BackgroundJob:
    """A background job ``user`` asked for; anyone else's (even a manager's colleague's) is 404."""
    found = session.scalar(
        sa.select(BackgroundJob).where(BackgroundJob.id == job_id, BackgroundJob.user_id == user.id)
    )
    if found is None:
        refuse("job", job_id)
    return found

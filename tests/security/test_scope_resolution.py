"""The scope resolved to ids gives exactly the rows of the rule as it was written before (issue 14).

``pathway_scope`` now reads the conseillers a conseiller replaces before the
query (``adviser_id IN (…)``); the reference below is the former condition
(``adviser_id = :me OR adviser_id IN (SELECT …)``), kept here as the rule's
plain statement. Every role, replacements current, past, to come and of
another platform.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from pathways.models import AdviserReplacement, Pathway
from pathways.security.access import PRE_HANDOVER_STATES, pathway_scope, replaced_adviser_ids
from pathways.services.caseload import CaseloadFilters, caseload
from pathways.services.pathway import assign_adviser
from pathways.services.platform import create_user
from pathways.states import State
from pathways.vocabulary import Role
from tests.factories import PASSWORD, make_pathway, make_world


def former_scope(user) -> sa.ColumnElement[bool]:
    """The rule as written before issue 14 (a subquery inside an OR)."""
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
    return sa.and_(
        same_platform,
        sa.or_(Pathway.adviser_id == user.id, Pathway.adviser_id.in_(replaced_adviser_ids(user))),
    )


def ids(session, condition) -> set[int]:
    return set(session.scalars(sa.select(Pathway.id).where(condition)))


def test_every_role_sees_the_same_pathways_as_before(session, today) -> None:
    world = make_world(session, "portee")
    other = make_world(session, "ailleurs")
    advisers = [world.adviser] + [
        create_user(
            session, email=f"conseil{i}@portee.fr", role=Role.ADVISER, password=PASSWORD, platform=world.platform
        )
        for i in range(4)
    ]
    start = today - timedelta(days=60)
    for index, state in enumerate([State.REFERRED, State.ORIENTATION, State.EMPLOYMENT, State.FOLLOW_UP] * 3):
        pathway = make_pathway(session, world, state, start=start)
        if pathway.adviser_id is not None:
            holder = advisers[index % len(advisers)]
            if holder.id != pathway.adviser_id:
                assign_adviser(session, pathway, holder, actor=world.manager, on=today)
    make_pathway(session, other, State.EMPLOYMENT, start=start)
    # Replacements: one today, one past, one to come, one on another platform (never granted so).
    replacing = advisers[1]
    for replaced, starts, ends, platform_id in (
        (advisers[2], today - timedelta(days=3), today + timedelta(days=3), world.platform.id),
        (advisers[3], today - timedelta(days=30), today - timedelta(days=1), world.platform.id),
        (advisers[4], today + timedelta(days=1), today + timedelta(days=9), world.platform.id),
        (other.adviser, today - timedelta(days=3), today + timedelta(days=3), other.platform.id),
    ):
        session.add(
            AdviserReplacement(
                replaced_id=replaced.id,
                replacing_id=replacing.id,
                platform_id=platform_id,
                starts_on=starts,
                ends_on=ends,
                granted_by_id=world.manager.id,
            )
        )
    session.flush()
    users = [world.admin, world.manager, world.delegate, other.manager, *advisers, other.adviser]
    for user in users:
        assert ids(session, pathway_scope(user)) == ids(session, former_scope(user)), user.email
    # The replacing conseiller sees their own and the replaced one's of today, not the others'.
    seen = ids(session, pathway_scope(replacing))
    assert seen >= ids(session, Pathway.adviser_id == advisers[2].id)
    assert not seen & ids(session, Pathway.adviser_id.in_([advisers[3].id, advisers[4].id]))
    # The list built on it shows the same rows as the former rule's.
    for user in (replacing, world.delegate, world.manager):
        filters = CaseloadFilters(include_finished=True)
        now = [r.pathway_id for r in caseload(session, pathway_scope(user), filters, page_size=100).rows]
        before = [r.pathway_id for r in caseload(session, former_scope(user), filters, page_size=100).rows]
        assert now == before

"""Freins périphériques: identify, follow, close. Never deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from pathways import audit, clock
from pathways.models import Barrier, BarrierStatusChange, Pathway, User
from pathways.services import summary
from pathways.services.pathway import InvalidInput
from pathways.vocabulary import BarrierCategory, BarrierStatus

# identified -> in_progress -> resolved | not_resolvable; a closed frein stays
# closed (a frein that comes back is logged anew, so the history stays readable).
NEXT_STATUSES: dict[BarrierStatus, frozenset[BarrierStatus]] = {
    BarrierStatus.IDENTIFIED: frozenset(
        {BarrierStatus.IN_PROGRESS, BarrierStatus.RESOLVED, BarrierStatus.NOT_RESOLVABLE}
    ),
    BarrierStatus.IN_PROGRESS: frozenset({BarrierStatus.RESOLVED, BarrierStatus.NOT_RESOLVABLE}),
    BarrierStatus.RESOLVED: frozenset(),
    BarrierStatus.NOT_RESOLVABLE: frozenset(),
}


def identify_barrier(
    session: Session,
    pathway: Pathway,
    *,
    category: BarrierCategory | str,
    identified_on: date,
    actor: User | None,
    details: str | None = None,
    partner: str | None = None,
) -> Barrier:
    messages = []
    try:
        category = BarrierCategory(category)
    except ValueError:
        messages.append(
            "Choisissez la catégorie du frein." if not category else "Catégorie de frein inconnue."
        )
    if identified_on > clock.today():
        messages.append("La date d'identification ne peut pas être dans le futur.")
    details = (details or "").strip() or None
    if category == BarrierCategory.OTHER and not details:
        messages.append("Un frein « Autre » demande une précision.")
    if messages:
        raise InvalidInput(messages)
    barrier = Barrier(
        pathway_id=pathway.id,
        category=BarrierCategory(category),
        status=BarrierStatus.IDENTIFIED,
        identified_on=identified_on,
        details=details,
        recorded_by_id=actor.id if actor else None,
    )
    barrier.changes.append(
        BarrierStatusChange(
            status=BarrierStatus.IDENTIFIED,
            changed_on=identified_on,
            partner=(partner or "").strip() or None,
            recorded_at=clock.now(),
            recorded_by_id=actor.id if actor else None,
        )
    )
    session.add(barrier)
    session.flush()  # the audit entry names the frein
    summary.refresh(session, pathway.id)  # the last contact
    audit.record(
        session,
        actor,
        "barrier.identify",
        object_type="barrier",
        object_id=barrier.id,
        platform_id=pathway.platform_id,
        changes={"category": (None, barrier.category.value)},
    )
    return barrier


def change_barrier_status(
    session: Session,
    barrier: Barrier,
    *,
    status: BarrierStatus | str,
    changed_on: date,
    actor: User | None,
    action_taken: str | None = None,
    partner: str | None = None,
) -> BarrierStatusChange:
    messages = []
    try:
        status = BarrierStatus(status)
    except ValueError:
        raise InvalidInput(
            ["Choisissez le nouveau statut du frein." if not status else "Statut de frein inconnu."]
        ) from None
    if status not in NEXT_STATUSES[barrier.status]:
        if barrier.status.is_closed:
            messages.append("Ce frein est clos : s'il réapparaît, enregistrez un nouveau frein.")
        else:
            messages.append(f"Un frein « {barrier.status.label} » ne peut pas passer à « {status.label} ».")
    last_change_on = session.scalar(
        sa.select(sa.func.max(BarrierStatusChange.changed_on)).where(
            BarrierStatusChange.barrier_id == barrier.id
        )
    )
    if changed_on > clock.today():
        messages.append("La date ne peut pas être dans le futur.")
    elif last_change_on and changed_on < last_change_on:
        messages.append(f"La date ne peut pas précéder le dernier changement ({last_change_on:%d/%m/%Y}).")
    if messages:
        raise InvalidInput(messages)
    before = barrier.status
    change = BarrierStatusChange(
        barrier_id=barrier.id,
        status=status,
        changed_on=changed_on,
        action_taken=(action_taken or "").strip() or None,
        partner=(partner or "").strip() or None,
        recorded_at=clock.now(),
        recorded_by_id=actor.id if actor else None,
    )
    barrier.status = status
    session.add(change)
    session.flush()
    summary.refresh(session, barrier.pathway_id)  # the last contact
    pathway = session.get(Pathway, barrier.pathway_id)
    audit.record(
        session,
        actor,
        "barrier.status",
        object_type="barrier",
        object_id=barrier.id,
        platform_id=pathway.platform_id if pathway else None,
        changes={"status": (before.value, status.value)},
    )
    return change


# --- what the file shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class BarrierChangeView:
    changed_on: date
    status: BarrierStatus
    action_taken: str | None
    partner: str | None


@dataclass(frozen=True)
class BarrierView:
    """A frein as the file shows it to one viewer.

    For a health frein seen by someone outside the health rule, everything
    beyond the category and the dated statuses is left out here (details, the
    action taken, the partner — a CSAPA names a care), so no template can
    show it; ``restricted`` says that something was left out.
    """

    id: int
    category: BarrierCategory
    status: BarrierStatus
    identified_on: date
    details: str | None
    changes: list[BarrierChangeView]
    restricted: bool


def barriers_for_file(session: Session, pathway_id: int, *, health_visible: bool) -> list[BarrierView]:
    """The freins of a pathway with their history, health details only for ``health_visible`` viewers."""
    barriers = session.scalars(
        sa.select(Barrier)
        .where(Barrier.pathway_id == pathway_id)
        .options(selectinload(Barrier.changes))
        .order_by(Barrier.id)
    ).all()
    views = []
    for barrier in barriers:
        hide = barrier.category.is_sensitive and not health_visible
        has_more = bool(barrier.details) or any(c.action_taken or c.partner for c in barrier.changes)
        views.append(
            BarrierView(
                id=barrier.id,
                category=barrier.category,
                status=barrier.status,
                identified_on=barrier.identified_on,
                details=None if hide else barrier.details,
                changes=[
                    BarrierChangeView(
                        change.changed_on,
                        change.status,
                        None if hide else change.action_taken,
                        None if hide else change.partner,
                    )
                    for change in barrier.changes
                ],
                restricted=hide and has_more,
            )
        )
    return views

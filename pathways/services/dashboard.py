"""The manager's dashboard: funnel, outcomes by entry cohort, caseload per conseiller.

Definitions (the figures a manager reads):

- *funnel*: for each step of the parcours, how many distinct persons had a
  pathway reach it (an event into that state), overall and in the given
  year (the event dated that year);
- *cohort*: the quarter of the pathway's entry (its ``refer`` event); the
  outcome is where the pathway stands today: in progress, in follow-up in
  the job, completed, positive exit (training or job outside the sector),
  other exit;
- *caseload*: the pathways in progress each active conseiller follows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from pathways import clock
from pathways.models import Pathway, PathwayEvent, User
from pathways.services.caseload import alert_conditions
from pathways.states import PARCOURS_ORDER, TERMINAL_STATES, ExitReason, State, Trigger
from pathways.vocabulary import Role

OUTCOMES: tuple[tuple[str, str], ...] = (
    ("in_progress", "En cours"),
    ("follow_up", "En emploi (suivi)"),
    ("completed", "Parcours terminé"),
    ("positive_exit", "Sortie positive"),
    ("other_exit", "Autre sortie"),
)


@dataclass(frozen=True)
class FunnelStep:
    state: State
    overall: int
    this_year: int


@dataclass
class Cohort:
    year: int
    quarter: int
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"T{self.quarter} {self.year}"

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())


@dataclass(frozen=True)
class AdviserLoad:
    user_id: int
    name: str
    in_progress: int
    with_alert: int


def funnel(session: Session, platform_id: int, year: int | None = None) -> list[FunnelStep]:
    """Persons who reached each step of the parcours, overall and in ``year``."""
    year = year or clock.today().year
    in_year = PathwayEvent.occurred_on.between(date(year, 1, 1), date(year, 12, 31))
    rows = session.execute(
        sa.select(
            PathwayEvent.to_state,
            sa.func.count(sa.distinct(Pathway.person_id)),
            sa.func.count(sa.distinct(sa.case((in_year, Pathway.person_id)))),
        )
        .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
        .where(Pathway.platform_id == platform_id)
        .group_by(PathwayEvent.to_state)
    ).all()
    counts = {State(state): (overall, this_year) for state, overall, this_year in rows}
    return [FunnelStep(state, *counts.get(state, (0, 0))) for state in PARCOURS_ORDER]


def _outcome(state: State, exit_reason: str | None) -> str:
    if state is State.COMPLETED:
        return "completed"
    if state is State.FOLLOW_UP:
        return "follow_up"
    if state is State.EXITED:
        try:
            positive = ExitReason(exit_reason).is_positive if exit_reason else False
        except ValueError:
            positive = False
        return "positive_exit" if positive else "other_exit"
    return "in_progress"


def cohorts(session: Session, platform_id: int) -> list[Cohort]:
    """Outcomes of the pathways by quarter of entry, oldest first."""
    entry = aliased(PathwayEvent)
    leaving = aliased(PathwayEvent)
    year = sa.extract("year", entry.occurred_on)
    month = sa.extract("month", entry.occurred_on)
    reason = leaving.details["reason"].as_string()
    rows = session.execute(
        sa.select(year, month, Pathway.state, reason, sa.func.count())
        .join(entry, sa.and_(entry.pathway_id == Pathway.id, entry.sequence == 1))
        .outerjoin(leaving, sa.and_(leaving.pathway_id == Pathway.id, leaving.trigger == Trigger.EXIT))
        .where(Pathway.platform_id == platform_id)
        .group_by(year, month, Pathway.state, reason)
    ).all()
    by_quarter: dict[tuple[int, int], Cohort] = {}
    for row_year, row_month, state, reason, count in rows:
        key = (int(row_year), (int(row_month) - 1) // 3 + 1)
        cohort = by_quarter.setdefault(key, Cohort(*key, outcomes=dict.fromkeys(k for k, _ in OUTCOMES)))
        outcome = _outcome(State(state), reason)
        cohort.outcomes[outcome] = (cohort.outcomes[outcome] or 0) + count
    for cohort in by_quarter.values():
        cohort.outcomes = {k: v or 0 for k, v in cohort.outcomes.items()}
    return [by_quarter[key] for key in sorted(by_quarter)]


def adviser_loads(session: Session, platform_id: int, *, today: date | None = None) -> list[AdviserLoad]:
    """Each active conseiller of the platform with their pathways in progress and those with an alert."""
    today = today or clock.today()
    any_alert = sa.or_(*alert_conditions(session, today).values())
    counts: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    rows = session.execute(
        sa.select(
            Pathway.adviser_id,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((any_alert, 1), else_=0)), 0),
        )
        .where(
            Pathway.platform_id == platform_id,
            Pathway.adviser_id.is_not(None),
            Pathway.state.not_in(TERMINAL_STATES),
        )
        .group_by(Pathway.adviser_id)
    ).all()
    for adviser_id, in_progress, with_alert in rows:
        counts[adviser_id] = (in_progress, int(with_alert))
    advisers = session.execute(
        sa.select(User.id, User.full_name, User.email)
        .where(
            User.platform_id == platform_id,
            User.role == Role.ADVISER,
            # An inactive conseiller still holding pathways is listed, to be reassigned.
            sa.or_(User.is_active.is_(True), User.id.in_(list(counts))),
        )
        .order_by(User.full_name, User.email)
    ).all()
    return [AdviserLoad(uid, name or email, *counts[uid]) for uid, name, email in advisers]

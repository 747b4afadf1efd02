"""The manager's dashboard: funnel, outcomes by entry cohort, caseload per conseiller.

Definitions (the figures a manager reads; the bilan draws the same two charts):

- *funnel*: of the persons whose pathway entered (its ``refer`` event) in a
  window of time, how many reached each milestone *or a later one*, by a
  given day (``as_of``): entered ⊇ accompanied (the orientation week or any
  later step) ⊇ a PMSMP, a training or the job search (or a training or a job
  outside the sector, a positive exit) ⊇ a work contract ⊇ still in post at
  the 6-month checkpoint. A person counts once, at the furthest milestone of
  their pathways entered in the window, so each step holds the next: the
  funnel only narrows, whatever steps a path skips (Lyon has no orientation
  week, a job dating hires on the spot);
- *outcomes*: the same persons by quarter of entry, each at the standing of
  their latest pathway entered in the window, on ``as_of``: in progress, in
  follow-up in the job, completed, positive exit (training or job outside
  the sector), other exit;
- *caseload*: the pathways in progress each active conseiller follows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from pathways import clock
from pathways.models import Checkpoint, Pathway, PathwayEvent, User
from pathways.services.caseload import alert_conditions
from pathways.states import TERMINAL_STATES, ExitReason, State, Trigger
from pathways.vocabulary import Role

OUTCOMES: tuple[tuple[str, str], ...] = (
    ("in_progress", "En cours"),
    ("follow_up", "En emploi (suivi)"),
    ("completed", "Parcours terminé"),
    ("positive_exit", "Sortie positive"),
    ("other_exit", "Autre sortie"),
)
# The milestones of the funnel, each reached by everyone counted at the next.
MILESTONES: tuple[tuple[str, str], ...] = (
    ("entered", "Entrée dans le parcours"),
    ("accompanied", "Accompagnement engagé (pôle orientation ou au-delà)"),
    ("step", "PMSMP, formation ou recherche d'emploi"),
    ("contract", "Contrat de travail signé"),
    ("six_months", "En poste au point de suivi à six mois"),
)
POSITIVE_EXIT_REASONS = tuple(r.value for r in ExitReason if r.is_positive)

# A window of entry dates; None on a side leaves it open.
Window = tuple[date | None, date | None]


@dataclass(frozen=True)
class FunnelStep:
    code: str
    label: str
    # Persons at this milestone or a later one, one count per window asked for.
    counts: tuple[int, ...]


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


def _in_window(day: sa.ColumnElement[date], window: Window) -> sa.ColumnElement[bool]:
    first, last = window
    conditions = [sa.true()]
    if first is not None:
        conditions.append(day >= first)
    if last is not None:
        conditions.append(day <= last)
    return sa.and_(*conditions)


def _milestone() -> sa.ColumnElement[int]:
    """The milestone an event reaches: 0 entered … 3 contract (the 6-month one is a checkpoint)."""
    reason = PathwayEvent.details["reason"].as_string()
    return sa.case(
        (PathwayEvent.to_state.in_((State.FOLLOW_UP, State.COMPLETED)), 3),
        (PathwayEvent.to_state.in_((State.IMMERSION, State.TRAINING, State.EMPLOYMENT)), 2),
        (
            PathwayEvent.trigger == Trigger.EXIT,
            sa.case((reason.in_(POSITIVE_EXIT_REASONS), 2), else_=0),
        ),
        (PathwayEvent.to_state.in_((State.ORIENTATION, State.REINFORCEMENT)), 1),
        else_=0,
    )


def _entries(platform_ids: Sequence[int], windows: Sequence[Window]) -> sa.Subquery:
    """The pathways entered in any of ``windows``: (pathway_id, person_id, entry_on)."""
    entry = aliased(PathwayEvent)
    return (
        sa.select(
            Pathway.id.label("pathway_id"),
            Pathway.person_id.label("person_id"),
            entry.occurred_on.label("entry_on"),
        )
        .join(entry, sa.and_(entry.pathway_id == Pathway.id, entry.sequence == 1))
        .where(
            Pathway.platform_id.in_(list(platform_ids)),
            sa.or_(*[_in_window(entry.occurred_on, window) for window in windows]),
        )
        .subquery("entries")
    )


def funnel(
    session: Session,
    platform_ids: Sequence[int],
    windows: Sequence[Window],
    *,
    as_of: date | None = None,
) -> list[FunnelStep]:
    """Persons entered in each window who reached each milestone or a later one by ``as_of``."""
    as_of = as_of or clock.today()
    entries = _entries(platform_ids, windows)
    reached = (
        sa.select(
            entries.c.pathway_id,
            entries.c.person_id,
            entries.c.entry_on,
            sa.func.max(_milestone()).label("milestone"),
        )
        .join(PathwayEvent, PathwayEvent.pathway_id == entries.c.pathway_id)
        .where(PathwayEvent.occurred_on <= as_of)
        .group_by(entries.c.pathway_id, entries.c.person_id, entries.c.entry_on)
        .subquery("reached")
    )
    in_post = sa.exists().where(
        Checkpoint.pathway_id == reached.c.pathway_id,
        Checkpoint.month == 6,
        Checkpoint.still_in_post.is_(True),
        Checkpoint.recorded_on <= as_of,
    )
    level = sa.case((in_post, 4), else_=reached.c.milestone)
    per_person = (
        sa.select(
            *[
                sa.func.max(sa.case((_in_window(reached.c.entry_on, window), level), else_=-1)).label(f"w{i}")
                for i, window in enumerate(windows)
            ]
        )
        .group_by(reached.c.person_id)
        .subquery("per_person")
    )
    columns = [per_person.c[f"w{i}"] for i in range(len(windows))]
    levels: list[Counter[int]] = [Counter() for _ in windows]
    for *values, n in session.execute(sa.select(*columns, sa.func.count()).group_by(*columns)):
        for i, value in enumerate(values):
            if value is not None and value >= 0:
                levels[i][int(value)] += n
    return [
        FunnelStep(code, label, tuple(sum(n for at, n in counts.items() if at >= rank) for counts in levels))
        for rank, (code, label) in enumerate(MILESTONES)
    ]


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


def cohorts(
    session: Session,
    platform_ids: Sequence[int],
    window: Window = (None, None),
    *,
    as_of: date | None = None,
) -> list[Cohort]:
    """The persons entered in ``window`` by quarter of entry, at their standing on ``as_of``, oldest first."""
    as_of = as_of or clock.today()
    entries = _entries(platform_ids, [window])
    latest = sa.select(
        entries.c.pathway_id,
        entries.c.entry_on,
        sa.func.row_number()
        .over(
            partition_by=entries.c.person_id,
            order_by=(entries.c.entry_on.desc(), entries.c.pathway_id.desc()),
        )
        .label("rank"),
    ).subquery("latest")
    last_sequence = (
        sa.select(sa.func.max(PathwayEvent.sequence))
        .where(PathwayEvent.pathway_id == latest.c.pathway_id, PathwayEvent.occurred_on <= as_of)
        .correlate(latest)
        .scalar_subquery()
    )
    year = sa.extract("year", latest.c.entry_on)
    month = sa.extract("month", latest.c.entry_on)
    reason = PathwayEvent.details["reason"].as_string()
    rows = session.execute(
        sa.select(year, month, PathwayEvent.to_state, reason, sa.func.count())
        .select_from(latest)
        .join(
            PathwayEvent,
            sa.and_(PathwayEvent.pathway_id == latest.c.pathway_id, PathwayEvent.sequence == last_sequence),
        )
        .where(latest.c.rank == 1)
        .group_by(year, month, PathwayEvent.to_state, reason)
    ).all()
    by_quarter: dict[tuple[int, int], Cohort] = {}
    for row_year, row_month, state, reason_code, count in rows:
        key = (int(row_year), (int(row_month) - 1) // 3 + 1)
        cohort = by_quarter.setdefault(key, Cohort(*key, outcomes=dict.fromkeys((k for k, _ in OUTCOMES), 0)))
        cohort.outcomes[_outcome(State(state), reason_code)] += count
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

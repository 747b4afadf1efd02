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
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session, aliased

from pathways import clock
from pathways.models import Pathway, PathwayEvent, PersonStanding, User
from pathways.paging import PAGE_SIZE, Paged
from pathways.paging import Window as PageWindow
from pathways.services.caseload import alert_conditions
from pathways.services.standing import milestone_level, outcome_of
from pathways.states import TERMINAL_STATES
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


def funnel(
    session: Session,
    platform_ids: Sequence[int],
    windows: Sequence[Window],
    *,
    as_of: date | None = None,
) -> list[FunnelStep]:
    """Persons entered in each window who reached each milestone or a later one by ``as_of``."""
    as_of = as_of or clock.today()
    level = milestone_level(as_of)
    per_person = (
        sa.select(
            *[
                sa.func.max(sa.case((_in_window(Pathway.entered_on, window), level), else_=-1)).label(f"w{i}")
                for i, window in enumerate(windows)
            ]
        )
        .where(
            Pathway.platform_id.in_(list(platform_ids)),
            # A pathway entered after as_of had not begun then.
            Pathway.entered_on <= as_of,
            sa.or_(*[_in_window(Pathway.entered_on, window) for window in windows]),
        )
        .group_by(Pathway.person_id)
        .subquery("per_person")
    )
    columns = [per_person.c[f"w{i}"] for i in range(len(windows))]
    levels: list[Counter[int]] = [Counter() for _ in windows]
    for *values, n in session.execute(sa.select(*columns, sa.func.count()).group_by(*columns)):
        for i, value in enumerate(values):
            if value is not None and value >= 0:
                levels[i][int(value)] += n
    return _steps(levels)


def _steps(levels: Sequence[Counter[int]]) -> list[FunnelStep]:
    """The funnel of persons counted at their furthest milestone (one count of levels per window)."""
    return [
        FunnelStep(code, label, tuple(sum(n for at, n in counts.items() if at >= rank) for counts in levels))
        for rank, (code, label) in enumerate(MILESTONES)
    ]


def funnel_as_it_stands(session: Session, platform_id: int, *, today: date | None = None) -> list[FunnelStep]:
    """``funnel`` of the persons entered since the start and this year, today: from their standings.

    The dashboard's funnel, read from ``person_standings`` (services.standing)
    where ``funnel`` groups the platform's pathways by person. This year's
    pathways are each person's latest ones (none is entered after today),
    hence the furthest milestone of the year kept beside the latest entry.
    """
    today = today or clock.today()
    kept = PersonStanding
    since_start = session.execute(
        sa.select(kept.furthest, sa.func.count())
        .where(kept.platform_id == platform_id)
        .group_by(kept.furthest)
    )
    this_year = session.execute(
        sa.select(kept.latest_year_furthest, sa.func.count())
        .where(kept.platform_id == platform_id, kept.latest_entered_on >= date(today.year, 1, 1))
        .group_by(kept.latest_year_furthest)
    )
    return _steps([Counter(dict(since_start.tuples().all())), Counter(dict(this_year.tuples().all()))])


def _latest_of_each_person(
    session: Session, platform_ids: Sequence[int], window: Window
) -> sa.Subquery:
    """Each person's latest pathway entered in ``window`` (latest entry, then highest id).

    PostgreSQL picks it with DISTINCT ON, whose row count the planner
    estimates well (it then groups the platform's rows by hashing, where the
    window function's ``rank = 1`` estimate made it sort them), reading
    ``ix_pathways_platform_id_person_id_entered_on`` backwards — hence the
    persons in descending order, which DISTINCT ON allows; SQLite numbers
    the rows.
    """
    columns = (Pathway.id, Pathway.entered_on, Pathway.state, Pathway.exit_reason, Pathway.last_event_on)
    where = (Pathway.platform_id.in_(list(platform_ids)), _in_window(Pathway.entered_on, window))
    order = (Pathway.entered_on.desc(), Pathway.id.desc())
    if session.get_bind().dialect.name == "postgresql":
        return (
            sa.select(*columns)
            .where(*where)
            .ext(distinct_on(Pathway.person_id))
            .order_by(Pathway.person_id.desc(), *order)
            .subquery("latest")
        )
    rank = sa.func.row_number().over(partition_by=Pathway.person_id, order_by=order).label("rank")
    ranked = sa.select(*columns, rank).where(*where).subquery("ranked")
    return sa.select(*[ranked.c[c.key] for c in columns]).where(ranked.c.rank == 1).subquery("latest")


def cohorts(
    session: Session,
    platform_ids: Sequence[int],
    window: Window = (None, None),
    *,
    as_of: date | None = None,
) -> list[Cohort]:
    """The persons entered in ``window`` by quarter of entry, at their standing on ``as_of``, oldest first.

    A pathway whose last event is no later than ``as_of`` stands where its
    summary says (its state, its exit's reason); only one that moved since
    (a past ``as_of``: the bilan of an earlier year) has its history read.
    """
    as_of = as_of or clock.today()
    latest = _latest_of_each_person(session, platform_ids, window)
    year = sa.extract("year", latest.c.entered_on)
    month = sa.extract("month", latest.c.entered_on)
    # A pathway entered after as_of had not begun then: its person is not counted.
    begun = latest.c.entered_on <= as_of
    current = latest.c.last_event_on <= as_of
    if as_of >= clock.today():
        # Today: nothing moved after as_of, so the summary says it all; grouped without the
        # history's subqueries, which would make PostgreSQL sort rather than hash.
        outcome = outcome_of(latest.c.state, latest.c.exit_reason)
        rows = session.execute(
            sa.select(year, month, outcome, current, sa.func.count())
            .where(begun)
            .group_by(year, month, outcome, current)
        ).all()
        if all(is_current for *_, is_current, _count in rows):
            return _by_quarter([(y, m, code, n) for y, m, code, _c, n in rows])
    then = aliased(PathwayEvent)

    def as_it_was(column: sa.ColumnElement[str | None]) -> sa.ScalarSelect[str | None]:
        return (
            sa.select(column)
            .where(then.pathway_id == latest.c.id, then.occurred_on <= as_of)
            .order_by(then.sequence.desc())
            .limit(1)
            .scalar_subquery()
        )

    state = sa.case((current, latest.c.state), else_=as_it_was(then.to_state))
    reason = sa.case((current, latest.c.exit_reason), else_=as_it_was(then.details["reason"].as_string()))
    outcome = outcome_of(state, reason)
    rows = session.execute(
        sa.select(year, month, outcome, sa.func.count()).where(begun).group_by(year, month, outcome)
    ).all()
    return _by_quarter([tuple(row) for row in rows])


def cohorts_as_they_stand(session: Session, platform_id: int) -> list[Cohort]:
    """``cohorts`` of every person, today: from their standings (the dashboard's).

    Read from ``person_standings`` (services.standing), where ``cohorts``
    picks each person's latest pathway among the platform's.
    """
    kept = PersonStanding
    year = sa.extract("year", kept.latest_entered_on)
    month = sa.extract("month", kept.latest_entered_on)
    rows = session.execute(
        sa.select(year, month, kept.latest_outcome, sa.func.count())
        .where(kept.platform_id == platform_id)
        .group_by(year, month, kept.latest_outcome)
    ).all()
    return _by_quarter([tuple(row) for row in rows])


def _by_quarter(rows: Sequence[Sequence[Any]]) -> list[Cohort]:
    """(year, month, outcome, count) rows gathered by quarter, oldest first."""
    by_quarter: dict[tuple[int, int], Cohort] = {}
    for row_year, row_month, outcome, count in rows:
        key = (int(row_year), (int(row_month) - 1) // 3 + 1)
        cohort = by_quarter.setdefault(key, Cohort(*key, outcomes=dict.fromkeys((k for k, _ in OUTCOMES), 0)))
        cohort.outcomes[outcome] += count
    return [by_quarter[key] for key in sorted(by_quarter)]


def _advisers(platform_id: int) -> sa.Select:
    """The platform's conseillers by name: the active ones, and an inactive one still holding pathways."""
    holding = sa.exists().where(Pathway.adviser_id == User.id, Pathway.state.not_in(TERMINAL_STATES))
    return (
        sa.select(User.id, User.full_name, User.email)
        .where(
            User.platform_id == platform_id,
            User.role == Role.ADVISER,
            # An inactive conseiller still holding pathways is listed, to be reassigned.
            sa.or_(User.is_active.is_(True), holding),
        )
        .order_by(User.full_name, User.email, User.id)
    )


def _loads(
    session: Session, platform_id: int, advisers: Sequence[sa.Row], today: date | None
) -> list[AdviserLoad]:
    """``advisers`` (id, name, e-mail) with their pathways in progress and those with an alert."""
    any_alert = sa.or_(*alert_conditions(session, today or clock.today()).values())
    counts: dict[int, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for adviser_id, in_progress, with_alert in session.execute(
        sa.select(
            Pathway.adviser_id,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((any_alert, 1), else_=0)), 0),
        )
        .where(
            Pathway.platform_id == platform_id,
            Pathway.adviser_id.in_([row[0] for row in advisers]),
            Pathway.state.not_in(TERMINAL_STATES),
        )
        .group_by(Pathway.adviser_id)
    ):
        counts[adviser_id] = (in_progress, int(with_alert))
    return [AdviserLoad(uid, name or email, *counts[uid]) for uid, name, email in advisers]


def adviser_loads(session: Session, platform_id: int, *, today: date | None = None) -> list[AdviserLoad]:
    """Each active conseiller of the platform with their pathways in progress and those with an alert."""
    return _loads(session, platform_id, session.execute(_advisers(platform_id)).all(), today)


def adviser_loads_page(
    session: Session,
    platform_id: int,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    today: date | None = None,
) -> Paged[AdviserLoad]:
    """``adviser_loads``, a page at a time (a large platform has thousands of conseillers)."""
    query = _advisers(platform_id)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    window = PageWindow.of(total, page, page_size)
    advisers = session.execute(query.limit(window.size).offset(window.offset)).all()
    return Paged.of(_loads(session, platform_id, advisers, today), window)

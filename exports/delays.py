"""Delays from a pathway's entry to its steps: day counts in SQL, median, quartiles and bands.

A delay is the number of days from the pathway's first event (``refer``) to
its first ``start_orientation`` / ``start_training`` / ``sign_contract``,
counted for the pathways whose first such event is in the period. The
database returns a histogram (pathways per number of days), never one row
per pathway; the histogram is what the national file carries, so that a
national median is recomputed exactly from several platforms' files.

Quartiles are the "inclusive" quartiles of :func:`statistics.quantiles`
(the median is the usual median: the mean of the two middle values for an
even count); all are blank when no pathway qualifies.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased

from pathways.models import Pathway, PathwayEvent
from pathways.states import Trigger

# Median code of the Synthèse → (key of the histogram, the step it measures).
MEDIAN_CODES: dict[str, str] = {
    "median_days_to_orientation": "orientation",
    "median_days_to_training": "training",
    "median_days_to_contract": "contract",
}
DELAY_TRIGGERS: dict[str, Trigger] = {
    "orientation": Trigger.START_ORIENTATION,
    "training": Trigger.START_TRAINING,
    "contract": Trigger.SIGN_CONTRACT,
}
DELAY_LABELS: dict[str, str] = {
    "orientation": "Entrée → pôle orientation",
    "training": "Entrée → formation qualifiante",
    "contract": "Entrée → contrat de travail",
}
# (first day, last day or None, label): the distribution shown beside the quartiles.
BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 30, "0 à 30 jours"),
    (31, 90, "31 à 90 jours"),
    (91, 180, "91 à 180 jours"),
    (181, 365, "181 à 365 jours"),
    (366, None, "Plus de 365 jours"),
)


class DaysBetween(sa.sql.functions.FunctionElement[int]):
    """Whole days from ``earlier`` to ``later`` (PostgreSQL subtracts dates; SQLite needs julianday)."""

    type = sa.Integer()
    inherit_cache = True
    name = "days_between"


@compiles(DaysBetween)
def _days_between(element: DaysBetween, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(DaysBetween, "sqlite")
def _days_between_sqlite(element: DaysBetween, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    later_sql, earlier_sql = compiler.process(later, **kw), compiler.process(earlier, **kw)
    return f"CAST(julianday({later_sql}) - julianday({earlier_sql}) AS INTEGER)"


def delay_histograms(
    session: Session, platform_ids: list[int], start: date, end: date
) -> dict[str, Counter[int]]:
    """{step: {days: pathways}} for the pathways whose first such step is in [start, end].

    Read from the step's events of the period only (index on trigger and
    date), each joined to its pathway's entry; an earlier event of the same
    kind on the pathway disqualifies it (it is not the first).
    """
    histograms: dict[str, Counter[int]] = {}
    for key, trigger in DELAY_TRIGGERS.items():
        entry = aliased(PathwayEvent)
        earlier = aliased(PathwayEvent)
        days = DaysBetween(PathwayEvent.occurred_on, entry.occurred_on)
        rows = session.execute(
            sa.select(days, sa.func.count())
            .join(Pathway, Pathway.id == PathwayEvent.pathway_id)
            .join(entry, sa.and_(entry.pathway_id == PathwayEvent.pathway_id, entry.sequence == 1))
            .where(
                Pathway.platform_id.in_(platform_ids),
                PathwayEvent.trigger == trigger,
                PathwayEvent.occurred_on.between(start, end),
                ~sa.exists().where(
                    earlier.pathway_id == PathwayEvent.pathway_id,
                    earlier.trigger == trigger,
                    earlier.sequence < PathwayEvent.sequence,
                ),
            )
            .group_by(days)
        ).all()
        histograms[key] = Counter({int(d): int(n) for d, n in rows if d is not None})
    return histograms


def _values(histogram: Counter[int]) -> list[int]:
    values: list[int] = []
    for days in sorted(histogram):
        values.extend([days] * histogram[days])
    return values


def median_of(histogram: Counter[int]) -> float | None:
    """The median of a {days: number of pathways} histogram."""
    if not histogram or not sum(histogram.values()):
        return None
    return float(statistics.median(_values(histogram)))


@dataclass(frozen=True)
class DelayStats:
    """What the ``Délais`` sheet shows of one delay."""

    key: str
    label: str
    count: int
    first_quartile: float | None
    median: float | None
    third_quartile: float | None
    bands: tuple[int, ...]


def delay_stats(key: str, histogram: Counter[int]) -> DelayStats:
    values = _values(histogram)
    bands = tuple(
        sum(n for days, n in histogram.items() if low <= days and (high is None or days <= high))
        for low, high, _label in BANDS
    )
    if not values:
        return DelayStats(key, DELAY_LABELS[key], 0, None, None, None, bands)
    if len(values) == 1:
        only = float(values[0])
        return DelayStats(key, DELAY_LABELS[key], 1, only, only, only, bands)
    q1, _median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return DelayStats(key, DELAY_LABELS[key], len(values), q1, float(statistics.median(values)), q3, bands)

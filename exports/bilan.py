"""The bilan workbook (the national file and the merge are re-exported from ``exports.national``).

Bilan (one platform, one period), sheets in this order:

- ``Synthèse``: one indicator per row — A code, B label, C value, D the
  denominator of a rate, E the CNSA level (réalisation, résultat, impact);
  header on row 1. Columns A–D are the key of the national consolidation:
  they never change;
- ``Entonnoir et devenir``: the persons who entered in the period, the
  milestones they reached and their standing at the end of the period by
  quarter of entry, each table with its Excel chart beside it;
- ``Ventilations``: accompanied pathways and their access by public, sex,
  age, diploma, prescriber and territory;
- ``Délais``: quartiles and bands of the three delays;
- ``Métiers et employeurs``: contracts signed by job × employer type;
- ``Sessions`` (by month), ``Freins``;
- hidden, not printed: ``Sessions (détail)`` (each session) and ``Délais
  (jours)`` (the exact day counts behind the medians, for the national merge);
- on request, ``Cohorte`` (pseudonymised).

Headers are French, jobs and certifications named beside their codes; every
sheet is printed A4 landscape, fitted to the width, its header row repeated,
the platform and the period in each page's header and in the file's
properties.

The national file and the merge are in ``exports.national`` (re-exported
here), the sheets both share in ``exports.sheets``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from openpyxl.chart import BarChart, Reference, Series
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import SeriesLabel
from sqlalchemy.orm import Session

from exports.delays import BANDS, MEDIAN_CODES, delay_stats
from exports.indicators import Bilan, compute_bilan
from exports.national import NationalFile, NationalFileError, merge_national, read_national, write_national
from exports.sheets import (
    DAY_COUNTS,
    period_text,
    print_setup,
    write_breakdowns,
    write_day_counts,
    write_synthese,
)
from exports.writer import Column, Kind, SheetWriter, WorkbookWriter
from pathways import audit
from pathways.models import (
    Barrier,
    BarrierStatusChange,
    InfoSession,
    OrientationWeek,
    Pathway,
    Platform,
    Territory,
    User,
)
from pathways.reference import JOBS
from pathways.services.attendance import AttendanceCounts, info_session_counts, week_counts
from pathways.services.dashboard import OUTCOMES
from pathways.vocabulary import BarrierCategory, BarrierStatus, EmployerType
from pathways.wording import MONTH_NAMES

FUNNEL = "Entonnoir et devenir"
DELAYS = "Délais"
JOBS_SHEET = "Métiers et employeurs"


def _write_delays(book: WorkbookWriter, bilan: Bilan) -> int:
    sheet = book.sheet(
        DELAYS,
        [
            Column("Délai", width=30),
            Column("Parcours", Kind.INTEGER, width=10),
            Column("1er quartile (jours)", Kind.NUMBER, width=12),
            Column("Médiane (jours)", Kind.NUMBER, width=11),
            Column("3e quartile (jours)", Kind.NUMBER, width=12),
            *[Column(label, Kind.INTEGER, width=11) for _low, _high, label in BANDS],
        ],
        filters=False,
    )
    for key in MEDIAN_CODES.values():
        stats = delay_stats(key, bilan.delays.get(key, Counter()))
        sheet.append(
            [stats.label, stats.count, stats.first_quartile, stats.median, stats.third_quartile, *stats.bands]
        )
    sheet.blank()
    sheet.append(
        [
            "Jours entre l'entrée dans le parcours et la première entrée au pôle orientation, en formation "
            "ou le premier contrat, pour les parcours dont cette étape a eu lieu dans la période."
        ]
    )
    sheet.append(
        [
            f"Les nombres de jours exacts, pour la consolidation nationale, sont dans la feuille masquée "
            f"« {DAY_COUNTS} »."
        ]
    )
    sheet.add_chart(_series_by_row(sheet, rows=range(2, 5), first_col=6, last_col=5 + len(BANDS)), "A8")
    return sheet.rows


def _series_by_row(sheet: SheetWriter, *, rows: range, first_col: int, last_col: int) -> BarChart:
    """The delays' bands as a chart: one series per delay (named by column A), bands as categories."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = "Répartition des délais"
    chart.y_axis.title = "Parcours"
    for row in rows:
        values = Reference(sheet.sheet, min_col=first_col, max_col=last_col, min_row=row, max_row=row)
        series = Series(values)
        series.tx = SeriesLabel(strRef=StrRef(f"'{sheet.sheet.title}'!$A${row}"))
        chart.series.append(series)
    chart.set_categories(Reference(sheet.sheet, min_col=first_col, max_col=last_col, min_row=1, max_row=1))
    chart.width, chart.height = 18, 7.5
    return chart


def _write_funnel(book: WorkbookWriter, bilan: Bilan) -> int:
    outcome_labels = [label for _key, label in OUTCOMES]
    sheet = book.sheet(
        FUNNEL,
        [
            Column("Étape du parcours", width=52),
            Column("Personnes entrées dans la période", Kind.INTEGER, width=16),
            *[Column("", Kind.INTEGER, width=12) for _ in range(len(OUTCOMES))],
        ],
        filters=False,
    )
    for step in bilan.funnel:
        sheet.append([step.label, step.counts[0]])
    steps_end = sheet.last_row
    sheet.blank()
    sheet.append(["Personnes entrées dans la période, à l'étape atteinte ou à une étape ultérieure,"])
    sheet.append([f"à la fin de la période ({bilan.end:%d/%m/%Y})."])
    funnel_chart = BarChart()
    funnel_chart.type = "bar"
    funnel_chart.title = "Entonnoir du parcours"
    funnel_chart.add_data(
        Reference(sheet.sheet, min_col=2, min_row=1, max_row=steps_end), titles_from_data=True
    )
    funnel_chart.set_categories(Reference(sheet.sheet, min_col=1, min_row=2, max_row=steps_end))
    funnel_chart.x_axis.scaling.orientation = "maxMin"  # the first step on top
    funnel_chart.legend = None
    funnel_chart.dataLabels = DataLabelList(
        showVal=True, showSerName=False, showCatName=False, showLegendKey=False, showPercent=False
    )
    funnel_chart.width, funnel_chart.height = 16, 7.5
    sheet.add_chart(funnel_chart, "D1")

    while sheet.last_row < 17:  # below the funnel's chart
        sheet.blank()
    heading_row = sheet.last_row + 1
    sheet.heading(["Trimestre d'entrée", *outcome_labels, "Total"])
    for cohort in bilan.outcomes:
        sheet.append([cohort.label, *[cohort.outcomes.get(key, 0) for key, _ in OUTCOMES], cohort.total])
    last_quarter = sheet.last_row
    totals = [sum(c.outcomes.get(key, 0) for c in bilan.outcomes) for key, _ in OUTCOMES]
    sheet.append(["Total", *totals, sum(totals)])
    sheet.blank()
    sheet.append(
        ["Devenir, à la fin de la période, du dernier parcours de chaque personne entrée dans la période."]
    )
    if bilan.outcomes:
        outcomes_chart = BarChart()
        outcomes_chart.type = "col"
        outcomes_chart.grouping = "stacked"
        outcomes_chart.overlap = 100
        outcomes_chart.title = "Devenir par trimestre d'entrée"
        outcomes_chart.add_data(
            Reference(
                sheet.sheet, min_col=2, max_col=1 + len(OUTCOMES), min_row=heading_row, max_row=last_quarter
            ),
            titles_from_data=True,
        )
        outcomes_chart.set_categories(
            Reference(sheet.sheet, min_col=1, min_row=heading_row + 1, max_row=last_quarter)
        )
        outcomes_chart.y_axis.title = "Personnes"
        outcomes_chart.width, outcomes_chart.height = 13, 8
        sheet.add_chart(outcomes_chart, f"I{heading_row}")
    return sheet.rows


def _write_jobs(book: WorkbookWriter, bilan: Bilan) -> int:
    employers = list(EmployerType)
    sheet = book.sheet(
        JOBS_SHEET,
        [
            Column("Code ROME", width=12),
            Column("Métier", width=62),
            *[Column(employer.label, Kind.INTEGER, width=15) for employer in employers],
            Column("Total", Kind.INTEGER, width=9),
        ],
    )
    names = {code: label for code, label, _sector in JOBS}
    rows = sorted(bilan.jobs_by_employer.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    for job, counts in rows:
        sheet.append(
            [job, names.get(job, job), *[counts.get(e.value, 0) for e in employers], sum(counts.values())]
        )
    if rows:
        totals = [sum(counts.get(e.value, 0) for _job, counts in rows) for e in employers]
        sheet.append(["Total", "Tous métiers", *totals, sum(totals)])
        sheet.filters = False  # a total row is not a row to filter
    return sheet.rows


def write_bilan(
    session: Session,
    platform: Platform,
    start: date,
    end: date,
    target: str | Path | IO[bytes],
    *,
    actor: User | None,
    with_cohort: bool = False,
) -> Bilan:
    """The bilan workbook of ``platform`` for [start, end], recorded in the audit trail."""
    bilan = compute_bilan(session, platform, start, end)
    book = WorkbookWriter(print_setup(bilan, "Bilan d'activité"))
    rows = write_synthese(book, bilan, with_platform=False)
    rows += _write_funnel(book, bilan)
    rows += write_breakdowns(book, bilan, with_platform=False)
    rows += _write_delays(book, bilan)
    rows += _write_jobs(book, bilan)
    rows += _write_sessions(book, session, platform, start, end)
    rows += _write_barriers(book, session, platform, start, end)
    rows += write_day_counts(book, bilan, with_platform=False)
    cohort_rows = 0
    if with_cohort:
        from exports.cohort import write_cohort_sheet

        cohort_rows = write_cohort_sheet(book, session, platform, start, end, identified=False)
    book.save(target)
    audit.record(
        session,
        actor,
        "export.bilan",
        object_type="platform",
        object_id=platform.id,
        platform_id=platform.id,
        details={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "rows": rows + cohort_rows,
            "cohort_rows": cohort_rows if with_cohort else None,
        },
    )
    return bilan


INFO_SESSION, WEEK = "Information collective", "Pôle orientation"
# The columns of issue 11 come after the earlier ones, which keep their place.
SESSION_COLUMNS = [
    Column("Mois", width=14),
    Column("Informations collectives", Kind.INTEGER, width=15),
    Column("Inscrits", Kind.INTEGER, width=10),
    Column("Présents", Kind.INTEGER, width=10),
    Column("Semaines du pôle orientation", Kind.INTEGER, width=15),
    Column("Participants", Kind.INTEGER, width=13),
    Column("Présents au moins un jour", Kind.INTEGER, width=14),
    Column("IC : excusés", Kind.INTEGER, width=10),
    Column("IC : absents", Kind.INTEGER, width=10),
    Column("IC : taux d'absence", Kind.RATE, width=11),
    Column("IC : taux d'excuse", Kind.RATE, width=11),
    Column("Semaines : excusés", Kind.INTEGER, width=11),
    Column("Semaines : absents", Kind.INTEGER, width=11),
    Column("Semaines : taux d'absence", Kind.RATE, width=12),
    Column("Semaines : taux d'excuse", Kind.RATE, width=12),
]
MONTHS = MONTH_NAMES


def _month_row(
    label: str, info_sessions: int, info: AttendanceCounts, weeks: int, week: AttendanceCounts
) -> list[Any]:
    return [
        label,
        info_sessions,
        info.registered,
        info.present,
        weeks,
        week.registered,
        week.present,
        info.excused,
        info.absent,
        info.no_show_rate,
        info.excused_rate,
        week.excused,
        week.absent,
        week.no_show_rate,
        week.excused_rate,
    ]


def _write_sessions(
    book: WorkbookWriter, session: Session, platform: Platform, start: date, end: date
) -> int:
    """Sessions month by month (printed); each session in ``Sessions (détail)`` (hidden: long).

    Rates as ``pathways.services.attendance`` defines them: absents (or
    excused) among the persons whose attendance is noted.
    """
    sessions = _session_rows(session, platform, start, end)
    sheet = book.sheet("Sessions", SESSION_COLUMNS, filters=False)
    months: dict[tuple[int, int], _Month] = {}
    total = _Month()
    for row in sessions:
        for bucket in (months.setdefault((row.day.year, row.day.month), _Month()), total):
            bucket.add(row)
    for (year, month), bucket in sorted(months.items()):
        sheet.append(bucket.row(f"{MONTHS[month - 1]} {year}"))
    if months:
        sheet.append(total.row("Total"))
    detail = book.sheet(
        "Sessions (détail)",
        [
            Column("Type", width=24),
            Column("Date", Kind.DATE),
            Column("Lieu", width=32),
            Column("Territoire", width=28),
            Column("Places", Kind.INTEGER, width=9),
            Column("Inscrits", Kind.INTEGER, width=10),
            Column("Présents", Kind.INTEGER, width=10),
            Column("Excusés", Kind.INTEGER, width=10),
            Column("Absents", Kind.INTEGER, width=10),
            Column("Taux d'absence", Kind.RATE, width=11),
            Column("Taux d'excuse", Kind.RATE, width=11),
        ],
        hidden=True,
    )
    for row in sessions:
        counts = row.counts
        detail.append(
            [
                row.kind,
                row.day,
                row.place,
                row.territory,
                row.seats,
                counts.registered,
                counts.present,
                counts.excused,
                counts.absent,
                counts.no_show_rate,
                counts.excused_rate,
            ]
        )
    return sheet.rows + detail.rows


@dataclass(frozen=True)
class _SessionRow:
    kind: str
    day: date
    place: str
    territory: str | None
    seats: int
    counts: AttendanceCounts


@dataclass
class _Month:
    info_sessions: int = 0
    weeks: int = 0
    info: AttendanceCounts = field(default_factory=AttendanceCounts)
    week: AttendanceCounts = field(default_factory=AttendanceCounts)

    def add(self, row: _SessionRow) -> None:
        if row.kind == INFO_SESSION:
            self.info_sessions += 1
            self.info += row.counts
        else:
            self.weeks += 1
            self.week += row.counts

    def row(self, label: str) -> list[Any]:
        return _month_row(label, self.info_sessions, self.info, self.weeks, self.week)


def _session_rows(session: Session, platform: Platform, start: date, end: date) -> list[_SessionRow]:
    """Each information session and orientation week of the period, with its attendance."""
    info_sessions = session.execute(
        sa.select(InfoSession.id, InfoSession.held_on, InfoSession.place, Territory.name, InfoSession.seats)
        .outerjoin(Territory, Territory.id == InfoSession.territory_id)
        .where(InfoSession.platform_id == platform.id, InfoSession.held_on.between(start, end))
        .order_by(InfoSession.held_on, InfoSession.id)
    ).all()
    by_session = info_session_counts(session, [r[0] for r in info_sessions])
    rows = [
        _SessionRow(INFO_SESSION, day, place, territory, seats, by_session.get(sid, AttendanceCounts()))
        for sid, day, place, territory, seats in info_sessions
    ]
    weeks = session.execute(
        sa.select(
            OrientationWeek.id,
            OrientationWeek.starts_on,
            OrientationWeek.place,
            Territory.name,
            OrientationWeek.seats,
        )
        .outerjoin(Territory, Territory.id == OrientationWeek.territory_id)
        .where(OrientationWeek.platform_id == platform.id, OrientationWeek.starts_on.between(start, end))
        .order_by(OrientationWeek.starts_on, OrientationWeek.id)
    ).all()
    # A participant counts present when they came at least one day.
    by_week = week_counts(session, [r[0] for r in weeks])
    rows += [
        _SessionRow(WEEK, day, place, territory, seats, by_week.get(wid, AttendanceCounts()))
        for wid, day, place, territory, seats in weeks
    ]
    return rows


def _write_barriers(
    book: WorkbookWriter, session: Session, platform: Platform, start: date, end: date
) -> int:
    sheet = book.sheet(
        "Freins",
        [
            Column("Code", width=16),
            Column("Catégorie", width=48),
            Column("Code France Travail", Kind.INTEGER, width=14),
            Column("Identifiés", Kind.INTEGER, width=11),
            Column("Levés", Kind.INTEGER, width=9),
            Column("Non solubles", Kind.INTEGER, width=14),
        ],
    )
    identified = Counter(
        dict(
            session.execute(
                sa.select(Barrier.category, sa.func.count())
                .join(Pathway, Pathway.id == Barrier.pathway_id)
                .where(Pathway.platform_id == platform.id, Barrier.identified_on.between(start, end))
                .group_by(Barrier.category)
            ).all()
        )
    )
    closed: Counter[tuple[Any, Any]] = Counter()
    for category, status, n in session.execute(
        sa.select(Barrier.category, BarrierStatusChange.status, sa.func.count(sa.distinct(Barrier.id)))
        .join(BarrierStatusChange, BarrierStatusChange.barrier_id == Barrier.id)
        .join(Pathway, Pathway.id == Barrier.pathway_id)
        .where(
            Pathway.platform_id == platform.id,
            BarrierStatusChange.status.in_([BarrierStatus.RESOLVED, BarrierStatus.NOT_RESOLVABLE]),
            BarrierStatusChange.changed_on.between(start, end),
        )
        .group_by(Barrier.category, BarrierStatusChange.status)
    ):
        closed[(category, status)] = n
    for category in BarrierCategory:
        sheet.append(
            [
                category.value,
                category.label,
                category.france_travail_code,
                identified[category],
                closed[(category, BarrierStatus.RESOLVED)],
                closed[(category, BarrierStatus.NOT_RESOLVABLE)],
            ]
        )
    return sheet.rows


# --- the national merge -----------------------------------------------------


__all__ = [
    "NationalFile",
    "NationalFileError",
    "merge_national",
    "period_text",
    "read_national",
    "write_bilan",
    "write_national",
]

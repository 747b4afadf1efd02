"""The bilan workbook, the national file and the national merge.

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
- ``Sessions``, ``Freins``;
- ``Délais (jours)``: the exact day counts behind the medians (hidden in the
  bilan: it is for the national merge, not for reading);
- on request, ``Cohorte`` (pseudonymised).

Headers are French, jobs and certifications named beside their codes; every
sheet is printed A4 landscape, fitted to the width, its header row repeated,
the platform and the period in each page's header and in the file's
properties.

National file: ``Synthèse``, ``Ventilations`` and ``Délais (jours)``, each row
carrying the platform's identifier (slug, name) and the period, so that the
files of all platforms stack. ``merge_national`` re-derives every total
from summed numerators and denominators (a rate is never averaged) and
recomputes each median exactly from the summed day counts; persons are
summed (a platform counts its own distinct persons; no identifier links two
platforms' records); the platforms' own rows are kept in ``Plateformes``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from openpyxl.chart import BarChart, Reference, Series
from openpyxl.chart.data_source import StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import SeriesLabel
from sqlalchemy.orm import Session

from exports.breakdowns import BREAKDOWN_TITLES, DIMENSION_OF_TITLE, BreakdownRow, assemble_breakdowns
from exports.delays import BANDS, MEDIAN_CODES, delay_stats
from exports.indicators import (
    LEVEL_TITLES,
    NATIONAL_SLUG,
    Bilan,
    assemble,
    compute_bilan,
    is_rate,
    job_name,
    level_of,
    national_name,
    rate_terms,
)
from exports.writer import Column, Kind, Percent, PrintSetup, SheetWriter, WorkbookWriter
from pathways import audit
from pathways.models import (
    Barrier,
    BarrierStatusChange,
    InfoSession,
    InfoSessionAttendance,
    OrientationAttendance,
    OrientationParticipant,
    OrientationWeek,
    Pathway,
    Platform,
    Territory,
    User,
)
from pathways.reference import JOBS
from pathways.services.dashboard import OUTCOMES
from pathways.vocabulary import BarrierCategory, BarrierStatus, EmployerType

SYNTHESE = "Synthèse"
FUNNEL = "Entonnoir et devenir"
BREAKDOWNS = "Ventilations"
DELAYS = "Délais"
DAY_COUNTS = "Délais (jours)"
JOBS_SHEET = "Métiers et employeurs"
PLATFORMS = "Plateformes"
# Row 1 of the Synthèse: A–D are the national key and stay as they are.
SYNTHESE_HEADERS = ["code", "libelle", "valeur", "denominateur", "niveau"]
PLATFORM_COLUMNS = [
    Column("plateforme", width=16),
    Column("nom_plateforme", width=30),
    Column("debut", Kind.DATE),
    Column("fin", Kind.DATE),
]
BREAKDOWN_COLUMNS = [
    Column("Ventilation", width=18),
    Column("Code", width=18),
    Column("Modalité", width=44),
    Column("Parcours accompagnés", Kind.INTEGER, width=14),
    Column("Accès à une formation ou un emploi", Kind.INTEGER, width=18),
    Column("Taux d'accès", Kind.RATE, width=13),
]
DAY_COUNT_COLUMNS = [
    Column("Indicateur", width=30),
    Column("Jours", Kind.INTEGER, width=8),
    Column("Parcours", Kind.INTEGER, width=10),
]
# The Synthèse prints on three pages at most: shrunk rather than longer.
SYNTHESE_PAGES = 3


class NationalFileError(ValueError):
    """A file given to the national merge is not a national file; French message."""


def period_text(start: date, end: date) -> str:
    """« Année 2025 (du 01/01/2025 au 31/12/2025) », or « Du 10/03/2025 au 20/02/2026 »."""
    days = f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}"
    if start == date(start.year, 1, 1) and end == date(start.year, 12, 31):
        return f"Année {start.year} ({days})"
    return days[0].upper() + days[1:]


def print_setup(bilan: Bilan, document: str) -> PrintSetup:
    period = period_text(bilan.start, bilan.end)
    return PrintSetup(
        owner=bilan.platform_name,
        period=period,
        title=f"{document} — {bilan.platform_name} — {period}",
        subject=(
            f"{document} de la plateforme {bilan.platform_name}, {period[0].lower()}{period[1:]} : "
            "indicateurs communs des plateformes des métiers de l'autonomie (réalisation, résultat, impact)"
        ),
    )


def _value(indicator_value: float | int | None, code: str) -> Any:
    if indicator_value is None:
        return None
    return Percent(indicator_value) if is_rate(code) else indicator_value


def _rate(value: float | None) -> Percent | None:
    return None if value is None else Percent(value)


def _stamp(bilan: Bilan) -> list[Any]:
    return [bilan.platform_slug, bilan.platform_name, bilan.start, bilan.end]


def _synthese_columns(bilan: Bilan) -> list[Column]:
    # Widths from the content: every code and label readable, nothing wider than needed.
    code_width = min(max((len(i.code) for i in bilan.indicators), default=20) + 2, 44)
    label_width = min(max((len(i.label) for i in bilan.indicators), default=40) + 2, 92)
    return [
        Column(SYNTHESE_HEADERS[0], width=code_width),
        Column(SYNTHESE_HEADERS[1], width=label_width),
        Column(SYNTHESE_HEADERS[2], Kind.INTEGER, width=11),
        Column(SYNTHESE_HEADERS[3], Kind.INTEGER, width=14),
        Column(SYNTHESE_HEADERS[4], width=13, indent=1),
    ]


def _write_synthese(book: WorkbookWriter, bilan: Bilan, with_platform: bool) -> int:
    extra = PLATFORM_COLUMNS if with_platform else []
    sheet = book.sheet(SYNTHESE, _synthese_columns(bilan) + extra, pages_tall=SYNTHESE_PAGES)
    for indicator in bilan.indicators:
        row: list[Any] = [
            indicator.code,
            indicator.label,
            _value(indicator.value, indicator.code),
            indicator.denominator,
            indicator.level,
        ]
        sheet.append(row + (_stamp(bilan) if with_platform else []))
    return sheet.rows


def _write_breakdowns(book: WorkbookWriter, bilan: Bilan, with_platform: bool) -> int:
    sheet = book.sheet(BREAKDOWNS, BREAKDOWN_COLUMNS + (PLATFORM_COLUMNS if with_platform else []))
    for dimension, title in BREAKDOWN_TITLES.items():
        for row in bilan.breakdowns[dimension]:
            values: list[Any] = [title, row.code, row.label, row.accompanied, row.access, _rate(row.rate)]
            sheet.append(values + (_stamp(bilan) if with_platform else []))
    return sheet.rows


def _write_day_counts(book: WorkbookWriter, bilan: Bilan, with_platform: bool) -> int:
    # In the bilan, hidden: not for reading (Délais is), and hundreds of rows long.
    sheet = book.sheet(
        DAY_COUNTS, DAY_COUNT_COLUMNS + (PLATFORM_COLUMNS if with_platform else []), hidden=not with_platform
    )
    for code, key in MEDIAN_CODES.items():
        histogram = bilan.delays.get(key, Counter())
        for days in sorted(histogram):
            values: list[Any] = [code, days, histogram[days]]
            sheet.append(values + (_stamp(bilan) if with_platform else []))
    return sheet.rows


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
    rows = _write_synthese(book, bilan, with_platform=False)
    rows += _write_funnel(book, bilan)
    rows += _write_breakdowns(book, bilan, with_platform=False)
    rows += _write_delays(book, bilan)
    rows += _write_jobs(book, bilan)
    rows += _write_sessions(book, session, platform, start, end)
    rows += _write_barriers(book, session, platform, start, end)
    rows += _write_day_counts(book, bilan, with_platform=False)
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


def _write_national(book: WorkbookWriter, bilan: Bilan) -> int:
    rows = _write_synthese(book, bilan, with_platform=True)
    rows += _write_breakdowns(book, bilan, with_platform=True)
    rows += _write_day_counts(book, bilan, with_platform=True)
    return rows


def write_national(
    session: Session,
    platform: Platform,
    start: date,
    end: date,
    target: str | Path | IO[bytes],
    *,
    actor: User | None,
) -> Bilan:
    """The national file of ``platform``: Synthèse, breakdowns and day counts with its identifier."""
    bilan = compute_bilan(session, platform, start, end)
    book = WorkbookWriter(print_setup(bilan, "Fichier national"))
    rows = _write_national(book, bilan)
    book.save(target)
    audit.record(
        session,
        actor,
        "export.national",
        object_type="platform",
        object_id=platform.id,
        platform_id=platform.id,
        details={"start": start.isoformat(), "end": end.isoformat(), "rows": rows},
    )
    return bilan


# --- sessions and freins sheets ---------------------------------------------


INFO_SESSION, WEEK = "Information collective", "Pôle orientation"
SESSION_COLUMNS = [
    Column("Mois", width=14),
    Column("Informations collectives", Kind.INTEGER, width=15),
    Column("Inscrits", Kind.INTEGER, width=10),
    Column("Présents", Kind.INTEGER, width=10),
    Column("Semaines du pôle orientation", Kind.INTEGER, width=15),
    Column("Participants", Kind.INTEGER, width=13),
    Column("Présents au moins un jour", Kind.INTEGER, width=14),
]
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def _write_sessions(
    book: WorkbookWriter, session: Session, platform: Platform, start: date, end: date
) -> int:
    """Sessions month by month (printed); each session in ``Sessions (détail)`` (hidden: long)."""
    sessions = _session_rows(session, platform, start, end)
    sheet = book.sheet("Sessions", SESSION_COLUMNS, filters=False)
    months: dict[tuple[int, int], list[int]] = {}
    for kind, day, _place, _territory, _seats, registered, present in sessions:
        cell = months.setdefault((day.year, day.month), [0] * 6)
        offset = 0 if kind == INFO_SESSION else 3
        cell[offset] += 1
        cell[offset + 1] += registered or 0
        cell[offset + 2] += present or 0
    for (year, month), counts in sorted(months.items()):
        sheet.append([f"{MONTHS[month - 1]} {year}", *counts])
    if months:
        sheet.append(["Total", *[sum(c[i] for c in months.values()) for i in range(6)]])
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
        ],
        hidden=True,
    )
    detail.extend(sessions)
    return sheet.rows + detail.rows


def _session_rows(session: Session, platform: Platform, start: date, end: date) -> list[list[Any]]:
    """Each information session and orientation week of the period, with its attendance."""
    rows: list[list[Any]] = []
    registered = (
        sa.select(sa.func.count())
        .where(InfoSessionAttendance.session_id == InfoSession.id)
        .correlate(InfoSession)
        .scalar_subquery()
    )
    present = (
        sa.select(sa.func.count())
        .where(InfoSessionAttendance.session_id == InfoSession.id, InfoSessionAttendance.present.is_(True))
        .correlate(InfoSession)
        .scalar_subquery()
    )
    for held_on, place, territory, seats, n_registered, n_present in session.execute(
        sa.select(
            InfoSession.held_on, InfoSession.place, Territory.name, InfoSession.seats, registered, present
        )
        .outerjoin(Territory, Territory.id == InfoSession.territory_id)
        .where(InfoSession.platform_id == platform.id, InfoSession.held_on.between(start, end))
        .order_by(InfoSession.held_on, InfoSession.id)
    ):
        rows.append([INFO_SESSION, held_on, place, territory, seats, n_registered, n_present])
    participants = (
        sa.select(sa.func.count())
        .where(OrientationParticipant.week_id == OrientationWeek.id)
        .correlate(OrientationWeek)
        .scalar_subquery()
    )
    # Present: came at least one day of the week.
    attended = (
        sa.select(sa.func.count(sa.distinct(OrientationParticipant.id)))
        .join(OrientationAttendance, OrientationAttendance.participant_id == OrientationParticipant.id)
        .where(OrientationParticipant.week_id == OrientationWeek.id, OrientationAttendance.present.is_(True))
        .correlate(OrientationWeek)
        .scalar_subquery()
    )
    for starts_on, place, territory, seats, n_participants, n_attended in session.execute(
        sa.select(
            OrientationWeek.starts_on,
            OrientationWeek.place,
            Territory.name,
            OrientationWeek.seats,
            participants,
            attended,
        )
        .outerjoin(Territory, Territory.id == OrientationWeek.territory_id)
        .where(OrientationWeek.platform_id == platform.id, OrientationWeek.starts_on.between(start, end))
        .order_by(OrientationWeek.starts_on, OrientationWeek.id)
    ):
        rows.append([WEEK, starts_on, place, territory, seats, n_participants, n_attended])
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


@dataclass
class NationalFile:
    """What the merge needs of one platform's national file."""

    slug: str
    name: str
    start: date
    end: date
    raw: Counter[str]
    delays: dict[str, Counter[int]]
    breakdowns: dict[str, dict[str, list[int]]]
    synthese: list[list[Any]]


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


NATIONAL_HEADERS = SYNTHESE_HEADERS + [c.header for c in PLATFORM_COLUMNS]


def read_national(path: str | Path) -> NationalFile:
    """Read a national file (checked as an untrusted upload first)."""
    from openpyxl import load_workbook

    from pathways.imports.safety import check_xlsx

    name = Path(path).name
    check_xlsx(Path(path))
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        if SYNTHESE not in workbook.sheetnames:
            raise NationalFileError(f"{name} : pas de feuille « {SYNTHESE} ».")
        rows = list(workbook[SYNTHESE].iter_rows(min_row=1, values_only=True))
        header = [str(h or "") for h in rows[0]] if rows else []
        if header[: len(NATIONAL_HEADERS)] != NATIONAL_HEADERS:
            raise NationalFileError(
                f"{name} n'est pas un fichier national de cette version (colonnes de la feuille "
                f"« {SYNTHESE} ») : produisez-le à nouveau avec « Fichier national »."
            )
        for needed in (BREAKDOWNS, DAY_COUNTS):
            if needed not in workbook.sheetnames:
                raise NationalFileError(f"{name} : pas de feuille « {needed} ».")
        width = len(NATIONAL_HEADERS)
        body = [list(r[:width]) for r in rows[1:] if r and r[0]]
        if not body:
            raise NationalFileError(f"{name} : la feuille « {SYNTHESE} » est vide.")
        slug, platform_name = body[0][5], body[0][6]
        start, end = _as_date(body[0][7]), _as_date(body[0][8])
        raw: Counter[str] = Counter()
        for code, _label, value, denominator, *_ in body:
            code = str(code)
            terms = rate_terms(code)
            if terms is not None:
                numerator_key, denominator_key = terms
                raw[denominator_key] = int(denominator or 0)
                if numerator_key.startswith("_"):
                    # Not a row of its own: recovered exactly from the rate.
                    raw[numerator_key] = round(float(value or 0) * int(denominator or 0))
            elif code not in MEDIAN_CODES and value is not None:
                raw[code] = int(value)
        breakdowns: dict[str, dict[str, list[int]]] = {dimension: {} for dimension in BREAKDOWN_TITLES}
        for row in workbook[BREAKDOWNS].iter_rows(min_row=2, values_only=True):
            if row and row[0] in DIMENSION_OF_TITLE and row[1] is not None:
                breakdowns[DIMENSION_OF_TITLE[row[0]]][str(row[1])] = [int(row[3] or 0), int(row[4] or 0)]
        delays: dict[str, Counter[int]] = {key: Counter() for key in MEDIAN_CODES.values()}
        for row in workbook[DAY_COUNTS].iter_rows(min_row=2, values_only=True):
            if row and row[0] in MEDIAN_CODES:
                delays[MEDIAN_CODES[row[0]]][int(row[1])] += int(row[2])
    finally:
        workbook.close()
    return NationalFile(str(slug), str(platform_name), start, end, raw, delays, breakdowns, body)


def merge_national(paths: list[Path], target: str | Path | IO[bytes]) -> Bilan:
    """Stack national files into one national workbook; totals from summed numerators and denominators."""
    if not paths:
        raise NationalFileError("Aucun fichier national à fusionner.")
    files = [read_national(path) for path in paths]
    periods = {(f.start, f.end) for f in files}
    if len(periods) > 1:
        raise NationalFileError(
            "Les fichiers ne couvrent pas la même période : "
            + ", ".join(f"{f.slug} ({f.start:%d/%m/%Y} – {f.end:%d/%m/%Y})" for f in files)
            + "."
        )
    slugs = Counter(f.slug for f in files)
    twice = sorted(slug for slug, n in slugs.items() if n > 1)
    if twice:
        raise NationalFileError(f"Plateforme présente plusieurs fois : {', '.join(twice)}.")
    raw: Counter[str] = Counter()
    delays: dict[str, Counter[int]] = {key: Counter() for key in MEDIAN_CODES.values()}
    cells: dict[str, dict[str, list[int]]] = {dimension: {} for dimension in BREAKDOWN_TITLES}
    for file in files:
        # Persons add up: each platform counts its own records, none is shared.
        raw.update(file.raw)
        for key, histogram in file.delays.items():
            delays[key].update(histogram)
        for dimension, modalities in file.breakdowns.items():
            for code, (accompanied, access) in modalities.items():
                cell = cells[dimension].setdefault(code, [0, 0])
                cell[0] += accompanied
                cell[1] += access
    start, end = files[0].start, files[0].end
    bilan = Bilan(
        NATIONAL_SLUG,
        national_name(len(files)),
        start,
        end,
        assemble(raw, delays),
        assemble_breakdowns(cells),
        delays,
    )
    book = WorkbookWriter(print_setup(bilan, "Fichier national consolidé"))
    _write_national(book, bilan)
    detail = book.sheet(PLATFORMS, _synthese_columns(bilan) + PLATFORM_COLUMNS)
    for file in files:
        for code, label, value, denominator, level, slug, name, row_start, row_end in file.synthese:
            shown = Percent(value) if value is not None and is_rate(str(code)) else value
            detail.append(
                [code, label, shown, denominator, level, slug, name, _as_date(row_start), _as_date(row_end)]
            )
    book.save(target)
    return bilan


__all__ = [
    "LEVEL_TITLES",
    "BreakdownRow",
    "NationalFile",
    "NationalFileError",
    "job_name",
    "level_of",
    "merge_national",
    "period_text",
    "read_national",
    "write_bilan",
    "write_national",
]

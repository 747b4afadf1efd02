"""The bilan workbook, the national file and the national merge.

Bilan (one platform, one period), sheets in this order:
``Synthèse`` (A code, B label, C value, D denominator of a rate; header on
row 1), one sheet per breakdown (``Public``, ``Sexe``, ``Âge à l'entrée``,
``Niveau de diplôme``, ``Prescripteur``, ``Territoire``), ``Délais``,
``Sessions``, ``Freins`` and, on request, ``Cohorte`` (pseudonymised).

National file: the same ``Synthèse`` and breakdowns, each row carrying the
platform's identifier (slug, name) and the period, plus ``Délais``: the
distribution of the days behind the two medians (number of pathways per day
count, no row-level data). ``merge_national`` stacks several platforms'
files: every total is re-derived from summed numerators and denominators
(a rate is never averaged) and each median is recomputed exactly from the
summed distributions; the platforms' own rows are kept in the sheet
``Plateformes``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from exports.indicators import (
    BREAKDOWN_TITLES,
    MEDIAN_CODES,
    NATIONAL_SLUG,
    Bilan,
    BreakdownRow,
    assemble,
    assemble_breakdowns,
    compute_bilan,
    is_rate,
    national_name,
    rate_terms,
)
from exports.writer import Column, Kind, Percent, WorkbookWriter
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
from pathways.vocabulary import BarrierCategory, BarrierStatus

SYNTHESE = "Synthèse"
DELAYS = "Délais"
PLATFORMS = "Plateformes"
SYNTHESE_COLUMNS = [
    Column("code", width=34),
    Column("libelle", width=60),
    Column("valeur", Kind.INTEGER, width=12),
    Column("denominateur", Kind.INTEGER, width=14),
]
PLATFORM_COLUMNS = [
    Column("plateforme", width=18),
    Column("nom_plateforme", width=34),
    Column("debut", Kind.DATE),
    Column("fin", Kind.DATE),
]
BREAKDOWN_COLUMNS = [
    Column("modalite", width=22),
    Column("libelle", width=50),
    Column("accompanied", Kind.INTEGER, width=14),
    Column("access_training_or_job", Kind.INTEGER, width=24),
    Column("access_rate", Kind.RATE, width=14),
]
DELAY_COLUMNS = [
    Column("indicateur", width=28),
    Column("jours", Kind.INTEGER),
    Column("parcours", Kind.INTEGER),
]


class NationalFileError(ValueError):
    """A file given to the national merge is not a national file; French message."""


def _value(indicator_value: float | int | None, code: str) -> Any:
    if indicator_value is None:
        return None
    return Percent(indicator_value) if is_rate(code) else indicator_value


def _synthese_rows(bilan: Bilan, with_platform: bool) -> list[list[Any]]:
    rows = []
    for indicator in bilan.indicators:
        row: list[Any] = [
            indicator.code,
            indicator.label,
            _value(indicator.value, indicator.code),
            indicator.denominator,
        ]
        if with_platform:
            row += [bilan.platform_slug, bilan.platform_name, bilan.start, bilan.end]
        rows.append(row)
    return rows


def _write_common(book: WorkbookWriter, bilan: Bilan, with_platform: bool) -> int:
    """Synthèse, breakdowns and delays; returns the number of rows written."""
    extra = PLATFORM_COLUMNS if with_platform else []
    synthese = book.sheet(SYNTHESE, SYNTHESE_COLUMNS + extra)
    synthese.extend(_synthese_rows(bilan, with_platform))
    written = synthese.rows
    for dimension, title in BREAKDOWN_TITLES.items():
        sheet = book.sheet(title, BREAKDOWN_COLUMNS + extra)
        for row in bilan.breakdowns[dimension]:
            values: list[Any] = [row.code, row.label, row.accompanied, row.access, _rate(row.rate)]
            if with_platform:
                values += [bilan.platform_slug, bilan.platform_name, bilan.start, bilan.end]
            sheet.append(values)
        written += sheet.rows
    delays = book.sheet(DELAYS, DELAY_COLUMNS + extra)
    for code, key in MEDIAN_CODES.items():
        histogram = bilan.delays.get(key, Counter())
        for days in sorted(histogram):
            values = [code, days, histogram[days]]
            if with_platform:
                values += [bilan.platform_slug, bilan.platform_name, bilan.start, bilan.end]
            delays.append(values)
    return written + delays.rows


def _rate(value: float | None) -> Percent | None:
    return None if value is None else Percent(value)


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
    book = WorkbookWriter()
    rows = _write_common(book, bilan, with_platform=False)
    rows += _write_sessions(book, session, platform, start, end)
    rows += _write_barriers(book, session, platform, start, end)
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


def write_national(
    session: Session,
    platform: Platform,
    start: date,
    end: date,
    target: str | Path | IO[bytes],
    *,
    actor: User | None,
) -> Bilan:
    """The national file of ``platform``: Synthèse and breakdowns with its identifier."""
    bilan = compute_bilan(session, platform, start, end)
    book = WorkbookWriter()
    rows = _write_common(book, bilan, with_platform=True)
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


def _write_sessions(
    book: WorkbookWriter, session: Session, platform: Platform, start: date, end: date
) -> int:
    sheet = book.sheet(
        "Sessions",
        [
            Column("type", width=26),
            Column("date", Kind.DATE),
            Column("lieu", width=30),
            Column("territoire", width=26),
            Column("places", Kind.INTEGER, width=10),
            Column("inscrits", Kind.INTEGER, width=10),
            Column("presents", Kind.INTEGER, width=10),
        ],
    )
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
        sheet.append(["Information collective", held_on, place, territory, seats, n_registered, n_present])
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
        sheet.append(["Pôle orientation", starts_on, place, territory, seats, n_participants, n_attended])
    return sheet.rows


def _write_barriers(
    book: WorkbookWriter, session: Session, platform: Platform, start: date, end: date
) -> int:
    sheet = book.sheet(
        "Freins",
        [
            Column("categorie", width=18),
            Column("libelle", width=44),
            Column("code_france_travail", Kind.INTEGER, width=20),
            Column("identifies", Kind.INTEGER),
            Column("leves", Kind.INTEGER),
            Column("non_solubles", Kind.INTEGER),
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


def read_national(path: str | Path) -> NationalFile:
    """Read a national file (checked as an untrusted upload first)."""
    from openpyxl import load_workbook

    from pathways.imports.safety import check_xlsx

    check_xlsx(Path(path))
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        if SYNTHESE not in workbook.sheetnames:
            raise NationalFileError(f"{Path(path).name} : pas de feuille « {SYNTHESE} ».")
        rows = list(workbook[SYNTHESE].iter_rows(min_row=1, values_only=True))
        header = [str(h or "") for h in rows[0]] if rows else []
        if header[:8] != [c.header for c in SYNTHESE_COLUMNS + PLATFORM_COLUMNS]:
            raise NationalFileError(
                f"{Path(path).name} n'est pas un fichier national (colonnes de la feuille « {SYNTHESE} »)."
            )
        body = [list(r[:8]) for r in rows[1:] if r and r[0]]
        if not body:
            raise NationalFileError(f"{Path(path).name} : la feuille « {SYNTHESE} » est vide.")
        slug, name, start, end = body[0][4], body[0][5], _as_date(body[0][6]), _as_date(body[0][7])
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
        breakdowns: dict[str, dict[str, list[int]]] = {}
        for dimension, title in BREAKDOWN_TITLES.items():
            cells: dict[str, list[int]] = {}
            if title in workbook.sheetnames:
                for row in workbook[title].iter_rows(min_row=2, values_only=True):
                    if row and row[0] is not None:
                        cells[str(row[0])] = [int(row[2] or 0), int(row[3] or 0)]
            breakdowns[dimension] = cells
        delays: dict[str, Counter[int]] = {key: Counter() for key in MEDIAN_CODES.values()}
        if DELAYS in workbook.sheetnames:
            for row in workbook[DELAYS].iter_rows(min_row=2, values_only=True):
                if row and row[0] in MEDIAN_CODES:
                    delays[MEDIAN_CODES[row[0]]][int(row[1])] += int(row[2])
    finally:
        workbook.close()
    return NationalFile(str(slug), str(name), start, end, raw, delays, breakdowns, body)


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
    book = WorkbookWriter()
    _write_common(book, bilan, with_platform=True)
    detail = book.sheet(PLATFORMS, SYNTHESE_COLUMNS + PLATFORM_COLUMNS)
    for file in files:
        for code, label, value, denominator, slug, name, row_start, row_end in file.synthese:
            shown = Percent(value) if value is not None and is_rate(str(code)) else value
            detail.append(
                [code, label, shown, denominator, slug, name, _as_date(row_start), _as_date(row_end)]
            )
    book.save(target)
    return bilan


__all__ = [
    "BreakdownRow",
    "NationalFile",
    "NationalFileError",
    "merge_national",
    "read_national",
    "write_bilan",
    "write_national",
]

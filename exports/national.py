"""The national file of a platform and the national merge.

National file: ``Synthèse``, ``Ventilations`` and ``Délais (jours)``, each row
carrying the platform's identifier (slug, name) and the period, so that the
files of all platforms stack. ``merge_national`` re-derives every total from
summed numerators and denominators (a rate is never averaged) and recomputes
each median exactly from the summed day counts. Persons are summed: a person
is a platform's record, and no identifier links two platforms' records (the
national files are aggregates), so a person accompanied by two platforms in
the period counts once for each. The platforms' own rows are kept in
``Plateformes``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.orm import Session

from exports.breakdowns import BREAKDOWN_TITLES, DIMENSION_OF_TITLE, assemble_breakdowns
from exports.delays import MEDIAN_CODES
from exports.indicators import (
    NATIONAL_SLUG,
    Bilan,
    assemble,
    compute_bilan,
    is_rate,
    national_name,
    rate_terms,
)
from exports.sheets import (
    BREAKDOWNS,
    DAY_COUNTS,
    PLATFORM_COLUMNS,
    SYNTHESE,
    SYNTHESE_HEADERS,
    print_setup,
    synthese_columns,
    write_breakdowns,
    write_day_counts,
    write_synthese,
)
from exports.writer import Percent, WorkbookWriter
from pathways import audit
from pathways.models import Platform, User

PLATFORMS = "Plateformes"


class NationalFileError(ValueError):
    """A file given to the national merge is not a national file; French message."""


def _write_national(book: WorkbookWriter, bilan: Bilan) -> int:
    rows = write_synthese(book, bilan, with_platform=True)
    rows += write_breakdowns(book, bilan, with_platform=True)
    rows += write_day_counts(book, bilan, with_platform=True)
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
    detail = book.sheet(PLATFORMS, synthese_columns(bilan) + PLATFORM_COLUMNS)
    for file in files:
        for code, label, value, denominator, level, slug, name, row_start, row_end in file.synthese:
            shown = Percent(value) if value is not None and is_rate(str(code)) else value
            detail.append(
                [code, label, shown, denominator, level, slug, name, _as_date(row_start), _as_date(row_end)]
            )
    book.save(target)
    return bilan


__all__ = ["NationalFile", "NationalFileError", "merge_national", "read_national", "write_national"]

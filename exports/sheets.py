"""The sheets the bilan and the national file share: Synthèse, breakdowns, day counts, print setup.

The ``Synthèse`` has one indicator per row: A code, B label, C value, D the
denominator of a rate, E the CNSA level; A–D are the key of the national
consolidation and never change. In a national file every row also carries
the platform's identifier and the period (F–I), so that the files of all
platforms stack.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from exports.breakdowns import BREAKDOWN_TITLES
from exports.delays import MEDIAN_CODES
from exports.indicators import Bilan, is_rate
from exports.writer import Column, Kind, Percent, PrintSetup, WorkbookWriter

SYNTHESE = "Synthèse"
BREAKDOWNS = "Ventilations"
DAY_COUNTS = "Délais (jours)"
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


def sheet_value(indicator_value: float | int | None, code: str) -> Any:
    if indicator_value is None:
        return None
    return Percent(indicator_value) if is_rate(code) else indicator_value


def rate_cell(value: float | None) -> Percent | None:
    return None if value is None else Percent(value)


def stamp(bilan: Bilan) -> list[Any]:
    return [bilan.platform_slug, bilan.platform_name, bilan.start, bilan.end]


def synthese_columns(bilan: Bilan) -> list[Column]:
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


def write_synthese(book: WorkbookWriter, bilan: Bilan, with_platform: bool) -> int:
    extra = PLATFORM_COLUMNS if with_platform else []
    sheet = book.sheet(SYNTHESE, synthese_columns(bilan) + extra, pages_tall=SYNTHESE_PAGES)
    for indicator in bilan.indicators:
        row: list[Any] = [
            indicator.code,
            indicator.label,
            sheet_value(indicator.value, indicator.code),
            indicator.denominator,
            indicator.level,
        ]
        sheet.append(row + (stamp(bilan) if with_platform else []))
    return sheet.rows


def write_breakdowns(book: WorkbookWriter, bilan: Bilan, with_platform: bool) -> int:
    sheet = book.sheet(BREAKDOWNS, BREAKDOWN_COLUMNS + (PLATFORM_COLUMNS if with_platform else []))
    for dimension, title in BREAKDOWN_TITLES.items():
        for row in bilan.breakdowns[dimension]:
            values: list[Any] = [title, row.code, row.label, row.accompanied, row.access, rate_cell(row.rate)]
            sheet.append(values + (stamp(bilan) if with_platform else []))
    return sheet.rows


def write_day_counts(book: WorkbookWriter, bilan: Bilan, with_platform: bool) -> int:
    # In the bilan, hidden: not for reading (Délais is), and hundreds of rows long.
    sheet = book.sheet(
        DAY_COUNTS, DAY_COUNT_COLUMNS + (PLATFORM_COLUMNS if with_platform else []), hidden=not with_platform
    )
    for code, key in MEDIAN_CODES.items():
        histogram = bilan.delays.get(key, Counter())
        for days in sorted(histogram):
            values: list[Any] = [code, days, histogram[days]]
            sheet.append(values + (stamp(bilan) if with_platform else []))
    return sheet.rows

"""The bilan printed as a manager prints it: LibreOffice headless, A4 landscape, counted pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from exports.bilan import write_bilan
from tests.factories import make_world
from tests.unit.exports.printing import needs_office, page_size, pages_text, to_pdf
from tests.unit.exports.scenario import build_caseload

YEAR = (date(2025, 1, 1), date(2025, 12, 31))
# Each printed sheet: a text of its first column's header and of its last one
# (or of the chart beside its table), both on every page of the sheet, so no
# sheet is split across pages by columns.
PRINTED = {
    "Synthèse": ("code", "niveau"),
    "Entonnoir et devenir": ("Étape du parcours", "Devenir par trimestre"),
    "Ventilations": ("Ventilation", "Taux d'accès"),
    "Délais": ("Délai", "Plus"),
    "Métiers et employeurs": ("Code ROME", "Total"),
    "Sessions": ("Mois", "d'excuse"),
    "Freins": ("Code", "Non solubles"),
}


def sheet_of(page: str) -> str:
    """The sheet a printed page belongs to, from its page header (the sheet's name)."""
    header = next(line for line in page.splitlines() if line.strip())
    # The longest name first: « Délais » is also in « Délais (jours) ».
    return next(name for name in sorted(PRINTED, key=len, reverse=True) if name in header)


@needs_office
def test_the_printed_bilan_fits_and_is_never_cut_by_columns(session, today, tmp_path: Path) -> None:
    world = make_world(session)
    build_caseload(session, world, seed=5, count=60)
    target = tmp_path / "bilan.xlsx"
    bilan = write_bilan(session, world.platform, *YEAR, target, actor=world.manager)
    assert len(bilan.indicators) > 80

    pdf = to_pdf(target, tmp_path)
    assert "(A4)" in page_size(pdf)
    width, height = (float(n) for n in page_size(pdf).split(" pts")[0].split(" x "))
    assert width > height  # landscape
    pages = pages_text(pdf)
    by_sheet: dict[str, list[str]] = {}
    for page in pages:
        by_sheet.setdefault(sheet_of(page), []).append(page)
    # Every readable sheet is printed; the day counts and the sessions' detail (hidden) are not.
    assert list(by_sheet) == list(PRINTED)
    assert len(by_sheet["Synthèse"]) <= 3, len(by_sheet["Synthèse"])
    assert len(pages) <= 12, {name: len(p) for name, p in by_sheet.items()}
    for name, (first, last) in PRINTED.items():
        for number, page in enumerate(by_sheet[name], 1):
            assert first in page, f"{name}, page {number}: no « {first} »"
            assert last in page, f"{name}, page {number}: no « {last} »"
            assert "Plateforme yvelines" in page
            assert "du 01/01/2025 au 31/12/2025" in page
    # Nothing of the Synthèse is lost to the printer: every code is on paper.
    printed = "\n".join(by_sheet["Synthèse"])
    for indicator in bilan.indicators:
        assert indicator.code in printed, indicator.code

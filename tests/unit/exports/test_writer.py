"""The streaming writer: every kind of value comes back from the file as it went in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from openpyxl import load_workbook

from exports.writer import Column, Kind, Percent, WorkbookWriter


def test_values_round_trip_with_their_formats(tmp_path: Path) -> None:
    columns = [
        Column("texte"),
        Column("entier", Kind.INTEGER),
        Column("nombre", Kind.NUMBER),
        Column("date", Kind.DATE),
        Column("taux", Kind.RATE),
        Column("libre"),
    ]
    book = WorkbookWriter()
    sheet = book.sheet("Feuille/1", columns)
    sheet.append(["Dupont & <Fils>", 12, 2.5, date(2025, 3, 1), Percent(0.125), True])
    sheet.append(["  espaces  ", None, 1e-7, datetime(2025, 3, 1, 14, 30, tzinfo=UTC), None, Percent(0.5)])
    sheet.append(["=1+1", 10**15, float("nan"), None, 0.25, "é\x07t\u00e9"])
    book.save(tmp_path / "out.xlsx")

    workbook = load_workbook(tmp_path / "out.xlsx")
    rows = list(workbook["Feuille-1"].iter_rows(values_only=True))
    assert rows[0] == ("texte", "entier", "nombre", "date", "taux", "libre")
    assert rows[1] == ("Dupont & <Fils>", 12, 2.5, datetime(2025, 3, 1), 0.125, "oui")
    assert rows[2] == ("  espaces  ", None, 1e-7, datetime(2025, 3, 1, 14, 30), None, 0.5)
    assert rows[3] == ("'=1+1", 10**15, None, None, 0.25, "été")
    cells = list(workbook["Feuille-1"].iter_rows(min_row=2, max_row=3))
    assert cells[0][3].number_format == "DD/MM/YYYY"
    assert cells[0][4].number_format == "0.0%"
    assert cells[0][2].number_format == "0.0"
    assert cells[1][5].number_format == "0.0%"  # a Percent in a text column
    assert cells[0][0].number_format == "General"
    assert workbook["Feuille-1"].freeze_panes == "A2"
    assert workbook["Feuille-1"].auto_filter.ref == "A1:F4"

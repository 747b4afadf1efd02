"""Reading produced workbooks with two independent readers (openpyxl and python-calamine)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == "":
        return None
    return value


def sheet_openpyxl(path: Path, title: str) -> list[list[Any]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return [[_plain(v) for v in row] for row in workbook[title].iter_rows(values_only=True)]
    finally:
        workbook.close()


def sheet_calamine(path: Path, title: str) -> list[list[Any]]:
    workbook = CalamineWorkbook.from_path(str(path))
    return [[_plain(v) for v in row] for row in workbook.get_sheet_by_name(title).to_python()]


def sheet(path: Path, title: str) -> list[list[Any]]:
    """The sheet's rows, checked identical through both readers."""
    first = sheet_openpyxl(path, title)
    second = sheet_calamine(path, title)
    width = max((len(r) for r in first + second), default=0)
    pad = lambda rows: [r + [None] * (width - len(r)) for r in rows]  # noqa: E731
    assert pad(first) == pad(second), f"openpyxl and calamine disagree on {title}"
    return pad(first)


def sheet_names(path: Path) -> list[str]:
    return CalamineWorkbook.from_path(str(path)).sheet_names


def synthese(path: Path) -> dict[str, tuple[Any, Any]]:
    """{code: (value, denominator)} of the Synthèse sheet."""
    rows = sheet(path, "Synthèse")
    assert rows[0][:4] == ["code", "libelle", "valeur", "denominateur"]
    return {row[0]: (row[2], row[3]) for row in rows[1:]}


def is_date(value: Any) -> bool:
    return isinstance(value, date)

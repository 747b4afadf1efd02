"""Writing caseload files for the import tests (CSV and xlsx, ordinary and hostile)."""

from __future__ import annotations

import csv
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from pathways.imports.reader import COLUMNS


def _cell(value: Any) -> Any:
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else value


def write_csv(path: Path, rows: list[dict[str, Any]], *, delimiter: str = ";", bom: bool = False) -> Path:
    columns = [c for c in COLUMNS if any(c in row for row in rows)] or list(COLUMNS[:4])
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in columns])
    return path


def write_xlsx(path: Path, rows: list[dict[str, Any]], *, headers: list[str] | None = None) -> Path:
    """An ordinary (not write-only) workbook, as a spreadsheet program would save it."""
    columns = headers or [c for c in COLUMNS if any(c in row for row in rows)]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for row in rows:
        sheet.append(
            [row.get(c) for c in COLUMNS if c in columns]
            if headers is None
            else [row.get(c) for c in columns]
        )
    workbook.save(path)
    return path


def replace_member(source: Path, target: Path, name: str, content: bytes) -> Path:
    """A copy of the xlsx ``source`` with one zip member replaced."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            copy.writestr(item, content if item.filename == name else original.read(item.filename))
    return target


def add_member(source: Path, target: Path, name: str, content: bytes) -> Path:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            copy.writestr(item, original.read(item.filename))
        copy.writestr(name, content)
    return target


def zip_bomb(path: Path, megabytes: int = 60) -> Path:
    """A zip whose sheet inflates from a few kB to ``megabytes`` MB of zeros."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(megabytes):
                member.write(block)
    return path


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""

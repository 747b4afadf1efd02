"""One streaming writer for every workbook the tool produces.

openpyxl in write-only mode: each row is serialised as soon as it is
appended, so memory stays flat whatever the number of rows, and rows can come
straight from a query (``yield_per``). The writer makes the files usable as
they are: real dates, rates as numbers with a percent format, the header
frozen, filters on, widths set. Every text cell is stripped of control
characters and then neutralised against formula injection: a value typed by a
user (a name, an employer) must never run as a formula in the manager's
spreadsheet, whatever invisible characters precede its ``=``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from math import isfinite
from pathlib import Path
from typing import IO, Any

from lxml import etree
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet


class Kind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"
    RATE = "rate"


DATE_FORMAT = "DD/MM/YYYY"
RATE_FORMAT = "0.0%"
NUMBER_FORMAT = "0.0"
# Characters a spreadsheet reads as the start of a formula (OWASP "CSV injection"),
# with their full-width and small forms, which some spreadsheets fold into them.
FORMULA_TRIGGERS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\u2212")
# C0/C1 control characters but tab and newline: not valid in XML 1.0 for most,
# and never meaningful in a cell.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Excel's limit on a cell's text.
MAX_CELL_TEXT = 32_767


def _shows_nothing(character: str) -> bool:
    """Spaces, tabs, line breaks, controls, format characters (zero-width, BOM, bidi marks)."""
    return character.isspace() or unicodedata.category(character) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def first_visible(value: str) -> str:
    """The first character of ``value`` that shows something ("" when none does)."""
    return next((c for c in value if not _shows_nothing(c)), "")


def safe_text(value: str) -> str:
    """``value`` as inert text: controls go, then a formula trigger gets a leading apostrophe.

    The check is made on the final text, after the controls are stripped, and
    looks past whatever shows nothing at the start (spaces, tabs, zero-width
    and other format characters): ``"\\x01=HYPERLINK(…)"`` and ``"\\u200b =1+1"``
    are neutralised like ``"=1+1"``.
    """
    value = CONTROL_CHARACTERS.sub("", value)
    if first_visible(value) in FORMULA_TRIGGERS or (value and value[0] in "\t\r"):
        value = "'" + value
    return value[:MAX_CELL_TEXT]


class Percent(float):
    """A rate (a fraction) shown with a percent format, whatever the column's kind."""


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: float | None = None

    @property
    def sheet_width(self) -> float:
        if self.width is not None:
            return self.width
        default = {Kind.DATE: 12, Kind.RATE: 10, Kind.INTEGER: 12, Kind.NUMBER: 12}.get(self.kind, 20)
        # Wide enough for the header, within reason.
        return float(min(max(default, len(self.header) + 2), 60))


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E3E3FD")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")


XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


class StreamedSheet(WriteOnlyWorksheet):
    """A write-only sheet that also takes rows already serialised (``<row>`` elements).

    openpyxl builds a ``Cell`` and several lxml calls for each value (about
    30 µs a cell); ``SheetWriter`` writes a data row's XML in one string,
    parsed by libxml2 in one call, which makes a 100 000-row cohort several
    times cheaper to write. The header, with its styled cells, takes
    openpyxl's own path.
    """

    def _write_rows(self) -> Generator[None, Any, None]:
        # openpyxl's WriteOnlyWorksheet._write_rows, plus the serialised rows.
        try:
            xf = self._writer.xf.send(True)
        except StopIteration:
            self._already_saved()
        with xf.element("sheetData"):
            row_idx = 1
            try:
                while True:
                    row = yield
                    if isinstance(row, etree._Element):
                        xf.write(row)
                    else:
                        self._writer.write_row(xf, self._values_to_row(row, row_idx), row_idx)
                    row_idx += 1
            except GeneratorExit:
                pass
        self._writer.xf.send(None)

    def append_element(self, row: etree._Element) -> None:
        self._get_writer()
        if self._rows is None:
            self._rows = self._write_rows()
            next(self._rows)
        self._rows.send(row)


class SheetWriter:
    """Rows appended to one write-only sheet, converted by column kind."""

    def __init__(self, sheet: StreamedSheet, columns: Sequence[Column]) -> None:
        self.sheet = sheet
        self.columns = tuple(columns)
        self.rows = 0
        for index, column in enumerate(self.columns, 1):
            sheet.column_dimensions[get_column_letter(index)].width = column.sheet_width
        sheet.freeze_panes = "A2"
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(sheet, value=safe_text(column.header))
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = HEADER_ALIGNMENT
            header.append(cell)
        sheet.append(header)
        # One styled cell per column, reused: a write-only sheet serialises
        # each row as it is appended, so the cell is free again at the next row.
        self._styled: list[WriteOnlyCell | None] = []
        for column in self.columns:
            number_format = {
                Kind.DATE: DATE_FORMAT,
                Kind.RATE: RATE_FORMAT,
                Kind.NUMBER: NUMBER_FORMAT,
            }.get(column.kind)
            if number_format is None:
                self._styled.append(None)
            else:
                cell = WriteOnlyCell(sheet)
                cell.number_format = number_format
                self._styled.append(cell)
        self._percent: dict[int, WriteOnlyCell] = {}
        self._letters = [get_column_letter(index) for index in range(1, len(self.columns) + 1)]
        # The style index of each column's number format, in the workbook's style table.
        self._style_ids = [None if cell is None else str(cell.style_id) for cell in self._styled]
        self._epoch = sheet.parent.epoch

    def _percent_cell(self, index: int) -> WriteOnlyCell:
        cell = self._percent.get(index)
        if cell is None:
            cell = self._percent[index] = WriteOnlyCell(self.sheet)
            cell.number_format = RATE_FORMAT
        return cell

    def append(self, values: Sequence[Any]) -> None:
        number = self.rows + 2  # the header is row 1
        cells = []
        for index, (value, style) in enumerate(zip(values, self._style_ids, strict=False)):
            if isinstance(value, Percent):
                style = str(self._percent_cell(index).style_id)
            value = cell_value(value)
            if value is None:
                continue
            ref = f"{self._letters[index]}{number}"
            if isinstance(value, str):
                text = value.translate(XML_ESCAPES)
                space = ' xml:space="preserve"' if value != value.strip() else ""
                styled = f' s="{style}"' if style else ""
                cells.append(f'<c r="{ref}"{styled} t="inlineStr"><is><t{space}>{text}</t></is></c>')
                continue
            number_value = to_excel(value, self._epoch) if isinstance(value, date) else value
            if not isfinite(number_value):
                continue  # as openpyxl: NaN and infinities are left empty
            styled = f' s="{style}"' if style else ""
            cells.append(f'<c r="{ref}"{styled} t="n"><v>{number_value:.16g}</v></c>')
        self.sheet.append_element(etree.fromstring(f'<row r="{number}">{"".join(cells)}</row>'))
        self.rows += 1

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        for values in rows:
            self.append(values)

    def close(self) -> None:
        """Turn the filters on over what was written (called before the workbook is saved)."""
        last = get_column_letter(max(len(self.columns), 1))
        self.sheet.auto_filter.ref = f"A1:{last}{self.rows + 1}"


def cell_value(value: Any) -> Any:
    """A Python value as a cell holds it: text neutralised, enums by code, dates as dates."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, StrEnum):
        return safe_text(value.value)
    if isinstance(value, str):
        return safe_text(value) or None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, Percent):
        return float(value)
    if isinstance(value, int | float | date):
        return value
    return safe_text(str(value))


class WorkbookWriter:
    """A write-only workbook: add sheets, stream rows, save once."""

    def __init__(self) -> None:
        self.workbook = Workbook(write_only=True)
        self._sheets: list[SheetWriter] = []

    def sheet(self, title: str, columns: Sequence[Column]) -> SheetWriter:
        # Sheet titles are limited to 31 characters and some punctuation.
        clean = re.sub(r"[\[\]\*\?/\\:]", "-", title)[:31]
        sheet = StreamedSheet(parent=self.workbook, title=clean)
        self.workbook._add_sheet(sheet)
        writer = SheetWriter(sheet, columns)
        self._sheets.append(writer)
        return writer

    def save(self, target: str | Path | IO[bytes]) -> None:
        for sheet in self._sheets:
            sheet.close()
        self.workbook.save(target)


def write_table(
    target: str | Path | IO[bytes], title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]
) -> int:
    """A one-sheet workbook of ``rows``; returns how many rows were written."""
    writer = WorkbookWriter()
    sheet = writer.sheet(title, columns)
    sheet.extend(rows)
    writer.save(target)
    return sheet.rows

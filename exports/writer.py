"""One streaming writer for every workbook the tool produces.

openpyxl in write-only mode: each row is serialised as soon as it is
appended, so memory stays flat whatever the number of rows, and rows can come
straight from a query (``yield_per``). The writer makes the files usable as
they are: real dates, rates as numbers with a percent format, the header
frozen, filters on, widths set. A workbook may also be made for print and
for reading (``PrintSetup``): A4 landscape fitted to the page width, the
header row repeated on each page, whose document and which period in each
page's header and in the file's properties, and Excel charts beside their
tables. Every text cell is stripped of control characters and then
neutralised against formula injection: a value typed by a user (a name, an
employer) must never run as a formula in the manager's spreadsheet, whatever
invisible characters precede its ``=``.
"""

from __future__ import annotations

import math
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
from openpyxl.chart._chart import ChartBase
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
    # Left indent of the cells, in characters: text after a right-aligned number column.
    indent: int = 0

    @property
    def sheet_width(self) -> float:
        if self.width is not None:
            return self.width
        default = {Kind.DATE: 12, Kind.RATE: 10, Kind.INTEGER: 12, Kind.NUMBER: 12}.get(self.kind, 20)
        # Wide enough for the header, within reason.
        return float(min(max(default, len(self.header) + 2), 60))


# Named like the workbook's default font: LibreOffice substitutes both the same way.
HEADER_FONT = Font(name="Calibri", bold=True)
HEADER_LINE_HEIGHT = 14.5  # points, for an 11-point font
HEADER_FILL = PatternFill("solid", fgColor="E3E3FD")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
A4 = 9  # the paper size code of the SpreadsheetML standard


@dataclass(frozen=True)
class PrintSetup:
    """What each printed page of a workbook says: whose document, which period, what it is.

    ``title`` and ``subject`` also go to the file's properties.
    """

    owner: str
    period: str
    title: str
    subject: str = ""


def header_text(value: str) -> str:
    """Text for a page header or footer: ``&`` starts a code there, so it is doubled."""
    return CONTROL_CHARACTERS.sub("", value).replace("&", "&&")


def _prepare_print(sheet: WriteOnlyWorksheet, setup: PrintSetup, pages_tall: int) -> None:
    """A4 landscape, fitted to the page width (and to ``pages_tall`` pages when not 0)."""
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = pages_tall
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.page_margins.header = sheet.page_margins.footer = 0.25
    sheet.oddHeader.left.text = header_text(setup.owner)
    sheet.oddHeader.center.text = "&A"  # the sheet's name
    sheet.oddHeader.right.text = header_text(setup.period)
    sheet.oddFooter.left.text = header_text(setup.title)
    sheet.oddFooter.right.text = "Page &P / &N"
    for part in (sheet.oddHeader.left, sheet.oddHeader.center, sheet.oddHeader.right):
        part.size = 9
    for part in (sheet.oddFooter.left, sheet.oddFooter.right):
        part.size = 8


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
    """Rows appended to one write-only sheet, converted by column kind.

    ``filters`` puts the auto-filter on the first table (a sheet holding
    several tables has none); ``print_setup`` prepares it for print, its
    header row repeated on each page.
    """

    def __init__(
        self,
        sheet: StreamedSheet,
        columns: Sequence[Column],
        *,
        filters: bool = True,
        print_setup: PrintSetup | None = None,
        pages_tall: int = 0,
    ) -> None:
        self.sheet = sheet
        self.columns = tuple(columns)
        self.rows = 0
        self.filters = filters
        for index, column in enumerate(self.columns, 1):
            sheet.column_dimensions[get_column_letter(index)].width = column.sheet_width
        # Everything above the rows is written with the first row: set it now.
        if print_setup is not None:
            _prepare_print(sheet, print_setup, pages_tall)
            sheet.print_title_rows = "1:1"
        sheet.freeze_panes = "A2"
        self._heading([column.header for column in self.columns], row=1)
        # One styled cell per column, reused: a write-only sheet serialises
        # each row as it is appended, so the cell is free again at the next row.
        self._styled: list[WriteOnlyCell | None] = []
        for column in self.columns:
            number_format = {
                Kind.DATE: DATE_FORMAT,
                Kind.RATE: RATE_FORMAT,
                Kind.NUMBER: NUMBER_FORMAT,
            }.get(column.kind)
            if number_format is None and not column.indent:
                self._styled.append(None)
            else:
                cell = WriteOnlyCell(sheet)
                if number_format is not None:
                    cell.number_format = number_format
                if column.indent:
                    cell.alignment = Alignment(indent=column.indent)
                self._styled.append(cell)
        self._percent: dict[int, WriteOnlyCell] = {}
        self._letters = [get_column_letter(index) for index in range(1, len(self.columns) + 1)]
        # The style index of each column's number format, in the workbook's style table.
        self._style_ids = [None if cell is None else str(cell.style_id) for cell in self._styled]
        self._epoch = sheet.parent.epoch

    def _heading(self, values: Sequence[str | None], *, row: int) -> None:
        # A wrapped header needs a row tall enough for its lines: neither
        # Excel nor LibreOffice resizes a row written without a height.
        lines = max(
            (
                math.ceil(len(value) / max(column.sheet_width - 2, 1))
                for value, column in zip(values, self.columns, strict=False)
                if value
            ),
            default=1,
        )
        if lines > 1:
            self.sheet.row_dimensions[row].height = HEADER_LINE_HEIGHT * lines + 2
        header = []
        for value in values:
            cell = WriteOnlyCell(self.sheet, value=safe_text(value) if value else None)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = HEADER_ALIGNMENT
            header.append(cell)
        self.sheet.append(header)

    @property
    def last_row(self) -> int:
        """The sheet's row number of the last row written (the header is row 1)."""
        return self.rows + 1

    def heading(self, values: Sequence[str | None]) -> None:
        """A header row of another table further down the sheet."""
        self._heading(values, row=self.last_row + 1)
        self.rows += 1

    def blank(self) -> None:
        self.sheet.append([])
        self.rows += 1

    def add_chart(self, chart: ChartBase, anchor: str) -> None:
        """An Excel chart (drawn by Excel and LibreOffice alike) with its top left corner at ``anchor``."""
        self.sheet.add_chart(chart, anchor)

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
        if not self.filters:
            return
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
    """A write-only workbook: add sheets, stream rows, save once.

    With ``print_setup`` every sheet is prepared for print and the file's
    properties name the document.
    """

    def __init__(self, print_setup: PrintSetup | None = None) -> None:
        self.workbook = Workbook(write_only=True)
        self._sheets: list[SheetWriter] = []
        self.print_setup = print_setup
        if print_setup is not None:
            properties = self.workbook.properties
            properties.title = safe_text(print_setup.title)
            properties.subject = safe_text(print_setup.subject or print_setup.period)
            properties.creator = "Pathways"
            properties.keywords = safe_text(f"{print_setup.owner}; {print_setup.period}")

    def sheet(
        self,
        title: str,
        columns: Sequence[Column],
        *,
        filters: bool = True,
        hidden: bool = False,
        pages_tall: int = 0,
    ) -> SheetWriter:
        """A new sheet; ``hidden`` ones are not printed; ``pages_tall`` caps its printed height."""
        # Sheet titles are limited to 31 characters and some punctuation.
        clean = re.sub(r"[\[\]\*\?/\\:]", "-", title)[:31]
        sheet = StreamedSheet(parent=self.workbook, title=clean)
        self.workbook._add_sheet(sheet)
        if hidden:
            sheet.sheet_state = "hidden"
        writer = SheetWriter(
            sheet, columns, filters=filters, print_setup=self.print_setup, pages_tall=pages_tall
        )
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

"""Pure writers of the downloads: a `Table` of plain values → CSV bytes or XLSX bytes.

No ORM and no request here; `dashboard.download_views` builds the tables from the same
read models the pages render.

CSV comes in two dialects (`CsvDialect`). By default it is written as a Vietnamese
office's Excel reads a double-clicked file: ";" between fields and a decimal comma
("92,05", "-0,50"), dates dd/mm/yyyy (Windows' vi-VN list separator and number format), and
UTF-8 *with* a BOM so Excel detects the encoding and shows Vietnamese correctly. No "sep="
line: Excel then ignores the BOM. `?dialect=plain` gives the file for programs: ",", decimal
point, ISO dates, same BOM. Both end lines with CRLF and have no title lines: the first
line is the header, so every CSV reader takes the file as is.

XLSX is for people: a title and notes above a bold, frozen header, band cells coloured
like the pages (static/css/app.css --band-*) and always carrying their text, A4 landscape
fitted to one page wide with the header repeated on each printed page.

Both neutralise text that a spreadsheet would run as a formula (OWASP "CSV injection"):
text starting with = + - @ tab or CR gets a leading ' in CSV, and the "quote prefix" style
in XLSX (Excel's own marker for "this is text", the value itself unchanged). Numbers are
never touched: a negative movement stays a number.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import xlsxwriter

TEXT = "text"
POINTS = "points"  # 2 decimals
DELTA = "delta"  # 2 decimals with a sign in XLSX
INTEGER = "integer"
COUNT = "count"  # numerator/denominator: as many decimals as the value has
DATE = "date"
BAND = "band"

# static/css/app.css: --band-xuat-sac, --band-tot, --band-kha, --band-trung-binh, --band-yeu.
BAND_COLOURS = {
    "xuat_sac": "#1B7F3B",
    "tot": "#2F6FB3",
    "kha": "#8A6D00",
    "trung_binh": "#B35C00",
    "yeu": "#A11D2C",
}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class CsvDialect:
    code: str
    delimiter: str
    decimal: str
    iso_dates: bool


EXCEL_VI = CsvDialect("excel", ";", ",", iso_dates=False)
PLAIN = CsvDialect("plain", ",", ".", iso_dates=True)
CSV_DIALECTS = {d.code: d for d in (EXCEL_VI, PLAIN)}
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
A4 = 9  # XlsxWriter's paper code


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: str = TEXT
    width: float = 12


@dataclass(frozen=True, slots=True)
class BandValue:
    """A band cell: its code picks the colour, its label is what the cell says."""

    code: str | None
    label: str

    def __str__(self) -> str:
        return self.label


@dataclass
class Table:
    """One sheet: title and notes (XLSX only), header, rows of values in column order.

    rows may be a generator: the writers read it once, in order (a national board streams).
    """

    sheet_name: str
    title: str
    columns: list[Column]
    rows: Iterable[Sequence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    strong_rows: set[int] = field(default_factory=set)  # indexes of rows shown in bold


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def neutralise(text: str) -> str:
    """Prefix text a spreadsheet would evaluate with ' (OWASP), leave other text alone."""
    return "'" + text if is_formula_like(text) else text


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def csv_cell(value, kind: str, dialect: CsvDialect = EXCEL_VI) -> str:
    """Return one CSV field: numbers and dates as the dialect writes them, text neutralised."""
    if value is None or value == "":
        return ""
    if kind in (POINTS, DELTA):
        return f"{_decimal(value):.2f}".replace(".", dialect.decimal)
    if kind == INTEGER:
        return str(int(value))
    if kind == COUNT:
        number = _decimal(value)
        # normalize(): stored counts carry four decimals ("12.5000" is written "12.5").
        text = (
            f"{number.normalize():f}" if number != number.to_integral_value() else str(int(number))
        )
        return text.replace(".", dialect.decimal)
    if kind == DATE and isinstance(value, datetime.date):
        return value.isoformat() if dialect.iso_dates else value.strftime("%d/%m/%Y")
    return neutralise(str(value))


CSV_CHUNK_ROWS = 500  # lines per chunk of a streamed CSV


def csv_chunks(table: Table, dialect: CsvDialect = EXCEL_VI) -> Iterator[bytes]:
    """Write the table as UTF-8 CSV with a BOM, in chunks: the header line, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(c.header) for c in table.columns])
    yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for index, row in enumerate(table.rows, start=1):
        writer.writerow(
            [csv_cell(v, c.kind, dialect) for v, c in zip(row, table.columns, strict=True)]
        )
        if index % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def csv_bytes(table: Table, dialect: CsvDialect = EXCEL_VI) -> bytes:
    """The whole of `csv_chunks` at once."""
    return b"".join(csv_chunks(table, dialect))


def _sheet_name(name: str, taken: set[str]) -> str:
    base = SHEET_NAME_FORBIDDEN.sub(" ", name).strip("' ")[:31] or "Sheet"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


class _Formats:
    """The workbook's cell formats, made once per workbook."""

    def __init__(self, workbook):
        add = workbook.add_format
        border = {"border": 1, "border_color": "#DDE1E8", "valign": "top"}
        self.title = add({"bold": True, "font_size": 14})
        self.note = add({"italic": True, "font_color": "#5B6475"})
        self.header = add(
            {**border, "bold": True, "text_wrap": True, "bg_color": "#EEF1F5", "valign": "vcenter"}
        )
        self.by_kind = {}
        self.strong_by_kind = {}
        number_formats = {
            POINTS: "0.00",
            DELTA: "+0.00;-0.00;0.00",
            INTEGER: "0",
            DATE: "dd/mm/yyyy",
        }
        for kind in (TEXT, POINTS, DELTA, INTEGER, COUNT, DATE, BAND):
            spec = dict(border)
            if kind in number_formats:
                spec["num_format"] = number_formats[kind]
            if kind == TEXT:
                spec["text_wrap"] = True
            self.by_kind[kind] = add(spec)
            self.strong_by_kind[kind] = add({**spec, "bold": True})
        self.quoted = add({**border, "text_wrap": True, "quote_prefix": True})
        self.bands = {
            code: add(
                {
                    **border,
                    "bold": True,
                    "font_color": "#FFFFFF",
                    "bg_color": colour,
                    "align": "center",
                }
            )
            for code, colour in BAND_COLOURS.items()
        }


def _write_value(sheet, formats: _Formats, row: int, col: int, value, kind: str, strong: bool):
    plain = (formats.strong_by_kind if strong else formats.by_kind)[kind]
    if value is None or value == "":
        sheet.write_blank(row, col, None, plain)
    elif kind in (POINTS, DELTA, INTEGER, COUNT) and not isinstance(value, str):
        sheet.write_number(row, col, float(value), plain)
    elif kind == DATE and isinstance(value, datetime.date):
        sheet.write_datetime(row, col, value, plain)
    elif kind == BAND and isinstance(value, BandValue):
        sheet.write_string(row, col, value.label, formats.bands.get(value.code or "", plain))
    else:
        text = str(value)
        # write_string, never write(): a string is never turned into a formula or a link.
        sheet.write_string(row, col, text, formats.quoted if is_formula_like(text) else plain)


def _write_banner(sheet, row: int, last_col: int, text: str, cell_format) -> None:
    """A title or note line across the table's width (strings stay strings: see xlsx_bytes)."""
    if last_col:
        sheet.merge_range(row, 0, row, last_col, text, cell_format)
    else:
        sheet.write_string(row, 0, text, cell_format)


def _write_sheet(workbook, formats: _Formats, table: Table, name: str) -> None:
    sheet = workbook.add_worksheet(name)
    last_col = max(len(table.columns) - 1, 0)
    row = 0
    _write_banner(sheet, row, last_col, table.title, formats.title)
    sheet.set_row(row, 22)
    for note in table.notes:
        row += 1
        _write_banner(sheet, row, last_col, note, formats.note)
    header_row = row + 2
    for col, column in enumerate(table.columns):
        sheet.write_string(header_row, col, column.header, formats.header)
        sheet.set_column(col, col, column.width)
    written = 0
    for index, values in enumerate(table.rows):
        r = header_row + 1 + index
        strong = index in table.strong_rows
        for col, (value, column) in enumerate(zip(values, table.columns, strict=True)):
            _write_value(sheet, formats, r, col, value, column.kind, strong)
        written += 1
    last_row = header_row + written
    for offset, note in enumerate(table.footnotes, start=2):
        sheet.write_string(last_row + offset, 0, note, formats.note)
    sheet.freeze_panes(header_row + 1, 0)
    if written:
        sheet.autofilter(header_row, 0, last_row, last_col)
    # Print: A4 landscape, one page wide, header repeated, page numbers in the footer.
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.set_footer("&C&P / &N")
    sheet.print_area(0, 0, max(last_row, header_row) + len(table.footnotes) + 1, last_col)


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    """Write the tables as one workbook, a sheet each, in constant memory.

    XlsxWriter's constant_memory mode writes each row to a temporary file as it comes and
    keeps no sheet in memory (rows must come in order, as they do here); only the finished,
    compressed file is held.
    """
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    formats = _Formats(workbook)
    taken: set[str] = set()
    for table in tables:
        _write_sheet(workbook, formats, table, _sheet_name(table.sheet_name, taken))
    workbook.close()
    return output.getvalue()

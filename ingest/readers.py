"""Turn uploaded bytes into rows of cells: CSV text in any of the encodings Excel writes, or a
workbook sheet read with python-calamine (XLSX, XLS, ODS).

Pure: no Django, no database. Problems are raised as `ReadError(code, **params)`; the parser
turns them into user-facing issues, so every message lives in `ingest.parsers`.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

import python_calamine

# Compound File Binary (OLE2): legacy .xls, and the wrapper Office puts around an encrypted
# .xlsx. An encrypted workbook is an OLE2 file with a stream named "EncryptedPackage"; its
# directory entry stores the name in UTF-16LE.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
ZIP_MAGIC = b"PK\x03\x04"

# Signatures of files people upload by mistake, so the error can say what the file looks like.
# The parser maps each kind to a translated phrase.
_SIGNATURES = (
    (b"%PDF", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\x1f\x8b", "archive"),
    (b"Rar!", "archive"),
    (b"7z\xbc\xaf\x27\x1c", "archive"),
    (b"BZh", "archive"),
    (b"{\\rtf", "rtf"),
)
_MARKUP_PREFIXES = ("<!doctype", "<html", "<table", "<?xml", "<head", "<body", "<meta")

DELIMITERS = (";", "\t", ",")  # preference order when the sniffing scores tie
SNIFF_RECORDS = 30  # records read per candidate delimiter
TEXT_SAMPLE = 65536  # characters checked for control characters

# Control characters that never appear in a text export; a few are tolerated (a stray \x1a EOF
# marker from old tools), more mean the bytes are binary.
_CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r") | {"\x7f"}


class ReadError(Exception):
    """The bytes cannot be read as a table; `code` names the issue, `params` fill its message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class SheetRows:
    """An opened table: its rows, numbered as a spreadsheet shows them, and how it was read."""

    format: str  # "csv" | "xlsx" | "xls" | "ods"
    rows: Iterator[tuple[int, list]]  # (1-based row number, cells)
    sheet: str | None = None
    first_column: int = 0  # 0-based index of the column of each row's first cell
    encoding: str | None = None
    delimiter: str | None = None
    sheet_names: list[str] = field(default_factory=list)


def open_table(data: bytes, *, filename: str, sheet: str | None = None) -> SheetRows:
    """Sniff what `data` is and return its rows; raise ReadError if it is not a readable table.

    1. Empty bytes, or only a BOM and whitespace: "empty_file".
    2. OLE2 (legacy .xls or an encrypted workbook): "password_protected" when it holds an
       EncryptedPackage stream, else read with calamine.
    3. ZIP (.xlsx, .ods): read with calamine; a ZIP that is not a workbook is "not_spreadsheet".
    4. Known non-table signatures (PDF, images, archives, HTML): "not_spreadsheet".
    5. Anything else is text: decode (BOM, strict UTF-8, else Windows-1258), normalise to NFC,
       sniff the delimiter and read it as CSV.
    `filename` is only used for hints; the content decides the format.
    """
    del filename  # the content decides; the name is not trusted
    head = data[:8]
    if head.startswith(OLE2_MAGIC):
        if ENCRYPTED_PACKAGE in data:
            raise ReadError("password_protected")
        return _open_workbook(data, sheet=sheet, default_format="xls")
    if head.startswith(ZIP_MAGIC):
        return _open_workbook(data, sheet=sheet, default_format="xlsx")
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            raise ReadError("not_spreadsheet", kind=kind)
    text, encoding = decode_text(data)
    if not text.strip():
        raise ReadError("empty_file")
    start = text.lstrip()[:16].lower()
    if start.startswith(_MARKUP_PREFIXES):
        raise ReadError("not_spreadsheet", kind="markup")
    first_line, _newline, rest = text.partition("\n")
    hint = first_line.rstrip("\r")
    if hint[:4].lower() == "sep=" and len(hint) == 5 and hint[4] in ";,\t|":
        # Excel's "sep=;" hint line: it names the delimiter and is not shown as a row.
        delimiter, text = hint[4], rest
    else:
        delimiter = sniff_delimiter(text)
    return SheetRows(
        format="csv",
        rows=_csv_rows(text, delimiter),
        encoding=encoding,
        delimiter=delimiter,
    )


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes as Excel writes them and return (NFC text, encoding name).

    BOM first (UTF-8, UTF-16 LE/BE); then UTF-16 without BOM if every other byte is NUL; then
    strict UTF-8; else Windows-1258, whose Vietnamese text often carries combining tone marks,
    hence the NFC normalisation. Raise ReadError("not_spreadsheet") for binary data.
    """
    if not data.strip(b" \t\r\n"):
        raise ReadError("empty_file")
    if data.startswith(codecs.BOM_UTF8):
        text, encoding = _decode(data[3:], "utf-8"), "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = _decode(data, "utf-16"), "utf-16"
    elif (guess := _utf16_without_bom(data)) is not None:
        text, encoding = _decode(data, guess), guess
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = _decode(data, "cp1258"), "cp1258"
    if "\x00" in text or _looks_binary(text):
        raise ReadError("not_spreadsheet", kind=None)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text, encoding


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ReadError("not_spreadsheet", kind=None) from exc


def _utf16_without_bom(data: bytes) -> str | None:
    """Return "utf-16-le"/"utf-16-be" when the bytes look like BOM-less UTF-16 text."""
    sample = data[:512]
    if len(sample) < 8 or len(sample) % 2:
        return None
    half = len(sample) // 2
    odd_nul = sample[1::2].count(0)
    even_nul = sample[0::2].count(0)
    # ASCII-heavy UTF-16 has a NUL in nearly every high byte and almost none in the low bytes.
    if odd_nul >= 0.7 * half and even_nul <= 0.05 * half:
        return "utf-16-le"
    if even_nul >= 0.7 * half and odd_nul <= 0.05 * half:
        return "utf-16-be"
    return None


def _looks_binary(text: str) -> bool:
    sample = text[:TEXT_SAMPLE]
    controls = sum(1 for ch in sample if ch in _CONTROL)
    return controls > max(2, len(sample) // 200)


def sniff_delimiter(text: str) -> str:
    """Pick `;`, tab or `,`: the one that splits the most records into the same field count.

    Title and note rows above or below the table have one field whatever the delimiter, and
    decimal commas inside `;`-separated rows give ragged field counts under `,`, so the
    delimiter whose modal field count (above one) covers the most records wins.
    """
    best, best_score = DELIMITERS[0], (0, 0)
    for delimiter in DELIMITERS:
        try:
            counts = Counter(
                len(record)
                for record in islice(
                    csv.reader(io.StringIO(text[:TEXT_SAMPLE], newline=""), delimiter=delimiter),
                    SNIFF_RECORDS,
                )
                if len(record) > 1
            )
        except csv.Error:
            continue
        if not counts:
            continue
        width, hits = max(counts.items(), key=lambda item: (item[1], item[0]))
        score = (hits, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list]]:
    # Records, not lines, are rows: Excel shows a quoted multi-line cell as one row.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for record in reader:
            number += 1
            yield number, record
    except csv.Error as exc:
        raise ReadError("corrupt_file", detail=str(exc), row=number + 1) from exc


def _open_workbook(data: bytes, *, sheet: str | None, default_format: str) -> SheetRows:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        raise ReadError("password_protected") from exc
    except BaseException as exc:  # calamine may raise a Rust panic (a BaseException)
        _reraise_fatal(exc)
        if default_format == "xlsx" and b"xl/workbook" not in data and b"content.xml" not in data:
            raise ReadError("not_spreadsheet", kind="zip") from exc
        raise ReadError("corrupt_file", detail=_short(exc)) from exc
    try:
        metadata = list(workbook.sheets_metadata)
        names = [m.name for m in metadata]
    except BaseException as exc:
        _reraise_fatal(exc)
        raise ReadError("corrupt_file", detail=_short(exc)) from exc
    fmt = _workbook_format(data, default_format)
    if not names:
        raise ReadError("empty_file")
    if sheet is None or not sheet.strip():
        visible = [
            m.name
            for m in metadata
            if m.visible == python_calamine.SheetVisibleEnum.Visible
            and m.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        name = visible[0] if visible else names[0]
    else:
        name = _match_sheet(sheet, names)
        if name is None:
            raise ReadError("sheet_not_found", sheet=sheet, sheets=names)
    try:
        calamine_sheet = workbook.get_sheet_by_name(name)
        start = calamine_sheet.start
    except python_calamine.PasswordError as exc:
        raise ReadError("password_protected") from exc
    except BaseException as exc:
        _reraise_fatal(exc)
        raise ReadError("corrupt_file", detail=_short(exc), sheet=name) from exc
    if start is None:
        raise ReadError("empty_file", sheet=name)
    return SheetRows(
        format=fmt,
        rows=_sheet_rows(calamine_sheet, name),
        sheet=name,
        first_column=start[1],
        sheet_names=names,
    )


def _sheet_rows(sheet, name: str) -> Iterator[tuple[int, list]]:
    # python-calamine's iter_rows yields blank rows above the used range, so the index is the
    # absolute row; cells start at the used range's first column (SheetRows.first_column).
    try:
        for index, cells in enumerate(sheet.iter_rows()):
            yield index + 1, cells
    except BaseException as exc:
        _reraise_fatal(exc)
        raise ReadError("corrupt_file", detail=_short(exc), sheet=name) from exc


def _match_sheet(wanted: str, names: list[str]) -> str | None:
    if wanted in names:
        return wanted
    key = unicodedata.normalize("NFC", wanted).strip().casefold()
    for name in names:
        if unicodedata.normalize("NFC", name).strip().casefold() == key:
            return name
    return None


def _workbook_format(data: bytes, default: str) -> str:
    if default == "xlsx" and b"opendocument.spreadsheet" in data[:200]:
        return "ods"
    return default


def _reraise_fatal(exc: BaseException) -> None:
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError):
        raise exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]

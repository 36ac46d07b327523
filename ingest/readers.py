"""Turn uploaded bytes into a Grid of columns: CSV text in any of the encodings Excel writes,
split by Arrow's CSV reader, or a workbook sheet read with python-calamine (XLSX, XLS, ODS).

Pure: no Django, no database. Problems are raised as `ReadError(code, **params)`; the parser
turns them into user-facing issues, so every message lives in `ingest.messages`.
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import os
import pickle
import re
import subprocess
import sys
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
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

# A damaged workbook can make calamine (Rust) panic or allocate gigabytes, and an allocation
# failure aborts the whole process. So workbooks are read in a child process with capped
# memory and CPU: a bad upload kills the child, not the web or Celery worker.
ISOLATE_WORKBOOKS = True
WORKBOOK_MEMORY_LIMIT = 1024**3  # bytes of address space for the child
WORKBOOK_CPU_SECONDS = 60

# The bounds of what any upload may hold, whatever its format or interface (README "Limits").
# The largest real table is a national indicator table: 3,321 communes × 21 indicators =
# 69,741 rows of ~6 cells. The bounds leave about three times that, and stop anything larger
# before it is materialised: a million-row sheet or a zip bomb is refused in seconds, and
# reading never holds more than a few hundred MB.
MAX_FILE_BYTES = 32 * 1024**2  # the bytes as uploaded (a national CSV is ~3.4 MB)
MAX_ROWS = 200_000  # rows of the sheet or CSV records, blank ones included
MAX_CELLS = 2_000_000  # rows × columns actually read
MAX_UNCOMPRESSED = 256 * 1024**2  # declared size of all parts of an .xlsx/.ods
MAX_RATIO = 100  # declared size / compressed size of one part (real sheets: 5–20)
_PROJECT_ROOT = Path(__file__).resolve().parents[1]

DELIMITERS = (";", "\t", ",")  # preference order when the sniffing scores tie
SNIFF_RECORDS = 30  # records read per candidate delimiter
TEXT_SAMPLE = 65536  # characters checked for control characters

# Control characters that never appear in a text export; a few are tolerated (a stray \x1a EOF
# marker from old tools), more mean the bytes are binary.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ReadError(Exception):
    """The bytes cannot be read as a table; `code` names the issue, `params` fill its message."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Column:
    """One column of a table, dictionary-encoded: row i holds `values[index[i]]`.

    Every check works on the distinct values (a national table repeats each unit name 21
    times and has a few thousand distinct counts) and gathers the result per row with numpy.
    """

    values: list  # distinct cells: str, or what a workbook cell holds (float, int, date …), None
    index: np.ndarray  # int64, one per row

    def __getitem__(self, row: int):
        return self.values[self.index[row]]

    def of(self, test, dtype=bool) -> np.ndarray:
        """`test` of each distinct value, gathered per row."""
        return np.fromiter(map(test, self.values), dtype=dtype, count=len(self.values))[self.index]


@dataclass
class Grid:
    """A decoded table: every row of the sheet or CSV (blank ones too) as columns."""

    format: str
    numbers: np.ndarray  # int64: each row's 1-based number as the spreadsheet shows it
    columns: list[Column]
    sheet: str | None = None
    first_column: int = 0
    encoding: str | None = None
    delimiter: str | None = None
    # The scope the file says it is about (the portal's JSON names it in `overview`).
    scope_name: str | None = None
    scope_code: str | None = None

    def __len__(self) -> int:
        return len(self.numbers)

    def row(self, position: int) -> list:
        """The cells of one row (by position, not number), for the few rows that need them."""
        return [c.values[c.index[position]] for c in self.columns]


def read_grid(data: bytes, *, filename: str, sheet: str | None = None) -> Grid:
    """Sniff what `data` is and decode it once into a Grid; raise ReadError if it is not a
    readable table or is out of bounds.

    1. Empty bytes, or only a BOM and whitespace: "empty_file".
    2. OLE2 (legacy .xls or an encrypted workbook): "password_protected" when it holds an
       EncryptedPackage stream, else read with calamine (in a sandboxed process).
    3. ZIP (.xlsx, .ods): read with calamine; a ZIP that is not a workbook is "not_spreadsheet".
    4. Known non-table signatures (PDF, images, archives, HTML): "not_spreadsheet".
    5. Anything else is text: decode (BOM, strict UTF-8, else Windows-1258), normalise to NFC,
       sniff the delimiter and split it into columns (`_csv_grid`).
    Rows are taken up to MAX_ROWS and MAX_CELLS; one more is "too_many_rows"/"_cells".
    `filename` is only used for hints; the content decides the format.
    """
    del filename  # the content decides; the name is not trusted
    if len(data) > MAX_FILE_BYTES:
        raise ReadError("upload_too_large", limit=MAX_FILE_BYTES // 1024**2)
    head = data[:8]
    if head.startswith(OLE2_MAGIC):
        if ENCRYPTED_PACKAGE in data:
            raise ReadError("password_protected")
        _check_ole2(data)
        return _read_workbook(data, sheet=sheet, default_format="xls")
    if head.startswith(ZIP_MAGIC):
        return _read_workbook(data, sheet=sheet, default_format=_check_zip(data))
    return _csv_grid(data)


def grid_from_rows(rows: Iterable[tuple[int, list]], *, format: str, **meta) -> Grid:  # noqa: A002
    """A Grid of numbered rows of cells, within the bounds: how a decoder of its own (a
    workbook, a JSON response) hands its table to the pipeline."""
    numbers: list[int] = []
    kept: list[list] = []
    cells = 0
    sheet = meta.get("sheet")
    for number, row in rows:
        cells += len(row)
        if len(kept) >= MAX_ROWS:
            raise ReadError("too_many_rows", limit=MAX_ROWS, sheet=sheet)
        if cells > MAX_CELLS:
            raise ReadError("too_many_cells", limit=MAX_CELLS, sheet=sheet)
        numbers.append(number)
        kept.append(row)
    width = max(map(len, kept), default=0)
    if any(len(row) != width for row in kept):
        kept = [row if len(row) == width else [*row, *[None] * (width - len(row))] for row in kept]
    columns = [_encode(column) for column in zip(*kept, strict=True)] if kept else []
    return Grid(format=format, numbers=np.asarray(numbers, dtype=np.int64), columns=columns, **meta)


def _csv_grid(data: bytes) -> Grid:
    """Decode CSV bytes and split them into columns, records numbered as Excel shows them."""
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            raise ReadError("not_spreadsheet", kind=kind)
    text, encoding = decode_text(data)
    if not text.strip():
        raise ReadError("empty_file")
    if text.lstrip()[:16].lower().startswith(_MARKUP_PREFIXES):
        raise ReadError("not_spreadsheet", kind="markup")
    first_line, _newline, rest = text.partition("\n")
    hint = first_line.rstrip("\r")
    if hint[:4].lower() == "sep=" and len(hint) == 5 and hint[4] in ";,\t|":
        # Excel's "sep=;" hint line: it names the delimiter and is not shown as a row.
        delimiter, text = hint[4], rest
        width = _modal_width(text, delimiter)[1] if text.strip() else 1
    else:
        delimiter, width = sniff_delimiter(text)
    # Counted before anything is split: there are at least as many lines as records.
    if '"' not in text and text.count("\n", 0, len(text) - 1) >= MAX_ROWS:
        raise ReadError("too_many_rows", limit=MAX_ROWS, sheet=None)
    numbers, columns = _split_csv(text, delimiter, max(width, 1))
    return Grid("csv", numbers, columns, encoding=encoding, delimiter=delimiter)


def _split_csv(text: str, delimiter: str, width: int) -> tuple[np.ndarray, list[Column]]:
    """Split CSV text into dictionary-encoded columns with Arrow's CSV reader.

    Arrow reads rows of one field count, the table's (`width`); the other records (a title
    above the table, a note below it, a ragged row) are handed aside with their numbers and
    split by the csv module. Records, not lines, are rows: Excel shows a quoted multi-line
    cell as one row.
    """
    aside: list[tuple[int, str]] = []

    def put_aside(row) -> str:
        aside.append((row.number, row.text))
        return "skip" if len(aside) <= MAX_ROWS else "error"

    names = [str(j) for j in range(width)]
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=put_aside,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        if len(aside) > MAX_ROWS:
            raise ReadError("too_many_rows", limit=MAX_ROWS, sheet=None) from None
        raise ReadError("corrupt_file", detail=_short(exc)) from exc
    total = table.num_rows + len(aside)
    if total > MAX_ROWS:
        raise ReadError("too_many_rows", limit=MAX_ROWS, sheet=None)
    odd = {
        number - 1: next(csv.reader(io.StringIO(line, newline=""), delimiter=delimiter), [])
        for number, line in aside
    }
    if table.num_rows * width + sum(map(len, odd.values())) > MAX_CELLS:
        raise ReadError("too_many_cells", limit=MAX_CELLS, sheet=None)
    kept = np.ones(total, dtype=bool)
    kept[list(odd)] = False
    columns = []
    for j in range(max([width, *map(len, odd.values())])):
        if j < width:
            encoded = table.column(j).combine_chunks().dictionary_encode()
            values = encoded.dictionary.to_pylist()
            index = np.empty(total, dtype=np.int64)
            index[kept] = encoded.indices.to_numpy()
        else:  # a column only some odd records reach: None on every row of the table
            values, index = [None], np.zeros(total, dtype=np.int64)
        if odd:
            positions = {value: i for i, value in enumerate(values)}
            for row, cells in odd.items():
                cell = cells[j] if j < len(cells) else None  # past the row's end: None
                index[row] = positions.setdefault(cell, len(positions))
            values = list(positions)
        columns.append(Column(values=values, index=index))
    return np.arange(1, total + 1, dtype=np.int64), columns


def _encode(cells: tuple) -> Column:
    # Workbook cells: 1, 1.0 and True are equal keys in a dict, but not the same cell.
    keys = [c if type(c) is str else (type(c), c) for c in cells]
    positions: dict = {}
    values = []
    for key, cell in zip(keys, cells, strict=True):
        if key not in positions:
            positions[key] = len(values)
            values.append(cell)
    index = np.fromiter(map(positions.__getitem__, keys), dtype=np.int64, count=len(keys))
    return Column(values=values, index=index)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes as Excel writes them and return (NFC text, encoding name).

    BOM first (UTF-8, UTF-16 LE/BE); then UTF-16 without BOM if every other byte is NUL; then
    strict UTF-8; else Windows-1258, whose Vietnamese text often carries combining tone marks,
    hence the NFC normalisation. Raise ReadError("not_spreadsheet") for binary data.
    """
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
    controls = len(_CONTROL.findall(sample))
    return controls > max(2, len(sample) // 200)


def sniff_delimiter(text: str) -> tuple[str, int]:
    """Pick `;`, tab or `,`: the one that splits the most records into the same field count;
    return it with that count (the table's width).

    Title and note rows above or below the table have one field whatever the delimiter, and
    decimal commas inside `;`-separated rows give ragged field counts under `,`, so the
    delimiter whose modal field count (above one) covers the most records wins.
    """
    best, best_score = DELIMITERS[0], (0, 1)
    for delimiter in DELIMITERS:
        score = _modal_width(text, delimiter)
        if score > best_score:
            best, best_score = delimiter, score
    return best, best_score[1]


def _modal_width(text: str, delimiter: str) -> tuple[int, int]:
    """(records, field count) of the commonest field count above one in the first records."""
    records = csv.reader(io.StringIO(text[:TEXT_SAMPLE], newline=""), delimiter=delimiter)
    try:
        counts = Counter(len(r) for r in islice(records, SNIFF_RECORDS) if len(r) > 1)
    except csv.Error:
        return (0, 1)
    width, hits = max(counts.items(), key=lambda item: (item[1], item[0]), default=(1, 0))
    return (hits, width)


def _read_workbook(data: bytes, *, sheet: str | None, default_format: str) -> Grid:
    if ISOLATE_WORKBOOKS:
        return _read_workbook_isolated(data, sheet=sheet, default_format=default_format)
    return _read_workbook_here(data, sheet=sheet, default_format=default_format)


def _check_zip(data: bytes) -> str:
    """Return "xlsx" or "ods" for a workbook ZIP within the bounds; raise ReadError otherwise.

    The bounds are checked before anything is inflated in full: the declared sizes and
    ratios of the parts, then each sheet's rows counted while it streams through (a part
    that lies about its size inflates no further than it declared).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            names = {part.filename for part in parts}
            if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                fmt = "xlsx"
            elif "content.xml" in names and b"opendocument.spreadsheet" in data[:200]:
                fmt = "ods"
            else:
                raise ReadError("not_spreadsheet", kind="zip")
            if sum(part.file_size for part in parts) > MAX_UNCOMPRESSED:
                raise ReadError("file_too_large", limit=MAX_UNCOMPRESSED // 1024**2)
            for part in parts:
                if part.file_size > 1024**2 and part.file_size > MAX_RATIO * part.compress_size:
                    raise ReadError("zip_bomb", ratio=part.file_size // max(part.compress_size, 1))
            sheets = _sheet_parts(archive, names) if fmt == "xlsx" else {"content.xml": None}
            for part, sheet in sheets.items():
                if part in names and _count_rows(archive, part, fmt) > MAX_ROWS:
                    raise ReadError("too_many_rows", limit=MAX_ROWS, sheet=sheet)
    except ReadError:
        raise
    except Exception as exc:  # zipfile raises several types on damaged archives
        if b"xl/workbook" in data or b"content.xml" in data:
            raise ReadError("corrupt_file", detail=_short(exc)) from exc
        raise ReadError("not_spreadsheet", kind="zip") from exc
    return fmt


_ROW_TAGS = {
    "xlsx": re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]"),
    "ods": re.compile(rb"<table:table-row[\s>/]"),
}


def _count_rows(archive: zipfile.ZipFile, part: str, fmt: str) -> int:
    """Count the row elements of a sheet part as it inflates; stop once past MAX_ROWS."""
    pattern, rows, carry = _ROW_TAGS[fmt], 0, b""
    with archive.open(part) as stream:
        while rows <= MAX_ROWS:
            chunk = stream.read(1 << 20)
            buffer = carry + chunk
            # A tag cut by the chunk's end is counted with the next chunk.
            cut = len(buffer) if not chunk else max(len(buffer) - 64, 0)
            rows += sum(1 for m in pattern.finditer(buffer) if m.start() < cut)
            carry = buffer[cut:]
            if not chunk:
                break
    return rows


def _sheet_parts(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str | None]:
    """Each worksheet part of an .xlsx and, where the workbook says it, its sheet's name."""
    found: dict[str, str | None] = {
        n: None for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")
    }
    try:
        book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return found
    targets = {}
    for rel in re.finditer(r"<Relationship\b[^>]*>", rels):
        rid = re.search(r'\bId="([^"]+)"', rel.group(0))
        target = re.search(r'\bTarget="([^"]+)"', rel.group(0))
        if rid and target:
            path = target.group(1).lstrip("/")
            targets[rid.group(1)] = path if path.startswith("xl/") else "xl/" + path
    for sheet in re.finditer(r"<sheet\b[^>]*>", book):
        name = re.search(r'\bname="([^"]*)"', sheet.group(0))
        rid = re.search(r'\br:id="([^"]+)"', sheet.group(0))
        if name and rid and targets.get(rid.group(1)) in found:
            found[targets[rid.group(1)]] = html.unescape(name.group(1))
    return found


def _check_ole2(data: bytes) -> None:
    """Reject OLE2 files whose header cannot be right, before calamine reads them."""
    if len(data) < 1024 or data[0x1C:0x1E] != b"\xfe\xff":
        raise ReadError("corrupt_file", detail="invalid OLE2 header")
    shift = int.from_bytes(data[0x1E:0x20], "little")
    if shift not in (9, 12):
        raise ReadError("corrupt_file", detail="invalid OLE2 sector size")
    sectors = (len(data) - 512) // (1 << shift) + 1
    fat_sectors = int.from_bytes(data[0x2C:0x30], "little")
    directory = int.from_bytes(data[0x30:0x34], "little")
    if fat_sectors == 0 or fat_sectors > sectors or directory >= sectors:
        raise ReadError("corrupt_file", detail="invalid OLE2 allocation table")


def _read_workbook_isolated(data: bytes, *, sheet: str | None, default_format: str) -> Grid:
    """Read the workbook in a child process (`python -m ingest.readers`) and take its Grid."""
    path = [str(_PROJECT_ROOT), *(p for p in sys.path if p)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    # The bounds go with the request: they are this process's (a test may lower them).
    request = pickle.dumps((data, sheet, default_format, MAX_ROWS, MAX_CELLS))
    try:
        done = subprocess.run(  # noqa: S603 (our own interpreter and module, no shell)
            [sys.executable, "-m", "ingest.readers"],
            input=request,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=_PROJECT_ROOT,
            env=env,
            check=False,
        )
    except OSError:  # cannot start a process here: read in this one
        return _read_workbook_here(data, sheet=sheet, default_format=default_format)
    try:
        kind, payload = pickle.loads(done.stdout)  # noqa: S301 (written by our own child)
    except Exception:  # a child that died wrote nothing, or half a message
        raise ReadError("corrupt_file", detail=_child_failure(done.returncode)) from None
    if kind == "error":
        code, params = payload
        raise ReadError(code, **params)
    return payload


def _child_failure(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        return f"the reader stopped on signal {-returncode}: the file is damaged or too large"
    return "the reader stopped: the file is damaged or too large"


def _child_main() -> None:
    """Entry point of the reader process: a request on stdin, its Grid (or the ReadError that
    refuses it) pickled on stdout."""
    global MAX_ROWS, MAX_CELLS  # noqa: PLW0603 (this process reads one request, then ends)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (WORKBOOK_MEMORY_LIMIT, WORKBOOK_MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_CPU, (WORKBOOK_CPU_SECONDS, WORKBOOK_CPU_SECONDS))
    except (ImportError, ValueError, OSError):
        pass  # no limits on this platform; the read still happens out of the parent
    request = sys.stdin.buffer.read()
    data, sheet, default_format, MAX_ROWS, MAX_CELLS = pickle.loads(request)  # noqa: S301
    try:
        answer = ("grid", _read_workbook_here(data, sheet=sheet, default_format=default_format))
    except ReadError as exc:
        answer = ("error", (exc.code, exc.params))
    pickle.dump(answer, sys.stdout.buffer)
    sys.stdout.buffer.flush()


def _read_workbook_here(data: bytes, *, sheet: str | None, default_format: str) -> Grid:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError as exc:
        raise ReadError("password_protected") from exc
    except BaseException as exc:  # calamine may raise a Rust panic (a BaseException)
        _reraise_fatal(exc)
        raise ReadError("corrupt_file", detail=_short(exc)) from exc
    try:
        metadata = list(workbook.sheets_metadata)
        names = [m.name for m in metadata]
    except BaseException as exc:
        _reraise_fatal(exc)
        raise ReadError("corrupt_file", detail=_short(exc)) from exc
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
    rows = _sheet_rows(calamine_sheet, name)
    return grid_from_rows(rows, format=default_format, sheet=name, first_column=start[1])


def _sheet_rows(sheet, name: str) -> Iterator[tuple[int, list]]:
    # python-calamine's iter_rows yields blank rows above the used range, so the index is the
    # absolute row; cells start at the used range's first column (Grid.first_column).
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


def _reraise_fatal(exc: BaseException) -> None:
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError):
        raise exc


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text[:200]


if __name__ == "__main__":
    # Run as the importable module, so the Grid it pickles is ingest.readers.Grid.
    from ingest.readers import _child_main as main

    main()

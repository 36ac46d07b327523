"""Parse weekly 766 exports into plain rows and user-facing issues.

Two kinds of table (DOMAIN.md §6), as CSV (any encoding Excel writes) or a workbook sheet:
- the group table, one row per unit: STT/Hạng, Mã đơn vị, Đơn vị, the six group columns (or
  five, with "Cung cấp dịch vụ trực tuyến"), Tổng điểm, Xếp loại;
- the indicator table, one row per unit × indicator: unit code/name, Chỉ tiêu, Tử số, Mẫu số,
  optionally Điểm cổng.

Pure: no ORM, no database. `parse_table` never raises for bad input; every problem becomes an
`Issue` that names the file, sheet, row, column, the bad value and the fix.

Number rule: in score columns (groups, total, portal points) a comma is the decimal mark
("92,05" = "92.05"). In count columns (numerator, denominator) a single "." or "," followed by
exactly three digits groups thousands: "5.105" = "5,105" = 5105 (counts are whole numbers, so
three decimals never occur there); any other single separator is a decimal mark. When both
marks appear, the last one is the decimal mark ("1.234,5" = 1234.5).
"""

from __future__ import annotations

import gc
import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from itertools import chain
from typing import Literal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ingest.readers import ReadError, SheetRows, open_table
from units.text import fold as fold_unit_name

logger = logging.getLogger(__name__)

Kind = Literal["group", "indicator"]
Severity = Literal["error", "warning"]

GROUP_CODES = ("CKMB", "TDGQ", "DVCTT", "TTTT", "SHHS", "MDHL")
FIVE_GROUP_CODES = ("CKMB", "TDGQ", "CCDVTT", "SHHS", "MDHL")
SPLIT_GROUP_CODES = ("DVCTT", "TTTT")  # the two blocks the five-group "CCDVTT" is made of
D = Decimal
DEFAULT_GROUP_MAX: dict[str, Decimal] = {
    "CKMB": D(18),
    "TDGQ": D(20),
    "DVCTT": D(12),
    "TTTT": D(10),
    "SHHS": D(22),
    "MDHL": D(18),
    "CCDVTT": D(22),
}
DEFAULT_TOTAL_MAX = D(100)
TOTAL_TOLERANCE = D("0.02")  # published totals are rounded to 2 dp (DOMAIN §2)
# Framework "766-2022" (DOMAIN §3). The caller passes the framework's own list when it differs.
DEFAULT_INDICATORS = (
    "1.1", "1.2", "1.3", "1.4", "2.1", "3.1", "3.2", "3.3", "3.5a", "3.5b", "3.6",
    "4.1", "4.2", "4.3", "4.4", "4.5a", "4.5b", "4.6", "5.2", "5.3", "5.4",
)  # fmt: skip
BANDS = ("Xuất sắc", "Tốt", "Khá", "Trung bình", "Yếu")
HEADER_SCAN_ROWS = 15  # non-blank rows searched for the header row
HEADER_SCAN_LIMIT = 200  # rows read at most while searching (blank ones included)
MAX_ISSUES = 500  # per severity; more are summarised by one "too_many_issues"


class IssueCode(StrEnum):
    """Stable codes of everything the parser reports; tests and services match on these."""

    EMPTY_FILE = "empty_file"
    NOT_SPREADSHEET = "not_spreadsheet"
    PASSWORD_PROTECTED = "password_protected"  # noqa: S105 (an issue code, not a secret)
    CORRUPT_FILE = "corrupt_file"
    FILE_TOO_LARGE = "file_too_large"
    SHEET_NOT_FOUND = "sheet_not_found"
    HEADER_NOT_FOUND = "header_not_found"
    MISSING_COLUMN = "missing_column"
    MISSING_GROUP_COLUMNS = "missing_group_columns"
    MIXED_GROUP_COLUMNS = "mixed_group_columns"
    DUPLICATE_COLUMN = "duplicate_column"
    GROUP_COLUMN_MISSING = "group_column_missing"  # warning
    COLUMN_IGNORED = "column_ignored"  # warning
    NO_DATA_ROWS = "no_data_rows"
    TOO_MANY_ISSUES = "too_many_issues"
    NOT_A_NUMBER = "not_a_number"
    NEGATIVE_VALUE = "negative_value"
    ABOVE_MAX = "above_max"
    MISSING_UNIT = "missing_unit"
    NO_VALUES = "no_values"
    GROUP_BLANK = "group_blank"  # warning
    TOTAL_MISMATCH = "total_mismatch"  # warning
    UNKNOWN_BAND = "unknown_band"  # warning
    DUPLICATE_UNIT = "duplicate_unit"
    UNKNOWN_INDICATOR = "unknown_indicator"
    MISSING_INDICATOR = "missing_indicator"
    NUMERATOR_EXCEEDS_DENOMINATOR = "numerator_exceeds_denominator"
    MISSING_NUMERATOR = "missing_numerator"
    MISSING_DENOMINATOR = "missing_denominator"
    INDICATOR_NO_DATA = "indicator_no_data"  # warning
    DUPLICATE_INDICATOR = "duplicate_indicator"
    NOTE_ROW_SKIPPED = "note_row_skipped"  # warning
    SUMMARY_ROW_SKIPPED = "summary_row_skipped"  # warning
    INTERNAL_ERROR = "internal_error"


# ---------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True, slots=True)
class CellRef:
    """Where a problem is, as the user sees it in Excel: 1-based row, header text, letter."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None  # the header text as found in the file
    letter: str | None = None  # the spreadsheet column letter, "D"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem: a stable code, a translated message and fix, and where it is."""

    code: str
    message: str
    ref: CellRef | None
    value: str | None
    fix: str
    severity: Severity

    def __str__(self) -> str:
        return f"{self.message} {self.fix}"


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One unit of a group table. A group without a value is None ("no data"), never zero."""

    ref_row: int
    unit_code: str | None
    unit_name: str | None
    groups: dict[str, Decimal | None]  # GROUP_CODES, or FIVE_GROUP_CODES for the five-group view
    official_total: Decimal | None
    official_band: str | None  # one of BANDS when recognised, else the text as found
    stt: int | None  # "STT", else "Hạng"
    official_rank: int | None = None  # "Hạng" when the table has it


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One unit × indicator of an indicator table; counts as read, points left to scoring."""

    ref_row: int
    unit_code: str | None
    unit_name: str | None
    indicator_code: str  # canonical ("3.5a") when known, else the text as found
    numerator: Decimal | None
    denominator: Decimal | None
    portal_points: Decimal | None


@dataclass
class ParsedTable:
    """What a file holds: rows that could be read, plus every error and warning."""

    kind: Kind | None
    file: str
    sheet: str | None
    rows: list = field(default_factory=list)  # list[GroupRow] | list[IndicatorRow]
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # canonical key → header as found
    header_row: int | None = None
    layout: Literal["six", "five"] | None = None  # group tables: which group view
    source_format: str | None = None  # "csv" | "xlsx" | "xls" | "ods"
    encoding: str | None = None  # CSV only
    delimiter: str | None = None  # CSV only

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def issues(self) -> list[Issue]:
        return [*self.errors, *self.warnings]


# ---------------------------------------------------------------------------------------------
# Text folding


_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_POINTS_SUFFIX = re.compile(r"(?:\s+(?:toi da|max))?\s+\d+(?:\s*(?:diem|d))?$")


@lru_cache(maxsize=16384)
def _fold(text: str) -> str:
    """Lowercase, strip diacritics (đ → d) and punctuation, collapse spaces."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_NON_ALNUM.sub(" ", bare.lower()).split())


# Duplicate detection folds names the way unit matching does (units.text.fold), so two rows
# that would match the same unit are caught here, before any database lookup.
_fold_name = lru_cache(maxsize=16384)(fold_unit_name)


def _fold_header(text: str) -> str:
    """Fold a header: "Công khai, minh bạch (18 điểm)" → "cong khai minh bach"."""
    text = _PARENTHESES.sub(" ", text)
    return _POINTS_SUFFIX.sub("", _fold(text))


# ---------------------------------------------------------------------------------------------
# Header aliases (folded). Keys: GROUP_CODES, "CCDVTT", and the names below.

_UNIT_ALIASES = {
    "unit_code": (
        "ma don vi", "ma dv", "madonvi", "ma", "ma co quan", "ma dinh danh", "ma dvhc",
        "ma don vi hanh chinh", "ma so", "unit code", "code", "ma dia ban",
    ),
    "unit_name": (
        "don vi", "ten don vi", "ten dv", "co quan", "ten co quan", "co quan don vi",
        "don vi co quan", "don vi hanh chinh", "ten don vi hanh chinh", "dia phuong",
        "ten dia phuong", "dia ban", "unit", "unit name", "ten",
    ),
    "stt": ("stt", "tt", "so tt", "so thu tu", "thu tu"),
}  # fmt: skip
_GROUP_ALIASES = {
    "rank": ("hang", "xep hang", "thu hang", "rank"),
    "CKMB": ("ckmb", "cong khai minh bach", "cong khai"),
    "TDGQ": ("tdgq", "tien do giai quyet", "tien do"),
    "DVCTT": ("dvctt", "clgq", "dich vu cong truc tuyen", "dvc truc tuyen", "dvctt clgq"),
    "TTTT": ("tttt", "thanh toan truc tuyen"),
    "SHHS": ("shhs", "mdsh", "so hoa ho so", "so hoa", "muc do so hoa"),
    "MDHL": ("mdhl", "muc do hai long", "hai long", "su hai long"),
    "CCDVTT": ("ccdvtt", "cung cap dich vu truc tuyen", "dich vu truc tuyen"),
    "total": (
        "tong diem", "tong", "tong cong", "diem", "tong so diem", "diem tong", "tong diem dat duoc",
        "diem dat duoc", "total", "diem 766",
    ),
    "band": ("xep loai", "loai", "phan loai", "muc xep loai", "xep loai chung", "band"),
}  # fmt: skip
_INDICATOR_ALIASES = {
    "indicator": (
        "chi tieu", "ma chi tieu", "chi so", "ma chi so", "chi so thanh phan", "tieu chi",
        "ma tieu chi", "indicator", "ma chi so thanh phan",
    ),
    "indicator_name": ("ten chi tieu", "ten chi so", "noi dung", "noi dung chi tieu"),
    "numerator": ("tu so", "numerator"),
    "denominator": ("mau so", "denominator"),
    "portal_points": (
        "diem cong", "diem", "diem tren cong", "diem cong dvc", "diem cong dvcqg", "diem portal",
        "portal points",
    ),
}  # fmt: skip
# Long group names may carry a tail ("Mức độ hài lòng của người dân, doanh nghiệp").
_GROUP_NAME_PREFIXES = tuple(
    (alias, key)
    for key in (*GROUP_CODES, "CCDVTT")
    for alias in _GROUP_ALIASES[key]
    if len(alias.split()) >= 3
)


def _alias_table(*tables: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {alias: key for table in tables for key, aliases in table.items() for alias in aliases}


_ALIASES: dict[str, dict[str, str]] = {
    "group": _alias_table(_UNIT_ALIASES, _GROUP_ALIASES),
    "indicator": _alias_table(_UNIT_ALIASES, _INDICATOR_ALIASES),
}
_SPECIFIC: dict[str, frozenset[str]] = {
    "group": frozenset({*GROUP_CODES, "CCDVTT", "total", "band", "rank"}),
    "indicator": frozenset({"indicator", "indicator_name", "numerator", "denominator"}),
}
_ENUMERATION = re.compile(r"^(?:\d+|[ivx]+|[a-e])\s+")
_LEADING_WORDS = ("diem ", "nhom chi so ", "nhom ")


@lru_cache(maxsize=4096)
def _header_key(text: str, kind: str) -> str | None:
    """Return the canonical key of a header cell for a table kind, or None."""
    folded = _fold_header(text)
    if not folded:
        return None
    aliases = _ALIASES[kind]
    candidates = [folded, _ENUMERATION.sub("", folded)]
    candidates += [c[len(w) :] for c in list(candidates) for w in _LEADING_WORDS if c.startswith(w)]
    for candidate in candidates:
        if candidate in aliases:
            return aliases[candidate]
    if kind == "group":
        for candidate in candidates:
            for alias, key in _GROUP_NAME_PREFIXES:
                if candidate.startswith(alias + " "):
                    return key
    return None


# ---------------------------------------------------------------------------------------------
# Cells and numbers


class _BadNumber(ValueError):
    def __init__(self, is_date: bool = False) -> None:
        super().__init__()
        self.is_date = is_date


_NUMBER_CHARS = re.compile(r"[0-9.,]+")
_ONE_MARK = re.compile(r"([0-9]*)[.,]([0-9]+)")
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\t'")
_DATE_TYPES = (date, datetime, time, timedelta)


def _blank(value: object) -> bool:
    return value is None or (type(value) is str and (not value or value.isspace()))


def _row_blank(cells: list) -> bool:
    return all(_blank(c) for c in cells)


def _at(cells: list, index: int) -> object:
    return cells[index] if 0 <= index < len(cells) else None


def _text(value: object) -> str | None:
    """Cell as clean text (NFC, single spaces), None when blank."""
    if type(value) is str:
        return _clean_text(value)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _display(value)


@lru_cache(maxsize=32768)
def _clean_text(value: str) -> str | None:
    # Cached: an indicator table repeats each unit name on 21 rows.
    text = " ".join(value.split())
    if not text:
        return None
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def _display(value: object, limit: int = 80) -> str:
    """A cell as the user would recognise it in a message."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        value = round(value, 4)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _read_number(value: object, *, count: bool) -> Decimal | None:
    """Read a cell as a Decimal; None when blank; raise _BadNumber otherwise.

    Workbook floats are rounded to 4 dp to drop binary noise (19.200000000000003 → 19.2).
    """
    if type(value) is str:
        text = value.strip()
        if not text:
            return None
        if text.isdigit() and text.isascii():
            return Decimal(text)
        if match := _ONE_MARK.fullmatch(text):  # the common "19,2" / "5.105" shapes, fast
            whole, fraction = match.groups()
            if count and len(fraction) == 3 and 1 <= len(whole) <= 3 and whole[0] != "0":
                return Decimal(whole + fraction)
            return Decimal(f"{whole or 0}.{fraction}")
        return _read_number_text(text, count=count)
    if value is None:
        return None
    if isinstance(value, bool):
        raise _BadNumber()
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _BadNumber()
        value = round(value, 4)
        return Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    if isinstance(value, _DATE_TYPES):
        raise _BadNumber(is_date=True)
    raise _BadNumber()


def _read_number_text(text: str, *, count: bool) -> Decimal:
    text = text.translate(_SPACES)
    negative = text[:1] in ("-", "\u2212")
    if text[:1] in ("-", "+", "\u2212"):
        text = text[1:]
    if not text or not _NUMBER_CHARS.fullmatch(text):
        raise _BadNumber()
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        decimal_mark = "." if text.rfind(".") > text.rfind(",") else ","
        group_mark = "," if decimal_mark == "." else "."
        whole, _sep, fraction = text.rpartition(decimal_mark)
        if group_mark in fraction or decimal_mark in whole or not _grouped(whole, group_mark):
            raise _BadNumber()
        text = whole.replace(group_mark, "") + "." + fraction
    elif dots or commas:
        mark = "." if dots else ","
        parts = text.split(mark)
        if len(parts) > 2:
            if not _grouped(text, mark):
                raise _BadNumber()
            text = text.replace(mark, "")
        elif count and len(parts[1]) == 3 and _grouped(text, mark) and parts[0] != "0":
            text = parts[0] + parts[1]
        else:
            text = parts[0] + "." + parts[1]
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _BadNumber() from None
    if not number.is_finite():
        raise _BadNumber()
    return -number if negative else number


def _grouped(text: str, mark: str) -> bool:
    """True for thousands groups: "5.105", "1,234,567" (first group 1–3 digits, then 3s)."""
    parts = text.split(mark)
    return (
        1 <= len(parts[0]) <= 3
        and parts[0].isdigit()
        and all(len(p) == 3 and p.isdigit() for p in parts[1:])
    )


def _read_int(value: object) -> int | None:
    try:
        number = _read_number(value, count=True)
    except _BadNumber:
        return None
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


_INDICATOR_NOISE = re.compile(r"[\s_:\-]+")


@lru_cache(maxsize=1024)
def _indicator_key(text: str) -> str:
    """Canonical form of an indicator id cell: " 3,5A " → "3.5a", "Chỉ tiêu 1.1" → "1.1"."""
    bare = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    key = "".join(ch for ch in bare if not unicodedata.combining(ch)).lower().replace(",", ".")
    key = _INDICATOR_NOISE.sub("", key)
    for prefix in ("chitieu", "chiso", "tieuchi", "ct", "cs"):
        if key.startswith(prefix) and key[len(prefix) : len(prefix) + 1].isdigit():
            key = key[len(prefix) :]
            break
    return key.strip(".")


def _plain(number: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent form: 91.40 → 91.4, 92.00 → 92."""
    normal = number.normalize()
    return normal.quantize(D(1)) if normal.as_tuple().exponent > 0 else normal


def _fmt(number: Decimal) -> str:
    """A number in the active language's style: 91,4 in Vietnamese."""
    return number_format(_plain(number), use_l10n=True)


def _letter(index: int) -> str:
    """0-based column index → spreadsheet letter: 0 → A, 27 → AB."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# Rows that are not units: notes below the table, summary lines.
_NOTE_PREFIXES = (
    "ghi chu", "nguon", "chu thich", "luu y", "nguoi lap", "nguoi tong hop", "ngay xuat",
    "cap nhat", "du lieu", "note", "source",
)  # fmt: skip
_SUMMARY_LABELS = frozenset(
    {"tong", "tong cong", "cong", "trung binh", "trung binh chung", "binh quan", "toan tinh"}
)
_BAND_KEYS = {_fold(b): b for b in BANDS}


def _is_note(text: str) -> bool:
    stripped = text.lstrip()
    if stripped[:1] in ("*", "(", "-", "+", "•"):
        return True
    folded = _fold(text)
    return folded.startswith(_NOTE_PREFIXES)


# ---------------------------------------------------------------------------------------------
# Issue collection and messages


@dataclass(slots=True)
class _Column:
    key: str
    index: int  # position within the row's cells
    header: str
    letter: str


class _Issues:
    """Collects issues into a ParsedTable, capped per severity."""

    def __init__(self, table: ParsedTable, max_issues: int) -> None:
        self.table = table
        self.max_issues = max_issues
        self.dropped = {"error": 0, "warning": 0}

    def ref(self, row: int | None = None, column: _Column | None = None) -> CellRef:
        return CellRef(
            file=self.table.file,
            sheet=self.table.sheet,
            row=row,
            column=column.header if column else None,
            letter=column.letter if column else None,
        )

    def add(
        self,
        code: str,
        severity: Severity,
        ref: CellRef,
        message: str,
        fix: str,
        value: object = None,
        **params: object,
    ) -> None:
        target = self.table.errors if severity == "error" else self.table.warnings
        if len(target) >= self.max_issues:
            self.dropped[severity] += 1
            return
        shown = None if value is None else _display(value)
        params = {"where": _where(ref), "value": shown, **params}
        target.append(
            Issue(
                code=str(code),
                message=message % params,
                ref=ref,
                value=shown,
                fix=fix % params,
                severity=severity,
            )
        )

    def error(self, code, ref, message, fix, value=None, **params) -> None:
        self.add(code, "error", ref, message, fix, value, **params)

    def warn(self, code, ref, message, fix, value=None, **params) -> None:
        self.add(code, "warning", ref, message, fix, value, **params)

    def finish(self) -> None:
        for severity, target in (("error", self.table.errors), ("warning", self.table.warnings)):
            if self.dropped[severity]:
                target.append(
                    Issue(
                        code=IssueCode.TOO_MANY_ISSUES.value,
                        message=_("%(where)s: %(count)s more problems are not listed.")
                        % {"where": _where(self.ref()), "count": self.dropped[severity]},
                        ref=self.ref(),
                        value=None,
                        fix=_("Fix the problems listed, then upload the file again."),
                        severity=severity,
                    )
                )


def _where(ref: CellRef) -> str:
    parts = [ref.file]
    if ref.sheet:
        parts.append(_("sheet “%(sheet)s”") % {"sheet": ref.sheet})
    if ref.row:
        parts.append(_("row %(row)s") % {"row": ref.row})
    if ref.column is not None:
        if ref.letter:
            parts.append(
                _("column %(letter)s “%(column)s”") % {"letter": ref.letter, "column": ref.column}
            )
        else:
            parts.append(_("column “%(column)s”") % {"column": ref.column})
    return ", ".join(parts)


def _read_error(issues: _Issues, exc: ReadError) -> None:
    """Turn a reader failure into one file-level error."""
    p = exc.params
    ref = issues.ref(row=p.get("row"))  # type: ignore[arg-type]
    code = exc.code
    if code == IssueCode.EMPTY_FILE:
        issues.error(
            code,
            ref,
            _("%(where)s: the file is empty."),
            _("Export the table again and check it has a header row and one row per unit."),
        )
    elif code == IssueCode.PASSWORD_PROTECTED:
        issues.error(
            code,
            ref,
            _("%(where)s: the file is password-protected, so it cannot be read."),
            _(
                "Remove the password in Excel: File → Info → Protect Workbook → Encrypt with "
                "Password, clear the password, save, and upload the file again."
            ),
        )
    elif code == IssueCode.SHEET_NOT_FOUND:
        issues.error(
            code,
            ref,
            _("%(where)s: there is no sheet named “%(sheet)s”; the workbook has %(sheets)s."),
            _("Pick one of the sheets listed, or leave the sheet blank to read the first one."),
            value=p["sheet"],
            sheet=p["sheet"],
            sheets=", ".join(f"“{name}”" for name in p["sheets"]),  # type: ignore[union-attr]
        )
    elif code == IssueCode.FILE_TOO_LARGE:
        issues.error(
            code,
            ref,
            _("%(where)s: the workbook unpacks to more than %(limit)s MB."),
            _("Keep only the sheet with the table (delete other sheets, images) and save again."),
            limit=p.get("limit"),
        )
    elif code == IssueCode.CORRUPT_FILE:
        issues.error(
            code,
            ref,
            _("%(where)s: the file is damaged or in a format that cannot be read (%(detail)s)."),
            _("Open it in Excel or LibreOffice, save it again as .xlsx, and upload that file."),
            detail=p.get("detail", ""),
        )
    else:  # not_spreadsheet
        kinds = {
            "pdf": _("a PDF document"),
            "png": _("a PNG image"),
            "jpeg": _("a JPEG image"),
            "gif": _("a GIF image"),
            "archive": _("a compressed archive"),
            "zip": _("a ZIP archive that is not an Excel workbook"),
            "rtf": _("an RTF document"),
            "markup": _("a web page or XML file"),
        }
        kind = kinds.get(p.get("kind"))  # type: ignore[arg-type]
        if kind:
            message = _("%(where)s: this is not a spreadsheet: it looks like %(kind)s.")
        else:
            message = _("%(where)s: this is not a spreadsheet or a CSV text file.")
        issues.error(
            IssueCode.NOT_SPREADSHEET,
            ref,
            message,
            _(
                "Upload the table as an Excel workbook (.xlsx, .xls), an OpenDocument "
                "spreadsheet (.ods) or a CSV file; a table saved as a web page must be opened "
                "in Excel and saved as .xlsx first."
            ),
            kind=kind,
        )


# ---------------------------------------------------------------------------------------------
# Entry point


def parse_table(
    data: bytes,
    *,
    filename: str,
    sheet: str | None = None,
    kind: Kind | None = None,
    group_max: dict[str, Decimal] | None = None,
    total_max: Decimal = DEFAULT_TOTAL_MAX,
    total_tolerance: Decimal = TOTAL_TOLERANCE,
    known_indicators: Iterable[str] | None = None,
    indicator_max: Mapping[str, Decimal] | None = None,
    max_issues: int = MAX_ISSUES,
) -> ParsedTable:
    """Parse an uploaded group or indicator table; never raise for bad input.

    1. Open the bytes (readers.open_table): format, encoding, delimiter, sheet.
    2. Find the header row among the first rows and, unless `kind` is given, the table kind.
    3. Map columns to canonical keys; report missing, duplicate, mixed and ignored columns.
    4. Read every data row: skip blank and note rows, check numbers, maxima, duplicates.
    `group_max` overrides DEFAULT_GROUP_MAX (the framework's maxima); `known_indicators` the
    indicator ids (default DEFAULT_INDICATORS); `indicator_max` their maxima, which the portal
    points must not exceed (unchecked without it: some maxima are still open, DOMAIN §3, so
    there is no default but the framework's).
    """
    if kind not in (None, "group", "indicator"):
        raise ValueError(f"kind must be 'group', 'indicator' or None, not {kind!r}")
    table = ParsedTable(kind=kind, file=_basename(filename), sheet=None)
    issues = _Issues(table, max_issues)
    limits = {**DEFAULT_GROUP_MAX, **(group_max or {})}
    if group_max and "CCDVTT" not in group_max and {"DVCTT", "TTTT"} <= group_max.keys():
        limits["CCDVTT"] = group_max["DVCTT"] + group_max["TTTT"]
    indicators = tuple(known_indicators) if known_indicators is not None else DEFAULT_INDICATORS
    source = None
    try:
        source = open_table(bytes(data), filename=table.file, sheet=sheet)
        table.sheet = source.sheet
        table.source_format = source.format
        table.encoding = source.encoding
        table.delimiter = source.delimiter
        _parse_source(
            source,
            table,
            issues,
            limits,
            total_max,
            total_tolerance,
            indicators,
            dict(indicator_max or {}),
        )
    except ReadError as exc:
        _read_error(issues, exc)
    except Exception as exc:  # a parser bug must not take the upload pipeline down
        logger.exception("parse_table failed on %s", table.file)
        issues.error(
            IssueCode.INTERNAL_ERROR,
            issues.ref(),
            _("%(where)s: the file could not be processed because of an internal error."),
            _("Report this to the site administrators and attach the file."),
            value=type(exc).__name__,
        )
    finally:
        if source is not None:
            source.close()
    issues.finish()
    return table


def _basename(filename: str) -> str:
    return re.split(r"[\\/]", filename or "")[-1] or "upload"


def _parse_source(
    source: SheetRows,
    table: ParsedTable,
    issues: _Issues,
    limits: dict[str, Decimal],
    total_max: Decimal,
    total_tolerance: Decimal,
    indicators: tuple[str, ...],
    indicator_max: dict[str, Decimal],
) -> None:
    head: list[tuple[int, list]] = []
    seen = 0
    for number, cells in source.rows:
        head.append((number, cells))
        if not _row_blank(cells):
            seen += 1
            if seen >= HEADER_SCAN_ROWS:
                break
        if len(head) >= HEADER_SCAN_LIMIT:
            break
    if seen == 0:
        issues.error(
            IssueCode.EMPTY_FILE,
            issues.ref(),
            _("%(where)s: the file is empty."),
            _("Export the table again and check it has a header row and one row per unit."),
        )
        return
    found = _find_header(head, table.kind, source.first_column)
    if found is None:
        issues.error(
            IssueCode.HEADER_NOT_FOUND,
            issues.ref(),
            _("%(where)s: no header row found in the first %(count)s rows."),
            _(
                "Put a header row above the data: “Đơn vị” and the group columns (e.g. "
                "“Công khai, minh bạch (18 điểm)” or CKMB, TDGQ, DVCTT, TTTT, SHHS, MDHL) for a "
                "group table; “Đơn vị”, “Chỉ tiêu”, “Tử số”, “Mẫu số” for an indicator table."
            ),
            count=HEADER_SCAN_ROWS,
        )
        return
    kind, position, columns, ignored, duplicates = found
    table.kind = kind
    header_row = head[position][0]
    table.header_row = header_row
    table.columns = {c.key: c.header for c in columns.values()}
    for column in ignored:
        issues.warn(
            IssueCode.COLUMN_IGNORED,
            issues.ref(header_row, column),
            _("%(where)s: this column is not recognised and is ignored."),
            _("Nothing to do if the column is not needed; otherwise rename it."),
        )
    for first, second in duplicates:
        issues.error(
            IssueCode.DUPLICATE_COLUMN,
            issues.ref(header_row, second),
            _("%(where)s: this column holds the same data as column %(first)s “%(header)s”."),
            _("Delete or rename one of the two columns."),
            first=first.letter,
            header=first.header,
        )
    rows = chain(head[position + 1 :], source.rows)
    if kind == "group":
        if not _check_group_columns(columns, table, issues, header_row):
            return
        parsed = _GroupParser(table, issues, columns, limits, total_max, total_tolerance)
    else:
        if not _check_indicator_columns(columns, issues, header_row):
            return
        parsed = _IndicatorParser(table, issues, columns, indicators, indicator_max)
    with gc_paused():
        parsed.run(rows)
    if parsed.unit_rows == 0:
        issues.error(
            IssueCode.NO_DATA_ROWS,
            issues.ref(header_row),
            _("%(where)s: the table has a header row but no unit rows."),
            _("Add one row per unit below the header row."),
        )


def _find_header(
    head: list[tuple[int, list]], forced: Kind | None, first_column: int
) -> tuple[Kind, int, dict[str, _Column], list[_Column], list[tuple[_Column, _Column]]] | None:
    """Pick the header row (most recognised headers, earliest on a tie) and the table kind.

    Without a forced kind, a row counts for the kind it has more kind-specific headers of
    (group columns, total, band vs indicator id, numerator, denominator); a row with only
    shared headers ("STT", "Đơn vị") cannot decide the kind and is passed over.
    Returns (kind, position of the last header row, columns, ignored, duplicates).
    """
    kinds: tuple[Kind, ...] = (forced,) if forced else ("group", "indicator")
    best: tuple[int, int, Kind] | None = None  # (score, position, kind)
    for position, (_number, cells) in enumerate(head):
        if _row_blank(cells):
            continue
        ranked = []
        for kind in kinds:
            keys = [_header_key(c, kind) if type(c) is str else None for c in cells]
            score = sum(1 for k in keys if k)
            specific = len({k for k in keys if k in _SPECIFIC[kind]})
            if score and (forced or specific):
                ranked.append((specific, score, kind))
        if not ranked:
            continue
        _specific, score, kind = max(ranked, key=lambda r: (r[0], r[1]))
        if best is None or score > best[0]:
            best = (score, position, kind)
    if best is None:
        return None
    _score, position, kind = best
    cells = head[position][1]
    # A two-row header (merged cells above or around sub-headers): take the labels of an
    # adjacent label-only row where the header row is blank, and "DVCTT" | "TTTT" under a
    # merged "Cung cấp dịch vụ trực tuyến".
    fill: dict[int, tuple[str, int]] = {}
    for neighbour in (position - 1, position + 1):
        if 0 <= neighbour < len(head) and _is_header_like(head[neighbour][1], kind):
            for index, cell in enumerate(head[neighbour][1]):
                if type(cell) is str and _header_key(cell, kind) and index not in fill:
                    fill[index] = (cell, neighbour)
    columns: dict[str, _Column] = {}
    ignored: list[_Column] = []
    duplicates: list[tuple[_Column, _Column]] = []
    last_header_row = position
    for index in range(max(len(cells), max(fill, default=-1) + 1)):
        text = _text(cells[index]) if index < len(cells) else None
        key = _header_key(text, kind) if text else None
        if index in fill:
            other, neighbour = fill[index]
            other_key = _header_key(other, kind)
            if key is None or (key == "CCDVTT" and other_key in SPLIT_GROUP_CODES):
                text, key = _text(other), other_key
                last_header_row = max(last_header_row, neighbour)
        if not text:
            continue
        column = _Column(key or "", index, text, _letter(first_column + index))
        if key is None:
            ignored.append(column)
        elif key in columns:
            duplicates.append((columns[key], column))
        else:
            columns[key] = column
    return kind, last_header_row, columns, ignored, duplicates


def _is_header_like(cells: list, kind: str) -> bool:
    """A row of labels only, at least one of them a known header."""
    recognised = False
    for cell in cells:
        if _blank(cell):
            continue
        if type(cell) is not str:
            return False
        try:
            _read_number(cell, count=True)
            return False
        except _BadNumber:
            pass
        recognised = recognised or _header_key(cell, kind) is not None
    return recognised


def _check_group_columns(
    columns: dict[str, _Column], table: ParsedTable, issues: _Issues, header_row: int
) -> bool:
    """Report structural problems of a group table; False when rows cannot be read."""
    ok = True
    header = issues.ref(header_row)
    if "unit_name" not in columns and "unit_code" not in columns:
        issues.error(
            IssueCode.MISSING_COLUMN,
            header,
            _("%(where)s: the required column “%(column)s” is missing."),
            _("Add a column headed “Đơn vị” (unit name) or “Mã đơn vị” (unit code)."),
            column="Đơn vị / Mã đơn vị",
        )
        ok = False
    six = [c for c in GROUP_CODES if c in columns]
    five = "CCDVTT" in columns
    if not six and not five:
        issues.error(
            IssueCode.MISSING_GROUP_COLUMNS,
            header,
            _("%(where)s: no group columns found."),
            _(
                "Head the group columns with their names, e.g. “Công khai, minh bạch (18 điểm)”, "
                "or with the codes CKMB, TDGQ, DVCTT (CLGQ), TTTT, SHHS (MDSH), MDHL."
            ),
        )
        return False
    split = [c for c in SPLIT_GROUP_CODES if c in columns]
    if five and split:
        issues.error(
            IssueCode.MIXED_GROUP_COLUMNS,
            issues.ref(header_row, columns["CCDVTT"]),
            _("%(where)s: the five-group column is mixed with the six-group column(s) %(six)s."),
            _(
                "Use either “Cung cấp dịch vụ trực tuyến” (22 points) or the two columns "
                "“Dịch vụ công trực tuyến” (12) and “Thanh toán trực tuyến” (10), not both."
            ),
            six=", ".join(f"{columns[c].letter} “{columns[c].header}”" for c in split),
        )
        return False
    table.layout = "five" if five else "six"
    expected = FIVE_GROUP_CODES if five else GROUP_CODES
    missing = [c for c in expected if c not in columns]
    if missing:
        issues.warn(
            IssueCode.GROUP_COLUMN_MISSING,
            header,
            _("%(where)s: there is no column for %(groups)s; those groups will have no data."),
            _("Add the missing group columns if the portal shows them; otherwise nothing to do."),
            groups=", ".join(missing),
        )
    return ok


def _check_indicator_columns(columns: dict[str, _Column], issues: _Issues, header_row: int) -> bool:
    header = issues.ref(header_row)
    required = [
        (
            "unit" if "unit_name" not in columns and "unit_code" not in columns else None,
            "Đơn vị / Mã đơn vị",
            _("Add a column headed “Đơn vị” (unit name) or “Mã đơn vị” (unit code)."),
        ),
        (
            "indicator" if "indicator" not in columns else None,
            "Chỉ tiêu",
            _("Add a column headed “Chỉ tiêu” with the indicator id (1.1 … 5.4)."),
        ),
        (
            "numerator" if "numerator" not in columns else None,
            "Tử số",
            _("Add a column headed “Tử số” (numerator)."),
        ),
        (
            "denominator" if "denominator" not in columns else None,
            "Mẫu số",
            _("Add a column headed “Mẫu số” (denominator)."),
        ),
    ]
    ok = True
    for missing, label, fix in required:
        if missing:
            issues.error(
                IssueCode.MISSING_COLUMN,
                header,
                _("%(where)s: the required column “%(column)s” is missing."),
                fix,
                column=label,
            )
            ok = False
    return ok


# ---------------------------------------------------------------------------------------------
# Row parsers


class _RowParser:
    """What both table kinds share: unit cells, note rows, numbers, duplicates."""

    value_keys: tuple[str, ...] = ()

    def __init__(self, table: ParsedTable, issues: _Issues, columns: dict[str, _Column]) -> None:
        self.table = table
        self.issues = issues
        self.columns = columns
        self.unit_rows = 0
        self.name_col = columns.get("unit_name")
        self.code_col = columns.get("unit_code")
        self.stt_col = columns.get("stt")
        self.name_index = self.name_col.index if self.name_col else -1
        self.code_index = self.code_col.index if self.code_col else -1
        self.value_idx = [columns[k].index for k in self.value_keys if k in columns]

    def run(self, rows: Iterator[tuple[int, list]]) -> None:
        for number, cells in rows:
            # The first cell is nearly always filled: skip the full blank check then.
            if (cells and not _blank(cells[0])) or not _row_blank(cells):
                self.row(number, cells)

    def unit(self, cells: list) -> tuple[str | None, str | None]:
        n = len(cells)
        name_i, code_i = self.name_index, self.code_index
        name = _text(cells[name_i]) if 0 <= name_i < n else None
        code = _text(cells[code_i]) if 0 <= code_i < n else None
        return name, code

    def skip_without_values(
        self, number: int, cells: list, name: str | None, code: str | None
    ) -> bool:
        """Handle a row with no numbers: True when it is skipped as a note or heading."""
        if name or code:
            label = name or code or ""
            if _is_note(label):
                return True
            has_stt = self.stt_col is not None and not _blank(_at(cells, self.stt_col.index))
            if code or has_stt or (name and _fold_name(name) != _fold(name)):
                return False  # a numbered or coded unit, or one with an admin prefix: not a note
        else:
            filled = [c for c in cells if not _blank(c)]
            if self.stt_col is not None and filled == [_at(cells, self.stt_col.index)]:
                return True  # a numbered but empty row of a template
            label = _text(filled[0]) or ""
            if _is_note(label):
                return True
        self.issues.warn(
            IssueCode.NOTE_ROW_SKIPPED,
            self.issues.ref(number),
            _("%(where)s: “%(value)s” has no numbers and was skipped as a note or heading."),
            _("Nothing to do if it is a note or a heading; if it is a unit, enter its values."),
            value=label,
        )
        return True

    def skip_summary(self, number: int, name: str | None, code: str | None) -> bool:
        if code or not name or len(name) > 20 or _fold(name) not in _SUMMARY_LABELS:
            return False
        self.issues.warn(
            IssueCode.SUMMARY_ROW_SKIPPED,
            self.issues.ref(number),
            _("%(where)s: “%(value)s” looks like a summary row, not a unit, and was skipped."),
            _("Nothing to do; summaries are recomputed from the unit rows."),
            value=name,
        )
        return True

    def missing_unit(self, number: int) -> None:
        self.unit_rows += 1
        self.issues.error(
            IssueCode.MISSING_UNIT,
            self.issues.ref(number, self.name_col or self.code_col),
            _("%(where)s: the row has numbers but no unit name or code."),
            _("Fill in “Đơn vị” or “Mã đơn vị”, or delete the row."),
        )

    def number(
        self, number: int, cells: list, column: _Column | None, *, count: bool
    ) -> tuple[Decimal | None, bool]:
        """Read one numeric cell: (value, blank). Bad values become an error and None."""
        if column is None:
            return None, True
        index = column.index
        raw = cells[index] if index < len(cells) else None
        if type(raw) is str and raw.isdigit() and raw.isascii():  # most counts: fast path
            return Decimal(raw), False
        try:
            value = _read_number(raw, count=count)
        except _BadNumber as exc:
            if exc.is_date:
                message = _("%(where)s: “%(value)s” is a date, not a number.")
                fix = _(
                    "Excel turned the number into a date: format the column as Number (or Text) "
                    "and type the value again."
                )
            else:
                message = _("%(where)s: “%(value)s” is not a number.")
                fix = (
                    _("Type a whole number such as 5105 (5.105 and 5,105 are both read as 5105).")
                    if count
                    else _("Type a number such as 19,2 or 19.2, without letters, units or “%%”.")
                )
            self.issues.error(
                IssueCode.NOT_A_NUMBER, self.issues.ref(number, column), message, fix, value=raw
            )
            return None, False
        if value is None:
            return None, True
        if value < 0:
            self.issues.error(
                IssueCode.NEGATIVE_VALUE,
                self.issues.ref(number, column),
                _("%(where)s: %(value)s is negative."),
                _("Points and counts cannot be negative: correct the value."),
                value=raw,
            )
        return value, False

    def has_values(self, cells: list) -> bool:
        n = len(cells)
        return any(index < n and not _blank(cells[index]) for index in self.value_idx)


class _GroupParser(_RowParser):
    value_keys = (*GROUP_CODES, "CCDVTT", "total")

    def __init__(
        self,
        table: ParsedTable,
        issues: _Issues,
        columns: dict[str, _Column],
        limits: dict[str, Decimal],
        total_max: Decimal,
        tolerance: Decimal,
    ) -> None:
        super().__init__(table, issues, columns)
        self.groups = FIVE_GROUP_CODES if table.layout == "five" else GROUP_CODES
        self.limits = limits
        self.total_max = total_max
        self.tolerance = tolerance
        self.rank_col = columns.get("rank")
        self.band_col = columns.get("band")
        self.group_idx = [columns[g].index for g in (*GROUP_CODES, "CCDVTT") if g in columns]
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, tuple[int, str | None]] = {}

    def row(self, number: int, cells: list) -> None:
        name, code = self.unit(cells)
        has_groups = any(i < len(cells) and not _blank(cells[i]) for i in self.group_idx)
        if (
            not has_groups
            and not self.has_values(cells)
            and self.skip_without_values(number, cells, name, code)
        ):
            return
        if not name and not code:
            self.missing_unit(number)
            return
        if self.skip_summary(number, name, code):
            return
        self.unit_rows += 1
        if not has_groups:
            self.issues.error(
                IssueCode.NO_VALUES,
                self.issues.ref(number, self.name_col or self.code_col),
                _("%(where)s: “%(value)s” has no group values."),
                _("Enter the group points from the portal, or delete the row."),
                value=name or code,
            )
            return
        label = name or code
        groups: dict[str, Decimal | None] = {}
        complete = True
        for group in self.groups:
            value, blank = self.number(number, cells, self.columns.get(group), count=False)
            groups[group] = value
            if value is None:
                complete = False
                if blank and group in self.columns:
                    self.issues.warn(
                        IssueCode.GROUP_BLANK,
                        self.issues.ref(number, self.columns[group]),
                        _(
                            "%(where)s: no value for %(group)s of “%(unit)s”; it is kept as "
                            "“no data”, not zero."
                        ),
                        _("Leave it blank if the portal shows no data; type 0 for a real zero."),
                        group=group,
                        unit=label,
                    )
            elif value > self.limits[group]:
                self.above_max(number, group, value, self.limits[group], cells)
        total, _blank_total = self.number(number, cells, self.columns.get("total"), count=False)
        if total is not None and total > self.total_max:
            self.above_max(number, "total", total, self.total_max, cells)
        if complete and total is not None and total <= self.total_max:
            recomputed = sum(groups.values(), D(0))
            if abs(recomputed - total) > self.tolerance:
                self.issues.warn(
                    IssueCode.TOTAL_MISMATCH,
                    self.issues.ref(number, self.columns["total"]),
                    _(
                        "%(where)s: the groups of “%(unit)s” add up to %(sum)s but the official "
                        "total is %(total)s (difference %(diff)s)."
                    ),
                    _(
                        "Both figures are kept side by side; check the total against the portal "
                        "if the difference is more than rounding."
                    ),
                    value=_cell(cells, self.columns["total"]),
                    unit=label,
                    sum=_fmt(recomputed),
                    total=_fmt(total),
                    diff=_fmt(abs(recomputed - total)),
                )
        stt = _read_int(_at(cells, self.stt_col.index)) if self.stt_col else None
        rank = _read_int(_at(cells, self.rank_col.index)) if self.rank_col else None
        self.table.rows.append(
            GroupRow(
                ref_row=number,
                unit_code=code,
                unit_name=name,
                groups=groups,
                official_total=total,
                official_band=self.band(number, cells),
                stt=stt if stt is not None else rank,
                official_rank=rank,
            )
        )
        self.duplicate(number, name, code)

    def above_max(self, number: int, key: str, value: Decimal, limit: Decimal, cells: list) -> None:
        column = self.columns[key]
        label = key if key != "total" else column.header
        self.issues.error(
            IssueCode.ABOVE_MAX,
            self.issues.ref(number, column),
            _("%(where)s: %(value)s is above the maximum of %(max)s points for %(group)s."),
            _("Check the value against the portal: %(group)s is out of %(max)s points."),
            value=_cell(cells, column),
            max=_fmt(limit),
            group=label,
        )

    def band(self, number: int, cells: list) -> str | None:
        if self.band_col is None:
            return None
        text = _text(_at(cells, self.band_col.index))
        if text is None:
            return None
        known = _BAND_KEYS.get(_fold(text))
        if known:
            return known
        self.issues.warn(
            IssueCode.UNKNOWN_BAND,
            self.issues.ref(number, self.band_col),
            _("%(where)s: “%(value)s” is not a known classification."),
            _(
                "Use Xuất sắc, Tốt, Khá, Trung bình or Yếu, or leave it blank; the "
                "classification is recomputed from the total anyway."
            ),
            value=text,
        )
        return text

    def duplicate(self, number: int, name: str | None, code: str | None) -> None:
        first = None
        if code:
            key = code.casefold()
            first = self.by_code.get(key)
            self.by_code.setdefault(key, number)
        if name:
            folded = _fold_name(name)
            previous = self.by_name.get(folded)
            # Same name under two different codes is two units (e.g. "Phường 1" of two districts).
            if first is None and previous and not (code and previous[1] and previous[1] != code):
                first = previous[0]
            self.by_name.setdefault(folded, (number, code))
        if first is not None:
            self.issues.error(
                IssueCode.DUPLICATE_UNIT,
                self.issues.ref(number, self.name_col or self.code_col),
                _("%(where)s: “%(value)s” appears again (first in row %(first_row)s)."),
                _("Keep one row per unit: delete or merge the duplicate.")
                if code
                else _(
                    "Keep one row per unit: delete or merge the duplicate. If two units share "
                    "this name, add the “Mã đơn vị” column with their codes."
                ),
                value=name or code,
                first_row=first,
            )


class _IndicatorParser(_RowParser):
    value_keys = ("numerator", "denominator", "portal_points")

    def __init__(
        self,
        table: ParsedTable,
        issues: _Issues,
        columns: dict[str, _Column],
        indicators: tuple[str, ...],
        indicator_max: dict[str, Decimal],
    ) -> None:
        super().__init__(table, issues, columns)
        self.indicator_max = indicator_max
        self.indicator_col = columns["indicator"]
        self.numerator_col = columns["numerator"]
        self.denominator_col = columns["denominator"]
        self.portal_col = columns.get("portal_points")
        self.known = indicator_keys(indicators)
        self.known_list = ", ".join(indicators)
        self.seen: dict[tuple[str, str], int] = {}

    def run(self, rows: Iterator[tuple[int, list]]) -> None:
        """Read rows, taking the common well-formed row through a short path.

        A national file has ~70,000 rows, nearly all alike: a known unit text, a known
        indicator id and whole-number counts. Such a row is read here with a few dictionary
        look-ups (the unit, indicator and number texts repeat, so each is worked out once);
        any row this path cannot take without a doubt (a blank, a note or summary, an
        unknown id, an odd number, numerator > denominator, a duplicate …) goes to `row`,
        the full path, which reports every issue exactly as before.
        """
        name_i, code_i = self.name_index, self.code_index
        indicator_i = self.indicator_col.index
        numerator_i, denominator_i = self.numerator_col.index, self.denominator_col.index
        portal_i = self.portal_col.index if self.portal_col else -1
        width = max(name_i, code_i, indicator_i, numerator_i, denominator_i, portal_i) + 1
        # text → what the short path needs, or None when only the full path may read it
        units: dict[tuple[str, str], tuple[str | None, str | None, str] | None] = {}
        indicators: dict[str, str | None] = {}
        counts: dict[str, Decimal | None] = {}
        points: dict[str, Decimal | None] = {"": None}
        seen = self.seen
        append = self.table.rows.append
        full = self.row
        for number, cells in rows:
            if len(cells) >= width:
                raw_name = cells[name_i] if name_i >= 0 else ""
                raw_code = cells[code_i] if code_i >= 0 else ""
                raw_indicator = cells[indicator_i]
                raw_numerator = cells[numerator_i]
                raw_denominator = cells[denominator_i]
                raw_portal = cells[portal_i] if portal_i >= 0 else ""
                if (
                    type(raw_name) is str
                    and type(raw_code) is str
                    and type(raw_indicator) is str
                    and type(raw_numerator) is str
                    and type(raw_denominator) is str
                    and type(raw_portal) is str
                ):
                    unit = units.get((raw_name, raw_code), _UNSEEN)
                    if unit is _UNSEEN:
                        unit = units[raw_name, raw_code] = plain_unit(raw_name, raw_code)
                    indicator = indicators.get(raw_indicator, _UNSEEN)
                    if indicator is _UNSEEN:
                        indicator = indicators[raw_indicator] = plain_indicator(
                            raw_indicator, self.known
                        )
                    numerator = counts.get(raw_numerator, _UNSEEN)
                    if numerator is _UNSEEN:
                        numerator = counts[raw_numerator] = _fast_number(raw_numerator, True)
                    denominator = counts.get(raw_denominator, _UNSEEN)
                    if denominator is _UNSEEN:
                        denominator = counts[raw_denominator] = _fast_number(raw_denominator, True)
                    portal = points.get(raw_portal, _UNSEEN)
                    if portal is _UNSEEN:
                        portal = points[raw_portal] = _fast_number(raw_portal, False)
                    if (
                        unit is not None
                        and indicator is not None
                        and numerator is not None
                        and denominator is not None
                        and numerator <= denominator
                        and (portal is not None or not raw_portal)
                        and (portal is None or portal <= self.indicator_max.get(indicator, portal))
                    ):
                        key = (unit[2], indicator)
                        if key not in seen:
                            seen[key] = number
                            self.unit_rows += 1
                            append(
                                _indicator_row(
                                    number,
                                    unit[1],
                                    unit[0],
                                    indicator,
                                    numerator,
                                    denominator,
                                    portal,
                                )
                            )
                            continue
            if (cells and not _blank(cells[0])) or not _row_blank(cells):
                full(number, cells)

    def row(self, number: int, cells: list) -> None:
        name, code = self.unit(cells)
        raw_indicator = _at(cells, self.indicator_col.index)
        indicator_text = None if _blank(raw_indicator) else _indicator_text(raw_indicator)
        has_values = self.has_values(cells)
        if (
            not has_values
            and indicator_text is None
            and self.skip_without_values(number, cells, name, code)
        ):
            return
        if not name and not code:
            self.missing_unit(number)
            return
        if self.skip_summary(number, name, code):
            return
        self.unit_rows += 1
        label = name or code
        if indicator_text is None:
            self.issues.error(
                IssueCode.MISSING_INDICATOR,
                self.issues.ref(number, self.indicator_col),
                _("%(where)s: the row of “%(unit)s” has no indicator id."),
                _("Fill in “Chỉ tiêu” with the indicator id (1.1 … 5.4), or delete the row."),
                unit=label,
            )
            return
        indicator = self.known.get(_indicator_key(indicator_text))
        if indicator is None:
            self.issues.error(
                IssueCode.UNKNOWN_INDICATOR,
                self.issues.ref(number, self.indicator_col),
                _("%(where)s: “%(value)s” is not a known indicator id."),
                _("Use one of: %(known)s."),
                value=indicator_text,
                known=self.known_list,
            )
        numerator, numerator_blank = self.number(number, cells, self.numerator_col, count=True)
        denominator, denominator_blank = self.number(
            number, cells, self.denominator_col, count=True
        )
        portal, portal_blank = self.number(number, cells, self.portal_col, count=False)
        limit = self.indicator_max.get(indicator) if indicator else None
        if portal is not None and limit is not None and portal > limit:
            self.issues.error(
                IssueCode.ABOVE_MAX,
                self.issues.ref(number, self.portal_col),
                _("%(where)s: %(value)s is above the maximum of %(max)s points for %(group)s."),
                _("Check the value against the portal: %(group)s is out of %(max)s points."),
                value=_cell(cells, self.portal_col),
                max=_fmt(limit),
                group=_("indicator %(indicator)s") % {"indicator": indicator},
            )
        if numerator_blank and not denominator_blank:
            self.issues.error(
                IssueCode.MISSING_NUMERATOR,
                self.issues.ref(number, self.columns["numerator"]),
                _("%(where)s: the denominator is filled in but the numerator is blank."),
                _("Fill in “Tử số”, or clear both counts if there is no data."),
            )
        elif denominator_blank and not numerator_blank:
            self.issues.error(
                IssueCode.MISSING_DENOMINATOR,
                self.issues.ref(number, self.columns["denominator"]),
                _("%(where)s: the numerator is filled in but the denominator is blank."),
                _("Fill in “Mẫu số”, or clear both counts if there is no data."),
            )
        elif numerator is not None and denominator is not None and numerator > denominator:
            self.issues.error(
                IssueCode.NUMERATOR_EXCEEDS_DENOMINATOR,
                self.issues.ref(number, self.columns["numerator"]),
                _(
                    "%(where)s: the numerator %(numerator)s is larger than the denominator "
                    "%(denominator)s."
                ),
                _(
                    "Check both counts against the portal: the numerator counts part of the "
                    "denominator."
                ),
                value=_cell(cells, self.columns["numerator"]),
                numerator=_fmt(numerator),
                denominator=_fmt(denominator),
            )
        elif numerator_blank and denominator_blank and portal_blank:
            self.issues.warn(
                IssueCode.INDICATOR_NO_DATA,
                self.issues.ref(number),
                _(
                    "%(where)s: indicator %(indicator)s of “%(unit)s” has no counts and no score; "
                    "it is kept as “no data”."
                ),
                _(
                    "Nothing to do if the portal shows no data; otherwise fill in “Tử số” and "
                    "“Mẫu số”."
                ),
                indicator=indicator or indicator_text,
                unit=label,
            )
        code_out = indicator or indicator_text
        self.table.rows.append(
            IndicatorRow(number, code, name, code_out, numerator, denominator, portal)
        )
        self.duplicate(number, name, code, code_out, label)

    def duplicate(
        self, number: int, name: str | None, code: str | None, indicator: str, label: str
    ) -> None:
        unit_key = ("code:" + code.casefold()) if code else ("name:" + _fold_name(name or ""))
        key = (unit_key, indicator)
        first = self.seen.get(key)
        if first is None:
            self.seen[key] = number
            return
        self.issues.error(
            IssueCode.DUPLICATE_INDICATOR,
            self.issues.ref(number, self.indicator_col),
            _(
                "%(where)s: indicator %(indicator)s of “%(unit)s” appears again (first in row "
                "%(first_row)s)."
            ),
            _("Keep one row per unit and indicator: delete or merge the duplicate.")
            if code
            else _(
                "Keep one row per unit and indicator: delete or merge the duplicate. If two "
                "units share this name (a national table often has such), add the “Mã đơn vị” "
                "column with their codes."
            ),
            value=indicator,
            indicator=indicator,
            unit=label,
            first_row=first,
        )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many small objects are built.

    Reading a national file keeps ~140,000 new container objects (rows, keys), none in a
    reference cycle; with the collector on, each batch of allocations makes it walk them
    again, and its full passes walk every object of the process (a quarter of the parse
    time). Reference counting still frees everything as usual. Only the thread that turned
    the collector off turns it back on.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


_UNSEEN = object()


def plain_unit(raw_name: str, raw_code: str) -> tuple[str | None, str | None, str] | None:
    """(name, code, duplicate key) of a unit text that the full path takes without an issue.

    None for a blank unit or a summary row ("Tổng cộng"): only the full path may read those.
    """
    name, code = _text(raw_name), _text(raw_code)
    if not name and not code:
        return None
    if not code and name and len(name) <= 20 and _fold(name) in _SUMMARY_LABELS:
        return None
    return name, code, ("code:" + code.casefold()) if code else ("name:" + _fold_name(name))


def plain_indicator(raw: str, known: dict[str, str]) -> str | None:
    """The canonical id of a known indicator text, else None (`known`: key → id)."""
    if _blank(raw):
        return None
    return known.get(_indicator_key(_indicator_text(raw)))


def indicator_keys(indicators: Iterable[str]) -> dict[str, str]:
    """The look-up `plain_indicator` takes: every accepted spelling's key → canonical id."""
    return {_indicator_key(i): i for i in indicators}


def plain_indicator_header(cells: list[str]) -> dict[str, int] | None:
    """Column index of each key when `cells` is an indicator header that needs no message.

    That is: the full path would take this row as the header of an indicator table, every
    cell names a known column, none twice, and the required columns are there. Anything
    else (title rows above it, an ignored or repeated column) is None.
    """
    found = _find_header([(1, cells)], None, 0)
    if found is None:
        return None
    kind, _position, columns, ignored, duplicates = found
    if kind != "indicator" or ignored or duplicates:
        return None
    if not ({"unit_name", "unit_code"} & columns.keys()) or not (
        {"indicator", "numerator", "denominator"} <= columns.keys()
    ):
        return None
    return {key: column.index for key, column in columns.items()}


def _fast_number(text: str, count: bool) -> Decimal | None:
    """A number cell the short path may take: not blank and not negative; else None."""
    try:
        value = _read_number(text, count=count)
    except _BadNumber:
        return None
    return value if value is not None and value >= 0 else None


def fast_constructor(cls):
    """Build instances of a frozen slots dataclass without its generated __init__.

    The generated __init__ of a frozen dataclass sets each field through
    object.__setattr__; calling the slot descriptors directly costs half as much, which
    counts at 70,000 rows. Only for trusted, already-checked values.
    """
    new = object.__new__
    setters = tuple(getattr(cls, f.name).__set__ for f in fields(cls))
    names = ", ".join(f"v{i}" for i in range(len(setters)))
    body = "".join(f"    s{i}(o, v{i})\n" for i in range(len(setters)))
    namespace = {"new": new, "cls": cls, **{f"s{i}": s for i, s in enumerate(setters)}}
    exec(f"def make({names}):\n    o = new(cls)\n{body}    return o\n", namespace)  # noqa: S102
    return namespace["make"]


_indicator_row = fast_constructor(IndicatorRow)


def _cell(cells: list, column: _Column) -> object:
    return _at(cells, column.index)


def _indicator_text(value: object) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return repr(round(value, 4))
    return _text(value) or ""

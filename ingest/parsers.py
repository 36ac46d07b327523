"""Read weekly 766 exports: one pipeline for every format, from bytes to checked columns.

Two kinds of table (docs/DOMAIN.md §6), as CSV (any encoding Excel writes) or a workbook sheet:
- the group table, one row per unit: STT/Hạng, Mã đơn vị, Đơn vị, the six group columns (or
  five, with "Cung cấp dịch vụ trực tuyến"), Tổng điểm, Xếp loại;
- the indicator table, one row per unit × indicator: unit code/name, Chỉ tiêu, Tử số, Mẫu số,
  optionally Điểm cổng.

`parse_table` goes: bytes → `readers.read_grid` (decoded once, bounded, every column
dictionary-encoded) → the header row mapped to canonical columns → checks run on the
distinct values of each column and gathered per row with numpy → a `Failure` for each
failing cell → worded by `ingest.messages`, the one catalogue. Pure: no ORM. It never
raises for bad input. The limits (maxima, indicator ids, bands, tolerance) are the
framework's (`TableLimits`), never constants of this module.

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
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache, lru_cache
from typing import Literal

import numpy as np
from django.utils.formats import get_format, number_format

from indicators.frameworks import read_framework
from indicators.scoring import DISAGREEMENT_TOLERANCE
from ingest.messages import MAX_ISSUES, CellRef, Failure, Issue, Severity, display, report
from ingest.readers import Column, Grid, ReadError, read_grid
from units.text import fold as fold_unit_name

logger = logging.getLogger(__name__)

__all__ = ["CellRef", "Issue", "Severity", "parse_table", "ParsedTable", "TableLimits"]

Kind = Literal["group", "indicator"]

# The group columns a table may have, by the codes the header aliases map to. What each is
# worth is the framework's (TableLimits.group_max).
GROUP_CODES = ("CKMB", "TDGQ", "DVCTT", "TTTT", "SHHS", "MDHL")
FIVE_GROUP_CODES = ("CKMB", "TDGQ", "CCDVTT", "SHHS", "MDHL")
SPLIT_GROUP_CODES = ("DVCTT", "TTTT")  # the two blocks the five-group "CCDVTT" is made of
D = Decimal
HEADER_SCAN_ROWS = 15  # non-blank rows searched for the header row
HEADER_SCAN_LIMIT = 200  # rows read at most while searching (blank ones included)


class IssueCode(StrEnum):
    """Stable codes of everything the parser reports; tests and services match on these."""

    EMPTY_FILE = "empty_file"
    NOT_SPREADSHEET = "not_spreadsheet"
    PASSWORD_PROTECTED = "password_protected"  # noqa: S105 (an issue code, not a secret)
    CORRUPT_FILE = "corrupt_file"
    FILE_TOO_LARGE = "file_too_large"
    TOO_MANY_ROWS = "too_many_rows"
    SHEET_NOT_FOUND = "sheet_not_found"
    HEADER_NOT_FOUND = "header_not_found"
    MISSING_COLUMN = "missing_column"
    MISSING_GROUP_COLUMNS = "missing_group_columns"
    MISSING_GROUP_COLUMN = "missing_group_column"
    MIXED_GROUP_COLUMNS = "mixed_group_columns"
    DUPLICATE_COLUMN = "duplicate_column"
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
# Limits: the framework's


@dataclass(frozen=True)
class TableLimits:
    """What a framework version allows in a table: group maxima, indicator ids and maxima,
    band names, and the tolerance of an official total against the sum of its groups."""

    group_max: Mapping[str, Decimal]  # GROUP_CODES and the five-group "CCDVTT"
    total_max: Decimal
    indicators: tuple[str, ...]
    indicator_max: Mapping[str, Decimal]
    bands: tuple[str, ...]
    tolerance: Decimal = DISAGREEMENT_TOLERANCE

    @classmethod
    def build(
        cls,
        *,
        groups: Iterable[tuple[str, str, Decimal, bool]],
        indicators: Iterable[tuple[str, Decimal]],
        bands: Iterable[str],
    ) -> TableLimits:
        """From the framework's rows: groups as (code, five-group code, maximum, combined)."""
        group_max: dict[str, Decimal] = {}
        combined: dict[str, Decimal] = {}
        for code, five, maximum, is_combined in groups:
            if is_combined:
                group_max[code] = D(maximum)
                continue
            group_max[code] = D(maximum)
            combined[five] = combined.get(five, D(0)) + D(maximum)
        for code, maximum in combined.items():
            group_max.setdefault(code, maximum)
        total = sum((group_max[c] for c in GROUP_CODES if c in group_max), D(0))
        indicator_max = {code: D(maximum) for code, maximum in indicators}
        return cls(
            group_max=group_max,
            total_max=total,
            indicators=tuple(indicator_max),
            indicator_max=indicator_max,
            bands=tuple(bands),
        )

    def with_overrides(
        self,
        *,
        group_max: Mapping[str, Decimal] | None = None,
        known_indicators: Iterable[str] | None = None,
        indicator_max: Mapping[str, Decimal] | None = None,
    ) -> TableLimits:
        """The same limits with some replaced (a test, a draft framework)."""
        limits = self
        if group_max:
            merged = {**self.group_max, **group_max}
            if "CCDVTT" not in group_max and {"DVCTT", "TTTT"} <= group_max.keys():
                merged["CCDVTT"] = group_max["DVCTT"] + group_max["TTTT"]
            limits = replace(limits, group_max=merged)
        if known_indicators is not None:
            limits = replace(limits, indicators=tuple(known_indicators))
        if indicator_max is not None:
            limits = replace(limits, indicator_max=dict(indicator_max))
        return limits


@cache
def builtin_limits(code: str = "766-2022") -> TableLimits:
    """The limits of a framework version as its definition file states them (pure callers:
    tests, tools); an upload uses the framework rows in force (validation.framework_limits)."""
    data = read_framework(code)
    return TableLimits.build(
        groups=[
            (g["code"], g["five_group_code"], D(g["max_points"]), bool(g.get("is_combined")))
            for g in data["groups"]
        ],
        indicators=[(i["code"], D(i["max_points"])) for i in data["indicators"]],
        bands=[b["name"] for b in data["bands"]],
    )


# ---------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One unit of a group table. A group without a value is None ("no data"), never zero."""

    ref_row: int
    unit_code: str | None
    unit_name: str | None
    groups: dict[str, Decimal | None]  # GROUP_CODES, or FIVE_GROUP_CODES for the five-group view
    official_total: Decimal | None
    official_band: str | None  # one of the framework's bands when recognised, else the text
    stt: int | None  # "STT", else "Hạng"
    official_rank: int | None = None  # "Hạng" when the table has it


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One unit × indicator of an indicator table (a view of `IndicatorColumns`)."""

    ref_row: int
    unit_code: str | None
    unit_name: str | None
    indicator_code: str  # canonical ("3.5a") when known, else the text as found
    numerator: Decimal | None
    denominator: Decimal | None
    portal_points: Decimal | None


@dataclass(frozen=True)
class Coded:
    """A column of the table as distinct values and, per row, the position of its value."""

    values: list
    index: np.ndarray

    def __getitem__(self, row: int):
        return self.values[self.index[row]]


@dataclass(frozen=True)
class IndicatorColumns:
    """The rows of an indicator table that name a unit and an indicator, as columns."""

    ref_rows: np.ndarray  # int64
    units: Coded  # (code, name), each None when blank
    indicators: Coded  # canonical id when known, else the text as found
    numerators: Coded  # Decimal | None
    denominators: Coded
    portal_points: Coded

    def __len__(self) -> int:
        return len(self.ref_rows)

    def rows(self) -> list[IndicatorRow]:
        return [
            IndicatorRow(
                int(self.ref_rows[i]),
                *self.units[i],
                self.indicators[i],
                self.numerators[i],
                self.denominators[i],
                self.portal_points[i],
            )
            for i in range(len(self))
        ]


@dataclass
class ParsedTable:
    """What a file holds: rows that could be read, plus every error and warning."""

    kind: Kind | None
    file: str
    sheet: str | None
    group_rows: list[GroupRow] = field(default_factory=list)
    indicator_columns: IndicatorColumns | None = None
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

    @property
    def row_count(self) -> int:
        columns = self.indicator_columns
        return len(columns) if columns is not None else len(self.group_rows)

    @property
    def rows(self) -> list:
        """Every row read, as objects (group rows; indicator rows built on request)."""
        if self.indicator_columns is not None:
            return self.indicator_columns.rows()
        return self.group_rows


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


_display = display


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


def _is_note(text: str) -> bool:
    stripped = text.lstrip()
    if stripped[:1] in ("*", "(", "-", "+", "•"):
        return True
    folded = _fold(text)
    return folded.startswith(_NOTE_PREFIXES)


@dataclass(slots=True)
class _Column:
    key: str
    index: int  # position of the column in the grid
    header: str
    letter: str


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


def _is_summary(name: str | None, code: str | None) -> bool:
    """A summary line ("Tổng cộng", "Trung bình") rather than a unit: a short label, no code."""
    return not code and bool(name) and len(name) <= 20 and _fold(name) in _SUMMARY_LABELS


def duplicate_key(code: str | None, name: str | None) -> str:
    """What makes two rows name the same unit before the registry is asked: the code, or
    without one the name folded as unit matching folds it (units.text.fold)."""
    return ("code:" + code.casefold()) if code else ("name:" + _fold_name(name or ""))


# ---------------------------------------------------------------------------------------------
# Entry point


def parse_table(
    data: bytes,
    *,
    filename: str,
    sheet: str | None = None,
    kind: Kind | None = None,
    limits: TableLimits | None = None,
    group_max: dict[str, Decimal] | None = None,
    known_indicators: Iterable[str] | None = None,
    indicator_max: Mapping[str, Decimal] | None = None,
    max_issues: int = MAX_ISSUES,
) -> ParsedTable:
    """Read an uploaded group or indicator table; never raise for bad input.

    1. Decode the bytes once into columns (readers.read_grid): format, encoding, delimiter,
       sheet, bounds.
    2. Find the header row among the first rows and, unless `kind` is given, the table kind.
    3. Map columns to canonical keys; report missing, duplicate, mixed and ignored columns.
    4. Check every data cell column by column: blank, note and summary rows, numbers,
       maxima, duplicates; word the failures (ingest.messages).
    `limits` are the framework's (default: the built-in definition's); `group_max`,
    `known_indicators` and `indicator_max` override parts of them.
    """
    if kind not in (None, "group", "indicator"):
        raise ValueError(f"kind must be 'group', 'indicator' or None, not {kind!r}")
    limits = (limits or builtin_limits()).with_overrides(
        group_max=group_max, known_indicators=known_indicators, indicator_max=indicator_max
    )
    table = ParsedTable(kind=kind, file=_basename(filename), sheet=None)
    reader = _Reader(table, limits)
    try:
        grid = read_grid(bytes(data), filename=table.file, sheet=sheet)
        table.sheet = grid.sheet
        table.source_format = grid.format
        table.encoding = grid.encoding
        table.delimiter = grid.delimiter
        with gc_paused():
            reader.read(grid)
    except ReadError as exc:
        reader.failures.append(_read_failure(exc))
        if exc.code.startswith("too_many"):
            table.sheet = exc.params.get("sheet")  # type: ignore[assignment]
    except Exception as exc:  # a parser bug must not take the upload pipeline down
        logger.exception("parse_table failed on %s", table.file)
        reader.failures = [Failure("internal_error", None, None, type(exc).__name__)]
    table.errors, table.warnings = report(reader.failures, ref=reader.ref, max_issues=max_issues)
    return table


def _basename(filename: str) -> str:
    return re.split(r"[\\/]", filename or "")[-1] or "upload"


_FILE_KINDS = {
    "pdf": "a PDF document",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
    "archive": "a compressed archive",
    "zip": "a ZIP archive that is not an Excel workbook",
    "rtf": "an RTF document",
    "markup": "a web page or XML file",
}


def _file_kind(kind: str) -> str:
    from django.utils.translation import gettext as _

    # Literal calls, so that makemessages finds each phrase.
    phrases = {
        "pdf": _("a PDF document"),
        "png": _("a PNG image"),
        "jpeg": _("a JPEG image"),
        "gif": _("a GIF image"),
        "archive": _("a compressed archive"),
        "zip": _("a ZIP archive that is not an Excel workbook"),
        "rtf": _("an RTF document"),
        "markup": _("a web page or XML file"),
    }
    return phrases[kind]


def _read_failure(exc: ReadError) -> Failure:
    """A reader's refusal as a file-level failure."""
    p = dict(exc.params)
    row = p.pop("row", None)
    code = exc.code
    if code == "not_spreadsheet":
        kind = p.get("kind")
        if kind in _FILE_KINDS:
            return Failure("not_spreadsheet.kind", row, None, params=(("kind", _file_kind(kind)),))
        return Failure("not_spreadsheet", row, None)
    if code == "sheet_not_found":
        sheets = ", ".join(f"“{name}”" for name in p["sheets"])  # type: ignore[union-attr]
        return Failure(code, row, None, p["sheet"], (("sheet", p["sheet"]), ("sheets", sheets)))
    key = {
        "upload_too_large": "file_too_large.upload",
        "zip_bomb": "file_too_large.zip_bomb",
        "too_many_cells": "too_many_rows.cells",
    }.get(code, code)
    params = {"limit": p.get("limit"), "ratio": p.get("ratio"), "detail": p.get("detail", "")}
    if "limit" in p and code.startswith("too_many"):
        # Grouped as the language writes it (200.000 in Vietnamese), whatever the settings.
        params["limit"] = f"{p['limit']:,}".replace(",", get_format("THOUSAND_SEPARATOR"))
    return Failure(key, row, None, params=tuple(params.items()))


# ---------------------------------------------------------------------------------------------
# The reading of one grid


def _mask(column: Column, test) -> np.ndarray:
    """Apply `test` to each distinct value of a column and return it per row."""
    return np.fromiter(map(test, column.values), dtype=bool, count=len(column.values))[column.index]


def _mapped(column: Column, convert) -> Coded:
    """A column with `convert` applied to each distinct value."""
    return Coded([convert(v) for v in column.values], column.index)


class _BAD:
    """A cell that is not a number: `date` when it is a date."""

    __slots__ = ("date",)

    def __init__(self, is_date: bool) -> None:
        self.date = is_date


_NOT_NUMBER, _DATE = _BAD(False), _BAD(True)


def _number_or_bad(count: bool):
    def convert(value: object) -> Decimal | _BAD | None:
        try:
            return _read_number(value, count=count)
        except _BadNumber as exc:
            return _DATE if exc.is_date else _NOT_NUMBER

    return convert


class _Reader:
    """Reads one grid into a ParsedTable; collects failures, words nothing."""

    def __init__(self, table: ParsedTable, limits: TableLimits) -> None:
        self.table = table
        self.limits = limits
        self.failures: list[Failure] = []
        self.headers: dict[int, tuple[str, str]] = {}  # column position → (header, letter)

    def ref(self, row: int | None, column: int | None) -> CellRef:
        header, letter = (
            self.headers.get(column, (None, None)) if column is not None else (None, None)
        )
        return CellRef(self.table.file, self.table.sheet, row, header, letter)

    def fail(self, key: str, row, at=None, value=None, **params) -> None:
        """Record a failure at `row` (number) and `at` (grid column position)."""
        self.failures.append(Failure(key, row, at, value, tuple(params.items())))

    def fail_rows(self, key: str, rows: np.ndarray, column: int | None, values=None, **params):
        """One failure per row of `rows` (numbers), with its cell's value when given."""
        numbers = rows.tolist()
        shown = values if values is not None else [None] * len(numbers)
        for number, value in zip(numbers, shown, strict=True):
            self.failures.append(Failure(key, number, column, value, tuple(params.items())))

    # -- header --------------------------------------------------------------------------------

    def read(self, grid: Grid) -> None:
        table = self.table
        if not len(grid):
            self.fail("empty_file", None)
            return
        blank_rows = np.ones(len(grid), dtype=bool)
        for column in grid.columns:
            blank_rows &= _mask(column, _blank)
        head: list[tuple[int, list]] = []
        seen = 0
        for position in range(min(len(grid), HEADER_SCAN_LIMIT)):
            head.append((int(grid.numbers[position]), grid.row(position)))
            if not blank_rows[position]:
                seen += 1
                if seen >= HEADER_SCAN_ROWS:
                    break
        if blank_rows.all():
            self.fail("empty_file", None)
            return
        found = _find_header(head, table.kind, grid.first_column)
        if found is None:
            self.fail("header_not_found", None, count=HEADER_SCAN_ROWS)
            return
        kind, position, columns, ignored, duplicates = found
        table.kind = kind
        table.header_row = header_row = head[position][0]
        table.columns = {c.key: c.header for c in columns.values()}
        for column in (*columns.values(), *ignored, *(second for _first, second in duplicates)):
            self.headers.setdefault(column.index, (column.header, column.letter))
        for column in ignored:
            self.headers[column.index] = (column.header, column.letter)
            self.fail("column_ignored", header_row, column.index)
        for first, second in duplicates:
            self.headers[second.index] = (second.header, second.letter)
            self.fail(
                "duplicate_column",
                header_row,
                second.index,
                first=first.letter,
                header=first.header,
            )
        body = np.arange(position + 1, len(grid))
        body = body[~blank_rows[body]]
        if kind == "group":
            if self._group_columns(columns, header_row):
                self._rows(grid, body, columns, header_row, _GroupChecks)
        elif self._indicator_columns(columns, header_row):
            self._rows(grid, body, columns, header_row, _IndicatorChecks)

    def _group_columns(self, columns: dict[str, _Column], header_row: int) -> bool:
        """Report structural problems of a group table; False when rows cannot be read."""
        ok = True
        if "unit_name" not in columns and "unit_code" not in columns:
            self.fail("missing_column", header_row, column="Đơn vị / Mã đơn vị")
            ok = False
        six = [c for c in GROUP_CODES if c in columns]
        five = "CCDVTT" in columns
        if not six and not five:
            self.fail("missing_group_columns", header_row)
            return False
        split = [c for c in SPLIT_GROUP_CODES if c in columns]
        if five and split:
            self.fail(
                "mixed_group_columns",
                header_row,
                columns["CCDVTT"].index,
                six=", ".join(f"{columns[c].letter} “{columns[c].header}”" for c in split),
            )
            return False
        self.table.layout = "five" if five else "six"
        expected = FIVE_GROUP_CODES if five else GROUP_CODES
        missing = [c for c in expected if c not in columns]
        if missing:
            # A group left out would be "no data" for every unit and rank them all on a
            # total without it: the table is refused at its header.
            self.fail(
                "missing_group_column",
                header_row,
                groups=", ".join(missing),
                names=", ".join(f"“{_GROUP_HEADERS[c]}”" for c in missing),
            )
            return False
        return ok

    def _indicator_columns(self, columns: dict[str, _Column], header_row: int) -> bool:
        ok = True
        if "unit_name" not in columns and "unit_code" not in columns:
            self.fail("missing_column", header_row, column="Đơn vị / Mã đơn vị")
            ok = False
        for key, label in (
            ("indicator", "Chỉ tiêu"),
            ("numerator", "Tử số"),
            ("denominator", "Mẫu số"),
        ):
            if key not in columns:
                self.fail(f"missing_column.{key}", header_row, column=label)
                ok = False
        return ok

    # -- rows ----------------------------------------------------------------------------------

    def _rows(self, grid, body, columns, header_row, checks) -> None:
        reader = checks(self, grid, columns)
        unit_rows = reader.run(body)
        if unit_rows == 0:
            self.fail("no_data_rows", header_row)


_GROUP_HEADERS = {
    "CKMB": "Công khai, minh bạch",
    "TDGQ": "Tiến độ giải quyết",
    "DVCTT": "Dịch vụ công trực tuyến",
    "TTTT": "Thanh toán trực tuyến",
    "SHHS": "Số hóa hồ sơ",
    "MDHL": "Mức độ hài lòng",
    "CCDVTT": "Cung cấp dịch vụ trực tuyến",
}


class _Checks:
    """What both table kinds share: unit cells, blank, note and summary rows, numbers."""

    value_keys: tuple[str, ...] = ()

    def __init__(self, reader: _Reader, grid: Grid, columns: dict[str, _Column]) -> None:
        self.reader = reader
        self.grid = grid
        self.columns = columns
        self.limits = reader.limits
        self.numbers = grid.numbers
        self.name_col = columns.get("unit_name")
        self.code_col = columns.get("unit_code")
        self.stt_col = columns.get("stt")
        self.unit_col = (self.name_col or self.code_col).index
        self.names = self._texts(self.name_col)
        self.codes = self._texts(self.code_col)

    def _texts(self, column: _Column | None) -> Coded:
        if column is None:
            return Coded([None], np.zeros(len(self.grid), dtype=np.int64))
        return _mapped(self.grid.columns[column.index], _text)

    def filled(self, key: str) -> np.ndarray:
        column = self.columns.get(key)
        if column is None:
            return np.zeros(len(self.grid), dtype=bool)
        return ~_mask(self.grid.columns[column.index], _blank)

    def numbers_of(self, key: str, *, count: bool) -> Coded | None:
        column = self.columns.get(key)
        if column is None:
            return None
        return _mapped(self.grid.columns[column.index], _number_or_bad(count))

    def cell(self, key: str, position: int) -> object:
        column = self.columns[key]
        return self.grid.columns[column.index].values[
            self.grid.columns[column.index].index[position]
        ]

    def units(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(name present, code present) per row of `rows`."""
        has_name = np.asarray([v is not None for v in self.names.values], dtype=bool)
        has_code = np.asarray([v is not None for v in self.codes.values], dtype=bool)
        return has_name[self.names.index[rows]], has_code[self.codes.index[rows]]

    def keep_without_values(self, position: int) -> bool:
        """A row with no numbers: True when it is a unit row all the same (it then fails
        as one); False when it is skipped as a note, a heading or an empty template row."""
        name, code = self.names[position], self.codes[position]
        number = int(self.numbers[position])
        cells = self.grid.row(position)
        stt_cell = cells[self.stt_col.index] if self.stt_col else None
        if name or code:
            label = name or code or ""
            if _is_note(label):
                return False
            has_stt = self.stt_col is not None and not _blank(stt_cell)
            if code or has_stt or (name and _fold_name(name) != _fold(name)):
                return True  # a numbered or coded unit, or one with an admin prefix: not a note
        else:
            filled = [c for c in cells if not _blank(c)]
            if self.stt_col is not None and filled == [stt_cell]:
                return False  # a numbered but empty row of a template
            label = _text(filled[0]) or ""
            if _is_note(label):
                return False
        self.reader.fail("note_row_skipped", number, value=label)
        return False

    def unit_rows(self, body: np.ndarray, has_values: np.ndarray) -> tuple[np.ndarray, int]:
        """The rows of `body` that name a unit and carry values (positions), and the count of
        unit rows (those that failed as units included); the rest are reported or skipped."""
        keep = has_values.copy()
        for i in np.flatnonzero(~has_values).tolist():
            keep[i] = self.keep_without_values(int(body[i]))
        rows = body[keep]
        has_name, has_code = self.units(rows)
        no_unit = ~has_name & ~has_code
        self.reader.fail_rows("missing_unit", self.numbers[rows[no_unit]], self.unit_col)
        rows_left = rows[~no_unit]
        summary_of = np.asarray([_is_summary(n, None) for n in self.names.values], dtype=bool)
        summary = (
            summary_of[self.names.index[rows_left]]
            & ~np.asarray([c is not None for c in self.codes.values], dtype=bool)[
                self.codes.index[rows_left]
            ]
        )
        for position in rows_left[summary].tolist():
            self.reader.fail(
                "summary_row_skipped", int(self.numbers[position]), value=self.names[position]
            )
        count = int(no_unit.sum()) + int((~summary).sum())
        return rows_left[~summary], count

    def read_numbers(self, key: str, rows: np.ndarray, *, count: bool, negative_ok=False):
        """The values of a number column on `rows` (None where blank or bad), reporting the
        cells that are not numbers or are negative. None when the table has no such column."""
        coded = self.numbers_of(key, count=count)
        if coded is None:
            return None
        column = self.columns[key]
        raw = self.grid.columns[column.index]
        kinds = np.asarray(
            [
                2 if isinstance(v, _BAD) and v.date else 1 if isinstance(v, _BAD) else 0
                for v in coded.values
            ],
            dtype=np.int8,
        )[coded.index[rows]]
        for position in rows[kinds == 1].tolist():
            key_variant = "not_a_number.count" if count else "not_a_number"
            self.reader.fail(
                key_variant,
                int(self.numbers[position]),
                column.index,
                raw.values[raw.index[position]],
            )
        for position in rows[kinds == 2].tolist():
            self.reader.fail(
                "not_a_number.date",
                int(self.numbers[position]),
                column.index,
                raw.values[raw.index[position]],
            )
        values = [None if isinstance(v, _BAD) else v for v in coded.values]
        negative = np.asarray([v is not None and v < 0 for v in values], dtype=bool)[
            coded.index[rows]
        ]
        for position in rows[negative].tolist():
            self.reader.fail(
                "negative_value",
                int(self.numbers[position]),
                column.index,
                raw.values[raw.index[position]],
            )
        return Coded(values, coded.index)

    def label(self, position: int) -> str | None:
        """How a message names the row's unit: its name, else its code."""
        return self.names[position] or self.codes[position]

    def pairs(self, rows: np.ndarray) -> Coded:
        """Each row's unit as (code, name), over the distinct pairs of `rows`."""
        width = len(self.codes.values)
        pair_of = self.names.index[rows] * width + self.codes.index[rows]
        distinct, inverse = np.unique(pair_of, return_inverse=True)
        values = [
            (self.codes.values[p % width], self.names.values[p // width]) for p in distinct.tolist()
        ]
        return Coded(values, inverse.reshape(-1).astype(np.int64))

    def duplicates(self, rows: np.ndarray, extra: np.ndarray | None) -> list[tuple[int, int]]:
        """(position, first row number) of each row whose unit (and `extra` key) came before."""
        pairs = self.pairs(rows)
        keys_of: dict[str, int] = {}
        key_ids = np.asarray(
            [keys_of.setdefault(duplicate_key(c, n), len(keys_of)) for c, n in pairs.values],
            dtype=np.int64,
        )[pairs.index]
        keys = key_ids if extra is None else key_ids * (int(extra.max(initial=0)) + 1) + extra
        _unique, first, again = np.unique(keys, return_index=True, return_inverse=True)
        again = again.reshape(-1)
        repeated = np.flatnonzero(first[again] != np.arange(len(keys)))
        return [(int(rows[i]), int(self.numbers[rows[first[again[i]]]])) for i in repeated.tolist()]


class _GroupChecks(_Checks):
    def run(self, body: np.ndarray) -> int:
        columns, limits, reader = self.columns, self.limits, self.reader
        layout = FIVE_GROUP_CODES if self.reader.table.layout == "five" else GROUP_CODES
        present = [g for g in (*GROUP_CODES, "CCDVTT") if g in columns]
        has_groups = np.zeros(len(body), dtype=bool)
        for group in present:
            has_groups |= self.filled(group)[body]
        has_values = has_groups | self.filled("total")[body]
        rows, count = self.unit_rows(body, has_values)
        with_groups = np.zeros(len(self.grid), dtype=bool)
        with_groups[body[has_groups]] = True
        empty = rows[~with_groups[rows]]
        for position in empty.tolist():
            reader.fail(
                "no_values",
                int(self.numbers[position]),
                self.unit_col,
                self.names[position] or self.codes[position],
            )
        rows = rows[with_groups[rows]]
        values = {g: self.read_numbers(g, rows, count=False) for g in layout if g in columns}
        total = self.read_numbers("total", rows, count=False)
        for group, coded in values.items():
            column = columns[group].index
            raw = self.grid.columns[column]
            above = np.asarray(
                [v is not None and v > limits.group_max[group] for v in coded.values], dtype=bool
            )[coded.index[rows]]
            for position in rows[above].tolist():
                reader.fail(
                    "above_max",
                    int(self.numbers[position]),
                    column,
                    raw.values[raw.index[position]],
                    max=_fmt(limits.group_max[group]),
                    group=group,
                )
            blank = _mask(raw, _blank)[rows]
            for position in rows[blank].tolist():
                reader.fail(
                    "group_blank",
                    int(self.numbers[position]),
                    column,
                    group=group,
                    unit=self.names[position] or self.codes[position],
                )
        bands = {_fold(b): b for b in limits.bands}
        band_col = columns.get("band")
        stt_col, rank_col = columns.get("stt"), columns.get("rank")
        duplicate_of = dict(self.duplicates(rows, None))
        out = reader.table.group_rows
        for position in rows.tolist():
            number = int(self.numbers[position])
            name, code = self.names[position], self.codes[position]
            groups = {g: values[g][position] if g in values else None for g in layout}
            official = total[position] if total is not None else None
            if official is not None and official > limits.total_max:
                reader.fail(
                    "above_max",
                    number,
                    columns["total"].index,
                    self.cell("total", position),
                    max=_fmt(limits.total_max),
                    group=columns["total"].header,
                )
            elif official is not None and all(v is not None for v in groups.values()):
                recomputed = sum(groups.values(), D(0))
                if abs(recomputed - official) > limits.tolerance:
                    reader.fail(
                        "total_mismatch",
                        number,
                        columns["total"].index,
                        self.cell("total", position),
                        unit=name or code,
                        sum=_fmt(recomputed),
                        total=_fmt(official),
                        diff=_fmt(abs(recomputed - official)),
                    )
            band = None
            if band_col is not None:
                band = _text(self.cell("band", position))
                if band is not None and _fold(band) in bands:
                    band = bands[_fold(band)]
                elif band is not None:
                    reader.fail(
                        "unknown_band", number, band_col.index, band, bands=", ".join(limits.bands)
                    )
            stt = _read_int(self.cell("stt", position)) if stt_col else None
            rank = _read_int(self.cell("rank", position)) if rank_col else None
            out.append(
                GroupRow(
                    number,
                    code,
                    name,
                    groups,
                    official,
                    band,
                    stt if stt is not None else rank,
                    rank,
                )
            )
            if position in duplicate_of:
                reader.fail(
                    "duplicate_unit.code" if code else "duplicate_unit",
                    number,
                    self.unit_col,
                    name or code,
                    first_row=duplicate_of[position],
                )
        return count


class _IndicatorChecks(_Checks):
    def run(self, body: np.ndarray) -> int:
        columns, limits, reader, numbers = self.columns, self.limits, self.reader, self.numbers
        indicator_col = columns["indicator"].index
        texts = _mapped(
            self.grid.columns[indicator_col], lambda v: None if _blank(v) else _indicator_text(v)
        )
        has_indicator = np.asarray([t is not None for t in texts.values], dtype=bool)
        has_values = np.zeros(len(body), dtype=bool)
        for key in ("numerator", "denominator", "portal_points"):
            has_values |= self.filled(key)[body]
        rows, count = self.unit_rows(body, has_values | has_indicator[texts.index[body]])
        no_indicator = ~has_indicator[texts.index[rows]]
        for position in rows[no_indicator].tolist():
            reader.fail(
                "missing_indicator",
                int(numbers[position]),
                indicator_col,
                unit=self.label(position),
            )
        rows = rows[~no_indicator]
        known = {_indicator_key(i): i for i in limits.indicators}
        canonical = [known.get(_indicator_key(t)) if t is not None else None for t in texts.values]
        unknown = np.asarray([c is None for c in canonical], dtype=bool)[texts.index[rows]]
        for position in rows[unknown].tolist():
            reader.fail(
                "unknown_indicator",
                int(numbers[position]),
                indicator_col,
                texts[position],
                known=", ".join(limits.indicators),
            )
        # An unknown id stays as written; rows of one id, however spelt, share its position.
        ids: dict[str, int] = {}
        spelt = [
            c if c is not None else (t or "") for c, t in zip(canonical, texts.values, strict=True)
        ]
        id_of = np.asarray([ids.setdefault(s, len(ids)) for s in spelt], dtype=np.int64)
        indicators = Coded(list(ids), id_of[texts.index])
        numerators = self.read_numbers("numerator", rows, count=True)
        denominators = self.read_numbers("denominator", rows, count=True)
        portal = self.read_numbers("portal_points", rows, count=False)
        if portal is None:
            portal = Coded([None], np.zeros(len(self.grid), dtype=np.int64))
        n_blank = ~self.filled("numerator")[rows]
        d_blank = ~self.filled("denominator")[rows]
        p_blank = ~self.filled("portal_points")[rows]
        n_col, d_col = columns["numerator"].index, columns["denominator"].index
        if "portal_points" in columns:
            # Above the indicator's maximum (unchecked where the framework gives none).
            p_col = columns["portal_points"].index
            limit_of = np.asarray(
                [float(limits.indicator_max.get(i, math.inf)) for i in indicators.values]
            )
            above = _floats(portal, rows) > limit_of[indicators.index[rows]]
            for position in rows[above].tolist():
                limit = limits.indicator_max[indicators[position]]
                reader.fail(
                    "above_max",
                    int(numbers[position]),
                    p_col,
                    self.grid.row(position)[p_col],
                    max=_fmt(limit),
                    group=_indicator_label(indicators[position]),
                )
        for position in rows[n_blank & ~d_blank].tolist():
            reader.fail("missing_numerator", int(numbers[position]), n_col)
        for position in rows[d_blank & ~n_blank].tolist():
            reader.fail("missing_denominator", int(numbers[position]), d_col)
        exceeds = _floats(numerators, rows) > _floats(denominators, rows)
        for position in rows[exceeds].tolist():
            reader.fail(
                "numerator_exceeds_denominator",
                int(numbers[position]),
                n_col,
                self.grid.row(position)[n_col],
                numerator=_fmt(numerators[position]),
                denominator=_fmt(denominators[position]),
            )
        for position in rows[n_blank & d_blank & p_blank].tolist():
            reader.fail(
                "indicator_no_data",
                int(numbers[position]),
                None,
                indicator=indicators[position],
                unit=self.label(position),
            )
        for position, first in self.duplicates(rows, indicators.index[rows]):
            code = self.codes[position]
            reader.fail(
                "duplicate_indicator.code" if code else "duplicate_indicator",
                int(numbers[position]),
                indicator_col,
                indicators[position],
                indicator=indicators[position],
                unit=self.label(position),
                first_row=first,
            )
        reader.table.indicator_columns = IndicatorColumns(
            ref_rows=numbers[rows],
            units=self.pairs(rows),
            indicators=_subset(indicators, rows),
            numerators=_subset(numerators, rows),
            denominators=_subset(denominators, rows),
            portal_points=_subset(portal, rows),
        )
        return count


def _floats(coded: Coded, rows: np.ndarray) -> np.ndarray:
    """A number column on `rows` as floats, NaN where blank or bad: for comparisons only,
    which then hold for no NaN (the failing cells' messages use the exact Decimals)."""
    values = np.asarray([math.nan if v is None else float(v) for v in coded.values])
    return values[coded.index[rows]]


def _subset(coded: Coded, rows: np.ndarray) -> Coded:
    """The column on `rows` only, with only the distinct values these rows hold."""
    used, index = np.unique(coded.index[rows], return_inverse=True)
    return Coded([coded.values[u] for u in used.tolist()], index.reshape(-1).astype(np.int64))


def _indicator_label(indicator: str) -> str:
    from django.utils.translation import gettext as _

    return _("indicator %(indicator)s") % {"indicator": indicator}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while many small objects are built.

    Reading a national file makes tens of thousands of short-lived objects, none in a
    reference cycle; with the collector on, its full passes walk every object of the
    process. Reference counting still frees everything as usual. Only the thread that
    turned the collector off turns it back on.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _indicator_text(value: object) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return repr(round(value, 4))
    return _text(value) or ""

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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache, cached_property, lru_cache
from typing import Literal

import numpy as np
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext as _
from xlsxwriter.utility import xl_col_to_name

from indicators.frameworks import read_framework
from indicators.scoring import DISAGREEMENT_TOLERANCE
from ingest import portal_json
from ingest.messages import (
    MAX_ISSUES,
    CellRef,
    Failure,
    Issue,
    IssueCode,
    Severity,
    display,
    report,
)
from ingest.portal_json import looks_like_json, read_portal_grid
from ingest.readers import Column, Grid, ReadError, read_grid
from units.text import code_key, fold_name, without_marks
from units.text import fold as fold_unit_name

logger = logging.getLogger(__name__)

__all__ = ["CellRef", "Issue", "IssueCode", "ParsedTable", "Severity", "TableLimits", "parse_table"]

Kind = Literal["group", "indicator"]

D = Decimal
HEADER_SCAN_ROWS = 15  # non-blank rows searched for the header row
HEADER_SCAN_LIMIT = 200  # rows read at most while searching (blank ones included)


# ---------------------------------------------------------------------------------------------
# Limits: the framework's


@dataclass(frozen=True)
class TableLimits:
    """What a framework version allows in a table: its groups and their maxima, indicator ids
    and maxima, band names, and the tolerance of an official total against its groups' sum."""

    group_max: Mapping[str, Decimal]  # every group's code, the five-group "CCDVTT" too
    total_max: Decimal
    indicators: tuple[str, ...]
    indicator_max: Mapping[str, Decimal]
    bands: tuple[str, ...]
    group_names: Mapping[str, str]  # as a message names a missing group column
    six_groups: tuple[str, ...] = ()  # the blocks the portal shows, in order
    five_groups: tuple[str, ...] = ()  # the decision's five groups, in order
    # Each code a source may give a group under (the framework's own, the portal API's:
    # CLGQ is DVCTT, MDSH is SHHS) → the framework's code; the portal's JSON maps by it.
    group_codes: Mapping[str, str] = field(default_factory=dict)
    tolerance: Decimal = DISAGREEMENT_TOLERANCE

    @cached_property
    def header_codes(self) -> tuple[tuple[str, str], ...]:
        """`group_codes` as a header cell folds them ("clgq" → "DVCTT"), hashable."""
        return tuple(sorted((code.casefold(), group) for code, group in self.group_codes.items()))

    @property
    def split_groups(self) -> tuple[str, ...]:
        """The blocks a five-group column is made of (DVCTT and TTTT)."""
        return tuple(g for g in self.six_groups if g not in self.five_groups)

    @classmethod
    def build(
        cls,
        *,
        groups: Iterable[Mapping],
        indicators: Iterable[Mapping],
        bands: Iterable[Mapping],
    ) -> TableLimits:
        """From the framework's rows (or its definition file's entries, which have the same
        keys), groups and indicators in position order, bands from the highest."""
        group_max: dict[str, Decimal] = {}
        names: dict[str, str] = {}
        codes: dict[str, str] = {}
        six: list[str] = []
        five: dict[str, Decimal] = {}
        for g in groups:
            code, maximum = g["code"], D(g["max_points"])
            names[code], group_max[code] = g["name"], maximum
            codes.update({c.strip().upper(): code for c in (code, *(g.get("api_codes") or ()))})
            if not g.get("is_combined"):
                six.append(code)
                five[g["five_group_code"]] = five.get(g["five_group_code"], D(0)) + maximum
        for code, maximum in five.items():  # the five-group view, if no row states it
            group_max.setdefault(code, maximum)
        indicator_max = {i["code"]: D(i["max_points"]) for i in indicators}
        return cls(
            group_max=group_max,
            total_max=sum((group_max[c] for c in six), D(0)),
            indicators=tuple(indicator_max),
            indicator_max=indicator_max,
            bands=tuple(b["name"] for b in bands),
            group_names=names,
            six_groups=tuple(six),
            five_groups=tuple(five),
            group_codes=codes,
        )


@cache
def builtin_limits(code: str = "766-2022") -> TableLimits:
    """The limits of a framework version as its definition file states them (pure callers:
    tests, tools); an upload uses the framework rows in force (validation.framework_limits)."""
    data = read_framework(code)
    return TableLimits.build(
        groups=data["groups"], indicators=data["indicators"], bands=data["bands"]
    )


# ---------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One unit of a group table. A group without a value is None ("no data"), never zero."""

    ref_row: int
    unit_code: str | None
    unit_name: str | None
    groups: dict[str, Decimal | None]  # the six blocks, or the five groups (TableLimits)
    official_total: Decimal | None
    official_band: str | None  # one of the framework's bands when recognised, else the text
    stt: int | None  # "STT", else "Hạng"
    official_rank: int | None = None  # "Hạng" when the table has it
    child_group: str | None = None  # the portal's table of the unit: AGENCY or COMMUNE


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
class IndicatorColumns:
    """The values of an indicator table's rows (those of ParsedTable.ref_rows), as columns."""

    indicators: Column  # canonical id when known, else the text as found
    numerators: Column  # Decimal | None
    denominators: Column
    portal_points: Column


@dataclass
class ParsedTable:
    """What a file holds: rows that could be read, plus every error and warning."""

    kind: Kind | None
    file: str
    sheet: str | None
    # The rows read (of either kind): each one's number, and its unit as (code, name).
    ref_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    units: Column = field(default_factory=lambda: Column([], np.zeros(0, dtype=np.int64)))
    group_rows: list[GroupRow] = field(default_factory=list)
    indicator_columns: IndicatorColumns | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # canonical key → header as found
    header_row: int | None = None
    # Group tables: the six blocks, the decision's five groups, or official totals alone.
    layout: Literal["six", "five", "totals"] | None = None
    source_format: str | None = None  # "csv" | "xlsx" | "xls" | "ods" | "json"
    scope_name: str | None = None  # the scope the file names itself (the portal's overview)
    scope_code: str | None = None
    encoding: str | None = None  # CSV only
    delimiter: str | None = None  # CSV only

    @property
    def ok(self) -> bool:
        return not self.errors

    def ref(self, row: int | None, header: str | None = None, letter: str | None = None) -> CellRef:
        """Where a problem is, as the user sees the file: a sheet's row and column, or an
        item of the portal's JSON and its field."""
        if self.source_format == "json":
            return CellRef(self.file, None, row, header, items=portal_json.ITEMS)
        return CellRef(self.file, self.sheet, row, header, letter)

    @property
    def issues(self) -> list[Issue]:
        return [*self.errors, *self.warnings]

    @property
    def row_count(self) -> int:
        return len(self.ref_rows)

    @property
    def rows(self) -> list:
        """Every row read, as objects (group rows; indicator rows built on request)."""
        if (c := self.indicator_columns) is None:
            return self.group_rows
        values = (c.indicators, c.numerators, c.denominators, c.portal_points)
        return [
            IndicatorRow(int(number), *self.units[i], *(v[i] for v in values))
            for i, number in enumerate(self.ref_rows.tolist())
        ]


# ---------------------------------------------------------------------------------------------
# Text folding


_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_POINTS_SUFFIX = re.compile(r"(?:\s+(?:toi da|max))?\s+\d+(?:\s*(?:diem|d))?$")
# Headers, bands and notes fold as names do (lowercase, no diacritics, đ → d, punctuation to
# spaces); duplicate detection folds names as unit matching does, administrative prefix off,
# so two rows that would match the same unit are caught before any database lookup.
_fold = lru_cache(maxsize=16384)(fold_name)
_fold_name = lru_cache(maxsize=16384)(fold_unit_name)


def _fold_header(text: str) -> str:
    """Fold a header: "Công khai, minh bạch (18 điểm)" → "cong khai minh bach"."""
    text = _PARENTHESES.sub(" ", text)
    return _POINTS_SUFFIX.sub("", _fold(text))


# ---------------------------------------------------------------------------------------------
# Header aliases (folded). Keys: the framework's group codes (upper case), and the names below.

_UNIT_ALIASES = {
    "unit_code": (
        "ma don vi", "ma dv", "madonvi", "ma", "ma co quan", "ma dinh danh", "ma dvhc",
        "ma don vi hanh chinh", "ma so", "unit code", "code", "ma dia ban", "departmentcode",
    ),
    "unit_name": (
        "don vi", "ten don vi", "ten dv", "co quan", "ten co quan", "co quan don vi",
        "don vi co quan", "don vi hanh chinh", "ten don vi hanh chinh", "dia phuong",
        "ten dia phuong", "dia ban", "unit", "unit name", "ten", "departmentname",
    ),
    "stt": ("stt", "tt", "so tt", "so thu tu", "thu tu"),
}  # fmt: skip
_GROUP_ALIASES = {
    "rank": ("hang", "xep hang", "thu hang", "rank"),
    "CKMB": ("ckmb", "cong khai minh bach", "cong khai"),
    "TDGQ": ("tdgq", "tien do giai quyet", "tien do"),
    "DVCTT": ("dvctt", "dich vu cong truc tuyen", "dvc truc tuyen", "dvctt clgq"),
    "TTTT": ("tttt", "thanh toan truc tuyen"),
    "SHHS": ("shhs", "so hoa ho so", "so hoa", "muc do so hoa"),
    "MDHL": ("mdhl", "muc do hai long", "hai long", "su hai long"),
    "CCDVTT": ("ccdvtt", "cung cap dich vu truc tuyen", "dich vu truc tuyen"),
    "total": (
        "tong diem", "tong", "tong cong", "diem", "tong so diem", "diem tong", "tong diem dat duoc",
        "diem dat duoc", "total", "diem 766", "totalscore",
    ),
    # The portal's table of the unit (AGENCY: a department; COMMUNE: a commune or ward).
    "child_group": ("childgroup",),
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
    for key, aliases in _GROUP_ALIASES.items()
    if key.isupper()
    for alias in aliases
    if len(alias.split()) >= 3
)


def _alias_table(*tables: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {alias: key for table in tables for key, aliases in table.items() for alias in aliases}


_ALIASES: dict[str, dict[str, str]] = {
    "group": _alias_table(_UNIT_ALIASES, _GROUP_ALIASES),
    "indicator": _alias_table(_UNIT_ALIASES, _INDICATOR_ALIASES),
}
_SPECIFIC: dict[str, frozenset[str]] = {
    "group": frozenset(_GROUP_ALIASES) - {"child_group"},
    "indicator": frozenset({"indicator", "indicator_name", "numerator", "denominator"}),
}
_ENUMERATION = re.compile(r"^(?:\d+|[ivx]+|[a-e])\s+")
_LEADING_WORDS = ("diem ", "nhom chi so ", "nhom ")


@lru_cache(maxsize=4096)
def _header_key(text: str, kind: str, codes: tuple[tuple[str, str], ...] = ()) -> str | None:
    """Return the canonical key of a header cell for a table kind, or None. `codes` are
    the framework's group codes by every code a source may give (TableLimits.header_codes:
    the portal API's "CLGQ" is DVCTT): the framework rows decide them, not this module."""
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
        by_code = dict(codes)
        for candidate in candidates:
            if candidate in by_code:
                return by_code[candidate]
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
_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\t'")
_DATE_TYPES = (date, datetime, time, timedelta)


def _blank(value: object) -> bool:
    return value is None or (type(value) is str and (not value or value.isspace()))


def _row_blank(cells: list) -> bool:
    return all(_blank(c) for c in cells)


def _text(value: object) -> str | None:
    """Cell as clean text (NFC, single spaces), None when blank."""
    if type(value) is str:
        return _clean_text(value)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return display(value)


@lru_cache(maxsize=32768)
def _clean_text(value: str) -> str | None:
    # Cached: an indicator table repeats each unit name on 21 rows.
    text = " ".join(value.split())
    if not text:
        return None
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def _read_number(value: object, *, count: bool) -> Decimal | None:
    """Read a cell as a Decimal; None when blank; raise _BadNumber otherwise.

    Workbook floats are rounded to 4 dp to drop binary noise (19.200000000000003 → 19.2).
    """
    if type(value) is str:
        text = value.strip()
        if not text:
            return None
        if text.isdigit() and text.isascii():  # most counts: no mark to read
            return Decimal(text)
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
    key = without_marks(text).replace(",", ".")
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
class _Header:
    """A recognised (or ignored) header cell and the grid column under it."""

    key: str
    index: int  # position of the column in the grid
    header: str
    letter: str


def _find_header(
    head: list[tuple[int, list]], forced: Kind | None, first_column: int, limits: TableLimits
) -> tuple[Kind, int, dict[str, _Header], list[_Header], list[tuple[_Header, _Header]]] | None:
    """Pick the header row (most recognised headers, earliest on a tie) and the table kind.

    Without a forced kind, a row counts for the kind it has more kind-specific headers of
    (group columns, total, band vs indicator id, numerator, denominator); a row with only
    shared headers ("STT", "Đơn vị") cannot decide the kind and is passed over.
    Returns (kind, position of the last header row, columns, ignored, duplicates).
    """
    kinds: tuple[Kind, ...] = (forced,) if forced else ("group", "indicator")
    codes = limits.header_codes
    best: tuple[int, int, Kind] | None = None  # (score, position, kind)
    for position, (_number, cells) in enumerate(head):
        if _row_blank(cells):
            continue
        ranked = []
        for kind in kinds:
            keys = [_header_key(c, kind, codes) if type(c) is str else None for c in cells]
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
    # merged "Cung cấp dịch vụ trực tuyến" (a five-group column made of split ones).
    fill: dict[int, tuple[str, int]] = {}
    for neighbour in (position - 1, position + 1):
        if 0 <= neighbour < len(head) and _is_header_like(head[neighbour][1], kind, codes):
            for index, cell in enumerate(head[neighbour][1]):
                if type(cell) is str and _header_key(cell, kind, codes) and index not in fill:
                    fill[index] = (cell, neighbour)
    columns: dict[str, _Header] = {}
    ignored: list[_Header] = []
    duplicates: list[tuple[_Header, _Header]] = []
    last_header_row = position
    for index in range(max(len(cells), max(fill, default=-1) + 1)):
        text = _text(cells[index]) if index < len(cells) else None
        key = _header_key(text, kind, codes) if text else None
        if index in fill:
            other, neighbour = fill[index]
            other_key = _header_key(other, kind, codes)
            combined = key in limits.five_groups and key not in limits.six_groups
            if key is None or (combined and other_key in limits.split_groups):
                text, key = _text(other), other_key
                last_header_row = max(last_header_row, neighbour)
        if not text:
            continue
        column = _Header(key or "", index, text, xl_col_to_name(first_column + index))
        if key is None:
            ignored.append(column)
        elif key in columns:
            duplicates.append((columns[key], column))
        else:
            columns[key] = column
    return kind, last_header_row, columns, ignored, duplicates


def _is_header_like(cells: list, kind: str, codes: tuple[tuple[str, str], ...] = ()) -> bool:
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
        recognised = recognised or _header_key(cell, kind, codes) is not None
    return recognised


def _is_summary(name: str | None) -> bool:
    """A summary line ("Tổng cộng", "Trung bình") rather than a unit: a short label (and, as
    the caller checks, no code)."""
    return bool(name) and len(name) <= 20 and _fold(name) in _SUMMARY_LABELS


def repeats(keys: np.ndarray, extra: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The positions whose key (with `extra`, a second key) came before, and for each the
    position of its first occurrence."""
    if extra is not None and len(keys):
        keys = keys * (int(extra.max()) + 1) + extra
    _unique, first, again = np.unique(keys, return_index=True, return_inverse=True)
    first = first[again.reshape(-1)]
    repeated = np.flatnonzero(first != np.arange(len(keys)))
    return repeated, first[repeated]


def duplicate_key(code: str | None, name: str | None) -> str:
    """What makes two rows name the same unit before the registry is asked: the code, or
    without one the name folded as unit matching folds it (units.text.fold)."""
    return ("code:" + code_key(code)) if code else ("name:" + _fold_name(name or ""))


# ---------------------------------------------------------------------------------------------
# Entry point


def parse_table(
    data: bytes,
    *,
    filename: str,
    sheet: str | None = None,
    kind: Kind | None = None,
    limits: TableLimits | None = None,
    max_issues: int = MAX_ISSUES,
) -> ParsedTable:
    """Read an uploaded group or indicator table; never raise for bad input.

    1. Decode the bytes once into columns (readers.read_grid): format, encoding, delimiter,
       sheet, bounds.
    2. Find the header row among the first rows and, unless `kind` is given, the table kind.
    3. Map columns to canonical keys; report missing, duplicate, mixed and ignored columns.
    4. Check every data cell column by column: blank, note and summary rows, numbers,
       maxima, duplicates; word the failures (ingest.messages).
    `limits` are the framework's (default: the built-in definition's).
    """
    if kind not in (None, "group", "indicator"):
        raise ValueError(f"kind must be 'group', 'indicator' or None, not {kind!r}")
    limits = limits or builtin_limits()
    table = ParsedTable(kind=kind, file=_basename(filename), sheet=None)
    reader = _Reader(table, limits)
    try:
        data = bytes(data)
        if looks_like_json(data):
            grid = read_portal_grid(data, group_codes=limits.group_codes)
        else:
            grid = read_grid(data, filename=table.file, sheet=sheet)
        table.sheet = grid.sheet
        table.source_format = grid.format
        table.encoding = grid.encoding
        table.delimiter = grid.delimiter
        table.scope_name, table.scope_code = grid.scope_name, grid.scope_code
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


def _file_kind(kind: object) -> str | None:
    """What a file that is no table looks like, in words; None when the reader could not say."""
    return {
        "pdf": _("a PDF document"),
        "png": _("a PNG image"),
        "jpeg": _("a JPEG image"),
        "gif": _("a GIF image"),
        "archive": _("a compressed archive"),
        "zip": _("a ZIP archive that is not an Excel workbook"),
        "rtf": _("an RTF document"),
        "markup": _("a web page or XML file"),
    }.get(kind)  # type: ignore[arg-type]


def _read_failure(exc: ReadError) -> Failure:
    """A reader's refusal as a file-level failure."""
    p = dict(exc.params)
    row, key, value = p.pop("row", None), exc.code, None
    if key == "not_spreadsheet" and (kind := _file_kind(p.get("kind"))):
        key, p["kind"] = "not_spreadsheet.kind", kind
    elif key == "sheet_not_found":
        value, p["sheets"] = p["sheet"], ", ".join(f"“{name}”" for name in p["sheets"])
    elif key.startswith("too_many"):
        # Grouped as the language writes it (200.000 in Vietnamese), whatever the settings.
        p["limit"] = f"{p['limit']:,}".replace(",", get_format("THOUSAND_SEPARATOR"))
    key = {
        "upload_too_large": "file_too_large.upload",
        "zip_bomb": "file_too_large.zip_bomb",
        "too_many_cells": "too_many_rows.cells",
    }.get(key, key)
    return Failure(key, row, None, value, tuple(p.items()))


# ---------------------------------------------------------------------------------------------
# The reading of one grid


_NOT_NUMBER, _DATE = _BadNumber(), _BadNumber(is_date=True)  # a cell's value when it fails


def _number_or_bad(count: bool):
    def convert(value: object) -> Decimal | _BadNumber | None:
        try:
            return _read_number(value, count=count)
        except _BadNumber as exc:
            return _DATE if exc.is_date else _NOT_NUMBER

    return convert


class _Reader:
    """Reads one grid into a ParsedTable; collects failures, words nothing.

    Positions are rows of the grid; each check maps a column's distinct values once and
    gathers the answer per row (`Column.of`), and only failing positions are reported.
    """

    def __init__(self, table: ParsedTable, limits: TableLimits) -> None:
        self.table = table
        self.limits = limits
        self.failures: list[Failure] = []
        self.headers: dict[int, tuple[str, str]] = {}  # column position → (header, letter)

    def ref(self, row: int | None, column: int | None) -> CellRef:
        return self.table.ref(row, *self.headers.get(column, (None, None)))

    def fail_at(self, key: str, row, at=None, value=None, **params) -> None:
        """Record a failure at `row` (number) and `at` (grid column position)."""
        self.failures.append(Failure(key, row, at, value, tuple(params.items())))

    # -- header --------------------------------------------------------------------------------

    def read(self, grid: Grid) -> None:
        table = self.table
        blank_rows = np.ones(len(grid), dtype=bool)
        for column in grid.columns:
            blank_rows &= column.of(_blank)
        head: list[tuple[int, list]] = []
        seen = 0
        for position in range(min(len(grid), HEADER_SCAN_LIMIT)):
            head.append((int(grid.numbers[position]), grid.row(position)))
            if not blank_rows[position]:
                seen += 1
                if seen >= HEADER_SCAN_ROWS:
                    break
        if blank_rows.all():
            self.fail_at("empty_file", None)
            return
        found = _find_header(head, table.kind, grid.first_column, self.limits)
        if found is None:
            self.fail_at("header_not_found", None, count=HEADER_SCAN_ROWS)
            return
        kind, position, columns, ignored, duplicates = found
        table.kind = kind
        table.header_row = header_row = head[position][0]
        table.columns = {c.key: c.header for c in columns.values()}
        for column in (*columns.values(), *ignored, *(second for _first, second in duplicates)):
            self.headers.setdefault(column.index, (column.header, column.letter))
        for column in ignored:
            self.fail_at("column_ignored", header_row, column.index)
        for first, second in duplicates:
            self.fail_at(
                "duplicate_column",
                header_row,
                second.index,
                first=first.letter,
                header=first.header,
            )
        has_unit = "unit_name" in columns or "unit_code" in columns
        if not has_unit:
            self.fail_at("missing_column", header_row, column="Đơn vị / Mã đơn vị")
        check = self._group_columns if kind == "group" else self._indicator_columns
        if not check(columns, header_row) or not has_unit:
            return
        self.grid, self.columns, self.numbers = grid, columns, grid.numbers
        self._filled: dict[str, np.ndarray] = {}
        self.stt_col = columns.get("stt")
        self.unit_col = (columns.get("unit_name") or columns.get("unit_code")).index
        self.names = self.mapped("unit_name", _text)
        self.codes = self.mapped("unit_code", _text)
        body = np.arange(position + 1, len(grid))
        body = body[~blank_rows[body]]
        rows = self._group_rows if kind == "group" else self._indicator_rows
        if rows(body) == 0:
            self.fail_at("no_data_rows", header_row)

    def _group_columns(self, columns: dict[str, _Header], header_row: int) -> bool:
        """Report structural problems of a group table; False when rows cannot be read."""
        limits = self.limits
        six = [c for c in limits.six_groups if c in columns]
        five = any(c in columns for c in limits.five_groups if c not in limits.six_groups)
        if not six and not five:
            if "total" in columns:
                # The portal's table of a province's units gives totals only: they rank by
                # the official total, and their groups are not given (docs/DOMAIN.md).
                self.table.layout = "totals"
                return True
            self.fail_at("missing_group_columns", header_row)
            return False
        split = [c for c in limits.split_groups if c in columns]
        if five and split:
            combined = next(c for c in limits.five_groups if c in columns and c not in six)
            self.fail_at(
                "mixed_group_columns",
                header_row,
                columns[combined].index,
                six=", ".join(f"{columns[c].letter} “{columns[c].header}”" for c in split),
                combined=limits.group_names.get(combined, combined),
                combined_max=_fmt(limits.group_max[combined]),
                split=_(" and ").join(
                    f"“{limits.group_names.get(c, c)}” ({_fmt(limits.group_max[c])})"
                    for c in limits.split_groups
                ),
            )
            return False
        self.table.layout = "five" if five else "six"
        expected = limits.five_groups if five else limits.six_groups
        missing = [c for c in expected if c not in columns]
        if missing:
            # A group left out would be "no data" for every unit and rank them all on a
            # total without it: the table is refused at its header.
            self.fail_at(
                "missing_group_column",
                header_row,
                groups=", ".join(missing),
                names=", ".join(f"“{limits.group_names.get(c, c)}”" for c in missing),
            )
            return False
        return True

    def _indicator_columns(self, columns: dict[str, _Header], header_row: int) -> bool:
        labels = {"indicator": "Chỉ tiêu", "numerator": "Tử số", "denominator": "Mẫu số"}
        missing = [key for key in labels if key not in columns]
        for key in missing:
            self.fail_at(f"missing_column.{key}", header_row, column=labels[key], ids=self.ids)
        return not missing

    # -- rows ----------------------------------------------------------------------------------

    @property
    def ids(self) -> str:
        """The framework's indicator ids as a fix names them: "1.1 … 5.4"."""
        ids = self.limits.indicators
        return f"{ids[0]} … {ids[-1]}" if ids else ""

    def mapped(self, key: str, convert) -> Column:
        """Column `key` with `convert` applied to each distinct value; all None without it."""
        if key not in self.columns:
            return Column([None], np.zeros(len(self.grid), dtype=np.int64))
        column = self.grid.columns[self.columns[key].index]
        return Column([convert(v) for v in column.values], column.index)

    def filled(self, key: str) -> np.ndarray:
        """Per row: the cell of column `key` is not blank (worked out once per column)."""
        if key not in self._filled:
            self._filled[key] = self.mapped(key, lambda v: not _blank(v)).of(bool)
        return self._filled[key]

    def cell(self, key: str, position: int) -> object:
        return self.grid.row(position)[self.columns[key].index]

    def label(self, position: int) -> str | None:
        """How a message names the row's unit: its name, else its code."""
        return self.names[position] or self.codes[position]

    def fail(self, key: str, positions, at: str | int | None = None, **params) -> None:
        """A failure on each of `positions`, at column `at` (a key: with the cell's value);
        a callable param is called with the position (the unit's label, a value)."""
        if not len(positions):
            return
        column = self.columns[at].index if isinstance(at, str) else at
        for position in positions.tolist() if isinstance(positions, np.ndarray) else positions:
            values = {k: v(position) if callable(v) else v for k, v in params.items()}
            value = values.pop("value", self.cell(at, position) if isinstance(at, str) else None)
            self.fail_at(key, int(self.numbers[position]), column, value, **values)

    def keep_without_values(self, position: int) -> bool:
        """A row with no numbers: True when it is a unit row all the same (it then fails
        as one); False when it is skipped as a note, a heading or an empty template row."""
        if self.table.source_format == "json":
            return True  # every item of the portal's list is a unit, never a note
        name, code = self.names[position], self.codes[position]
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
        self.fail("note_row_skipped", [position], value=label)
        return False

    def unit_rows(self, body: np.ndarray, has_values: np.ndarray) -> tuple[np.ndarray, int]:
        """The rows of `body` that name a unit and carry values, and the count of unit rows
        (those that fail as units included); the others are reported or skipped."""
        keep = has_values.copy()
        for i in np.flatnonzero(~has_values).tolist():
            keep[i] = self.keep_without_values(int(body[i]))
        rows = body[keep]
        named = self.names.of(lambda v: v is not None)
        coded = self.codes.of(lambda v: v is not None)
        no_unit = rows[~named[rows] & ~coded[rows]]
        self.fail("missing_unit", no_unit, self.unit_col)
        rows = rows[named[rows] | coded[rows]]
        is_summary = self.names.of(_is_summary)[rows] & ~coded[rows]
        self.fail("summary_row_skipped", rows[is_summary], value=self.names.__getitem__)
        return rows[~is_summary], len(no_unit) + int((~is_summary).sum())

    def read_numbers(self, key: str, rows: np.ndarray, *, count: bool) -> Column:
        """A number column (None where blank or bad; all None without the column), with its
        cells on `rows` that are not numbers, dates or negative reported."""
        coded = self.mapped(key, _number_or_bad(count))
        not_number = coded.of(lambda v: v is _NOT_NUMBER)[rows]
        self.fail("not_a_number.count" if count else "not_a_number", rows[not_number], key)
        self.fail("not_a_number.date", rows[coded.of(lambda v: v is _DATE)[rows]], key)
        if self.table.source_format == "json":
            # The portal gives numbers as numbers: a quoted "92,05" was typed or edited, and
            # which of "," and "." is the decimal mark is then a guess.
            quoted = self.mapped(key, lambda v: isinstance(v, str)).of(bool)[rows]
            bad = coded.of(lambda v: isinstance(v, _BadNumber))[rows]
            self.fail("number_as_text", rows[quoted & ~bad], key)
        values = Column(
            [None if isinstance(v, _BadNumber) else v for v in coded.values], coded.index
        )
        self.fail("negative_value", rows[values.of(lambda v: v is not None and v < 0)[rows]], key)
        return values

    def pairs(self, rows: np.ndarray) -> Column:
        """Each row's unit as (code, name), over the distinct pairs of `rows`."""
        width = len(self.codes.values)
        pair_of = self.names.index[rows] * width + self.codes.index[rows]
        distinct, inverse = np.unique(pair_of, return_inverse=True)
        values = [(self.codes.values[p % width], self.names.values[p // width]) for p in distinct]
        return Column(values, inverse.reshape(-1).astype(np.int64))

    def duplicates(self, rows: np.ndarray, extra: np.ndarray | None) -> dict[int, int]:
        """Position → first row number, of each row whose unit (and `extra` key) came before."""
        pairs = self.pairs(rows)
        ids: dict[str, int] = {}
        keys = pairs.of(lambda p: ids.setdefault(duplicate_key(*p), len(ids)), np.int64)
        repeated, first = repeats(keys, extra)
        numbers = self.numbers[rows[first]].tolist()
        return dict(zip(rows[repeated].tolist(), numbers, strict=True))

    def _group_rows(self, body: np.ndarray) -> int:
        """Check the rows of a group table; return the count of unit rows."""
        columns, limits = self.columns, self.limits
        layout = {"five": limits.five_groups, "six": limits.six_groups, "totals": ()}[
            self.table.layout
        ]
        with_groups = np.zeros(len(self.grid), dtype=bool)
        for group in {*limits.six_groups, *limits.five_groups}:
            with_groups |= self.filled(group)
        rows, count = self.unit_rows(body, (with_groups | self.filled("total"))[body])
        scored = self.filled("total") if not layout else with_groups
        self.fail("no_values", rows[~scored[rows]], self.unit_col, value=self.label)
        rows = rows[scored[rows]]
        values = {g: self.read_numbers(g, rows, count=False) for g in layout}
        for group, coded in values.items():
            maximum = limits.group_max[group]
            above = rows[coded.of(lambda v, m=maximum: v is not None and v > m)[rows]]
            self.fail("above_max", above, group, max=_fmt(maximum), group=group)
            blank = rows[~self.filled(group)[rows]]
            self.fail("group_blank", blank, columns[group].index, group=group, unit=self.label)
        total = self.read_numbers("total", rows, count=False)
        above = rows[total.of(lambda v: v is not None and v > limits.total_max)[rows]]
        header = columns["total"].header if "total" in columns else None
        self.fail("above_max", above, "total", max=_fmt(limits.total_max), group=header)
        bands = {_fold(b): b for b in limits.bands}
        texts = self.mapped("band", _text)
        unknown = rows[texts.of(lambda b: b is not None and _fold(b) not in bands)[rows]]
        shown = ", ".join(bands.values())
        self.fail("unknown_band", unknown, "band", value=texts.__getitem__, bands=shown)
        band = Column([b and bands.get(_fold(b), b) for b in texts.values], texts.index)
        stt, rank = self.mapped("stt", _read_int), self.mapped("rank", _read_int)
        child_group = self.mapped("child_group", _text)
        for position in rows.tolist():
            groups = {g: values[g][position] for g in layout}
            official = total[position]
            complete = groups and None not in groups.values()
            if complete and official is not None and official <= limits.total_max:
                recomputed = sum(groups.values(), D(0))
                if abs(recomputed - official) > limits.tolerance:
                    self.fail(
                        "total_mismatch",
                        [position],
                        "total",
                        unit=self.label(position),
                        sum=_fmt(recomputed),
                        total=_fmt(official),
                        diff=_fmt(abs(recomputed - official)),
                    )
            code, name = self.codes[position], self.names[position]
            order = rank[position] if stt[position] is None else stt[position]
            cells = (band[position], order, rank[position], child_group[position])
            row = GroupRow(int(self.numbers[position]), code, name, groups, official, *cells)
            self.table.group_rows.append(row)
        for position, first in self.duplicates(rows, None).items():
            key = "duplicate_unit.code" if self.codes[position] else "duplicate_unit"
            self.fail(key, [position], self.unit_col, value=self.label, first_row=first)
        self.table.ref_rows, self.table.units = self.numbers[rows], self.pairs(rows)
        return count

    def _indicator_rows(self, body: np.ndarray) -> int:
        """Check the rows of an indicator table; return the count of unit rows."""
        limits = self.limits
        texts = self.mapped("indicator", lambda v: None if _blank(v) else _indicator_text(v))
        has_indicator = texts.of(lambda t: t is not None)
        has_values = self.filled("numerator") | self.filled("denominator")
        has_values |= self.filled("portal_points") | has_indicator
        rows, count = self.unit_rows(body, has_values[body])
        self.fail(
            "missing_indicator",
            rows[~has_indicator[rows]],
            "indicator",
            value=None,
            unit=self.label,
            ids=self.ids,
        )
        rows = rows[has_indicator[rows]]
        # An unknown id stays as written; the spellings of one id share its canonical form.
        known = {_indicator_key(i): i for i in limits.indicators}
        canonical = [known.get(_indicator_key(t)) if t else None for t in texts.values]
        unknown = rows[np.asarray([c is None for c in canonical], dtype=bool)[texts.index[rows]]]
        self.fail(
            "unknown_indicator",
            unknown,
            "indicator",
            value=texts.__getitem__,
            known=", ".join(limits.indicators),
        )
        ids: dict[str, int] = {}
        spelt = [c or t or "" for c, t in zip(canonical, texts.values, strict=True)]
        id_of = np.asarray([ids.setdefault(s, len(ids)) for s in spelt], dtype=np.int64)
        indicators = Column(list(ids), id_of[texts.index])
        numerators = self.read_numbers("numerator", rows, count=True)
        denominators = self.read_numbers("denominator", rows, count=True)
        portal = self.read_numbers("portal_points", rows, count=False)
        # Portal points above the indicator's maximum (unchecked where the framework has none).
        maxima = np.asarray(
            [float(limits.indicator_max.get(i, math.inf)) for i in indicators.values]
        )
        above = rows[_floats(portal, rows) > maxima[indicators.index[rows]]]
        maximum = lambda p: _fmt(limits.indicator_max[indicators[p]])  # noqa: E731
        self.fail(
            "above_max",
            above,
            "portal_points",
            max=maximum,
            group=lambda p: _indicator_label(indicators[p]),
        )
        n_blank = ~self.filled("numerator")[rows]
        d_blank = ~self.filled("denominator")[rows]
        self.fail("missing_numerator", rows[n_blank & ~d_blank], self.columns["numerator"].index)
        self.fail(
            "missing_denominator", rows[d_blank & ~n_blank], self.columns["denominator"].index
        )
        exceeds = rows[_floats(numerators, rows) > _floats(denominators, rows)]
        self.fail(
            "numerator_exceeds_denominator",
            exceeds,
            "numerator",
            numerator=lambda p: _fmt(numerators[p]),
            denominator=lambda p: _fmt(denominators[p]),
        )
        no_data = rows[n_blank & d_blank & ~self.filled("portal_points")[rows]]
        self.fail("indicator_no_data", no_data, indicator=indicators.__getitem__, unit=self.label)
        for position, first in self.duplicates(rows, indicators.index[rows]).items():
            key = "duplicate_indicator.code" if self.codes[position] else "duplicate_indicator"
            self.fail(
                key,
                [position],
                "indicator",
                value=indicators[position],
                indicator=indicators[position],
                unit=self.label,
                first_row=first,
            )
        self.table.ref_rows, self.table.units = self.numbers[rows], self.pairs(rows)
        self.table.indicator_columns = IndicatorColumns(
            indicators=_subset(indicators, rows),
            numerators=_subset(numerators, rows),
            denominators=_subset(denominators, rows),
            portal_points=_subset(portal, rows),
        )
        return count


def _floats(coded: Column, rows: np.ndarray) -> np.ndarray:
    """A number column on `rows` as floats, NaN where blank or bad: for comparisons only,
    which then hold for no NaN (the failing cells' messages use the exact Decimals)."""
    values = np.asarray([math.nan if v is None else float(v) for v in coded.values])
    return values[coded.index[rows]]


def _subset(coded: Column, rows: np.ndarray) -> Column:
    """The column on `rows` only, with only the distinct values these rows hold."""
    index = coded.index[rows]
    used = np.flatnonzero(np.bincount(index, minlength=len(coded.values)))
    position = np.zeros(len(coded.values), dtype=np.int64)
    position[used] = np.arange(len(used))
    return Column([coded.values[u] for u in used.tolist()], position[index])


def _indicator_label(indicator: str) -> str:
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

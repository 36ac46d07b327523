"""The short path of a plain indicator table: read and check it column by column.

A national indicator table has ~70,000 rows that nearly always look alike: a header row, then
one row per unit × indicator with a known unit, a known indicator id and two whole-number
counts. Read row by row in Python (ingest.parsers), such a file costs several times what
PostgreSQL needs to store it; read as columns by Arrow's C++ CSV reader and checked with
vectorised operations, it costs a fraction (docs/PERFORMANCE.md).

The row parser stays the single source of messages. This path takes a file only when every
row is one the row parser takes without any issue (see `_IndicatorParser.run`, whose short
path has the same conditions, and `ingest.parsers.plain_*`), and returns None as soon as it
has a doubt — a title row, a blank count, a decimal, an unknown id, a duplicate, a workbook —
so the caller runs the full path, which finds and words the problem. Stricter than needed is
safe (the full path then accepts the file); laxer never is: `tests/ingest/test_columnar.py`
runs every fixture through both paths and compares.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from indicators.scoring import ARRAY_COUNT_DIGITS, NO_POINTS
from ingest.parsers import indicator_keys, plain_indicator, plain_indicator_header, plain_unit
from ingest.readers import OLE2_MAGIC, ZIP_MAGIC, ReadError, open_table, peek_utf8_csv
from scoreboard.arrays import all_distinct, factorize

# Portal points: blank, or up to 3 digits with at most 2 decimals after a comma or a point,
# which the row parser reads as a decimal mark whatever the column ("19,2", "4", "5.25").
_PLAIN_POINTS = re.compile(r"[0-9]{1,3}(?:[.,][0-9]{1,2})?")


# The maximum of an indicator the caller gave none for: unchecked, as the row parser does.
_NO_LIMIT = np.iinfo(np.int64).max


@dataclass(frozen=True)
class PlainIndicatorTable:
    """An indicator table read as columns; row i names `units[unit_index[i]]`."""

    units: list[tuple[str, str]]  # distinct (code, name) as the row parser cleans them
    unit_index: np.ndarray
    indicators: list[str]  # distinct canonical indicator ids
    indicator_index: np.ndarray
    numerators: np.ndarray  # int64
    denominators: np.ndarray  # int64
    portal_cents: np.ndarray | None  # int64 hundredths of a point; NO_POINTS where blank

    @property
    def row_count(self) -> int:
        return len(self.numerators)


def read_plain_indicator_table(
    data: bytes,
    *,
    filename: str,
    sheet: str | None,
    known_indicators: Iterable[str],
    indicator_max: Mapping[str, Decimal] | None = None,
) -> PlainIndicatorTable | None:
    """Read `data` as a plain indicator table, or return None for the full path to read it.

    `known_indicators` and `indicator_max` are what `ingest.parsers.parse_table` takes.
    """
    # Workbooks are read by the row parser (in a sandboxed process); a named sheet too.
    if sheet or data[:8].startswith((OLE2_MAGIC, ZIP_MAGIC)):
        return None
    known = indicator_keys(known_indicators)
    maxima = dict(indicator_max or {})
    # UTF-8, the usual export, goes to Arrow as it is; any other text is decoded first.
    utf8 = peek_utf8_csv(data)
    if utf8 is not None:
        try:
            return _read(utf8.body, utf8.head, utf8.delimiter, known, maxima)
        except _NotUtf8:
            pass  # valid at the start only: open_table decides the encoding
    try:
        source = open_table(data, filename=filename)
    except ReadError:
        return None
    try:
        if source.format != "csv" or not source.text:
            return None
        return _read(source.text.encode("utf-8"), source.text, source.delimiter, known, maxima)
    finally:
        source.close()


class _NotUtf8(Exception):
    """The bytes given as UTF-8 are not."""


def _read(
    body: bytes | memoryview,
    head: str,
    delimiter: str,
    known: dict[str, str],
    maxima: dict[str, Decimal],
) -> PlainIndicatorTable | None:
    """Read the UTF-8 `body`, whose decoded start is `head`; raise _NotUtf8 if it is not."""
    # The header is the first line; a header without a line break in the first 64 KiB (or
    # one with a line break inside a cell) is not plain.
    start = head[:65536]
    if "\n" not in start:
        return None
    header = next(csv.reader(io.StringIO(start, newline=""), delimiter=delimiter), [])
    if any("\n" in cell or "\r" in cell for cell in header):
        return None
    positions = plain_indicator_header(header)
    if positions is None:
        return None
    names = [f"c{i}" for i in range(len(header))]
    wanted = {key: names[index] for key, index in positions.items()}
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names),
            # A line break inside a cell needs a quote around it; without any quote in the
            # file, Arrow may split it into blocks and parse them in parallel.
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=_has_quote(body)
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                include_columns=list(wanted.values()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except pa.ArrowInvalid as exc:  # ragged rows, a broken quote …: the full path says which
        # Arrow says "invalid UTF8 data"; should the wording change, such a file only takes
        # the row parser's road instead of the decoding one.
        if "UTF8" in str(exc) or "UTF-8" in str(exc):
            raise _NotUtf8 from exc
        return None
    if table.num_rows == 0:
        return None

    def column(key: str) -> pa.Array:
        return table.column(wanted[key]).combine_chunks()

    numerators = _counts(column("numerator"))
    denominators = _counts(column("denominator"))
    if numerators is None or denominators is None or np.any(numerators > denominators):
        return None
    portal_cents = None
    if "portal_points" in wanted:
        portal_cents = _portal_cents(column("portal_points"))
        if portal_cents is None:
            return None
    indicators = _indicators(column("indicator"), known)
    if indicators is None:
        return None
    if portal_cents is not None and maxima:
        # Portal points above their indicator's maximum: the row parser says where.
        limits = np.asarray(
            [int(maxima[c] * 100) if c in maxima else _NO_LIMIT for c in indicators[0]],
            dtype=np.int64,
        )
        if np.any(portal_cents > limits[indicators[1]]):
            return None
    units = _units(
        _distinct_texts(column("unit_name") if "unit_name" in wanted else None, table.num_rows),
        _distinct_texts(column("unit_code") if "unit_code" in wanted else None, table.num_rows),
    )
    if units is None:
        return None
    canonical, indicator_index = indicators
    pairs, unit_index, duplicate_keys = units
    # One row per unit and indicator, where "unit" is what the row parser's duplicate check
    # folds a name or code to.
    row_keys = duplicate_keys[unit_index] * len(canonical) + indicator_index
    if not all_distinct(row_keys):
        return None
    return PlainIndicatorTable(
        units=pairs,
        unit_index=unit_index,
        indicators=canonical,
        indicator_index=indicator_index,
        numerators=numerators,
        denominators=denominators,
        portal_cents=portal_cents,
    )


def _nfc(text: str) -> str:
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def _has_quote(body: bytes | memoryview) -> bool:
    return (body.obj if isinstance(body, memoryview) else body).find(b'"') != -1


def _counts(values: pa.Array) -> np.ndarray | None:
    """Each row's count, or None unless every cell is 1 to ARRAY_COUNT_DIGITS ASCII digits:
    short enough for the vectorised scoring's 64-bit arithmetic
    (indicators.scoring.indicator_points_array); longer ones take the full path."""
    # Two vectorised passes rather than a regular expression: a fifth of the time.
    if not pc.all(pc.ascii_is_decimal(values)).as_py():  # false for "" too
        return None
    if pc.max(pc.binary_length(values)).as_py() > ARRAY_COUNT_DIGITS:
        return None
    return values.cast(pa.int64()).to_numpy()


def _portal_cents(values: pa.Array) -> np.ndarray | None:
    """Each row's portal points in hundredths (NO_POINTS when blank); None if one is odd."""
    encoded = values.dictionary_encode()
    cents = []
    for raw in encoded.dictionary.to_pylist():
        text = raw.strip(" \t")
        if not text:
            cents.append(NO_POINTS)
        elif _PLAIN_POINTS.fullmatch(text):
            whole, _mark, fraction = text.replace(",", ".").partition(".")
            cents.append(int(whole) * 100 + int(fraction.ljust(2, "0")))
        else:
            return None
    return np.asarray(cents, dtype=np.int64)[encoded.indices.to_numpy()]


def _indicators(values: pa.Array, known: dict[str, str]) -> tuple[list[str], np.ndarray] | None:
    """Distinct canonical ids and each row's index into them; None if one is unknown."""
    encoded = values.dictionary_encode()
    canonical: dict[str, int] = {}
    positions = []
    for raw in encoded.dictionary.to_pylist():
        code = plain_indicator(_nfc(raw), known)
        if code is None:
            return None
        positions.append(canonical.setdefault(code, len(canonical)))
    return list(canonical), np.asarray(positions, dtype=np.int64)[encoded.indices.to_numpy()]


def _distinct_texts(values: pa.Array | None, rows: int) -> tuple[list[str], np.ndarray]:
    """The distinct texts of a column (NFC) and each row's index into them; a column the file
    does not have is blank on every row."""
    if values is None:
        return [""], np.zeros(rows, dtype=np.int64)
    encoded = values.dictionary_encode()
    # NFC cell by cell is NFC of the whole text, as the row parser reads it: no delimiter,
    # quote or line break composes with a mark.
    texts = [_nfc(t) for t in encoded.dictionary.to_pylist()]
    return texts, encoded.indices.to_numpy().astype(np.int64)


def _units(
    names: tuple[list[str], np.ndarray], codes: tuple[list[str], np.ndarray]
) -> tuple[list[tuple[str, str]], np.ndarray, np.ndarray] | None:
    """Distinct (code, name) pairs, each row's index into them, and each pair's duplicate key."""
    (name_texts, name_index), (code_texts, code_index) = names, codes
    if len(code_texts) == 1:  # one code (or no code column): the names tell the pairs apart
        distinct, unit_index = np.arange(len(name_texts)), name_index
    else:
        distinct, unit_index = factorize(name_index * len(code_texts) + code_index)
    pairs: list[tuple[str, str]] = []
    keys: dict[str, int] = {}
    duplicate_keys = []
    for pair_id in distinct.tolist():
        plain = plain_unit(
            name_texts[pair_id // len(code_texts)], code_texts[pair_id % len(code_texts)]
        )
        if plain is None:
            return None
        name, code, key = plain
        pairs.append((code or "", name or ""))
        duplicate_keys.append(keys.setdefault(key, len(keys)))
    return pairs, unit_index, np.asarray(duplicate_keys, dtype=np.int64)

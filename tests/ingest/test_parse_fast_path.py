"""The short path for well-formed indicator rows gives exactly what the full path gives."""

import random
from pathlib import Path

import pytest
from django.utils import translation

from ingest import parsers
from ingest.parsers import DEFAULT_INDICATORS, IndicatorRow, ParsedTable, parse_table

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted(
    p
    for folder in (ROOT / "tests" / "fixtures", ROOT / "demo")
    if folder.is_dir()
    for p in folder.rglob("*")
    if p.suffix in {".csv", ".xlsx", ".xls", ".ods"}
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def parse_both(data: bytes, monkeypatch, **kwargs) -> tuple[ParsedTable, ParsedTable]:
    """Parse with the short path (as shipped), then with every row sent through the full path."""
    fast = parse_table(data, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(parsers._IndicatorParser, "run", parsers._RowParser.run)
        full = parse_table(data, **kwargs)
    return fast, full


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_file_parses_alike(path, monkeypatch):
    fast, full = parse_both(path.read_bytes(), monkeypatch, filename=path.name)
    assert fast == full


def national_csv(seed: int, *, defects: bool, with_code: bool) -> bytes:
    """A national indicator table (3,355 communes × 21); with defects, ~1 row in 12 is odd."""
    rnd = random.Random(seed)
    header = ["Mã đơn vị"] if with_code else []
    lines = [";".join([*header, "Đơn vị", "Chỉ tiêu", "Tử số", "Mẫu số", "Điểm cổng"])]
    odd_numbers = ["5.105", "5,105", "1.234,5", " 12 ", "", "abc", "-3", "12%", "0,5", "١٢"]
    odd_portals = ["19,2", "2", "", "  ", "x", "-1", "1.5", "٣"]
    odd_indicators = [" 3,5A ", "9.9", "", "Chỉ tiêu 1.1", "cs2.1", "1.10"]
    odd_names = ["", "Tổng cộng", "Ghi chú: số liệu từ cổng", "* nguồn", "  Xã  đo 00001 "]
    for i in range(3355):
        code, name = f"X{i:05d}", f"Xã đo {i:05d}"
        for indicator in DEFAULT_INDICATORS:
            den = rnd.randint(0, 6000)
            cells = [name, indicator, str(rnd.randint(0, den) if den else 0), str(den), ""]
            if defects and rnd.random() < 0.08:
                column = rnd.randrange(5)
                if column == 0:
                    cells[0] = rnd.choice(odd_names)
                elif column == 1:
                    cells[1] = rnd.choice(odd_indicators)
                elif column in (2, 3):
                    cells[column] = rnd.choice(odd_numbers)
                else:
                    cells[4] = rnd.choice(odd_portals)
            row = ";".join(([code] if with_code else []) + cells)
            lines.append(row)
            if defects and rnd.random() < 0.005:
                lines.append(row)  # a duplicate
            if defects and rnd.random() < 0.002:
                lines.append(";" * (len(header) + 4))  # a blank row
    return "\r\n".join(lines).encode("utf-8")


@pytest.mark.parametrize("with_code", [False, True], ids=["names", "codes"])
@pytest.mark.parametrize("defects", [False, True], ids=["clean", "defects"])
def test_a_national_file_parses_alike(defects, with_code, monkeypatch):
    data = national_csv(7, defects=defects, with_code=with_code)
    fast, full = parse_both(data, monkeypatch, filename="national.csv", max_issues=100_000)
    assert fast == full
    if not defects:
        assert fast.ok and len(fast.rows) == 3355 * 21
    else:
        assert len(fast.errors) > 100
        # Without a code column, note and summary rows are skipped with a warning.
        assert with_code or len(fast.warnings) > 100


def test_the_issue_cap_applies_alike(monkeypatch):
    data = national_csv(8, defects=True, with_code=False)
    fast, full = parse_both(data, monkeypatch, filename="national.csv")
    assert fast == full
    assert fast.errors[-1].code == "too_many_issues"


def test_well_formed_rows_skip_the_full_path(monkeypatch):
    calls = []
    original = parsers._IndicatorParser.row
    monkeypatch.setattr(
        parsers._IndicatorParser,
        "row",
        lambda self, number, cells: calls.append(number) or original(self, number, cells),
    )
    table = parse_table(national_csv(9, defects=False, with_code=False), filename="n.csv")
    assert table.ok and calls == []
    assert all(type(row) is IndicatorRow for row in table.rows)
    assert table.rows[0] == IndicatorRow(
        2,
        None,
        "Xã đo 00000",
        "1.1",
        table.rows[0].numerator,
        table.rows[0].denominator,
        None,
    )


def test_fast_rows_are_frozen_like_any_other():
    table = parse_table(national_csv(10, defects=False, with_code=True), filename="n.csv")
    row = table.rows[0]
    with pytest.raises(AttributeError):
        row.numerator = 1
    assert hash(row) == hash(IndicatorRow(*(getattr(row, f) for f in row.__slots__)))

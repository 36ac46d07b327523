"""Bounded resources: a table far larger than any real one, or a workbook part that inflates,
is refused within seconds by the real command, with exit 2, a clear message and bounded memory.

The largest real table has 69,741 rows (3,321 communes × 21 indicators); the bounds
(ingest.readers.MAX_ROWS …) leave about three times that. The big files are generated here,
never committed.
"""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ingest import readers
from ingest.parsers import parse_table

pytestmark = pytest.mark.usefixtures("english")

ROOT = Path(__file__).resolve().parents[2]
MILLION = 1_000_000
PEAK_RSS_MB = 600
# Run the command and report the peak RSS of it and of every process it waited for.
MEASURED = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "print('maxrss_kb', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(r.returncode)"
)


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A migrated SQLite database with the country, for the command in its own process."""
    path = tmp_path_factory.mktemp("bounds") / "db.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    env.pop("CELERY_BROKER_URL", None)
    env.pop("REDIS_URL", None)
    env.pop("CACHE_URL", None)
    run = [sys.executable, "manage.py"]
    subprocess.run([*run, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    create = "from tests.units.factories import CountryFactory; CountryFactory()"
    subprocess.run([*run, "shell", "-c", create], cwd=ROOT, env=env, check=True)
    return env


def ingest(path: Path, env: dict) -> tuple[int, str, int]:
    """Run `manage.py ingest` on a file: (exit code, its output, peak RSS in MB)."""
    command = [sys.executable, "-c", MEASURED, sys.executable, "manage.py", "ingest", str(path)]
    command += ["--scope", "Việt Nam", "--as-of", "2025-05-20", "--period", "year", "--dry-run"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    peak = int(done.stderr.rsplit("maxrss_kb", 1)[1].split()[0]) // 1024
    return done.returncode, done.stdout + done.stderr, peak


def indicator_lines(rows: int) -> str:
    header = "Mã đơn vị;Đơn vị;Chỉ tiêu;Tử số;Mẫu số\r\n"
    return header + "".join(f"H{n:07d};Xã {n};1.1;5;10\r\n" for n in range(rows))


def xlsx_with_rows(path: Path, rows: int) -> None:
    """A minimal but valid .xlsx whose one sheet has `rows` rows, written as it streams."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
            '.worksheet+xml"/></Types>',
        )
        book.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        book.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships"><sheets><sheet name="Tuần 20" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData>'
            )
            for start in range(1, rows + 1, 10_000):
                sheet.write(
                    "".join(
                        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Xã {n}</t></is></c>'
                        f'<c r="B{n}"><v>{n % 18}</v></c></row>'
                        for n in range(start, min(start + 10_000, rows + 1))
                    ).encode()
                )
            sheet.write(b"</sheetData></worksheet>")


def write_million_csv(path: Path) -> None:
    path.write_text(indicator_lines(MILLION), "utf-8")


@pytest.mark.parametrize(
    ("name", "write", "where"),
    [
        ("trieu-dong.csv", write_million_csv, "trieu-dong.csv"),
        (
            "trieu-dong.xlsx",
            lambda p: xlsx_with_rows(p, MILLION),
            "trieu-dong.xlsx, trang tính “Tuần 20”",
        ),
    ],
    ids=["csv", "xlsx"],
)
def test_a_million_rows_are_refused_by_the_command(database, tmp_path, name, write, where):
    path = tmp_path / name
    write(path)
    code, output, peak = ingest(path, database)
    assert code == 2, output
    # The command speaks the site's language, Vietnamese.
    assert f"{where}: bảng có hơn 200.000 dòng" in output
    assert "Traceback" not in output
    assert peak < PEAK_RSS_MB, peak


def test_a_workbook_part_that_inflates_is_refused_by_the_command(database, tmp_path):
    path = tmp_path / "bom.xlsx"
    xlsx_with_rows(path, 10)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as book,
        book.open("xl/media/image1.xml", "w") as part,
    ):
        for _ in range(200):
            part.write(b" " * 1024**2)
    code, output, peak = ingest(path, database)
    assert code == 2, output
    assert "bom.xlsx: một phần của sổ làm việc khi giải nén lớn gấp" in output
    assert "Traceback" not in output
    assert peak < PEAK_RSS_MB, peak


def test_a_table_at_the_bound_is_read_and_one_row_more_is_not(monkeypatch):
    monkeypatch.setattr(readers, "MAX_ROWS", 50)
    at_bound = indicator_lines(49).encode()  # the header and 49 rows: 50 rows
    assert not any(
        i.code == "too_many_rows" for i in parse_table(at_bound, filename="a.csv").errors
    )
    [error] = parse_table(indicator_lines(50).encode(), filename="b.csv").errors
    assert error.code == "too_many_rows"
    assert error.message.startswith("b.csv: ")


def test_a_sheet_is_counted_before_it_is_read(monkeypatch, tmp_path):
    monkeypatch.setattr(readers, "MAX_ROWS", 50)
    path = tmp_path / "w.xlsx"
    xlsx_with_rows(path, 51)
    [error] = parse_table(path.read_bytes(), filename="w.xlsx").errors
    assert error.code == "too_many_rows"
    assert error.ref.sheet == "Tuần 20"


def test_a_quoted_csv_is_bounded_too(monkeypatch):
    monkeypatch.setattr(readers, "MAX_ROWS", 50)
    data = indicator_lines(60).replace("Xã 1;", '"Xã 1";').encode()
    [error] = parse_table(data, filename="q.csv").errors
    assert error.code == "too_many_rows"


def test_more_cells_than_the_bound_are_refused(monkeypatch):
    monkeypatch.setattr(readers, "MAX_CELLS", 100)
    [error] = parse_table(indicator_lines(30).encode(), filename="c.csv").errors
    assert error.code == "too_many_rows" and "cells" in error.message


def test_a_file_larger_than_the_bound_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1000)
    [error] = parse_table(indicator_lines(100).encode(), filename="l.csv").errors
    assert error.code == "file_too_large" and "larger than" in error.message

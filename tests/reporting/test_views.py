"""The reporting schema: the published figures as plain rows, readable by a role that reads
nothing else (docs/REPORTING.md)."""

import datetime
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from indicators import selectors
from ingest import services as ingest_services

ROOT = Path(__file__).resolve().parents[2]
AS_OF = datetime.date(2025, 5, 20)
pytestmark = pytest.mark.postgres


def _publish(path: Path, scope):
    upload, _ = ingest_services.upload_receive(
        data=path.read_bytes(),
        filename=path.name,
        scope=scope,
        as_of=AS_OF,
        period="year",
        enqueue=False,
    )
    ingest_services.upload_validate(upload_id=upload.pk)
    ingest_services.upload_request_publish(upload_id=upload.pk, enqueue=False)
    return ingest_services.upload_publish(upload_id=upload.pk).snapshot


def _rows(query: str, params=()) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture
def published(binh_duong):
    w = binh_duong
    w.districts_snapshot = _publish(ROOT / "demo/binh-duong-cap-huyen-2025-05-20.csv", w.province)
    w.wards_snapshot = _publish(ROOT / "demo/di-an-phuong-chi-tieu-2025-05-20.csv", w.di_an)
    return w


def test_unit_scores_are_the_leaderboards_rows(published):
    snapshot = published.districts_snapshot
    board = {row.unit_id: row for row in selectors.leaderboard(snapshot=snapshot)}
    rows = _rows("SELECT * FROM reporting.unit_scores WHERE snapshot_id = %s", [snapshot.pk])
    assert {r["unit_id"] for r in rows} == set(board)
    for r in rows:
        expected = board[r["unit_id"]]
        assert r["unit_full_name"] == expected.unit_full_name
        assert (r["total"], r["rank"], r["peer_count"]) == (
            expected.ranking_total,
            expected.rank,
            expected.peer_count,
        )
        assert r["band_code"] == expected.band_code
        assert (r["as_of"], r["period"], r["status"]) == (AS_OF, "ytd", "published")
        assert r["scope_name"] == published.province.full_name
    # Dĩ An's official 92 against groups that sum to 91,4: both totals are there, flagged.
    di_an = next(r for r in rows if r["unit_id"] == published.di_an.pk)
    assert di_an["totals_disagree"] and di_an["official_total"] != di_an["recomputed_total"]


def test_group_scores_and_indicator_values_are_the_selectors_figures(published):
    for snapshot in (published.districts_snapshot, published.wards_snapshot):
        expected = {
            (g.unit_id, g.group.code): (g.points, g.official_points, g.rank, g.peer_count)
            for g in selectors.group_scores(snapshot=snapshot)
        }
        rows = _rows(
            "SELECT unit_id, group_code, points, official_points, rank, peer_count"
            " FROM reporting.group_scores WHERE snapshot_id = %s",
            [snapshot.pk],
        )
        got = {
            (r["unit_id"], r["group_code"]): (
                r["points"],
                r["official_points"],
                r["rank"],
                r["peer_count"],
            )
            for r in rows
        }
        assert got == expected and got
    values = selectors.indicator_values(snapshot=published.wards_snapshot)
    expected = {
        (v.unit_id, v.indicator.code): (
            v.numerator,
            v.denominator,
            v.points,
            v.portal_points,
            v.status,
        )
        for v in values
    }
    rows = _rows(
        "SELECT unit_id, indicator_code, numerator, denominator, points, portal_points,"
        " value_status FROM reporting.indicator_values WHERE snapshot_id = %s",
        [published.wards_snapshot.pk],
    )
    got = {
        (r["unit_id"], r["indicator_code"]): (
            r["numerator"],
            r["denominator"],
            r["points"],
            r["portal_points"],
            r["value_status"],
        )
        for r in rows
    }
    assert got == expected and len(got) > 20


def test_drafts_are_not_reported(binh_duong):
    upload, _ = ingest_services.upload_receive(
        data=(ROOT / "demo/binh-duong-cap-huyen-2025-05-20.csv").read_bytes(),
        filename="draft.csv",
        scope=binh_duong.province,
        as_of=AS_OF,
        period="year",
        enqueue=False,
    )
    ingest_services.upload_validate(upload_id=upload.pk)
    assert _rows("SELECT count(*) AS n FROM reporting.unit_scores") == [{"n": 0}]


@pytest.mark.django_db(transaction=True)
def test_a_reporting_role_reads_the_views_and_nothing_else(published, monkeypatch):
    role = f"analyst_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("ANALYST_PASSWORD", "not-a-real-secret")
    call_command("reporting_role", role, "--password-env", "ANALYST_PASSWORD")
    settings = connection.settings_dict
    dsn = dict(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=role,
        password="not-a-real-secret",
    )
    try:
        with psycopg.connect(**dsn, autocommit=True) as analyst:
            count = analyst.execute("SELECT count(*) FROM reporting.group_scores").fetchone()[0]
            assert count > 0
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                analyst.execute("SELECT count(*) FROM indicators_unitscore")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                analyst.execute("CREATE TABLE reporting.mine (x int)")
        # Views made again by a later migrate stay readable (default privileges).
        call_command("migrate", verbosity=0)
        with psycopg.connect(**dsn, autocommit=True) as analyst:
            assert analyst.execute("SELECT count(*) FROM reporting.unit_scores").fetchone()[0]
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')

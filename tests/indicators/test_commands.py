"""The recompute and leaderboard commands: thin wrappers over the services and selectors."""

import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from indicators.models import BandCode, UnitScore
from indicators.services import snapshot_publish
from tests.indicators.factories import load_groups, load_totals, make_snapshot
from tests.units.factories import UnitCodeFactory

DI_AN_GROUPS = {"CKMB": 18, "TDGQ": 19.2, "DVCTT": 8.5, "TTTT": 8.5, "SHHS": 19.2, "MDHL": 18}


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def published(districts):
    scope = districts[0].parent
    UnitCodeFactory(unit=scope, scheme="gso", code="74")
    UnitCodeFactory(unit=districts[0], scheme="gso", code="724")
    snapshot = make_snapshot(scope=scope)
    figures = {districts[0]: (DI_AN_GROUPS, 92)}
    figures.update({u: ({}, 60 + i) for i, u in enumerate(districts[1:])})
    load_groups(snapshot, figures)
    return snapshot_publish(snapshot_id=snapshot.pk)


def test_recompute_one_snapshot(published):
    UnitScore.objects.filter(snapshot=published).update(rank=None, peer_count=None)
    output = _run("recompute", "--snapshot", str(published.pk))
    assert "9 units" in output
    assert UnitScore.objects.filter(snapshot=published, rank=1).count() == 1


def test_recompute_everything(published, districts):
    draft = make_snapshot(scope=published.scope, as_of=datetime.date(2025, 5, 27))
    load_totals(draft, {districts[0]: 93})
    output = _run("recompute")
    assert "[2/2]" in output
    assert UnitScore.objects.get(snapshot=draft).previous_total == 92


def test_recompute_unknown_snapshot(db):
    with pytest.raises(CommandError, match="no snapshot"):
        _run("recompute", "--snapshot", "999999")


def test_leaderboard_csv_by_gso_code(published):
    args = ["--scope", "74", "--as-of", "2025-05-31", "--peers", "districts", "--format", "csv"]
    rows = list(csv.reader(io.StringIO(_run("leaderboard", *args))))
    assert len(rows) == 10
    first = rows[1]
    assert first[1:6] == ["1", "9", "724", "Huyện Dĩ An", "92.00"]
    assert first[6] == str(BandCode.XUAT_SAC.label)
    assert first[7:13] == ["18.00", "19.20", "8.50", "8.50", "19.20", "18.00"]
    assert first[-1] == "91.40"  # recomputed, next to the official 92


def test_leaderboard_table_by_name_defaults_to_latest(published):
    output = _run("leaderboard", "--scope", "Bình Dương", "--as-of", "2025-06-01")
    assert "Huyện Dĩ An" in output
    assert "92.00!" in output  # the official total differs from the recomputed sum
    lines = [line for line in output.splitlines() if "Huyện" in line]
    assert len(lines) == 9
    assert lines[0].split()[0] == "1"


def test_leaderboard_without_published_snapshot(published):
    with pytest.raises(CommandError):
        _run("leaderboard", "--scope", "74", "--as-of", "2025-01-01")


def test_leaderboard_unknown_scope(published):
    with pytest.raises(CommandError, match="--as-of"):
        _run("leaderboard", "--scope", "Atlantis", "--as-of", "2025-05-20")

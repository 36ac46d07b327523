"""`manage.py bench_ingest` runs the real pipeline, leaves nothing behind and prints the ratio."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from indicators.models import Snapshot
from ingest.models import Upload
from tests.units.factories import CountryFactory
from units.models import AdministrativeUnit

pytestmark = pytest.mark.postgres


def test_bench_publishes_every_round_and_rolls_back(framework, settings):
    CountryFactory()
    units_before = AdministrativeUnit.objects.count()
    out = io.StringIO()

    call_command("bench_ingest", units=40, repeat=2, stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[-1].startswith("ingest/copy ratio: ")
    assert float(lines[-1].split(": ")[1]) > 0
    assert "rows: 840 (40 units × 21 indicators)" in lines
    # Two counted rounds after a warm-up, each with the storage floor beside it.
    assert sum(line.startswith("  round ") for line in lines) == 2
    assert any(line.startswith("  warm-up: ") for line in lines)
    # What is measured is a clean national table, not the wording of problems.
    assert "  the file reads without an issue (ingest/parsers.py)" in lines
    assert any("score tables alone" in line and "× the bare COPY" in line for line in lines)
    assert AdministrativeUnit.objects.count() == units_before
    assert not Upload.objects.exists() and not Snapshot.objects.exists()
    # The uploaded files went to a throwaway folder, not to MEDIA_ROOT.
    assert not any(p.is_file() for p in Path(settings.MEDIA_ROOT).rglob("*"))

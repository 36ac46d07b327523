"""Benchmark of the ingest pipeline against PostgreSQL's COPY of the same rows.

A synthetic national indicator table (3,355 communes × 21 indicators ≈ 70,000 rows) goes
through the real pipeline — parse, validate, match units, load, recompute scores and ranks,
publish, and the checks of deferred constraints that the commit would run — and the same rows
are COPYed into a bare table in the same run. Wall-clock times vary between machines; the
ratio is the figure to watch. Everything is rolled back.
"""

from __future__ import annotations

import io
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.test import override_settings

from indicators.models import Indicator
from ingest import services
from ingest.models import UploadStatus
from units.models import REFORM_2025, AdministrativeUnit, UnitKind

NATIONAL_COMMUNES = 3355


class _Rollback(Exception):
    pass


@dataclass
class BenchResult:
    rows: int
    units: int
    ingest_seconds: list[float]
    copy_seconds: list[float]

    @property
    def ingest(self) -> float:
        return statistics.median(self.ingest_seconds)

    @property
    def copy(self) -> float:
        return statistics.median(self.copy_seconds)

    @property
    def ratio(self) -> float:
        return self.ingest / self.copy


def _synthetic_units(count: int) -> AdministrativeUnit:
    """Create a throwaway country-sized province of `count` communes; return the province."""
    country = AdministrativeUnit.objects.get(parent__isnull=True)
    province = AdministrativeUnit.objects.create(
        name="Tỉnh đo hiệu năng", kind=UnitKind.PROVINCE, parent=country, valid_from=REFORM_2025
    )
    communes = [
        AdministrativeUnit(
            name=f"Xã đo {i:05d}", kind=UnitKind.COMMUNE, parent=province, valid_from=REFORM_2025
        )
        for i in range(count)
    ]
    for unit in communes:
        unit.set_derived_fields()
    AdministrativeUnit.objects.bulk_create(communes, batch_size=2000)
    return province


def _indicator_csv(unit_names: list[str], indicators: list[tuple[str, object]], seed: int) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    out.write("don_vi,chi_tieu,tu_so,mau_so,diem_cong\r\n")
    for name in unit_names:
        for code, _max in indicators:
            denominator = rng.randint(0, 6000)
            numerator = rng.randint(0, denominator) if denominator else 0
            out.write(f"{name},{code},{numerator},{denominator},\r\n")
    return out.getvalue().encode("utf-8")


def _copy_baseline(data: bytes) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_copy (don_vi text, chi_tieu text, tu_so numeric, "
            "mau_so numeric, diem_cong numeric) ON COMMIT DROP"
        )
        started = time.perf_counter()
        with cursor.cursor.copy(
            "COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)"
        ) as copy:
            copy.write(data)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy")
    return elapsed


def _ingest_once(data: bytes, scope: AdministrativeUnit, day: int) -> float:
    import datetime

    as_of = datetime.date(2025, 8, 1) + datetime.timedelta(days=7 * day)
    started = time.perf_counter()
    upload, _created = services.upload_receive(
        data=data,
        filename=f"bench-{day}.csv",
        scope=scope,
        as_of=as_of,
        period="year",
        enqueue=False,
    )
    upload = services.upload_validate(upload_id=upload.pk)
    if upload.status != UploadStatus.PREVIEWED:
        raise RuntimeError(f"bench upload rejected: {upload.errors[:3]} {upload.failure_reason}")
    services.upload_request_publish(upload_id=upload.pk, enqueue=False)
    upload = services.upload_publish(upload_id=upload.pk)
    if upload.status != UploadStatus.PUBLISHED:
        raise RuntimeError(f"bench publish failed: {upload.failure_reason}")
    _check_deferred_constraints()
    return time.perf_counter() - started


def _check_deferred_constraints() -> None:
    """Run now the checks that a real commit runs (deferred foreign keys)."""
    # The rounds share one transaction that is rolled back: without this, the deferred
    # checks, a real cost of every upload, would never run and never be measured.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def bench_ingest(
    *, units: int = NATIONAL_COMMUNES, repeat: int = 3, say: Callable[[str], None] = print
) -> BenchResult:
    """Measure ingest and COPY `repeat` times each, interleaved; roll everything back."""
    if connection.vendor != "postgresql":
        raise RuntimeError(
            "the benchmark compares against PostgreSQL's COPY: set DATABASE_URL=postgres://…"
        )
    result = None
    try:
        # Uploaded files go to a throwaway folder: the rollback undoes the rows, not the files.
        with (
            tempfile.TemporaryDirectory(prefix="bench-media-") as media,
            override_settings(MEDIA_ROOT=media),
            transaction.atomic(),
        ):
            say(f"Creating {units} synthetic communes …")
            scope = _synthetic_units(units)
            names = list(scope.children.order_by("pk").values_list("name", flat=True))
            indicators = list(
                Indicator.objects.filter(framework__code="766-2022").values_list(
                    "code", "max_points"
                )
            )
            ingest_times, copy_times = [], []
            for round_number in range(repeat):
                data = _indicator_csv(names, indicators, seed=round_number)
                copy_times.append(_copy_baseline(data))
                ingest_times.append(_ingest_once(data, scope, round_number))
                say(
                    f"  round {round_number + 1}: ingest {ingest_times[-1]:.3f} s, COPY {copy_times[-1]:.3f} s"
                )
            result = BenchResult(
                rows=len(names) * len(indicators),
                units=len(names),
                ingest_seconds=ingest_times,
                copy_seconds=copy_times,
            )
            raise _Rollback
    except _Rollback:
        pass
    return result

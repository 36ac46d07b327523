"""Benchmark of the ingest pipeline against PostgreSQL's COPY of the same rows.

A synthetic national indicator table (3,355 communes × 21 indicators ≈ 70,000 rows) goes
through the real pipeline — parse, validate, match units, load, recompute scores and ranks,
publish, and the checks of deferred constraints that the commit would run — and the same rows
are COPYed into a bare table in the same run. Wall-clock times vary between machines; the
ratio is the figure to watch. Everything is rolled back.
"""

from __future__ import annotations

import datetime
import io
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.test import override_settings

from accounts.models import AuditEvent
from indicators.models import (
    GroupScore,
    Indicator,
    IndicatorGroup,
    IndicatorValue,
    Snapshot,
    UnitScore,
)
from indicators.services import snapshot_create_draft
from ingest import services
from ingest.models import Upload, UploadStatus
from ingest.parsers import parse_table
from units.models import REFORM_2025, AdministrativeUnit, UnitKind

NATIONAL_COMMUNES = 3355
COPY_SAMPLES = 5


class _Rollback(Exception):
    pass


@dataclass
class BenchResult:
    rows: int
    units: int
    ingest_seconds: list[float]
    copy_seconds: list[float]
    # The same units' rows, already scored, COPYed into the real score tables (unit rows,
    # group scores, indicator values: their keys, checks and reference triggers), nothing
    # else: what storage alone costs.
    store_seconds: list[float]

    @property
    def ingest(self) -> float:
        return statistics.median(self.ingest_seconds)

    @property
    def copy(self) -> float:
        return statistics.median(self.copy_seconds)

    @property
    def store(self) -> float:
        return statistics.median(self.store_seconds)

    @property
    def ratio(self) -> float:
        return self.ingest / self.copy

    @property
    def store_ratio(self) -> float:
        return self.store / self.copy


def _synthetic_units(count: int) -> AdministrativeUnit:
    """Create a throwaway country-sized province of `count` communes; return the province."""
    # The registry need not be loaded: on an empty database the country is throwaway too.
    country = AdministrativeUnit.objects.filter(parent__isnull=True).first()
    if country is None:
        country = AdministrativeUnit(name="Việt Nam", kind=UnitKind.COUNTRY)
        country.set_derived_fields()
        country.save()
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


def _store_once(scope: AdministrativeUnit, unit_ids: list[int], round_number: int) -> float:
    """Time a COPY of one snapshot's scored rows into the score tables: the unit rows, their
    group scores and their indicator values."""
    as_of = datetime.date(2024, 8, 1) + datetime.timedelta(days=7 * round_number)
    snapshot = snapshot_create_draft(
        scope=scope, as_of=as_of, period="ytd", period_year=as_of.year, is_synthetic=True
    )
    indicator_ids = list(
        Indicator.objects.filter(framework=snapshot.framework).values_list("pk", flat=True)
    )
    group_ids = list(
        IndicatorGroup.objects.filter(framework=snapshot.framework).values_list("pk", flat=True)
    )
    rng = random.Random(round_number)
    count = len(unit_ids)
    sid = snapshot.pk
    # The rows of the three tables, built before the clock starts.
    units = "".join(
        f"{sid}\t{unit_id}\t{scope.pk}:commune\tf\tt\tf\t"
        f"{rng.randint(0, 10000) / 100}\t{rng.randint(0, 10000) / 100}\t{rank}\t{count}\n"
        for rank, unit_id in enumerate(unit_ids, start=1)
    )
    groups = "".join(
        f"{sid}\t{unit_id}\t{group_id}\t{rng.randint(0, 2000) / 100}\t\\N\t"
        f"{rng.randint(1, count)}\t{count}\n"
        for unit_id in unit_ids
        for group_id in group_ids
    )
    values = "".join(
        f"{sid}\t{unit_id}\t{indicator_id}\t{rng.randint(0, 3000)}\t{rng.randint(3000, 6000)}\t"
        f"{rng.randint(0, 300) / 100}\t\\N\tok\n"
        for unit_id in unit_ids
        for indicator_id in indicator_ids
    )
    tables = [
        (
            UnitScore,
            "snapshot_id, unit_id, peer_key, totals_disagree, has_indicator_values, "
            "listed_in_source, total, ranking_total, rank, peer_count",
            units,
        ),
        (
            GroupScore,
            "snapshot_id, unit_id, group_id, points, official_points, rank, peer_count",
            groups,
        ),
        (
            IndicatorValue,
            "snapshot_id, unit_id, indicator_id, numerator, denominator, points, portal_points, "
            "status",
            values,
        ),
    ]
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for model, columns, text in tables:
            with cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
                copy.write(text)
        # The reference triggers run at the end of each COPY statement: counted.
        return time.perf_counter() - started


def _ingest_once(data: bytes, scope: AdministrativeUnit, day: int) -> float:
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


def _vacuum(say: Callable[[str], None]) -> None:
    """Clear what earlier runs left: each rolls back ~7,000 rows of its own and of the pipeline.

    Autovacuum skips tables whose live rows are few, so the dead rows of earlier benchmark runs
    would pile up (hundreds of MB after a day of runs) and every later run would scan them:
    a benchmark of its own leftovers rather than of an upload. Only in autocommit mode
    (VACUUM cannot run in a transaction); a caller inside one, like the tests, measures as is.
    """
    if connection.in_atomic_block:
        return
    tables = [
        AdministrativeUnit._meta.db_table,
        Snapshot._meta.db_table,
        UnitScore._meta.db_table,
        GroupScore._meta.db_table,
        IndicatorValue._meta.db_table,
        Upload._meta.db_table,
        AuditEvent._meta.db_table,
    ]
    say("Vacuuming what earlier runs left …")
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table)}")


def bench_ingest(
    *, units: int = NATIONAL_COMMUNES, repeat: int = 3, say: Callable[[str], None] = print
) -> BenchResult:
    """Measure ingest and COPY `repeat` times each, interleaved; roll everything back.

    A first round warms the caches and the connection and is not counted.
    """
    if connection.vendor != "postgresql":
        raise RuntimeError(
            "the benchmark compares against PostgreSQL's COPY: set DATABASE_URL=postgres://…"
        )
    _vacuum(say)
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
            unit_ids = list(scope.children.order_by("pk").values_list("pk", flat=True))
            ingest_times, copy_times, store_times = [], [], []
            for round_number in range(repeat + 1):
                data = _indicator_csv(names, indicators, seed=round_number)
                if round_number == 0:
                    # What is measured is a clean upload, not the wording of problems.
                    table = parse_table(data, filename="bench.csv")
                    clean = not table.issues
                    say(
                        f"  the file reads {'without' if clean else 'WITH'} an issue (ingest/parsers.py)"
                    )
                # The baseline is short (tens of ms) and so the noisiest figure of the
                # ratio: the median of several COPYs steadies the denominator.
                copied = statistics.median(_copy_baseline(data) for _ in range(COPY_SAMPLES))
                ingested = _ingest_once(data, scope, round_number)
                stored = _store_once(scope, unit_ids, round_number)
                if round_number == 0:
                    say(f"  warm-up: ingest {ingested:.3f} s, COPY {copied:.3f} s (not counted)")
                    continue
                copy_times.append(copied)
                ingest_times.append(ingested)
                store_times.append(stored)
                say(
                    f"  round {round_number}: ingest {ingested:.3f} s, COPY {copied:.3f} s, "
                    f"score table alone {stored:.3f} s"
                )
            result = BenchResult(
                rows=len(names) * len(indicators),
                units=len(names),
                ingest_seconds=ingest_times,
                copy_seconds=copy_times,
                store_seconds=store_times,
            )
            raise _Rollback
    except _Rollback:
        pass
    return result

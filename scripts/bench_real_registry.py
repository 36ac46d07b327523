"""A national upload against the real unit registry: by GSO code, as portal exports name units.

    DATABASE_URL=postgres://…/a_database_with_the_registry python scripts/bench_real_registry.py

`make bench` measures the pipeline on a synthetic province whose communes have no codes and
unique names. Real national tables are not like that: 3,321 communes, many sharing a name
across provinces (so a table must give codes), and GSO codes that collide once leading zeros
go (province "04" and ward "00004"). This script builds a table of every commune valid on
AS_OF, named by its GSO code and full name, and times receive + validate and publish on the
database DATABASE_URL points at (it needs the registry: `manage.py load_units` or
`setup_demo`), rolling everything back. No ratio: the registry is the database's own.
"""

import datetime
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scoreboard.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.test import override_settings  # noqa: E402

from indicators.models import Framework  # noqa: E402
from ingest import services  # noqa: E402
from units.models import AdministrativeUnit, CodeScheme, UnitCode, UnitLevel, valid_on_q  # noqa: E402

AS_OF = datetime.date(2025, 9, 2)
ROUNDS = 4


class _Rollback(Exception):
    pass


def national_table() -> tuple[bytes, int]:
    communes = list(
        AdministrativeUnit.objects.valid_on(AS_OF).filter(level=UnitLevel.COMMUNE).order_by("pk")
    )
    gso = dict(
        UnitCode.objects.filter(
            valid_on_q(AS_OF), scheme=CodeScheme.GSO, unit__in=communes
        ).values_list("unit_id", "code")
    )
    indicators = list(Framework.objects.valid_on(AS_OF).indicators.values_list("code", flat=True))
    # Other counts each run: the same bytes again would be recognised as an upload already
    # made, and change nothing.
    rng, out = random.Random(time.time_ns()), io.StringIO()
    out.write("Mã đơn vị;Đơn vị;Chỉ tiêu;Tử số;Mẫu số\r\n")
    for unit in communes:
        for code in indicators:
            denominator = rng.randint(0, 6000)
            numerator = rng.randint(0, denominator) if denominator else 0
            out.write(
                f"{gso.get(unit.pk, '')};{unit.full_name};{code};{numerator};{denominator}\r\n"
            )
    return out.getvalue().encode("utf-8"), len(communes)


def main() -> None:
    country = AdministrativeUnit.objects.filter(level=UnitLevel.COUNTRY).first()
    if country is None:
        sys.exit("no unit registry in this database: run manage.py setup_demo first")
    data, count = national_table()
    print(f"{count} communes valid on {AS_OF}, {len(data) / 1e6:.1f} MB")
    validate_times, publish_times = [], []
    for round_number in range(ROUNDS + 1):
        with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
            try:
                with transaction.atomic():
                    started = time.perf_counter()
                    upload, _created = services.upload_receive(
                        data=data, filename="toan-quoc.csv", scope=country, as_of=AS_OF,
                        period="year", enqueue=False,
                    )  # fmt: skip
                    upload = services.upload_validate(upload_id=upload.pk)
                    validated = time.perf_counter()
                    if upload.status != "previewed":
                        sys.exit(f"{upload.status}: {upload.errors[:3]} {upload.failure_reason}")
                    services.upload_request_publish(upload_id=upload.pk, enqueue=False)
                    services.upload_publish(upload_id=upload.pk)
                    if round_number:  # the first round warms up
                        validate_times.append(validated - started)
                        publish_times.append(time.perf_counter() - validated)
                    raise _Rollback
            except _Rollback:
                pass
    print(f"receive + validate, median of {ROUNDS}: {statistics.median(validate_times):.3f} s")
    print(f"publish, median of {ROUNDS}: {statistics.median(publish_times):.3f} s")


if __name__ == "__main__":
    main()

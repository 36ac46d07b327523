"""Drive the app against a real primary and streaming replica; print what was read where.

Run by `test_replicas.py` in a subprocess whose DATABASE_URL is the primary and whose
DATABASE_REPLICA_URL is the replica, after migrations. Prints one JSON object as its last line.
"""

import datetime
import json
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "scoreboard.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from indicators.models import Snapshot, SnapshotStatus  # noqa: E402
from indicators.services import snapshot_publish  # noqa: E402
from tests.indicators.dashboard_data import MAY_20, build_binh_duong, groups_for  # noqa: E402
from tests.indicators.factories import load_groups, make_snapshot  # noqa: E402


def wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def score_queries(captured) -> int:
    return sum("indicators_unitscore" in q["sql"] for q in captured.captured_queries)


def board(client, path):
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(path)
    return response, score_queries(on_replica), score_queries(on_primary)


t = build_binh_duong(weeks=1)
user = get_user_model().objects.create_superuser("replica-probe", "probe@example.org", "x")
result = {}


def replica_has(pk) -> bool:
    published = Snapshot.objects.using("replica").filter(status=SnapshotStatus.PUBLISHED)
    return published.filter(pk=pk).exists()


result["replicated"] = wait_until(lambda: replica_has(t.snapshots[-1].pk))
path = f"/bang-xep-hang/{t.binh_duong.pk}/"

reader = Client()
reader.force_login(user)
response, on_replica, on_primary = board(reader, path)
result["board"] = {"status": response.status_code, "replica": on_replica, "primary": on_primary}
result["board_shows_di_an"] = "Dĩ An" in response.content.decode()

# Every kind of published-data view works on the replica (no query across the two aliases).
pages = [
    "/",
    f"/don-vi/{t.di_an.pk}/",
    f"/so-sanh/?units={t.di_an.pk},{t.districts['Thuận An'].pk}",
    f"/bang-xep-hang/{t.binh_duong.pk}/tai-ve.csv",
    f"/bang-xep-hang/{t.binh_duong.pk}/tai-ve.xlsx",
    f"/api/v1/leaderboard/?snapshot={t.snapshots[-1].pk}",
    f"/api/v1/units/{t.di_an.pk}/history/",
]
result["pages"] = {}
for page in pages:
    response, on_replica, _ = board(reader, page)
    result["pages"][page] = response.status_code

# A write request pins its author to the primary for a while.
writer = Client()
writer.force_login(user)
writer.post("/i18n/setlang/", {"language": "vi", "next": "/"})
# The board's rows are cached by now (a published snapshot never changes); empty the cache so
# the rows are read again and it shows which database they came from.
cache.clear()
response, on_replica, on_primary = board(writer, path)
result["after_write"] = {
    "status": response.status_code,
    "replica": on_replica,
    "primary": on_primary,
}

# A new week published on the primary reaches the replica's readers.
next_week = MAY_20 + datetime.timedelta(days=7)
snapshot = make_snapshot(scope=t.binh_duong, as_of=next_week, is_synthetic=True)
load_groups(
    snapshot,
    {
        unit: (groups_for(total), total)
        for unit, total in zip(
            t.districts.values(),
            [__import__("decimal").Decimal("95.55") - i for i in range(len(t.districts))],
            strict=True,
        )
    },
)
snapshot_publish(snapshot_id=snapshot.pk)
result["new_week_seen"] = wait_until(
    lambda: "95,55" in reader.get(path).content.decode(), timeout=30
)
print(json.dumps(result))

"""Benchmark of the pages people wait for, against a floor measured in the same run.

1. A national history in its own database (built once, then reused): 34 provinces of ~98
   communes each (3,321), 156 weekly national snapshots of 21 indicator counts per commune,
   one provincial-staff user per province. Names and figures are synthetic.
2. gunicorn (2 sync workers, DEBUG off) serves the app and the floor: a bare view that runs
   one plain SQL query for the same number of rows and renders them with a minimal template
   (`scoreboard.bench_urls`), with the published-data cache in its own Redis database. Each
   round requests every page twice, cold (that cache emptied just before) and warm (right
   after, the cache filled by the cold request), and its floor; the medians give
   `page/floor <name>, cold: X.XX` and `page/floor <name>, warm: X.XX`.
3. A bounded load test of the Monday-morning mix (80 % unit pages of random communes by their
   province's staff, 15 % province boards, 5 % the national board) at 10 and 50 clients,
   against the app and against the floor mix: requests/s, p50/p95/p99, errors, and
   `load/floor throughput: X.XX` (at the highest level).

Times depend on the machine; the ratios are the figures to watch. Nothing here is asserted
as a time in tests.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import redis
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

from accounts.models import Role
from accounts.services import membership_grant
from indicators.models import Indicator, Snapshot, SnapshotStatus
from indicators.services import (
    IndicatorCounts,
    snapshot_create_draft,
    snapshot_load_indicator_counts,
    snapshot_publish,
)
from units.models import AdministrativeUnit, UnitKind

ROOT = Path(__file__).resolve().parents[1]
PROVINCES = 34
COMMUNES = 3321
WEEKS = 156
FIRST_WEEK = datetime.date(2023, 12, 18)
BENCH_PROVINCE_PREFIX = "Tỉnh đo trang"
MAX_LEVEL_SECONDS = 60


@dataclass
class History:
    country: AdministrativeUnit
    provinces: list[AdministrativeUnit]
    communes_by_province: dict[int, list[int]]
    latest: Snapshot
    superuser_id: int
    staff_by_province: dict[int, int]


def _registry() -> tuple[AdministrativeUnit, list[AdministrativeUnit]]:
    country = AdministrativeUnit.objects.filter(parent__isnull=True).first()
    if country is None:
        country = AdministrativeUnit(name="Việt Nam", kind=UnitKind.COUNTRY)
        country.set_derived_fields()
        country.save()
    provinces = list(
        AdministrativeUnit.objects.filter(
            parent=country, name__startswith=BENCH_PROVINCE_PREFIX
        ).order_by("pk")
    )
    if len(provinces) == PROVINCES:
        return country, provinces
    valid_from = FIRST_WEEK - datetime.timedelta(days=365)
    provinces = []
    for p in range(PROVINCES):
        unit = AdministrativeUnit(
            name=f"{BENCH_PROVINCE_PREFIX} {p + 1:02d}",
            kind=UnitKind.PROVINCE,
            parent=country,
            valid_from=valid_from,
        )
        unit.set_derived_fields()
        unit.save()
        provinces.append(unit)
    communes = []
    for i in range(COMMUNES):
        unit = AdministrativeUnit(
            name=f"Xã đo trang {i + 1:04d}",
            kind=UnitKind.COMMUNE,
            parent=provinces[i % PROVINCES],
            valid_from=valid_from,
        )
        unit.set_derived_fields()
        communes.append(unit)
    AdministrativeUnit.objects.bulk_create(communes, batch_size=2000)
    return country, provinces


def build_history(*, weeks: int = WEEKS, say: Callable[[str], None] = print) -> History:
    """Create (or reuse) the national history and the users the load test logs in as."""
    country, provinces = _registry()
    communes = list(
        AdministrativeUnit.objects.filter(parent__in=provinces)
        .order_by("pk")
        .values_list("pk", "parent_id")
    )
    by_province: dict[int, list[int]] = {p.pk: [] for p in provinces}
    for pk, parent in communes:
        by_province[parent].append(pk)
    unit_ids = np.asarray([pk for pk, _ in communes], dtype=np.int64)
    published = Snapshot.objects.filter(scope=country, status=SnapshotStatus.PUBLISHED)
    have = set(published.values_list("as_of", flat=True))
    codes = list(
        Indicator.objects.filter(framework__code="766-2022").values_list("code", flat=True)
    )
    rng = np.random.default_rng(766)
    started = time.perf_counter()
    for week in range(weeks):
        as_of = FIRST_WEEK + datetime.timedelta(days=7 * week)
        if as_of in have:
            continue
        rows = len(unit_ids) * len(codes)
        denominators = rng.integers(50, 6000, size=rows)
        numerators = (denominators * rng.uniform(0.6, 1.0, size=rows)).astype(np.int64)
        with transaction.atomic():
            draft = snapshot_create_draft(
                scope=country,
                as_of=as_of,
                period="ytd",
                period_year=as_of.year,
                is_synthetic=True,
                source_label="benchmark (synthetic)",
            )
            snapshot_load_indicator_counts(
                snapshot=draft,
                counts=IndicatorCounts(
                    unit_ids=np.repeat(unit_ids, len(codes)),
                    indicator_codes=codes,
                    indicator_index=np.tile(np.arange(len(codes), dtype=np.int64), len(unit_ids)),
                    numerators=numerators,
                    denominators=denominators,
                ),
                recompute_scores=True,
            )
            snapshot_publish(snapshot_id=draft.pk)
        if week % 26 == 0:
            say(f"  built week {week + 1}/{weeks} ({time.perf_counter() - started:.0f} s)")
    users = get_user_model().objects
    root = users.filter(username="bench-root").first() or users.create_superuser(
        "bench-root", "bench@example.org", None
    )
    staff = {}
    for province in provinces:
        name = f"bench-staff-{province.pk}"
        user = users.filter(username=name).first() or users.create_user(name, password=None)
        membership_grant(user=user, unit=province, role=Role.PROVINCIAL_STAFF)
        staff[province.pk] = user.pk
    latest = published.order_by("-as_of", "-revision").first()
    return History(country, provinces, by_province, latest, root.pk, staff)


def session_cookie(user_id: int) -> str:
    """Log a user in through Django's own session machinery; return the cookie value."""
    client = Client()
    client.force_login(get_user_model().objects.get(pk=user_id))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving(database_url: str, cache_url: str, workers: int = 2) -> Iterator[str]:
    """Run gunicorn on 127.0.0.1 with the bench URLs (app + floor); yield its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        # Shared by the workers, as in production, and emptied by the bench for cold rounds.
        "CACHE_URL": cache_url,
        "DJANGO_SETTINGS_MODULE": "scoreboard.bench_settings",
        "DEBUG": "0",
    }
    log = open(ROOT / ".bench-gunicorn.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "gunicorn", "scoreboard.wsgi", "-w", str(workers), "-b",
         f"127.0.0.1:{port}", "--timeout", "120"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                requests.get(f"{base}/healthz", timeout=10)
                break
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {log.name}")
            time.sleep(0.3)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    floor_rows: int
    user_id: int


def pages(history: History) -> list[Page]:
    """The pages of the issue's table, each with the row count its floor renders."""
    vn, snap = history.country.pk, history.latest.pk
    province = history.provinces[0]
    commune = history.communes_by_province[province.pk][0]
    staff, root = history.staff_by_province[province.pk], history.superuser_id
    return [
        Page("national board, all peer sets", f"/bang-xep-hang/{vn}/?peers=all", 200, root),
        Page("national board, default tab", f"/bang-xep-hang/{vn}/", 100, root),
        Page(
            "province board",
            f"/bang-xep-hang/{vn}/?peers={province.pk}:commune",
            len(history.communes_by_province[province.pk]),
            staff,
        ),
        Page("commune unit page", f"/don-vi/{commune}/", WEEKS, staff),
        Page(
            "API leaderboard limit=1000",
            f"/api/v1/leaderboard/?snapshot={snap}&limit=1000",
            1000,
            root,
        ),  # fmt: skip
        Page("national XLSX export", f"/bang-xep-hang/{vn}/tai-ve.xlsx?peers=all", COMMUNES, root),
    ]


def floor_path(history: History, rows: int) -> str:
    return f"/__bench__/floor/{history.latest.pk}/{rows}/"


def _timed_get(session: requests.Session, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = session.get(url, timeout=120, allow_redirects=False)
    response.content  # noqa: B018 - read the whole body inside the timing
    return time.perf_counter() - started, response.status_code


def measure_pages(
    base: str,
    history: History,
    *,
    cache_url: str,
    rounds: int = 7,
    say: Callable[[str], None] = print,
) -> dict[str, float]:
    """Request each page cold, warm and its floor in turn; return page/floor ratios of the
    medians, keyed `<name>, cold` and `<name>, warm`."""
    cache = redis.Redis.from_url(cache_url)
    sessions: dict[int, requests.Session] = {}
    for page in pages(history):
        if page.user_id not in sessions:
            sessions[page.user_id] = requests.Session()
            sessions[page.user_id].cookies.set(
                settings.SESSION_COOKIE_NAME, session_cookie(page.user_id)
            )
    times: dict[str, list[float]] = {}
    floors: dict[str, list[float]] = {}
    for round_number in range(rounds + 1):  # the first round warms up, uncounted
        for page in pages(history):
            session = sessions[page.user_id]
            cache.flushdb()
            measured = {}
            for state in ("cold", "warm"):
                measured[state], status = _timed_get(session, base + page.path)
                if status != 200:
                    raise RuntimeError(f"{page.name}: HTTP {status} for {page.path}")
            floor, status = _timed_get(session, base + floor_path(history, page.floor_rows))
            if status != 200:
                raise RuntimeError(f"floor of {page.name}: HTTP {status}")
            if round_number:
                for state, elapsed in measured.items():
                    times.setdefault(f"{page.name}, {state}", []).append(elapsed)
                floors.setdefault(page.name, []).append(floor)
    ratios = {}
    for name, values in times.items():
        floor_ms = statistics.median(floors[name.rsplit(", ", 1)[0]]) * 1000
        page_ms = statistics.median(values) * 1000
        ratios[name] = page_ms / floor_ms
        say(f"{name}: {page_ms:.0f} ms, floor {floor_ms:.1f} ms")
    return ratios


def warm_cache(history: History, cache_url: str) -> int:
    """Warm the server's cache (the Redis at cache_url) for the latest snapshot, as the worker
    does after a publish (`published_cache.warm`); return the units warmed."""
    from django.test import override_settings

    from indicators import published_cache

    shared = {"default": {"BACKEND": "scoreboard.cache.ForgivingRedisCache", "LOCATION": cache_url}}
    with override_settings(CACHES=shared):
        return published_cache.warm(snapshot_id=history.latest.pk)


@dataclass
class LoadResult:
    clients: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


def monday_mix(history: History, *, floor: bool, seed: int) -> Callable[[], tuple[int, str]]:
    """Return a picker of (user id, path): the Monday mix, or the same mix of floors."""
    rng = random.Random(seed)
    provinces = history.provinces
    vn = history.country.pk

    def pick() -> tuple[int, str]:
        draw = rng.random()
        province = rng.choice(provinces)
        staff = history.staff_by_province[province.pk]
        communes = history.communes_by_province[province.pk]
        if draw < 0.80:
            rows, path = WEEKS, f"/don-vi/{rng.choice(communes)}/"
            user = staff
        elif draw < 0.95:
            rows, path = len(communes), f"/bang-xep-hang/{vn}/?peers={province.pk}:commune"
            user = staff
        else:
            rows, path, user = 100, f"/bang-xep-hang/{vn}/", history.superuser_id
        return user, floor_path(history, rows) if floor else path

    return pick


def load_test(
    base: str, history: History, *, clients: int, seconds: float, floor: bool
) -> LoadResult:
    """Run `clients` threads for `seconds` (capped at a minute), each with its own sessions."""
    seconds = min(seconds, MAX_LEVEL_SECONDS)
    cookies = {uid: session_cookie(uid) for uid in history.staff_by_province.values()}
    cookies[history.superuser_id] = session_cookie(history.superuser_id)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(number: int) -> None:
        pick = monday_mix(history, floor=floor, seed=number)
        sessions: dict[int, requests.Session] = {}
        while time.monotonic() < stop_at:
            user, path = pick()
            if user not in sessions:
                sessions[user] = requests.Session()
                sessions[user].cookies.set(settings.SESSION_COOKIE_NAME, cookies[user])
            try:
                elapsed, status = _timed_get(sessions[user], base + path)
            except requests.RequestException:
                elapsed, status = 0.0, 0
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(clients, time.monotonic() - started, latencies, errors[0])

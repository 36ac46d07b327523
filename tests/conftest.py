"""Shared fixtures, and the rule that CI may not skip tests of the production path."""

import os

import pytest
from django.conf import settings
from django.db import connection

SERVICE_MARKERS = ("postgres", "redis", "worker", "browser")


def _require_services() -> bool:
    # .ci/run sets this: there, a skipped service test is a failure, not a pass.
    return os.environ.get("SCOREBOARD_REQUIRE_SERVICES") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _require_services():
        markers = [m for m in SERVICE_MARKERS if item.get_closest_marker(m)]
        if markers:
            report.outcome = "failed"
            report.longrepr = (
                f"{item.nodeid} needs {', '.join(markers)} and was skipped, but "
                "SCOREBOARD_REQUIRE_SERVICES=1 demands it runs: start the services."
            )


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("redis") or item.get_closest_marker("worker"):
        _skip_without_redis()


def _skip_without_redis() -> None:
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis"):
        pytest.skip("needs Redis: set CELERY_BROKER_URL=redis://…")
    import redis

    try:
        redis.Redis.from_url(broker, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis at {broker} does not answer: {exc}")


# --- Shared data: Bình Dương before 2025, as the demo and the seed figures use it ------------

BINH_DUONG_DISTRICTS = [
    ("Thủ Dầu Một", "thanh_pho_thuoc_tinh"),
    ("Dĩ An", "thanh_pho_thuoc_tinh"),
    ("Thuận An", "thanh_pho_thuoc_tinh"),
    ("Tân Uyên", "thanh_pho_thuoc_tinh"),
    ("Bến Cát", "thanh_pho_thuoc_tinh"),
    ("Bàu Bàng", "huyen"),
    ("Bắc Tân Uyên", "huyen"),
    ("Dầu Tiếng", "huyen"),
    ("Phú Giáo", "huyen"),
]
DI_AN_WARDS = ["Dĩ An", "Tân Bình", "Tân Đông Hiệp", "Bình An", "Bình Thắng", "Đông Hòa", "An Bình"]


@pytest.fixture
def framework(db):
    """The "766-2022" framework as its data migration loads it.

    Transactional tests (real worker, browser) flush every table afterwards, migration data
    included, so the tests that follow them reload it here rather than assume it.
    """
    from indicators.frameworks import load_framework, read_framework
    from indicators.models import Band, Framework, Indicator, IndicatorGroup

    found = Framework.objects.filter(code="766-2022").first()
    return found or load_framework(
        read_framework("766-2022"),
        Framework=Framework,
        IndicatorGroup=IndicatorGroup,
        Indicator=Indicator,
        Band=Band,
    )


@pytest.fixture
def binh_duong(db, framework):
    """Bình Dương (until 2025-07-01) with its 9 district-level units and Dĩ An's 7 wards."""
    from types import SimpleNamespace

    from tests.units.factories import (
        CountryFactory,
        DistrictFactory,
        OldCommuneFactory,
        ProvinceFactory,
    )
    from units.models import REFORM_2025, UnitKind

    t = SimpleNamespace()
    t.vn = CountryFactory()
    t.province = ProvinceFactory(name="Bình Dương", valid_to=REFORM_2025)
    t.other_province = ProvinceFactory(name="Đồng Nai")
    t.districts = {
        name: DistrictFactory(name=name, kind=kind, parent=t.province)
        for name, kind in BINH_DUONG_DISTRICTS
    }
    t.di_an = t.districts["Dĩ An"]
    t.wards = {
        name: OldCommuneFactory(name=name, kind=UnitKind.WARD, parent=t.di_an)
        for name in DI_AN_WARDS
    }
    return t


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    """Keep uploaded test files out of the project's media folder."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Hash test passwords cheaply; argon2's deliberate slowness is tested on its own."""
    if not request.node.get_closest_marker("real_hashers"):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def eager_tasks():
    """Run tasks in this process, as without a broker, even where CI configures one."""
    from scoreboard.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Start every test with an empty cache: API throttle counters must not leak between tests.

    In CI the cache is its own Redis database (CACHE_URL), apart from Celery's broker.
    """
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(params=[True, False], ids=["cache-on", "cache-off"])
def published_cache(request, settings):
    """Run a test with published data cached (indicators/published_cache.py) and without."""
    settings.SCOREBOARD_PUBLISHED_CACHE = request.param
    return request.param


@pytest.fixture
def published_cache_on(settings):
    """Published data cached, as in production: one viewer's request fills what the next reads."""
    settings.SCOREBOARD_PUBLISHED_CACHE = True


@pytest.fixture
def present_demo(db, framework):
    """The whole demo, today's map included, on the real registry (units_load: seconds)."""
    from ingest.demo import demo_load, demo_users_create
    from units.services import units_load

    units_load()
    report = demo_load()
    assert not report.rejected, report.rejected
    demo_users_create()
    return report


@pytest.fixture
def demo(binh_duong):
    """The demo exports published and the demo users (one per role), on the test registry."""
    from ingest.demo import demo_load, demo_users_create

    report = demo_load(years={2025})  # the registry here is Bình Dương's alone
    assert not report.rejected, report.rejected
    demo_users_create(years={2025})
    return binh_duong


@pytest.fixture(scope="module")
def registry(django_db_setup, django_db_blocker):
    """The real registry (34 provinces, 3,321 communes), loaded once per module that asks for
    it and rolled back after that module."""
    from django.db import transaction

    from units.services import units_load

    with django_db_blocker.unblock(), transaction.atomic():
        units_load()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def vn(registry, db, framework):
    from units.models import AdministrativeUnit, UnitLevel

    return AdministrativeUnit.objects.get(level=UnitLevel.COUNTRY)


@pytest.fixture
def gia_lai(vn):
    from units.models import AdministrativeUnit, UnitLevel

    return AdministrativeUnit.objects.get(level=UnitLevel.PROVINCE, name="Gia Lai")


@pytest.fixture
def english():
    """Messages in English, for modules that assert on them (`usefixtures("english")`); the
    Vietnamese catalogue is checked on its own (tests/scoreboard/test_translations.py)."""
    from django.utils import translation

    with translation.override("en"):
        yield

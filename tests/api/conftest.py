"""A published Bình Dương (two weeks of its 9 districts, one week of Dĩ An's 7 wards with
indicator counts) and one user per role, with API clients for them."""

import datetime
import uuid
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken, Role
from accounts.services import membership_grant
from indicators.services import snapshot_publish
from tests.indicators.factories import full_marks, load_groups, load_indicators, make_snapshot
from tests.units.factories import UnitCodeFactory

MAY_13, MAY_20 = datetime.date(2025, 5, 13), datetime.date(2025, 5, 20)
# The seed article's Dĩ An (DOMAIN §7): groups add up to 91.4, the official total is 92.
DI_AN_GROUPS = {"CKMB": 18, "TDGQ": 19.2, "DVCTT": 8.5, "TTTT": 8.5, "SHHS": 19.2, "MDHL": 18}
PASSWORD = "a-long-test-password-766"


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Lift the rate limits: user ids repeat across tests (SQLite), and in CI the throttles
    count in the Redis shared with Celery, which a test must not flush. The throttle test
    sets its own rate."""
    rates = {"anon": "100000/minute", "user": "100000/minute", "uploads": "100000/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def district_groups(i: int, shift: float = 0) -> dict:
    """Plausible synthetic groups for the i-th district, lower as i grows."""
    return {
        "CKMB": round(17 - 0.4 * i + shift, 2),
        "TDGQ": round(19 - 0.5 * i + shift, 2),
        "DVCTT": 10,
        "TTTT": round(9 - 0.2 * i, 2),
        "SHHS": round(19 - 0.7 * i, 2),
        "MDHL": 17,
    }


@pytest.fixture
def world(binh_duong, framework):
    """Bình Dương published on 13 and 20 May 2025; Dĩ An's wards on 20 May (indicators)."""
    t = binh_duong
    t.framework = framework
    UnitCodeFactory(unit=t.province, scheme="gso", code="74")
    UnitCodeFactory(unit=t.di_an, scheme="gso", code="724")
    others = [d for name, d in t.districts.items() if name != "Dĩ An"]

    earlier = make_snapshot(scope=t.province, as_of=MAY_13, is_synthetic=True)
    figures = {t.di_an: ({}, "91.95")}
    figures |= {d: (district_groups(i + 1, shift=-0.3), None) for i, d in enumerate(others)}
    load_groups(earlier, figures)
    t.earlier = snapshot_publish(snapshot_id=earlier.pk)

    latest = make_snapshot(scope=t.province, as_of=MAY_20, is_synthetic=True)
    figures = {t.di_an: (DI_AN_GROUPS, 92)}
    figures |= {d: (district_groups(i + 1), None) for i, d in enumerate(others)}
    load_groups(latest, figures)
    t.latest = snapshot_publish(snapshot_id=latest.pk)

    wards = make_snapshot(scope=t.di_an, as_of=MAY_20)
    values = {}
    for i, ward in enumerate(t.wards.values()):
        values |= full_marks(ward)
        values[(ward, "2.1")] = (100 - 3 * i, 100)  # 20 points × ratio: Dĩ An loses 0, …
        values[(ward, "4.2")] = (90 - i, 100)
    load_indicators(wards, values)
    t.ward_snapshot = snapshot_publish(snapshot_id=wards.pk)
    return t


def user_with(username, role=None, unit=None, **extra):
    from django.contrib.auth import get_user_model

    # No password: force_login and tokens need none, and hashing (argon2) is slow.
    user = get_user_model().objects.create_user(username=username, password=None, **extra)
    if role:
        membership_grant(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def people(world):
    from django.contrib.auth import get_user_model

    t = world
    return SimpleNamespace(
        root=get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD),
        staff=user_with("staff", Role.PROVINCIAL_STAFF, t.province),
        other_staff=user_with("other_staff", Role.PROVINCIAL_STAFF, t.other_province),
        chair=user_with("chair", Role.UNIT_CHAIR, t.wards["Tân Bình"]),
        admin=user_with("admin", Role.DATA_ADMIN, t.province),
        other_admin=user_with("other_admin", Role.DATA_ADMIN, t.other_province),
        nobody=user_with("nobody"),
    )


def token_client(user) -> APIClient:
    client = APIClient()
    # A client of its own each time: a user may have several clients, one token each.
    _row, token = ApiToken.objects.create(user=user, client=f"test-{uuid.uuid4().hex[:8]}")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def api(people):
    """api.staff, api.chair, …: a token-authenticated client per person."""
    return SimpleNamespace(**{name: token_client(user) for name, user in vars(people).items()})

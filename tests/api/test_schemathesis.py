"""Schemathesis against the whole app, in process: no generated request may get a 5xx.

The schema is the one /api/schema/ serves (drf-spectacular's generator). Each operation gets
up to MAX_EXAMPLES generated requests (valid and invalid), sent through Django's WSGI handler
with every middleware, as a superuser's token client and as a unit chair's, against the
`world` fixture's published data. Checks: no server error, and every documented response
matches its schema. Budget: about 20 operations × MAX_EXAMPLES × 2 users, under a minute.
It runs in `make test` (SQLite locally, PostgreSQL in CI); scripts/schemathesis.sh runs the
CLI against a real server as well.
"""

import json

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings

from accounts.models import ApiToken, Role
from indicators.services import snapshot_publish
from tests.api.conftest import district_groups, user_with
from tests.indicators.factories import load_groups, make_snapshot

MAX_EXAMPLES = 20
CHECKS = [schemathesis.checks.not_a_server_error, schemathesis.checks.response_schema_conformance]


def _openapi() -> dict:
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(generated, cls=DjangoJSONEncoder))


schema = schemathesis.openapi.from_dict(_openapi())
_handler = WSGIHandler()


def wsgi_app(environ, start_response):
    """Django's WSGI handler, minus the end-of-request connection close.

    A real server closes the database connection after each request; here that would
    close the test's transaction. Django's test client skips it the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        result = _handler(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return [body]


@pytest.fixture
def fuzz_tokens(binh_duong, framework):
    """A published week of Bình Dương's districts and Dĩ An's wards, and the tokens of a
    superuser and a ward chair. (Lighter than `world`: it is set up once per operation.)"""
    t = binh_duong
    snapshot = make_snapshot(scope=t.province)
    load_groups(
        snapshot, {d: (district_groups(i), None) for i, d in enumerate(t.districts.values())}
    )
    snapshot_publish(snapshot_id=snapshot.pk)
    wards = make_snapshot(scope=t.di_an)
    load_groups(wards, {w: ({}, 80 + i) for i, w in enumerate(t.wards.values())})
    snapshot_publish(snapshot_id=wards.pk)
    users = [
        get_user_model().objects.create_superuser("root", "root@example.org", None),
        user_with("chair", Role.UNIT_CHAIR, t.wards["Tân Bình"]),
    ]
    return [ApiToken.objects.create(user=user)[1] for user in users]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_makes_the_server_fail(case, fuzz_tokens):
    for key in fuzz_tokens:
        response = case.call(app=wsgi_app, headers={"Authorization": f"Token {key}"})
        case.validate_response(response, checks=CHECKS)

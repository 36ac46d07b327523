"""Who gets in: tokens, sessions, anonymous callers (401 JSON, never a redirect), tokens' command."""

import json

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import ApiToken, AuditAction, AuditEvent
from tests.api.conftest import token_client

ENDPOINTS = [
    "/api/v1/",
    "/api/v1/me/",
    "/api/v1/units/",
    "/api/v1/frameworks/",
    "/api/v1/snapshots/",
    "/api/v1/leaderboard/?scope=1",
    "/api/v1/units/1/scores/",
    "/api/v1/units/1/breakdown/",
    "/api/v1/uploads/",
    "/api/schema/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_calls_get_401_json_not_a_login_redirect(client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert json.loads(response.content)["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_anonymous_post_is_401_too(client):
    response = client.post("/api/v1/uploads/", {})
    assert response.status_code == 401
    assert "Location" not in response


def test_token_authenticates(people):
    response = token_client(people.staff).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "staff"
    assert response.json()["memberships"][0]["role"] == "provincial_staff"


def test_a_wrong_token_is_401(people):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/units/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_session_authenticates_and_unsafe_methods_need_csrf(people):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(people.admin)
    assert client.get("/api/v1/me/").status_code == 200
    response = client.post("/api/v1/uploads/", {})
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_an_inactive_users_token_stops_working(people):
    client = token_client(people.staff)
    people.staff.is_active = False
    people.staff.save()
    assert client.get("/api/v1/units/").status_code == 401


def test_create_api_token_command(people, capsys):
    call_command("create_api_token", "staff", "--client", "sync-script")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    stored = ApiToken.objects.get(user=people.staff, client="sync-script")
    # Hashed at rest: the table holds a digest and an 8-character prefix, never the token.
    assert key not in (stored.digest, stored.token_key) and key.startswith(stored.token_key)
    assert stored.expiry is not None
    assert _me(key).status_code == 200
    with pytest.raises(CommandError, match="rotate"):
        call_command("create_api_token", "staff", "--client", "sync-script")
    call_command("create_api_token", "staff", "--client", "sync-script", "--rotate")
    rotated = capsys.readouterr().out.strip().splitlines()[-1]
    assert rotated != key
    assert _me(key).status_code == 401 and _me(rotated).status_code == 200
    call_command("create_api_token", "staff", "--client", "other-script")
    other = capsys.readouterr().out.strip().splitlines()[-1]
    call_command("create_api_token", "staff", "--client", "sync-script", "--revoke")
    # One token per client: revoking one client leaves the other working.
    assert _me(rotated).status_code == 401 and _me(other).status_code == 200
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert [a for a in actions if a.startswith("token")] == [
        AuditAction.TOKEN_CREATED,
        AuditAction.TOKEN_ROTATED,
        AuditAction.TOKEN_CREATED,
        AuditAction.TOKEN_REVOKED,
    ]
    assert all(key not in str(e.detail) for e in AuditEvent.objects.all())
    with pytest.raises(CommandError):
        call_command("create_api_token", "no-such-user")


def _me(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/me/")


def test_an_expired_token_stops_working(people):
    from datetime import timedelta

    from django.utils import timezone

    row, token = ApiToken.objects.create(user=people.staff, expiry=timedelta(days=1))
    assert _me(token).status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert _me(token).status_code == 401


def test_failed_token_authentication_is_throttled(people, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth_failures": "3/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    _row, good = ApiToken.objects.create(user=people.staff)
    assert [_me("766_wrong-token").status_code for _ in range(3)] == [401, 401, 401]
    # The fourth failure from this address is refused before the token is even looked at,
    # and so is a good token from it until the window ends.
    assert _me("766_wrong-token").status_code == 429
    assert _me(good).status_code == 429


def test_unknown_api_path_is_a_json_404(api):
    response = api.staff.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": response.json()["error"]["message"],
            "details": None,
        }
    }


def test_wrong_method_is_a_json_405(api):
    response = api.staff.delete("/api/v1/units/")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_throttling_answers_429_with_the_wait(api, people, settings):
    from django.core.cache import cache

    cache.delete(f"throttle_user_{people.staff.pk}")  # only this user's history
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    assert api.staff.get("/api/v1/frameworks/").status_code == 200
    assert api.staff.get("/api/v1/frameworks/").status_code == 200
    response = api.staff.get("/api/v1/frameworks/")
    cache.delete(f"throttle_user_{people.staff.pk}")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert response.json()["error"]["details"]["wait"] > 0
    assert int(response["Retry-After"]) > 0


def test_default_rates_come_from_the_settings():
    from django.conf import settings

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert set(rates) == {"anon", "user", "uploads"}

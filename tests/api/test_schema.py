"""The OpenAPI schema and the docs page: served offline, under the strict script policy."""

import json
import re

import pytest
from django.contrib.staticfiles import finders


def test_schema_is_openapi_3_with_every_endpoint(api):
    response = api.nobody.get("/api/schema/")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for path in [
        "/api/v1/units/",
        "/api/v1/units/{id}/lineage/",
        "/api/v1/units/{unit_id}/breakdown/",
        "/api/v1/units/{unit_id}/history/",
        "/api/v1/units/{unit_id}/scores/",
        "/api/v1/frameworks/{code}/",
        "/api/v1/snapshots/",
        "/api/v1/leaderboard/",
        "/api/v1/uploads/",
        "/api/v1/uploads/{id}/preview/",
        "/api/v1/uploads/{id}/publish/",
        "/api/v1/uploads/{id}/discard/",
        "/api/v1/actions/",
        "/api/v1/actions/{id}/",
    ]:
        assert path in paths
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    leaderboard = schema["paths"]["/api/v1/leaderboard/"]["get"]["responses"]
    assert leaderboard["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    yaml = api.nobody.get("/api/schema/?format=yaml")
    assert yaml.status_code == 200 and b"openapi: 3" in yaml.content


def test_docs_page_uses_local_assets_and_no_inline_script(client, people):
    client.force_login(people.nobody)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, "the page loads Swagger UI"
    for attributes, body in scripts:
        assert "src=" in attributes and not body.strip(), (
            "inline script: blocked by script-src 'self'"
        )
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(s.startswith("/") for s in sources), (
        "everything from this server (air-gapped intranets)"
    )
    assert "script-src 'self'" in response["Content-Security-Policy"]
    init = client.get("/api/docs/?script=")
    assert init.status_code == 200 and init["Content-Type"].startswith("application/javascript")
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")


@pytest.mark.django_db
def test_docs_page_sends_people_to_the_login_page(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_try_it_out_posts_with_the_session_and_the_token_in_the_script(people):
    """Swagger UI sends writes with the session cookie and the CSRF token the init script
    carries (the CSRF cookie is HttpOnly, so no script could read it)."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people.admin)
    init = browser.get("/api/docs/?script=").content.decode()
    [token] = re.findall(r'request\.headers\["X-CSRFTOKEN"\] = "([^"]*)"', init)
    header = "X-CSRFToken"
    assert token
    without = browser.post("/api/v1/uploads/", {})
    assert without.status_code == 403 and "CSRF" in without.content.decode()
    with_token = browser.post("/api/v1/uploads/", {}, headers={header: token})
    assert with_token.status_code == 400  # past CSRF: the empty form's own errors

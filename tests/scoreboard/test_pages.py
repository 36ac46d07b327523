import json

import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_login_page_is_vietnamese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="vi">' in body
    assert "Đăng nhập" in body


@pytest.mark.django_db
def test_anonymous_home_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_language_switch_works_before_login(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    body = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in body
    assert "Log in" in body


@pytest.mark.django_db
def test_pages_send_a_strict_content_security_policy(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


@pytest.mark.django_db
def test_stylesheet_is_served_locally(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert b"--band-xuat-sac" in b"".join(response.streaming_content)


@pytest.mark.django_db
def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    payload = json.loads(response.content)
    assert payload["status"] == "ok"
    assert payload["checks"]["database"] == "ok"


@pytest.mark.django_db
@override_settings(BROKER_CONFIGURED=True, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_healthz_fails_when_broker_is_down(client, monkeypatch):
    from scoreboard import views

    def broken():
        raise ConnectionError("refused")

    monkeypatch.setattr(views, "_check_broker", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["broker"].startswith("error")

import json

import pytest
from django.test import override_settings


@pytest.mark.django_db
def test_home_is_vietnamese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="vi">' in body
    assert "Bảng xếp hạng cải cách hành chính" in body


@pytest.mark.django_db
def test_home_switches_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert "Administrative reform scoreboard" in body


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

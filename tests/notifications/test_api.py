"""The notifications API (api/notification_views.py): the caller's own list, marking read, nothing of anyone else's."""

import pytest
from rest_framework.test import APIClient

from notifications.models import Notification


@pytest.fixture
def api(people):
    def as_user(name):
        client = APIClient()
        client.force_authenticate(people[name])
        return client

    return as_user


def test_lists_the_callers_notifications_with_words_and_links(api, people, moved_week):
    body = api("canbo").get("/api/v1/notifications/").json()
    assert body["count"] == 1
    (item,) = body["results"]
    assert item["rule"] == "rank_drop" and item["unit_name"] == "Thành phố Thuận An"
    assert item["detail"]["rank"] == 4 and item["read_at"] is None
    assert "Thuận An" in item["text"] and item["url"].endswith(f"/don-vi/{item['unit_id']}/")


def test_unread_filter_and_mark_read(api, people, moved_week):
    client = api("quantri")
    ids = [n["id"] for n in client.get("/api/v1/notifications/?unread=true").json()["results"]]
    assert len(ids) == 2
    assert client.post(f"/api/v1/notifications/{ids[0]}/read/").json() == {"marked": 1}
    assert client.post(f"/api/v1/notifications/{ids[0]}/read/").json() == {"marked": 0}
    assert client.get("/api/v1/notifications/?unread=true").json()["count"] == 1
    assert client.post("/api/v1/notifications/read/").json() == {"marked": 1}
    assert client.get("/api/v1/notifications/?unread=1").json()["count"] == 0


def test_another_users_notification_is_not_found(api, people, moved_week):
    theirs = Notification.objects.filter(user=people["canbo"]).first()
    response = api("quantri").post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert api("chutich.dian").get("/api/v1/notifications/").json()["count"] == 0


def test_anonymous_callers_get_401():
    assert APIClient().get("/api/v1/notifications/").status_code == 401

"""Conditional requests: pages, downloads and the API answer 304 while nothing changed for
this viewer, and in full after a publish, for another user or another language."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.services import membership_grant
from indicators.conditional import published_etag
from indicators.services import snapshot_publish
from tests.indicators.dashboard_data import groups_for
from tests.indicators.factories import load_groups, make_snapshot
from tests.units.factories import CommuneFactory, ProvinceFactory

AS_OF = datetime.date(2025, 11, 20)


def _publish(province, communes, first_total):
    snapshot = make_snapshot(scope=province, as_of=AS_OF)
    totals = [first_total, "60.00", "50.00"]
    load_groups(snapshot, {u: (groups_for(Decimal(t)), None) for u, t in zip(communes, totals)})
    return snapshot_publish(snapshot_id=snapshot.pk)


@pytest.fixture
def board(framework):
    province = ProvinceFactory()
    communes = [CommuneFactory(parent=province) for _ in range(3)]
    _publish(province, communes, "70.00")
    users = get_user_model().objects
    staff = users.create_user(username="canbo", password="a-long-test-password-766")
    membership_grant(user=staff, unit=province, role=Role.PROVINCIAL_STAFF)
    other = users.create_user(username="canbo2", password="a-long-test-password-766")
    membership_grant(user=other, unit=province, role=Role.PROVINCIAL_STAFF)
    return province, communes, staff, other


def _urls(province, communes):
    return [
        "/",
        f"/bang-xep-hang/{province.pk}/",
        f"/don-vi/{communes[0].pk}/",
        f"/bang-xep-hang/{province.pk}/tai-ve.csv",
        f"/don-vi/{communes[0].pk}/tai-ve.csv",
    ]


def test_pages_and_downloads_answer_304_until_a_correction(client, board):
    province, communes, staff, _other = board
    client.force_login(staff)
    for url in _urls(province, communes):
        first = client.get(url)
        assert first.status_code == 200, url
        assert first["ETag"] and first["Last-Modified"], url
        assert "private" in first["Cache-Control"], url
        again = client.get(url, headers={"if-none-match": first["ETag"]})
        assert again.status_code == 304, url
        assert not again.content
    etags = {url: client.get(url)["ETag"] for url in _urls(province, communes)}
    _publish(province, communes, "88.00")  # a corrected revision of the same date
    for url, etag in etags.items():
        response = client.get(url, headers={"if-none-match": etag})
        assert response.status_code == 200, url
        assert response["ETag"] != etag
    assert "88,00" in client.get(f"/bang-xep-hang/{province.pk}/").content.decode()


def test_the_etag_is_the_viewers_and_the_languages(client, board, rf):
    province, _communes, staff, other = board
    url = f"/bang-xep-hang/{province.pk}/"
    client.force_login(staff)
    mine = client.get(url)["ETag"]
    client.force_login(other)  # same access, another user (their name is on the page)
    theirs = client.get(url, headers={"if-none-match": mine})
    assert theirs.status_code == 200 and theirs["ETag"] != mine
    request = rf.get(url)
    request.user = staff
    with translation.override("vi"):
        vietnamese = published_etag(request, viewer="v")
    with translation.override("en"):
        assert published_etag(request, viewer="v") != vietnamese
    assert published_etag(request, viewer="other access") != vietnamese


def test_the_api_answers_304_and_keeps_access(board):
    province, communes, staff, _other = board
    api = APIClient()
    api.force_authenticate(staff)
    url = f"/api/v1/leaderboard/?scope={province.pk}"
    first = api.get(url)
    assert first.status_code == 200 and first["ETag"]
    assert api.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304
    stranger = get_user_model().objects.create_user(username="x", password="a-long-test-pw-766")
    api.force_authenticate(stranger)
    assert api.get(url, headers={"if-none-match": first["ETag"]}).status_code == 404

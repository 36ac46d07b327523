"""The smaller defects of issue 16's point 5, one test each."""

import datetime
from pathlib import Path
from unittest import mock

from django.contrib.auth import get_user_model
from django.utils import translation

from dashboard import pages
from dashboard.templatetags.scores import rank_move
from indicators.selectors import snapshot_latest_published
from ingest import services as ingest_services

ROOT = Path(__file__).resolve().parents[2]


def _login(client, username):
    client.force_login(get_user_model().objects.get(username=username))


def test_the_admins_change_links_keep_djangos_own_translation(demo, client):
    _login(client, "admin")
    html = client.get("/admin/").content.decode()
    assert "Thay đổi" in html
    assert "Chênh lệch" not in html  # the app's "Change" (score movement) no longer wins
    board = client.get(f"/bang-xep-hang/{demo.province.pk}/").content.decode()
    assert "Chênh lệch" in board  # …while the leaderboard's movement column keeps its word


def test_the_spoken_rank_movement_agrees_in_number():
    with translation.override("en"):
        assert "up 1 place<" in rank_move(1) and "up 2 places<" in rank_move(2)
        assert "down 1 place<" in rank_move(-1)
    with translation.override("vi"):
        assert "tăng 1 hạng" in rank_move(1)


def test_a_unit_with_scores_is_never_said_to_have_none(demo, client):
    _login(client, "canbo.binhduong")
    wards = snapshot_latest_published(scope=demo.di_an)
    # Dĩ An itself has no row in its wards' snapshot, but scores elsewhere.
    html = client.get(f"/don-vi/{demo.di_an.pk}/", {"snapshot": wards.pk}).content.decode()
    assert "Đơn vị chưa có điểm được công bố" not in html
    assert "Đơn vị không có điểm trong số liệu ngày 20/05/2025" in html
    assert "Xem điểm mới nhất của đơn vị</a>" in html
    province = client.get(f"/don-vi/{demo.province.pk}/").content.decode()
    assert "Đơn vị chưa có điểm được công bố" not in province
    assert "các đơn vị trực thuộc được xếp hạng ở dưới" in province


def test_a_table_with_rows_the_viewer_may_not_read_says_so(demo, client):
    _login(client, "canbo.binhduong")
    # Access is decided per peer table (`readable_peer_keys`, read before the board is
    # queried): a table withheld by access must be said, not silently missing.
    with mock.patch("dashboard.views.readable_peer_keys", lambda access, snapshot: set()):
        html = client.get(f"/bang-xep-hang/{demo.province.pk}/").content.decode()
    assert "9 đơn vị của bảng này nằm ngoài các đơn vị được giao cho bạn" in html


def test_superseded_revisions_are_listed_with_a_link(demo, client):
    upload, _ = ingest_services.upload_receive(
        data=(ROOT / "tests/fixtures/db/good-binh-duong-correction.csv").read_bytes(),
        filename="correction.csv",
        scope=demo.province,
        as_of=datetime.date(2025, 5, 20),
        period="year",
        enqueue=False,
    )
    ingest_services.upload_validate(upload_id=upload.pk)
    ingest_services.upload_request_publish(upload_id=upload.pk, enqueue=False)
    ingest_services.upload_publish(upload_id=upload.pk)
    latest = snapshot_latest_published(scope=demo.province)
    revisions = pages.snapshot_revisions(snapshot=latest)
    assert [r.revision for r in revisions] == [2, 1]
    _login(client, "canbo.binhduong")
    html = client.get(f"/bang-xep-hang/{demo.province.pk}/").content.decode()
    assert f'<a href="?snapshot={revisions[1].pk}">Lần 1</a>' in html
    assert "đã được thay thế" in html
    old = client.get(f"/bang-xep-hang/{demo.province.pk}/", {"snapshot": revisions[1].pk})
    assert f'<a href="?snapshot={latest.pk}">Lần 2</a>' in old.content.decode()

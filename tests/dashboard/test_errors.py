"""Error pages in the app's layout, in Vietnamese and English, with a way back (defect 2)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client


def _without_tokens(response) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return html.replace(response.wsgi_request.path, "PATH")  # the language switch's ?next=


def _login(client, username):
    client.force_login(get_user_model().objects.get(username=username))


@pytest.mark.parametrize(
    "language, title, back",
    [
        ("vi", "Không tìm thấy trang", "Về trang chủ"),
        ("en", "Page not found", "Back to the home page"),
    ],
)
def test_404_is_in_the_layout_in_each_language(demo, client, language, title, back):
    _login(client, "canbo.binhduong")
    client.cookies["django_language"] = language
    response = client.get("/khong-co-trang-nay/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'class="site-header"' in html and title in html and back in html
    assert f'href="/bang-xep-hang/{demo.province.pk}/"' in html  # the viewer's own leaderboard


def test_a_unit_outside_the_scope_and_a_unit_without_data_read_the_same(demo, client):
    _login(client, "chutich.tanbinh")
    other_ward = client.get(f"/don-vi/{demo.wards['An Bình'].pk}/")
    unknown = client.get("/don-vi/999999/")
    assert other_ward.status_code == unknown.status_code == 404
    why = "Không mở được trang của đơn vị này"
    assert why in other_ward.content.decode()
    # Same page whatever the reason: nothing tells whether the unit exists or has data.
    assert _without_tokens(other_ward) == _without_tokens(unknown)


def test_a_bad_snapshot_id_is_a_400_naming_the_parameter_on_page_and_download(demo, client):
    _login(client, "canbo.binhduong")
    for path in (
        f"/bang-xep-hang/{demo.province.pk}/?snapshot=abc",
        f"/bang-xep-hang/{demo.province.pk}/tai-ve.csv?snapshot=abc",
        f"/don-vi/{demo.di_an.pk}/?snapshot=abc",
        f"/don-vi/{demo.di_an.pk}/tai-ve.xlsx?snapshot=abc",
    ):
        response = client.get(path)
        assert response.status_code == 400, path
        html = response.content.decode()
        assert "“snapshot” phải là một số nguyên, không phải “abc”" in html, path
        assert 'class="site-header"' in html


def test_403_is_in_the_layout(demo, rf):
    from django.contrib.auth.models import AnonymousUser

    from scoreboard.errors import permission_denied

    request = rf.get("/uploads/")
    request.user = AnonymousUser()
    response = permission_denied(request)
    assert response.status_code == 403
    assert "Không được phép truy cập" in response.content.decode()


def test_500_needs_no_database_and_has_a_way_home(db, rf, django_assert_num_queries):
    from scoreboard.errors import server_error

    with django_assert_num_queries(0):  # the crash may be the database's
        response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert 'class="site-header"' in html and 'href="/"' in html and "Lỗi máy chủ" in html


def test_a_crash_renders_the_500_page(demo, settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    _login(client, "admin")
    from unittest import mock

    with mock.patch("dashboard.pages.home_page", side_effect=RuntimeError("boom")):
        response = client.get("/")
    assert response.status_code == 500
    assert "Lỗi máy chủ" in response.content.decode()

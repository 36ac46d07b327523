"""The notification centre in a real browser: the bell counts, the list links, mark all read."""

import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import Role
from accounts.services import membership_grant
from tests.notifications.conftest import NEXT_WEEK, NEXT_WEEK_CSV, WEEK, demo_file, publish

pytestmark = pytest.mark.browser


@pytest.fixture
def chair(transactional_db, binh_duong, eager_tasks, settings):
    """The chair of Thuận An, after a week in which Thuận An fell from 2nd to 4th."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    importlib.import_module("notifications.migrations.0002_default_rules").create(apps, None)
    user = get_user_model().objects.create_user("chutich.thuanan", "ta@example.org", "x" * 20)
    membership_grant(user=user, unit=binh_duong.districts["Thuận An"], role=Role.UNIT_CHAIR)
    # Real commits (a transactional test): the evaluation runs on commit, as in production.
    publish(demo_file("binh-duong-cap-huyen-2025-05-20.csv"), binh_duong.province, WEEK)
    publish(NEXT_WEEK_CSV.encode(), binh_duong.province, NEXT_WEEK)
    return user


@pytest.fixture
def session_cookie(chair, live_server) -> dict:
    client = Client()
    client.force_login(chair)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def test_the_bell_leads_to_the_alert_and_mark_all_read_clears_it(live_server, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/thong-bao/cai-dat/")
    assert page.locator(".bell-count").inner_text() == "1"
    page.locator("a.bell").click()
    item = page.locator(".notification-list li.unread")
    assert item.count() == 1
    assert "tụt 2 bậc, từ hạng 2 xuống hạng 4/9" in item.inner_text()
    item.locator("a", has_text="Thuận An").click()
    assert "/don-vi/" in page.url
    page.go_back()
    page.get_by_role("button", name="Đánh dấu tất cả đã đọc").click()
    page.wait_for_load_state()
    assert page.locator(".bell-count").count() == 0
    assert page.locator(".notification-list li.read").count() == 1
    # The favicon (a 404) is not part of the app.
    assert [e for e in page.errors if "favicon" not in e and "404" not in e] == []

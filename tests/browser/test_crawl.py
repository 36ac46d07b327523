"""Every demo role, in Chromium: no link any page shows answers 4xx/5xx, and at 390 px no
page is wider than the screen (issue 16, "done when").

The crawl is breadth-first from the home page over the links the rendered pages show
(`tests.dashboard.crawl`: bounded, sorting and paging variants counted once). Pages are
opened in the browser, each at desktop width for its links and at 390 px for its width;
downloads are fetched with the same session and only their status is checked.
"""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from ingest.demo import DEMO_USERS, demo_load, demo_users_create
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS
from tests.dashboard.crawl import crawl, dead_links
from units.services import units_load

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# The innermost elements sticking out of the screen, to say what to fix.
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 1))
  .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
    + ' ' + Math.round(e.getBoundingClientRect().right))"""
PAGE_BUDGET = 45
HEADER_MAX = 110  # px at 390 px wide: two short lines, not a fifth of the screen (was 210)  # pages per role: every kind of page the demo has, several of each


@pytest.fixture
def demo_sessions(transactional_db, framework, live_server):
    """The whole demo (today's map and 2025's) on the real registry, and one session cookie
    per demo user, built before Playwright starts."""
    units_load()
    report = demo_load()
    assert not report.rejected, report.rejected
    demo_users_create()
    cookies = {}
    for username, *_ in DEMO_USERS:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        cookies[username] = {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        }
    return cookies


def test_every_role_meets_no_dead_link_and_no_page_wider_than_a_phone(
    live_server, demo_sessions, monkeypatch
):
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    problems: list[str] = []
    visited: dict[str, int] = {}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            for username, cookie in demo_sessions.items():
                context = browser.new_context(
                    locale="vi-VN", viewport={"width": 1280, "height": 900}
                )
                context.add_cookies([cookie])
                desktop, phone = context.new_page(), context.new_page()
                phone.set_viewport_size(PHONE)
                desktop.set_default_timeout(15_000)
                phone.set_default_timeout(15_000)

                def fetch(path, desktop=desktop, phone=phone, context=context, who=username):
                    url = live_server.url + path
                    head = context.request.get(url, max_redirects=0)
                    content_type = head.headers.get("content-type", "")
                    if head.status >= 300 or "text/html" not in content_type:
                        if 300 <= head.status < 400:
                            target = head.headers.get("location", "")
                            return fetch(target.removeprefix(live_server.url))
                        return head.status, content_type, ""
                    response = desktop.goto(url)
                    html = desktop.content()
                    phone.goto(url)
                    width = phone.evaluate("document.documentElement.scrollWidth")
                    header = phone.evaluate(
                        "document.querySelector('.site-header')?.offsetHeight || 0"
                    )
                    if header > HEADER_MAX:
                        problems.append(f"{who}: {path}'s header is {header} px tall at 390 px")
                    if width > PHONE["width"]:
                        problems.append(
                            f"{who}: {path} is {width} px wide at 390 px: {phone.evaluate(WIDEST)}"
                        )
                    return response.status, content_type, html

                statuses, referrers = crawl(["/"], fetch, max_pages=PAGE_BUDGET)
                visited[username] = len(statuses)
                problems += [f"{username}: {line}" for line in dead_links(statuses, referrers)]
                context.close()
        finally:
            browser.close()
    assert all(count > 5 for count in visited.values()), visited  # each crawl went past home
    print("\n".join(problems))  # shown on failure
    assert problems == []

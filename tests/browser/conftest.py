"""Playwright driving the system Chromium against pytest-django's live server.

No `playwright install`: the browser is Debian's (`/usr/bin/chromium`, or
PLAYWRIGHT_CHROMIUM_EXECUTABLE). A test skips only when that binary is missing, and CI
(SCOREBOARD_REQUIRE_SERVICES=1) turns such a skip into a failure.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
def framework(transactional_db, framework):
    """The 766-2022 framework (the root fixture), in a transactional test."""
    return framework


@pytest.fixture
def session_cookie(transactional_db, live_server) -> dict:
    """A logged-in superuser's session cookie for the live server."""
    user = get_user_model().objects.create_superuser("browser", "browser@example.org", "x" * 20)
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


@pytest.fixture
def browser_page(live_server, session_cookie, monkeypatch):
    """Yield a logged-in Playwright page (1280×900, Vietnamese) and the errors it reported.

    Build data before asking for this fixture: while Playwright's event loop lives, Django
    refuses ORM calls from this thread (the live server's thread is unaffected).
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Teardown flushes the database after Playwright has stopped; this only covers the
    # window in between on slow machines.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
        context.add_cookies([session_cookie])
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: page.errors.append(msg.text) if msg.type == "error" else None,
        )
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            browser.close()

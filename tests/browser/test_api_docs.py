"""The API docs page in a real browser: "Try it out" sends a write with the session."""

import pytest

pytestmark = pytest.mark.browser


def test_try_it_out_posts_past_the_csrf_check(live_server, framework, browser_page):
    """A logged-in admin's POST from Swagger UI reaches the view (a 404 for an upload that
    does not exist), not the CSRF wall (403): the init script carries the token."""
    page = browser_page
    page.goto(f"{live_server.url}/api/docs/")
    operation = page.locator(".opblock-post", has_text="/api/v1/uploads/{id}/discard/").first
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("input[placeholder='id']").fill("999999")
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip().startswith("404")

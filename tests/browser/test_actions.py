"""The review meeting in a real browser: open the review, assign three units, print the minutes."""

import pytest

from tests.indicators.dashboard_data import build_binh_duong

pytestmark = pytest.mark.browser


@pytest.fixture
def board(framework):
    return build_binh_duong(weeks=2)


def test_the_review_meeting(live_server, board, browser_page):
    page = browser_page
    # From the leaderboard to the review of the same snapshot.
    page.goto(f"{live_server.url}/bang-xep-hang/{board.binh_duong.pk}/")
    with page.expect_navigation():
        page.click("text=Họp giao ban theo kỳ dữ liệu này")
    assert page.locator("h1").inner_text().startswith("Họp giao ban")
    rows = page.locator("form.review-assign tbody tr")
    assert rows.count() == 9
    for i in range(3):
        row = rows.nth(i)
        row.locator("input[type=checkbox]").check()
        row.locator("input[name$='-title']").fill(f"Giải quyết hồ sơ trễ hạn số {i + 1}")
    with page.expect_navigation():
        page.click("text=Giao việc cho các đơn vị đã chọn")
    assert "Đã giao 3 việc." in page.locator("ul.messages").inner_text()
    decided = page.locator("section[aria-labelledby=agreed-title] tbody tr.action-row")
    assert decided.count() == 3
    # Print the minutes: the printable page, the browser's PDF of it, and the server's PDF.
    with page.expect_navigation():
        page.click("text=In biên bản")
    minutes = page.locator("article.minutes").inner_text()
    for i in range(3):
        assert f"Giải quyết hồ sơ trễ hạn số {i + 1}" in minutes
    page.emulate_media(media="print")
    assert page.pdf(format="A4").startswith(b"%PDF-")
    link = page.locator("a", has_text="PDF").first.get_attribute("href")
    response = page.request.get(live_server.url + link)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    # The favicon is not part of the app (as in test_dashboard).
    assert [e for e in page.errors if "favicon" not in e and "404" not in e] == []

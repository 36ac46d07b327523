"""The pages people use most, in a real browser: leaderboard, unit page, search, language."""

import pytest

from tests.indicators.dashboard_data import build_binh_duong

pytestmark = pytest.mark.browser


@pytest.fixture
def board(framework):
    return build_binh_duong(weeks=3)


def _leaderboard_url(live_server, board) -> str:
    return f"{live_server.url}/bang-xep-hang/{board.binh_duong.pk}/"


def _real_errors(page) -> list[str]:
    # The favicon is not part of the app.
    return [e for e in page.errors if "favicon" not in e and "404" not in e]


def test_leaderboard_renders_the_di_an_headline(live_server, board, browser_page):
    page = browser_page
    page.goto(_leaderboard_url(live_server, board))
    headline = page.locator("p.headline").first.inner_text()
    assert headline.startswith("TP. Dĩ An 92/100")
    assert "1/9" in headline
    assert page.locator("table.board tbody tr").count() == 9
    first = page.locator("table.board tbody tr").first.inner_text()
    assert "92,00" in first and "91,40" in first
    assert page.get_attribute("html", "lang") == "vi"
    assert _real_errors(page) == []


def test_unit_page_draws_its_charts(live_server, board, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/don-vi/{board.di_an.pk}/")
    page.wait_for_selector("#trend-chart .main-svg")
    page.wait_for_selector("#groups-chart .main-svg")
    assert page.locator("#trend-chart.chart-ready").count() == 1
    # Three snapshots drawn: one marker per point on the total line.
    assert page.locator("#trend-chart .scatterlayer .trace").first.locator(".point").count() == 3
    assert "P. Tân Bình" in page.locator("body").inner_text()
    assert _real_errors(page) == []


def test_search_finds_di_an_without_diacritics(live_server, board, browser_page):
    page = browser_page
    page.goto(_leaderboard_url(live_server, board))
    page.fill("#f-q", "Di An")
    with page.expect_navigation():
        page.press("#f-q", "Enter")
    rows = page.locator("table.board tbody tr")
    assert rows.count() == 1
    assert "TP. Dĩ An" in rows.first.inner_text()
    assert "q=Di+An" in page.url


def test_language_switch_flips_to_english_and_back(live_server, board, browser_page):
    page = browser_page
    page.goto(_leaderboard_url(live_server, board))
    with page.expect_navigation():
        page.click("button[data-lang=en]")
    assert page.get_attribute("html", "lang") == "en"
    assert "rank 1/9" in page.locator("p.headline").first.inner_text()
    assert "92.00" in page.locator("table.board tbody tr").first.inner_text()
    with page.expect_navigation():
        page.click("button[data-lang=vi]")
    assert page.get_attribute("html", "lang") == "vi"
    assert "92,00" in page.locator("table.board tbody tr").first.inner_text()


def test_compare_ticked_units(live_server, board, browser_page):
    page = browser_page
    page.goto(_leaderboard_url(live_server, board))
    boxes = page.locator("input[type=checkbox][form=compare-form]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    with page.expect_navigation():
        page.click("#compare-form button")
    page.wait_for_selector("#compare-chart .main-svg")
    assert page.locator("#compare-chart .scatterlayer .trace").count() == 2


def test_snapshot_picker_submits_on_change(live_server, board, browser_page):
    page = browser_page
    page.goto(_leaderboard_url(live_server, board))
    with page.expect_navigation():
        page.select_option("#f-snapshot", index=1)
    assert "TP. Dĩ An 91,95/100" in page.locator("p.headline").first.inner_text()


def test_leaderboard_fits_a_phone(live_server, board, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(_leaderboard_url(live_server, board))
    # The page itself does not scroll sideways; only the table does, inside its frame.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert page.locator(".table-wrap").first.is_visible()

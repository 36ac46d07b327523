"""Save the README's screenshots of a running server: the leaderboard and the leader's unit page.

    make run                                   # demo data on http://127.0.0.1:8000/
    .venv/bin/python scripts/screenshots.py    # → docs/screenshots/leaderboard.png, unit.png

Logs in with the demo administrator (SCREENSHOT_USER / SCREENSHOT_PASSWORD to change), opens
/bang-xep-hang/ (the home scope's leaderboard: Bình Dương in the demo), then the unit page of
the leader in its headline (TP. Dĩ An) once its charts are drawn. Uses the system Chromium
(PLAYWRIGHT_CHROMIUM_EXECUTABLE, default /usr/bin/chromium); never downloads a browser.
"""

import argparse
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="server URL")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--lang", default="vi", choices=["vi", "en"])
    args = parser.parse_args()
    user = os.environ.get("SCREENSHOT_USER", "admin")
    password = os.environ.get("SCREENSHOT_PASSWORD", "demo-766-password")
    chromium = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
    args.out.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        # The browser's language picks the page's (Django's LocaleMiddleware).
        locale = {"vi": "vi-VN", "en": "en-GB"}[args.lang]
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale=locale)
        page.goto(f"{args.base}/accounts/login/")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.click("main button[type=submit]")

        page.goto(f"{args.base}/bang-xep-hang/")
        page.wait_for_selector("p.headline")
        page.screenshot(path=args.out / "leaderboard.png", full_page=True)
        print(f"{args.out / 'leaderboard.png'}: {page.url}")

        with page.expect_navigation():
            page.click("p.headline a")
        page.wait_for_selector("#trend-chart .main-svg")
        page.wait_for_selector("#groups-chart .main-svg")
        page.screenshot(path=args.out / "unit.png", full_page=True)
        print(f"{args.out / 'unit.png'}: {page.url}")
        browser.close()


if __name__ == "__main__":
    main()

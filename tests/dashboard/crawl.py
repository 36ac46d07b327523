"""Breadth-first crawl of the links a page shows, for the dead-link tests (client and browser).

Only what a person could click is followed: `<a href>` to this site, not `mailto:`, not the
Django admin beyond its index (Django's own pages), not the API's HTML docs (a script page).
Links that differ only in sorting or paging count once, so the crawl is bounded by the
pages there are, not by the orderings of each table.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

IGNORED_PARAMS = {"sort", "dir", "page"}
SKIPPED_PREFIXES = ("/admin/", "/api/docs", "/api/schema", "/static/", "/i18n/")
MAX_PAGES = 60


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links_of(html: str, base: str) -> list[str]:
    """Return the internal paths (with query) that html's anchors point to, from page base."""
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        if href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        parts = urlsplit(urljoin(base, href))
        if parts.netloc and parts.netloc != urlsplit(base).netloc:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        found.append(path)
    return found


def crawl_key(path: str) -> str:
    parts = urlsplit(path)
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if k not in IGNORED_PARAMS)
    return parts.path + "?" + urlencode(query)


def skipped(path: str) -> bool:
    bare = urlsplit(path).path
    return bare != "/admin/" and bare.startswith(SKIPPED_PREFIXES)


def crawl(
    start: Iterable[str],
    fetch: Callable[[str], tuple[int, str, str]],
    *,
    max_pages: int = MAX_PAGES,
) -> tuple[dict[str, int], dict[str, str]]:
    """Visit pages breadth-first from start; return {path: status} and {path: the page linking it}.

    fetch(path) answers (status, content type, body); only HTML bodies are followed.
    """
    queue = deque(start)
    seen = {crawl_key(p) for p in queue}
    statuses: dict[str, int] = {}
    referrers: dict[str, str] = {p: "(start)" for p in queue}
    while queue and len(statuses) < max_pages:
        path = queue.popleft()
        status, content_type, body = fetch(path)
        statuses[path] = status
        if status >= 400 or "text/html" not in content_type or urlsplit(path).path == "/admin/":
            continue
        for link in links_of(body, "http://testserver" + path):
            key = crawl_key(link)
            if key in seen or skipped(link):
                continue
            seen.add(key)
            referrers[link] = path
            queue.append(link)
    return statuses, referrers


def dead_links(statuses: dict[str, int], referrers: dict[str, str]) -> list[str]:
    return [
        f"{path} answered {status} (linked from {referrers.get(path)})"
        for path, status in statuses.items()
        if status >= 400
    ]

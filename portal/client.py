"""The national portal's results API, asked politely (docs/PORTAL_API.md).

One `PortalClient` per run sends every request of it: an identifying User-Agent with the
deployment's contact (never another), at most one request per PORTAL_MIN_INTERVAL_SECONDS
in this process, retries with exponential back-off on 429, 5xx, timeouts and cut-off
answers (the portal's Retry-After is honoured; one longer than PORTAL_BACKOFF_MAX_SECONDS
ends the fetch rather than being ignored), and through PORTAL_PROXY when set.

The portal documents none of its API, so each answer's shape is checked here before
anything reads it, and what is not understood ends the fetch with a sentence naming the
place (`data.evaluation[3].totalScore`). Reasons are for the data admin who reads the fetch.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import requests
from django.conf import settings
from django.utils.translation import gettext as _

from ingest.readers import MAX_FILE_BYTES

API_PREFIX = "/api/v1/reporting/evaluation/"
RESULTS = "service-results"
# The endpoints whose list is a tree under data.children; the others list under evaluation.
TREE_ENDPOINTS = frozenset(
    {"dvc-progress-tree", "provide-online-tree", "formality-online-payment-tree"}
)

# One process, one pace: clients created one after another (or in threads) share it.
_pace_lock = threading.Lock()
_last_sent = [float("-inf")]  # when the last exchange ended


class PortalError(Exception):
    """A fetch that cannot go on; `reason` says why in words, `retryable` whether a later
    try may succeed (a busy portal) or not (an answer this version does not understand)."""

    def __init__(self, reason: str, *, retryable: bool = False, portal_at_fault: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        # False for this deployment's own mistakes (not configured): no breaker counts them.
        self.portal_at_fault = portal_at_fault


def user_agent() -> str:
    """The one User-Agent of every request: the product, the deployment and its contact."""
    return (
        f"{settings.PORTAL_USER_AGENT} (+{settings.SCOREBOARD_BASE_URL}; {settings.PORTAL_CONTACT})"
    )


def check_configured() -> None:
    if not settings.PORTAL_BASE_URL or not settings.PORTAL_CONTACT:
        raise PortalError(
            _(
                "The portal sync is not configured: set PORTAL_BASE_URL and PORTAL_CONTACT "
                "(README, “Portal sync”)."
            ),
            portal_at_fault=False,
        )


class PortalClient:
    def __init__(
        self,
        *,
        base_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        check_configured()
        self.base_url = (base_url or settings.PORTAL_BASE_URL).rstrip("/")
        self.requests_made = 0
        self._sleep, self._clock = sleep, clock
        self.session = requests.Session()
        # Only the configured proxy: an environment's proxy variables must not send the
        # portal's traffic somewhere the operator did not choose.
        self.session.trust_env = False
        if settings.PORTAL_PROXY:
            self.session.proxies = {"http": settings.PORTAL_PROXY, "https": settings.PORTAL_PROXY}
        self.session.headers.update(
            {
                "User-Agent": user_agent(),
                "Accept": "application/json",
                "Content-Type": "application/json",
            }
        )

    def close(self) -> None:
        self.session.close()

    # --- The endpoints ---------------------------------------------------------------------

    def service_results(self, body: dict) -> dict:
        """The ranked units of a scope (the 34 provinces without rootDepartmentId)."""
        answer = self.post(RESULTS, body)
        with _named(RESULTS):
            check_results_shape(answer, page_size=body.get("pageSize"))
        return answer

    def group(self, endpoint: str, body: dict) -> dict:
        """One group's points of a province's units, keyed by departmentId."""
        answer = self.post(endpoint, body)
        with _named(endpoint):
            check_group_shape(answer, endpoint)
        return answer

    # --- One request, politely -------------------------------------------------------------

    def post(self, endpoint: str, body: dict) -> dict:
        """POST body to an endpoint and return its JSON object, retrying what may pass."""
        attempts = max(1, settings.PORTAL_MAX_ATTEMPTS)
        for attempt in range(1, attempts + 1):
            try:
                return self._post_once(endpoint, body)
            except PortalError as exc:
                if not exc.retryable or attempt == attempts:
                    if exc.retryable:
                        raise PortalError(
                            _("%(endpoint)s: gave up after %(count)s tries: %(reason)s")
                            % {"endpoint": endpoint, "count": attempt, "reason": exc.reason},
                            retryable=True,
                        ) from exc
                    raise PortalError(
                        _("%(endpoint)s: %(reason)s") % {"endpoint": endpoint, "reason": exc.reason}
                    ) from exc
                delay = min(
                    settings.PORTAL_BACKOFF_SECONDS * 2 ** (attempt - 1),
                    settings.PORTAL_BACKOFF_MAX_SECONDS,
                )
                wait = getattr(exc, "retry_after", None)
                if wait is not None:
                    if wait > settings.PORTAL_BACKOFF_MAX_SECONDS:
                        raise PortalError(
                            _(
                                "%(endpoint)s: the portal asked to wait %(seconds)s seconds; the fetch stops and tries again at its next run"
                            )
                            % {"endpoint": endpoint, "seconds": int(wait)},
                            retryable=True,
                        ) from exc
                    delay = max(delay, wait)
                self._sleep(delay)
        raise AssertionError("unreachable")

    def _pace(self) -> None:
        # Counted from the end of the previous exchange, not its start: the portal then sees
        # at least the interval between two requests, whatever the network's delays.
        with _pace_lock:
            wait = _last_sent[0] + settings.PORTAL_MIN_INTERVAL_SECONDS - self._clock()
            if wait > 0:
                self._sleep(wait)
            _last_sent[0] = self._clock()

    def _post_once(self, endpoint: str, body: dict) -> dict:
        self._pace()
        self.requests_made += 1
        try:
            return self._exchange(endpoint, body)
        finally:
            with _pace_lock:
                _last_sent[0] = self._clock()

    def _exchange(self, endpoint: str, body: dict) -> dict:
        try:
            response = self.session.post(
                self.base_url + API_PREFIX + endpoint,
                data=json.dumps(body).encode(),
                timeout=settings.PORTAL_TIMEOUT_SECONDS,
            )
            content = response.content
        except requests.Timeout as exc:
            raise PortalError(
                _("the portal did not answer within %(seconds)s seconds")
                % {"seconds": _number(settings.PORTAL_TIMEOUT_SECONDS)},
                retryable=True,
            ) from exc
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            raise PortalError(
                _("the portal's answer was cut off before its end"), retryable=True
            ) from exc
        except requests.RequestException as exc:
            raise PortalError(
                _("the portal could not be reached (%(detail)s)") % {"detail": type(exc).__name__},
                retryable=True,
            ) from exc
        status = response.status_code
        if status == 429 or status >= 500:
            error = PortalError(
                _("the portal asked us to slow down (429)")
                if status == 429
                else _("the portal answered with an error (HTTP %(status)s%(page)s)")
                % {"status": status, "page": _page_title(content)},
                retryable=True,
            )
            error.retry_after = _retry_after(response.headers.get("Retry-After"))
            raise error
        if status != 200:
            raise PortalError(
                _("the portal refused the request (HTTP %(status)s%(page)s)")
                % {"status": status, "page": _page_title(content)}
            )
        if len(content) > MAX_FILE_BYTES:
            raise PortalError(_("the portal's answer is larger than an upload may be"))
        return _json_object(content)


@contextlib.contextmanager
def _named(endpoint: str):
    """Say which endpoint's answer a refusal is about."""
    try:
        yield
    except PortalError as exc:
        raise PortalError(
            _("%(endpoint)s: %(reason)s") % {"endpoint": endpoint, "reason": exc.reason}
        ) from exc


def _number(value: float) -> str:
    return f"{value:g}"


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds, or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _page_title(content: bytes) -> str:
    """', a web page: "title"' when an answer is HTML (a proxy's or the portal's error page)."""
    head = content[:4096]
    if b"<html" not in head.lower() and b"<!doctype" not in head.lower():
        return ""
    found = _TITLE.search(head)
    title = found.group(1).decode("utf-8", "replace").strip()[:80] if found else ""
    return _(", a web page: “%(title)s”") % {"title": title} if title else _(", a web page")


def _json_object(content: bytes) -> dict:
    title = _page_title(content)
    if title:
        raise PortalError(
            _("the portal answered with a web page, not data (%(page)s)")
            % {"page": title.lstrip(", ")}
        )
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise PortalError(_("the portal's answer is not UTF-8 text")) from exc
    except json.JSONDecodeError as exc:
        # A body that ends mid-way is most often a connection cut short: worth another try.
        cut = exc.pos >= len(content.rstrip()) - 1
        raise PortalError(
            _("the portal's answer is not complete JSON (%(detail)s)")
            % {"detail": f"{exc.msg}, line {exc.lineno} column {exc.colno}"},
            retryable=cut,
        ) from exc
    if not isinstance(document, dict):
        raise _shape("(the answer)")
    if document.get("code") != "OK":
        raise PortalError(
            _("the portal answered “%(code)s”: %(message)s")
            % {"code": document.get("code"), "message": str(document.get("message", ""))[:200]}
        )
    if not isinstance(document.get("data"), dict):
        raise _shape("data")
    return document


def _shape(path: str) -> PortalError:
    return PortalError(
        _(
            "the portal's answer is not in the shape this version reads: %(path)s is missing or "
            "not what it was (a field renamed?)"
        )
        % {"path": path}
    )


def _is_number(value: object) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def check_results_shape(answer: dict, *, page_size: int | None = None) -> None:
    """service-results: data.evaluation is a list of units, each with a code or a name and a
    totalScore (docs/PORTAL_API.md); a full page may hide more rows and is refused."""
    items = answer["data"].get("evaluation")
    if not isinstance(items, list):
        raise _shape("data.evaluation")
    for index, item in enumerate(items):
        where = f"data.evaluation[{index}]"
        if not isinstance(item, dict):
            raise _shape(where)
        if not isinstance(item.get("departmentCode") or item.get("departmentName"), str):
            raise _shape(f"{where}.departmentName")
        if "totalScore" not in item or not _is_number(item["totalScore"]):
            raise _shape(f"{where}.totalScore")
        if "groupScores" in item and not isinstance(item["groupScores"], dict | None):
            raise _shape(f"{where}.groupScores")
    if page_size and len(items) >= page_size:
        raise PortalError(
            _(
                "the portal returned a full page of %(count)s rows: the table may have more "
                "pages, which this version does not fetch"
            )
            % {"count": len(items)}
        )


def check_group_shape(answer: dict, endpoint: str) -> None:
    """A group endpoint: a list (data.evaluation) or a tree (data.children) of units, each
    with its departmentId and a score (or totalScore)."""
    key = "children" if endpoint in TREE_ENDPOINTS else "evaluation"
    nodes = answer["data"].get(key)
    if not isinstance(nodes, list):
        raise _shape(f"data.{key}")
    stack = [(f"data.{key}[{i}]", node) for i, node in enumerate(nodes)]
    while stack:
        where, node = stack.pop()
        if not isinstance(node, dict) or "departmentId" not in node:
            raise _shape(f"{where}.departmentId")
        score = node.get("score", node.get("totalScore", ...))
        if score is ... or not _is_number(score):
            raise _shape(f"{where}.score")
        children = node.get("children") or []
        if not isinstance(children, list):
            raise _shape(f"{where}.children")
        stack.extend((f"{where}.children[{i}]", child) for i, child in enumerate(children))

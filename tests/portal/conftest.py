import pytest

from tests.portal.fake_portal import FakePortal


@pytest.fixture
def fake_portal(settings):
    """The fake portal on a free port of 127.0.0.1, the sync pointed at it, stopped after."""
    portal = FakePortal().start()
    settings.PORTAL_BASE_URL = portal.url
    settings.PORTAL_CONTACT = "ops@scoreboard.example.org"
    settings.PORTAL_PROXY = ""
    # Quick retries and a short timeout, so the bad cases end in seconds; the pace is
    # lowered too except where a test checks the real one (test_the_pace_*).
    settings.PORTAL_BACKOFF_SECONDS = 0.05
    settings.PORTAL_BACKOFF_MAX_SECONDS = 2
    settings.PORTAL_TIMEOUT_SECONDS = 0.5
    settings.PORTAL_MAX_ATTEMPTS = 3
    settings.PORTAL_MIN_INTERVAL_SECONDS = 0.05
    yield portal
    portal.stop()

import pytest

from ingest.demo import demo_load, demo_users_create


@pytest.fixture
def demo(binh_duong):
    """The demo exports published and the demo users (one per role), on the test registry."""
    report = demo_load()
    assert not report.rejected, report.rejected
    demo_users_create()
    return binh_duong

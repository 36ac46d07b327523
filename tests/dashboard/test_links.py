"""Pages offer only links their viewer may open (issue 16, defect 1)."""

import pytest
from django.contrib.auth import get_user_model

from ingest.demo import DEMO_USERS
from tests.dashboard.crawl import crawl, dead_links

PRESENT_ROLES = ["canbo.gialai", "chutich.vancanh"]  # today's map: the real registry's units
DEMO_ROLES = [username for username, *_ in DEMO_USERS if username not in PRESENT_ROLES]


def _fetch(client):
    def fetch(path):
        response = client.get(path)
        body = response.content.decode() if "text/html" in response.get("Content-Type", "") else ""
        return response.status_code, response.get("Content-Type", ""), body

    return fetch


@pytest.mark.parametrize("username", DEMO_ROLES)
def test_no_page_links_to_a_page_its_viewer_cannot_open(demo, client, username):
    client.force_login(get_user_model().objects.get(username=username))
    statuses, referrers = crawl(["/"], _fetch(client), max_pages=80)
    assert len(statuses) > 5, statuses  # the crawl reached past the home page
    assert dead_links(statuses, referrers) == []


def test_the_roles_of_todays_map_meet_no_dead_link(present_demo, client):
    """Gia Lai's staff and a commune chair of 2026, on the real registry and the whole demo."""
    for username in [*PRESENT_ROLES, "admin"]:
        client.force_login(get_user_model().objects.get(username=username))
        statuses, referrers = crawl(["/"], _fetch(client), max_pages=60)
        assert len(statuses) > 5, (username, statuses)
        assert dead_links(statuses, referrers) == [], username


def _shown(html: str, label: str) -> str:
    """'link' when label is an anchor's text, 'text' when shown unlinked, '' when absent."""
    if f">{label}</a>" in html:
        return "link"
    return "text" if f'<span class="unlinked">{label}</span>' in html else ""


def test_breadcrumbs_and_successors_a_provincial_reader_cannot_open_are_text(demo, client):
    from tests.units.factories import ProvinceFactory
    from units.models import REFORM_2025, LineageKind, LineageLink

    hcmc = ProvinceFactory(name="Hồ Chí Minh", valid_from=REFORM_2025)
    LineageLink.objects.create(
        predecessor=demo.province, successor=hcmc, effective_date=REFORM_2025,
        kind=LineageKind.MERGE,
    )  # fmt: skip
    client.force_login(get_user_model().objects.get(username="canbo.binhduong"))
    html = client.get(f"/don-vi/{demo.province.pk}/").content.decode()
    assert _shown(html, "Việt Nam") == "text"
    assert _shown(html, hcmc.full_name) == "text"
    client.force_login(get_user_model().objects.get(username="admin"))
    html = client.get(f"/don-vi/{demo.province.pk}/").content.decode()
    assert _shown(html, "Việt Nam") == "link"
    assert _shown(html, hcmc.full_name) == "link"


def test_a_ward_chair_sees_neighbours_and_parents_as_text(demo, client):
    client.force_login(get_user_model().objects.get(username="chutich.tanbinh"))
    html = client.get(f"/don-vi/{demo.wards['Tân Bình'].pk}/").content.decode()
    assert _shown(html, "TP. Dĩ An") == "text"
    assert _shown(html, "Tỉnh Bình Dương") == "text"
    assert _shown(html, "P. An Bình") == "text"
    assert "/so-sanh/?units=" not in html  # no comparison the chair could not open
    # The chair's own ward stays a link where it is a row (the wards' leaderboard).
    board = client.get(f"/bang-xep-hang/{demo.di_an.pk}/").content.decode()
    assert _shown(board, "P. Tân Bình") == "link"
    assert _shown(board, "P. An Bình") == "text"

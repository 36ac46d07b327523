"""What it takes on the unit page, in the leader brief and in the what-if control (issue 18)."""

import json
import re
from decimal import Decimal

import pytest

from dashboard.advice import WHAT_IF_MAX_DOSSIERS
from indicators.selectors import unit_what_it_takes
from ingest import services
from ingest.models import Upload, UploadStatus


@pytest.fixture
def wards_with_counts(demo):
    """The demo, with the wards' indicator table (left for review) published."""
    upload = Upload.objects.get(kind="indicator", status=UploadStatus.PREVIEWED)
    services.upload_request_publish(upload_id=upload.pk, enqueue=False)
    upload = services.upload_publish(upload_id=upload.pk)
    assert upload.status == UploadStatus.PUBLISHED
    return demo, upload.snapshot


def _what_if_data(html: str) -> dict:
    found = re.search(r'<script id="what-if-data" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1))


def test_the_unit_page_lists_the_cheapest_points_in_dossiers(wards_with_counts, admin_client):
    world, snapshot = wards_with_counts
    ward = world.wards["Bình An"]  # last of the wards: the most to gain
    html = admin_client.get(f"/don-vi/{ward.pk}/").content.decode()
    advice = unit_what_it_takes(snapshot=snapshot, unit_id=ward.pk)
    assert advice.opportunities
    section = html.split('data-role="what-it-takes"', 1)[1].split("</section>", 1)[0]
    lines = re.findall(
        r"<li>(.*?)</li>", section.split('class="wit-lines"')[1].split("</ol>")[0], re.S
    )
    shown = advice.opportunities[:5]
    assert len(lines) == len(shown)
    for line, item in zip(lines, shown, strict=True):  # cheapest first, in dossiers
        assert f"<strong>{item.state.code} " in line
        assert re.search(rf"\b{item.first.dossiers}\b", line)
    assert 'class="wit-goals"' in section and len(advice.goals) == section.count("<li>") - len(
        lines
    )


def test_the_what_if_tables_are_the_scoring_rules_own_points(wards_with_counts, admin_client):
    world, snapshot = wards_with_counts
    ward = world.wards["Bình An"]
    data = _what_if_data(admin_client.get(f"/don-vi/{ward.pk}/").content.decode())
    advice = unit_what_it_takes(snapshot=snapshot, unit_id=ward.pk)
    states = {o.state.code: o.state for o in advice.opportunities}
    assert [i["code"] for i in data["indicators"]] == list(states)
    for item in data["indicators"]:
        state = states[item["code"]]
        assert len(item["gains"]) <= WHAT_IF_MAX_DOSSIERS + 1
        for n, gain in enumerate(item["gains"]):
            assert Decimal(gain) == state.points_with(n) - state.points
    assert Decimal(data["total"]) == advice.row.ranking_total
    assert len(data["peers"]) == data["peer_count"] - 1 == 6


def test_the_leader_brief_holds_it_without_the_control(wards_with_counts, admin_client):
    world, _snapshot = wards_with_counts
    ward = world.wards["Bình An"]
    html = admin_client.get(f"/don-vi/{ward.pk}/bao-cao/").content.decode()
    assert 'data-role="what-it-takes"' in html
    assert 'data-role="what-if"' not in html


def test_a_unit_without_indicator_values_says_nothing_of_dossiers(demo, admin_client):
    html = admin_client.get(f"/don-vi/{demo.di_an.pk}/").content.decode()
    assert 'data-role="what-it-takes"' not in html

"""The unit page's what-if control in Chromium: dossiers added, total, rank and band moved to
what the server's scoring gives for that plan (issue 18)."""

import datetime
from pathlib import Path

import pytest

from indicators.models import Band
from indicators.selectors import leaderboard, unit_what_it_takes
from ingest import services

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ward_with_counts(transactional_db, framework, binh_duong):
    path = ROOT / "demo" / "di-an-phuong-chi-tieu-2025-05-20.csv"
    upload, _ = services.upload_receive(
        data=path.read_bytes(),
        filename=path.name,
        scope=binh_duong.di_an,
        as_of=datetime.date(2025, 5, 20),
        period="ytd",
        enqueue=False,
    )
    services.upload_validate(upload_id=upload.pk)
    services.upload_request_publish(upload_id=upload.pk, enqueue=False)
    snapshot = services.upload_publish(upload_id=upload.pk).snapshot
    ward = binh_duong.wards["Bình An"]
    advice = unit_what_it_takes(snapshot=snapshot, unit_id=ward.pk)
    first, second = advice.opportunities[0].state, advice.opportunities[1].state
    plan = {first.code: 3, second.code: 2}
    total = (
        advice.row.ranking_total
        + first.points_with(3)
        - first.points
        + second.points_with(2)
        - second.points
    )
    board = leaderboard(snapshot=snapshot, peer_key=advice.row.peer_key)
    rank = 1 + sum(1 for r in board if r.unit_id != ward.pk and r.ranking_total > total)
    band = next(b.name for b in Band.objects.order_by("-min_total") if total >= b.min_total)
    return ward, plan, f"{total:.2f}".replace(".", ","), f"{rank}/{len(board)}", band


def test_adding_dossiers_moves_total_rank_and_band_as_the_server_scores_them(
    live_server, ward_with_counts, browser_page
):
    ward, plan, total, rank, band = ward_with_counts
    page = browser_page
    page.goto(f"{live_server.url}/don-vi/{ward.pk}/")
    form = page.locator("form[data-role=what-if]")
    for code, dossiers in plan.items():
        form.locator(f"input[data-code='{code}']").fill(str(dossiers))
    assert form.locator("[data-role=total]").inner_text() == total
    assert form.locator("[data-role=rank]").inner_text() == rank
    assert form.locator("[data-role=band]").inner_text() == band
    assert not [e for e in page.errors if "favicon" not in e and "404" not in e]


@pytest.fixture
def brief_with_actions(ward_with_counts, session_cookie):
    """Five open actions of the longest kind on the ward (the most the brief lists)."""
    from django.contrib.auth import get_user_model

    from actions.services import action_create
    from indicators.models import Snapshot

    ward = ward_with_counts[0]
    user = get_user_model().objects.get(username="browser")
    snapshot = Snapshot.objects.get(scope__name="Dĩ An", status="published")
    for n in range(5):
        action_create(
            actor=user, unit=ward, snapshot=snapshot, owner=user,
            title=f"Việc số {n + 1}: " + "số hóa hồ sơ tồn đọng và trả kết quả điện tử " * 4,
            due_date=datetime.date(2025, 5, 16 + n),
        )  # fmt: skip
    return ward


def test_the_leader_brief_prints_on_one_a4_page_from_the_browser(
    live_server, brief_with_actions, browser_page
):
    import io

    from pypdf import PdfReader

    page = browser_page
    page.goto(f"{live_server.url}/don-vi/{brief_with_actions.pk}/bao-cao/")
    assert page.locator("[data-role=what-it-takes] .wit-lines li").count() == 3
    page.emulate_media(media="print")
    printed = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    assert len(printed.pages) == 1
    # Its last line (after the actions) is on that page: nothing was cut.
    assert page.locator(".report-actions-table tbody tr").count() == 5
    assert "In lúc" in printed.pages[0].extract_text()

"""What it takes on the unit page, in the leader brief and in the what-if control (issue 18)."""

import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from dashboard.advice import WHAT_IF_MAX_DOSSIERS
from dashboard.download_views import pdf_available, pdf_document
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


def test_each_line_names_the_dossiers_counted_as_the_framework_row_words_them(
    wards_with_counts, admin_client
):
    from indicators.models import Indicator

    world, snapshot = wards_with_counts
    ward = world.wards["Bình An"]
    advice = unit_what_it_takes(snapshot=snapshot, unit_id=ward.pk)
    first = advice.opportunities[0].state.code
    # Reword the first line's ratio in the framework: the page follows, nothing is hard-coded.
    Indicator.objects.filter(framework_id=snapshot.framework_id, code=first).update(
        ratio_definition="Hồ sơ thử nghiệm đạt chuẩn / hồ sơ tiếp nhận"
    )
    html = admin_client.get(f"/don-vi/{ward.pk}/").content.decode()
    section = html.split('class="wit-lines"', 1)[1].split("</ol>", 1)[0]
    lines = re.findall(r"<li>(.*?)</li>", section, re.S)
    indicators = {i.code: i for i in Indicator.objects.filter(framework_id=snapshot.framework_id)}
    assert "“Hồ sơ thử nghiệm đạt chuẩn”" in lines[0]
    for line, item in zip(lines, advice.opportunities, strict=False):
        assert f"“{indicators[item.state.code].counted}”" in line
    # The API, the brief and the digest name the same.
    api = admin_client.get(f"/api/v1/units/{ward.pk}/what-it-takes/").json()
    assert api["opportunities"][0]["counted"] == "Hồ sơ thử nghiệm đạt chuẩn"
    brief = admin_client.get(f"/don-vi/{ward.pk}/bao-cao/").content.decode()
    assert "“Hồ sơ thử nghiệm đạt chuẩn”" in brief
    hint = (
        admin_client.get(
            f"/don-vi/{ward.pk}/giao-viec/", {"snapshot": snapshot.pk, "indicator": first}
        )
        .context["form"]
        .initial["description"]
    )
    assert "“Hồ sơ thử nghiệm đạt chuẩn”" in str(hint)


def test_a_unit_with_only_group_scores_is_told_what_it_takes_needs(demo, admin_client):
    # Dĩ An's table of 20 May has group scores only (no numerators and denominators).
    html = admin_client.get(f"/don-vi/{demo.di_an.pk}/").content.decode()
    assert 'data-role="what-it-takes"' not in html and 'data-role="what-if"' not in html
    section = html.split('data-role="what-it-takes-unavailable"', 1)[1].split("</section>")[0]
    assert "cần số liệu từng chỉ tiêu" in section and "tử số, mẫu số" in section


def test_a_unit_with_indicator_values_is_not_told_they_are_missing(wards_with_counts, admin_client):
    world, _snapshot = wards_with_counts
    html = admin_client.get(f"/don-vi/{world.wards['Bình An'].pk}/").content.decode()
    assert 'data-role="what-it-takes"' in html
    assert 'data-role="what-it-takes-unavailable"' not in html


@pytest.mark.skipif(not pdf_available(), reason="WeasyPrint needs the system's Pango library")
def test_the_brief_of_the_fullest_demo_unit_is_one_a4_page(wards_with_counts, admin_client):
    """The worst case the brief meets: every indicator with counts, what it takes, its goals,
    and five open actions (the most it lists) with titles of the longest kind."""
    from django.contrib.auth import get_user_model

    from actions.services import action_create
    from indicators.selectors import indicator_values

    world, snapshot = wards_with_counts
    lines = {
        unit: len(indicator_values(snapshot=snapshot, unit_ids=[unit.pk]))
        for unit in world.wards.values()
    }
    ward = max(
        lines,
        key=lambda u: (len(unit_what_it_takes(snapshot=snapshot, unit_id=u.pk).goals), lines[u]),
    )
    assert lines[ward] >= 15
    advice = unit_what_it_takes(snapshot=snapshot, unit_id=ward.pk)
    assert len(advice.opportunities) >= 3 and advice.goals
    root = get_user_model().objects.get(username="admin")
    for n in range(6):
        action_create(
            actor=root, unit=ward, snapshot=snapshot, owner=root,
            title=f"Việc số {n + 1}: " + "giải quyết dứt điểm hồ sơ trễ hạn, số hóa và trả kết quả điện tử " * 3,
            due_date=datetime.date(2025, 5, 16 + n),
        )  # fmt: skip
    html = admin_client.get(f"/don-vi/{ward.pk}/bao-cao/").content.decode()
    assert html.count('<td title="Việc số ') == 5 and 'data-role="what-it-takes"' in html
    document = pdf_document(html)
    assert len(document.pages) == 1
    # Nothing cut off the page: the last action and the footer are on it.
    text = re.sub(r"\s+", " ", PdfReader(io.BytesIO(document.write_pdf())).pages[0].extract_text())
    assert "Việc số 5" in text and "Điểm dễ lấy nhất" in text and "In lúc" in text
    # The server's PDF is the same single page.
    response = admin_client.get(f"/don-vi/{ward.pk}/bao-cao.pdf")
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1


def test_on_the_demo_wards_every_line_and_goal_holds_through_the_stored_counts(wards_with_counts):
    """The real stack: the wards' indicator table published, then for each ward every line
    and every reachable goal re-scored from the stored counts and the framework's rules."""
    from indicators.selectors import indicator_values
    from tests.indicators.test_what_it_takes import plan_gain, scored

    world, snapshot = wards_with_counts
    checked = 0
    for ward in world.wards.values():
        found = unit_what_it_takes(snapshot=snapshot, unit_id=ward.pk)
        if found is None:
            continue
        stored = {
            v.indicator.code: v for v in indicator_values(snapshot=snapshot, unit_ids=[ward.pk])
        }
        states = {o.state.code: o.state for o in found.opportunities}
        for o in found.opportunities:
            value = stored[o.state.code]
            # The state is the stored row: its counts and the points the publication stored.
            assert (o.state.numerator, o.state.denominator) == (value.numerator, value.denominator)
            assert scored(o.state, 0) == value.points
            if o.first:
                assert scored(o.state, o.first.dossiers) == o.first.points_after
                assert scored(o.state, o.first.dossiers - 1) == value.points
            if o.to_full:
                assert scored(o.state, o.to_full.dossiers) == o.state.max_points
                assert scored(o.state, o.to_full.dossiers - 1) < o.state.max_points
        for goal in found.goals:
            if not goal.plan.reachable:
                continue
            group = [states[c] for c in goal.plan.dossiers]
            assert plan_gain(group, goal.plan.dossiers) >= goal.needed
            for code, k in goal.plan.dossiers.items():
                fewer = {**goal.plan.dossiers, code: k - 1}
                assert plan_gain(group, fewer) < goal.needed, (ward.name, goal.kind, code)
            checked += 1
    assert checked >= 5  # the goals of several wards


def test_the_pdf_uses_the_bundled_font_and_fetches_nothing_else(tmp_path, caplog):
    """The report's letters are the project's own Noto Sans, whatever the server has, and a
    URL in the page (an image on the intranet, a file outside static/) is never fetched."""
    from dashboard.download_views import pdf_document

    outside = tmp_path / "secret.png"
    outside.write_bytes(b"not an image")
    html = (
        '<p>Xã Vân Canh: đơn vị hoạch định</p><img src="http://127.0.0.1:9/x.png">'
        f'<img src="{outside.as_uri()}">'
    )
    pdf = PdfReader(io.BytesIO(pdf_document(html).write_pdf()))
    fonts = {str(f.get_object()["/BaseFont"]) for f in pdf.pages[0]["/Resources"]["/Font"].values()}
    assert any(name.endswith("+Noto-Sans") for name in fonts), fonts
    # The dot-below letters keep every later "i" and "o" in the PDF's text.
    assert "đơn vị hoạch định" in pdf.pages[0].extract_text()
    assert not pdf.pages[0]["/Resources"].get("/XObject")  # neither image was read
    refused = [r.getMessage() for r in caplog.records if "not fetched" in r.getMessage()]
    assert len(refused) == 2 and "secret.png" in refused[1]


def test_what_it_takes_given_the_peer_table_is_what_it_takes_read_alone(wards_with_counts):
    """The cache's warming hands each unit its peer table (read once per table): the plans
    are the same as a unit's page reading it alone."""
    from indicators.selectors import leaderboard

    _world, snapshot = wards_with_counts
    rows = leaderboard(snapshot=snapshot)
    tables = {}
    for row in rows:
        tables.setdefault(row.peer_key, []).append(row)
    for row in rows:
        alone = unit_what_it_takes(snapshot=snapshot, unit_id=row.unit_id)
        given = unit_what_it_takes(
            snapshot=snapshot, unit_id=row.unit_id, peers=tables[row.peer_key]
        )
        assert given == alone

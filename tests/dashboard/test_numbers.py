"""Every derived figure is exact and agrees with the leaderboard (issue 16, defect 3).

These ran wrong on SQLite only (decimal arithmetic in SQL is floating point there): they
run on whichever database the suite has, and CI runs them on PostgreSQL too.
"""

import re
from decimal import Decimal

from django.contrib.auth import get_user_model

from dashboard import pages
from indicators.selectors import leaderboard, snapshot_latest_published
from units.text import vietnamese_sort_key


def _login(client, username):
    client.force_login(get_user_model().objects.get(username=username))


def _expected_rises(snapshot, peer_key=None):
    """The five biggest rises, from the leaderboard rows' own Decimal movement."""
    rows = [r for r in leaderboard(snapshot=snapshot, peer_key=peer_key) if r.delta_total]
    rows = [r for r in rows if r.delta_total > 0]
    rows.sort(key=lambda r: (-r.delta_total, vietnamese_sort_key(r.unit_name)))
    # The five biggest, and any unit tied with the fifth.
    return [r for i, r in enumerate(rows) if i < 5 or r.delta_total == rows[4].delta_total]


def _card(html: str, title: str) -> str:
    return html.split(f"<h3>{title}</h3>", 1)[1].split("</div>", 1)[0]


def test_home_rises_are_the_leaderboards_movement_to_the_hundredth(demo, client):
    snapshot = snapshot_latest_published(scope=demo.province)
    expected = _expected_rises(snapshot)
    dau_tieng = next(r for r in expected if r.unit_name == "Dầu Tiếng")
    assert dau_tieng.delta_total == Decimal("0.43")  # the files: 13/05 → 20/05
    _login(client, "canbo.binhduong")
    card = _card(client.get("/").content.decode(), "Tăng nhiều nhất")
    shown = re.findall(
        r'<li>(?:<a [^>]*>|<span class="unlinked">)([^<]+)</(?:a|span)> '
        r'<span class="delta up".*?</span> ([\d,]+)</span>',
        card,
    )
    assert shown, card
    assert [(name, value) for name, value in shown] == [
        (r.unit_short_label, f"{r.delta_total:.2f}".replace(".", ",")) for r in expected
    ]


def test_ward_rises_keep_tan_binh(demo, client):
    snapshot = snapshot_latest_published(scope=demo.di_an)
    expected = _expected_rises(snapshot)
    page = pages.home_page(scope=demo.di_an, snapshot=snapshot)
    assert [(c.score.unit_id, c.delta) for c in page.rises] == [
        (r.unit_id, r.delta_total) for r in expected
    ]
    assert "Tân Bình" in [r.unit_name for r in expected]  # +0,26, once dropped on SQLite


def test_di_an_points_lost_card_and_table_add_up(demo, client):
    _login(client, "chutich.dian")
    html = client.get(f"/don-vi/{demo.di_an.pk}/").content.decode()
    page = pages.unit_page(unit=demo.di_an)
    assert page.score.ranking_total == Decimal("92.00")  # the official total
    assert page.groups_total == Decimal("91.40")
    assert (
        page.points_lost == Decimal("8.60") == sum(line.group.points_lost for line in page.groups)
    )
    assert page.official_total_differs == Decimal("0.60")
    card = html.split("<h2>Điểm bị trừ</h2>", 1)[1].split("</div>", 1)[0]
    assert "8,60" in card and "tổng các nhóm (91,40)" in card
    assert "Tổng điểm chính thức 92,00 chênh 0,60" in card
    footer = html.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    assert "91,40" in footer and "8,60" in footer and "92,00" in footer

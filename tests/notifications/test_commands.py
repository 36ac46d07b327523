"""`manage.py load_demo_alerts` (the last step of `make setup`): a few alerts, once."""

import io
import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from notifications.models import Notification, RuleKind


def test_the_demo_leaves_a_few_alerts_for_its_users_once(demo):
    out = io.StringIO()
    call_command("load_demo_alerts", stdout=out)
    first = Notification.objects.filter(user__username__in=["chutich.dian", "quantri.binhduong"])
    assert first.count() >= 2
    assert "new notifications." in out.getvalue() and " 0 new" not in out.getvalue()
    out = io.StringIO()
    call_command("load_demo_alerts", stdout=out)
    assert out.getvalue().strip().endswith(", 0 new notifications.")


def test_the_demo_actions_long_overdue_are_alerted_to_their_owners_and_creators(demo):
    # `setup_demo` creates the demo actions (due in May 2025) before it loads the alerts.
    call_command("load_demo_actions", stdout=io.StringIO())
    call_command("load_demo_alerts", stdout=io.StringIO())
    overdue = Notification.objects.filter(alert__rule__kind=RuleKind.OVERDUE_ACTION)
    told = sorted(overdue.values_list("user__username", "alert__action__title"))
    # An Bình's action (in progress, owner chutich.dian, created by canbo.binhduong) and the
    # province's open one (canbo.binhduong's own); Tân Bình's is done: nobody hears of it.
    assert told == [
        ("canbo.binhduong", "Số hóa hồ sơ tồn đọng của bộ phận một cửa"),
        ("canbo.binhduong", "Đẩy mạnh thanh toán trực tuyến phí, lệ phí"),
        ("chutich.dian", "Số hóa hồ sơ tồn đọng của bộ phận một cửa"),
    ]
    call_command("load_demo_alerts", stdout=io.StringIO())
    assert overdue.count() == 3


def test_setup_demo_creates_the_actions_before_it_loads_the_alerts():
    source = (
        Path(__file__).parents[2] / "scoreboard/management/commands/setup_demo.py"
    ).read_text()
    assert source.index('"load_demo_actions"') < source.index('"load_demo_alerts"')


def test_after_the_demo_set_up_a_demo_chair_has_alerts_and_a_digest_preview(demo, client):
    call_command("load_demo_actions", stdout=io.StringIO())
    call_command("load_demo_alerts", stdout=io.StringIO())
    chair = get_user_model().objects.get(username="chutich.dian")
    client.force_login(chair)
    centre = client.get(reverse("notifications:list")).content.decode()
    assert centre.count('class="unread"') >= 2
    preview = client.get(reverse("notifications:digest_preview")).content.decode()
    alerts = preview.split("Cảnh báo trong tuần", 1)[1]
    assert "Tuần này không có cảnh báo" not in alerts and alerts.count("<li>") >= 2
    # The preview's figures are those the unit page shows for TP Dĩ An.
    unit = client.get(reverse("dashboard:unit_detail", args=[demo.di_an.pk])).content.decode()
    total = re.search(r'class="digest-total">([^<]+)<', preview).group(1)
    rank = re.search(r'class="digest-rank">([^<]+)<', preview).group(1)
    assert (total, rank) == ("92,00", "1/9")
    assert total in unit and rank in unit


def test_the_readme_screenshots_exist():
    root = Path(__file__).parents[2]
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", (root / "README.md").read_text())
    assert "docs/screenshots/what-it-takes.png" in images
    assert all((root / image).is_file() for image in images), images

"""`manage.py load_demo_alerts` (the last step of `make setup`): a few alerts, once."""

import io
from pathlib import Path

from django.core.management import call_command

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

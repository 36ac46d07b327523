"""`manage.py load_demo_alerts` (the last step of `make setup`): a few alerts, once."""

import io

from django.core.management import call_command

from notifications.models import Notification


def test_the_demo_leaves_a_few_alerts_for_its_users_once(demo):
    out = io.StringIO()
    call_command("load_demo_alerts", stdout=out)
    first = Notification.objects.filter(user__username__in=["chutich.dian", "quantri.binhduong"])
    assert first.count() >= 2
    assert "new notifications." in out.getvalue() and " 0 new" not in out.getvalue()
    out = io.StringIO()
    call_command("load_demo_alerts", stdout=out)
    assert out.getvalue().strip().endswith(", 0 new notifications.")

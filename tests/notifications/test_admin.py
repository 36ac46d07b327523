"""Admins edit the rules and deadlines in the Django admin."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from notifications.models import AlertRule, RuleKind


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "x" * 20)


@pytest.mark.parametrize(
    "model",
    [
        "alertrule",
        "uploaddeadline",
        "alert",
        "notification",
        "notificationpreference",
        "outgoingemail",
    ],
)
def test_every_notifications_model_has_an_admin_page(client, root, model, people, moved_week):
    client.force_login(root)
    assert client.get(reverse(f"admin:notifications_{model}_changelist")).status_code == 200


def test_an_admin_changes_a_threshold(client, root):
    client.force_login(root)
    rule = AlertRule.objects.get(kind=RuleKind.RANK_DROP)
    assert rule.threshold == 2 and rule.roles == {"unit_chair", "provincial_staff"}
    url = reverse("admin:notifications_alertrule_change", args=[rule.pk])
    response = client.post(
        url, {"kind": rule.kind, "enabled": "on", "threshold": "3", "default_roles": "unit_chair"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert rule.threshold == 3 and rule.roles == {"unit_chair"}

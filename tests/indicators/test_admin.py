"""Admin: framework pages are read-mostly; snapshot actions go through the services."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from indicators.models import Indicator, Snapshot
from tests.indicators.factories import load_totals, make_snapshot


@pytest.fixture
def admin_client_(client, db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "x")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["framework", "indicatorgroup", "indicator", "band", "snapshot"])
def test_changelists_render(admin_client_, framework, model):
    response = admin_client_.get(reverse(f"admin:indicators_{model}_changelist"))
    assert response.status_code == 200


def test_indicator_rules_are_read_only_but_notes_are_editable(admin_client_, framework):
    indicator = Indicator.objects.get(framework=framework, code="3.1")
    url = reverse("admin:indicators_indicator_change", args=[indicator.pk])
    response = admin_client_.get(url)
    assert response.status_code == 200
    assert 'name="note"' in response.content.decode()
    assert 'name="max_points"' not in response.content.decode()


def test_publish_action_uses_the_service(admin_client_, districts):
    snapshot = make_snapshot(scope=districts[0].parent)
    load_totals(snapshot, {districts[0]: 92})
    response = admin_client_.post(
        reverse("admin:indicators_snapshot_changelist"),
        {"action": "publish", "_selected_action": [snapshot.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Snapshot.objects.get(pk=snapshot.pk).status == "published"

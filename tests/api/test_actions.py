"""/api/v1/actions/: filters, create and update through the services, the same access rules."""

import datetime

from rest_framework.test import APIClient

from actions.models import Action, ActionStatus
from tests.actions.conftest import publish_next_week, wards_week  # noqa: F401 - fixture


def _client(w, name) -> APIClient:
    client = APIClient()
    client.force_authenticate(w.users[name])
    return client


def _create(client, w, unit, **extra):
    data = {"unit": unit.pk, "title": "Số hóa hồ sơ tồn đọng", "owner": w.users["chair_tanbinh"].pk,
            "due_date": "2025-05-16", "snapshot": w.snapshot.pk} | extra  # fmt: skip
    return client.post("/api/v1/actions/", data, format="json")


def test_a_chair_creates_updates_and_reads_the_figures(wards_week):  # noqa: F811
    w = wards_week
    chair = _client(w, "chair_tanbinh")
    response = _create(chair, w, w.wards["Tân Bình"], indicator="2.1")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["group"], body["indicator"], body["status"]) == ("TDGQ", "2.1", "open")
    assert body["owner"]["username"] == "chair_tanbinh" and body["moved"] is None
    pk = body["id"]
    response = chair.patch(f"/api/v1/actions/{pk}/", {"status": "done"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "done"
    assert Action.objects.get(pk=pk).changes.count() == 2


def test_the_total_moves_after_the_next_snapshot(wards_week):  # noqa: F811
    w = wards_week
    staff = _client(w, "staff_bd")
    pk = _create(staff, w, w.wards["Tân Bình"]).json()["id"]
    publish_next_week(w)
    body = staff.get(f"/api/v1/actions/{pk}/").json()
    assert (body["figure_when_created"], body["figure_now"], body["change"]) == (
        "93.04",
        "93.30",
        "0.26",
    )
    assert body["figure_now_as_of"] == "2025-05-20" and body["moved"] == "up"
    assert body["overdue"] is (datetime.date.today() > datetime.date(2025, 5, 16))


def test_filters_by_unit_owner_status_and_due(wards_week):  # noqa: F811
    w = wards_week
    staff = _client(w, "staff_bd")
    a = _create(staff, w, w.wards["Tân Bình"]).json()["id"]
    b = _create(
        staff, w, w.wards["An Bình"], owner=w.users["chair_anbinh"].pk, due_date="2025-06-30"
    ).json()["id"]
    staff.patch(f"/api/v1/actions/{b}/", {"status": ActionStatus.IN_PROGRESS}, format="json")

    def ids(**params):
        return [r["id"] for r in staff.get("/api/v1/actions/", params).json()["results"]]

    assert ids() == [a, b]
    assert ids(unit=w.wards["An Bình"].pk) == [b]
    assert ids(owner=w.users["chair_tanbinh"].pk) == [a]
    assert ids(status="in_progress") == [b]
    assert ids(due_before="2025-05-31") == [a] and ids(due_after="2025-06-01") == [b]


def test_a_chair_cannot_create_or_read_another_units_actions(wards_week):  # noqa: F811
    w = wards_week
    theirs = _create(
        _client(w, "chair_anbinh"), w, w.wards["An Bình"], owner=w.users["chair_anbinh"].pk
    )
    assert theirs.status_code == 201
    chair = _client(w, "chair_tanbinh")
    assert _create(chair, w, w.wards["An Bình"]).status_code == 404
    assert chair.get(f"/api/v1/actions/{theirs.json()['id']}/").status_code == 404
    assert (
        chair.patch(
            f"/api/v1/actions/{theirs.json()['id']}/", {"status": "done"}, format="json"
        ).status_code
        == 404
    )
    assert chair.get("/api/v1/actions/").json()["results"] == []
    # A data admin reads the province's actions but assigns none.
    admin = _client(w, "admin_bd")
    assert _create(admin, w, w.wards["An Bình"]).status_code == 403
    assert len(admin.get("/api/v1/actions/").json()["results"]) == 1


def test_bad_input_is_a_400_naming_the_field(wards_week):  # noqa: F811
    w = wards_week
    staff = _client(w, "staff_bd")
    response = _create(staff, w, w.wards["Tân Bình"], owner=w.users["staff_dn"].pk)
    assert response.status_code == 400 and "owner" in response.json()["error"]["details"]
    response = _create(staff, w, w.wards["Tân Bình"], group="XYZ")
    assert response.status_code == 400 and "group" in response.json()["error"]["details"]
    assert _create(staff, w, w.wards["Tân Bình"], due_date="16/05").status_code == 400

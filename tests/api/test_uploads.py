"""Uploads through the API: the pages' services and scoping, for data admins only.

The validation and publication jobs are queued on commit (never, inside a test's
transaction); the tests run the services the Celery tasks run, as a worker would.
"""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ingest import services
from ingest.models import Upload, UploadStatus

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GOOD = FIXTURES / "db" / "good-binh-duong.csv"
CORRECTION = FIXTURES / "db" / "good-binh-duong-correction.csv"


def post(client, path=GOOD, **fields):
    data = {"scope": "Bình Dương", "as_of": "2025-05-27", "period": "ytd", **fields}
    if path is not None:
        data["file"] = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
    return client.post("/api/v1/uploads/", data, format="multipart")


def test_data_admin_uploads_validates_previews_and_publishes(api, world):
    response = post(api.admin)
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["scope"]["id"], body["uploaded_by"]) == (
        "received",
        world.province.pk,
        "admin",
    )
    upload_id = body["id"]
    assert api.admin.post(f"/api/v1/uploads/{upload_id}/publish/").status_code == 409
    assert api.admin.get(f"/api/v1/uploads/{upload_id}/preview/").status_code == 409

    services.upload_validate(upload_id=upload_id)  # what the queued job runs
    status = api.admin.get(f"/api/v1/uploads/{upload_id}/").json()
    assert (status["status"], status["progress"], status["errors"]) == ("previewed", 100, [])

    preview = api.admin.get(f"/api/v1/uploads/{upload_id}/preview/").json()
    assert preview["previous"]["id"] == world.latest.pk
    assert preview["draft"]["status"] == "draft"
    assert len(preview["rows"]) == 9
    assert all(r["unit"] for r in preview["rows"])

    published = api.admin.post(f"/api/v1/uploads/{upload_id}/publish/")
    assert published.status_code == 202
    assert published.json()["status"] == "publishing"
    services.upload_publish(upload_id=upload_id)  # what the queued job runs
    assert api.admin.get(f"/api/v1/uploads/{upload_id}/").json()["status"] == "published"
    board = api.staff.get("/api/v1/leaderboard/", {"scope": world.province.pk}).json()
    assert board["snapshot"]["as_of"] == "2025-05-27"


def test_the_same_file_twice_returns_the_first_upload(api, world):
    first = post(api.admin)
    again = post(api.admin)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Upload.objects.count() == 1


def test_scope_by_id_works_like_by_name(api, world):
    response = post(api.admin, scope="", scope_id=world.province.pk)
    assert response.status_code == 201
    assert response.json()["scope"]["id"] == world.province.pk


def test_a_rejected_file_lists_its_errors(api, world):
    response = post(api.admin, path=FIXTURES / "db" / "bad-unknown-unit.csv")
    services.upload_validate(upload_id=response.json()["id"])
    body = api.admin.get(f"/api/v1/uploads/{response.json()['id']}/").json()
    assert body["status"] == "rejected"
    assert body["errors"][0]["code"]
    assert body["errors"][0]["message"]
    assert body["errors"][0]["ref"]["row"]


def test_discard_drops_the_draft(api, world):
    upload_id = post(api.admin).json()["id"]
    services.upload_validate(upload_id=upload_id)
    response = api.admin.post(f"/api/v1/uploads/{upload_id}/discard/")
    assert response.status_code == 200 and response.json()["status"] == "discarded"
    assert api.admin.post(f"/api/v1/uploads/{upload_id}/publish/").status_code == 409


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"as_of": "not-a-date"}, "as_of"),
        ({"as_of": "1990-01-01"}, "as_of"),  # no framework yet
        ({"period": "decade"}, "period"),
        ({"scope": "Atlantis"}, "scope"),
        ({"scope": ""}, "scope"),
    ],
)
def test_bad_input_is_400_with_the_field(api, world, fields, field):
    response = post(api.admin, **fields)
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


def test_a_missing_or_empty_file_is_400(api, world):
    assert "file" in post(api.admin, path=None).json()["error"]["details"]
    empty = SimpleUploadedFile("empty.csv", b"", content_type="text/csv")
    response = api.admin.post(
        "/api/v1/uploads/", {"file": empty, "scope": "Bình Dương", "as_of": "2025-05-27"}
    )
    assert response.status_code == 400


def test_an_admin_of_another_province_may_not_upload_here(api, world):
    response = post(api.other_admin)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert Upload.objects.count() == 0


def test_an_admin_of_another_province_does_not_see_the_upload(api, world):
    upload_id = post(api.admin).json()["id"]
    for path in ("", "preview/"):
        assert api.other_admin.get(f"/api/v1/uploads/{upload_id}/{path}").status_code == 404
    for path in ("publish/", "discard/"):
        assert api.other_admin.post(f"/api/v1/uploads/{upload_id}/{path}").status_code == 404
    assert api.other_admin.get("/api/v1/uploads/").json()["count"] == 0
    assert api.admin.get("/api/v1/uploads/").json()["count"] == 1
    assert api.root.get(f"/api/v1/uploads/{upload_id}/").status_code == 200


@pytest.mark.parametrize("who", ["staff", "chair", "nobody"])
def test_readers_are_not_data_admins(api, world, who):
    client = getattr(api, who)
    assert client.get("/api/v1/uploads/").status_code == 403
    response = post(client)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_list_filters_by_status(api, world):
    first = post(api.admin).json()["id"]
    post(api.admin, path=CORRECTION)
    services.upload_validate(upload_id=first)
    listed = api.admin.get("/api/v1/uploads/", {"status": UploadStatus.PREVIEWED}).json()
    assert [u["id"] for u in listed["results"]] == [first]

"""The upload page's flow (issue 16): status once, period in words, a confirmation step,
a link to the new ranking, errors in row order."""

import datetime
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from ingest import services
from ingest.models import Upload, UploadStatus
from ingest.selectors import issues_in_row_order

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def admin_client(demo, client):
    client.force_login(get_user_model().objects.get(username="quantri.binhduong"))
    return client


@pytest.fixture
def correction(demo):
    upload, _ = services.upload_receive(
        data=(ROOT / "tests/fixtures/db/good-binh-duong-correction.csv").read_bytes(),
        filename="correction.csv",
        scope=demo.province,
        as_of=datetime.date(2025, 5, 20),
        period="year",
        enqueue=False,
    )
    return services.upload_validate(upload_id=upload.pk)


def test_publishing_asks_for_confirmation_first_and_changes_nothing_until_then(
    admin_client, correction
):
    assert correction.status == UploadStatus.PREVIEWED
    response = admin_client.post(f"/uploads/{correction.pk}/publish")
    assert response.status_code == 302
    assert response["Location"] == f"/uploads/{correction.pk}/?confirm=publish"
    assert Upload.objects.get(pk=correction.pk).status == UploadStatus.PREVIEWED
    html = admin_client.get(response["Location"]).content.decode()
    assert "Công bố tệp này?" in html
    assert "thay thế bảng xếp hạng đã công bố ngày 20/05/2025 (lần 1)" in html
    assert "9 đơn vị trong tệp;" in html
    assert 'name="confirmed" value="1"' in html


def test_after_publishing_the_page_links_the_new_ranking_and_says_the_status_once(
    admin_client, correction, django_capture_on_commit_callbacks, eager_tasks
):
    with django_capture_on_commit_callbacks(execute=True):  # the task, queued on commit
        response = admin_client.post(f"/uploads/{correction.pk}/publish", {"confirmed": "1"})
    assert response.status_code == 302
    upload = Upload.objects.get(pk=correction.pk)
    assert upload.status == UploadStatus.PUBLISHED  # the eager worker ran it
    html = admin_client.get(f"/uploads/{upload.pk}/").content.decode()
    link = f'href="/bang-xep-hang/{upload.scope_id}/?snapshot={upload.snapshot_id}"'
    assert link in html and "Mở bảng xếp hạng mới" in html
    assert (
        admin_client.get(
            f"/bang-xep-hang/{upload.scope_id}/?snapshot={upload.snapshot_id}"
        ).status_code
        == 200
    )
    panel = html.split('id="upload-status"', 1)[1].split("</div>", 1)[0]
    assert panel.count("Đã công bố") == 1
    assert admin_client.get(f"/uploads/{upload.pk}/status.json").json()["message"] == ""


def test_the_period_is_in_words(admin_client, correction):
    html = admin_client.get(f"/uploads/{correction.pk}/").content.decode()
    assert "(lũy kế từ đầu năm 2025)" in html
    assert "(ytd" not in html and "(year" not in html


def _issue(row, letter=None, sheet="Sheet1", message="m"):
    ref = (
        None
        if row is None
        else {"file": "f.csv", "sheet": sheet, "row": row, "column": "c", "letter": letter}
    )
    return {"code": "x", "message": message, "ref": ref, "value": None, "fix": ""}


def test_issues_are_listed_as_the_file_reads():
    issues = [_issue(9, "B"), _issue(3, "AA"), _issue(None), _issue(3, "Z"), _issue(4, "A")]
    ordered = issues_in_row_order(issues)
    assert [(i["ref"] or {}).get("row") for i in ordered] == [None, 3, 3, 4, 9]
    assert [i["ref"]["letter"] for i in ordered[1:3]] == ["Z", "AA"]


def test_the_page_lists_errors_in_row_order(admin_client, demo):
    upload, _ = services.upload_receive(
        data=b"garbage", filename="bad.csv", scope=demo.province,
        as_of=datetime.date(2025, 5, 20), period="year", enqueue=False,
    )  # fmt: skip
    Upload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.REJECTED,
        errors=[_issue(12, "C", message="row twelve"), _issue(2, "B", message="row two")],
    )
    html = admin_client.get(f"/uploads/{upload.pk}/").content.decode()
    assert html.index("row two") < html.index("row twelve")

"""The portal's JSON goes in like a spreadsheet, on the real registry: the 34 provinces as the
portal published them on 10/10/2026, and a province's communes as the portal's children
table gives them (totals only), through the services, the CLI, the API and the page.

The registry (~14,000 units) is loaded once for the module and rolled back at its end.
"""

import datetime
import json
import random
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.utils import translation
from rest_framework.test import APIClient

from indicators import selectors
from indicators.scoring import competition_ranks
from ingest import services
from ingest.models import UploadStatus
from units.models import AdministrativeUnit, UnitLevel
from units.services import units_load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "portal"
PROVINCES = FIXTURES / "provinces-2026-10-10.json"
AS_OF = datetime.date(2026, 10, 10)


@pytest.fixture(scope="module")
def registry(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        units_load()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def vn(registry, db, framework):
    return AdministrativeUnit.objects.get(level=UnitLevel.COUNTRY)


@pytest.fixture
def gia_lai(vn):
    return AdministrativeUnit.objects.get(level=UnitLevel.PROVINCE, name="Gia Lai")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _receive(data: bytes, name: str, scope, as_of=AS_OF):
    upload, _ = services.upload_receive(
        data=data, filename=name, scope=scope, as_of=as_of, period="year", enqueue=False
    )
    return services.upload_validate(upload_id=upload.pk)


def _publish(upload):
    services.upload_request_publish(upload_id=upload.pk, enqueue=False)
    return services.upload_publish(upload_id=upload.pk)


def _ranks(totals: list[Decimal]) -> list[int]:
    return competition_ranks(totals)


def gia_lai_children(gia_lai, *, seed: int) -> bytes:
    """Gia Lai's communes and wards as the portal's children response writes them: "UBND xã
    X", portal codes H21.n, totals with two decimals (and ties), childGroup COMMUNE."""
    rng = random.Random(seed)
    units = AdministrativeUnit.objects.filter(parent=gia_lai, level=UnitLevel.COMMUNE).valid_on(
        AS_OF
    )
    items = []
    for n, unit in enumerate(units.order_by("sort_key"), start=1):
        prefix = {"phuong": "phường", "xa": "xã", "dac_khu": "đặc khu"}[unit.kind]
        total = Decimal(rng.randrange(5500, 8000, 25)).scaleb(-2)  # steps of 0,25: ties
        items.append(
            {
                "departmentId": f"id-{n}",
                "departmentName": f"UBND {prefix} {unit.name}",
                "departmentCode": f"H21.{n}",
                "totalScore": float(total),
                "ratio": float(total),
                "scoreDelta": None,
                "childGroup": "COMMUNE",
            }
        )
    items.sort(key=lambda i: -i["totalScore"])
    overview = {"departmentName": "UBND tỉnh Gia Lai", "departmentCode": "H21", "totalScore": 66}
    body = {"code": "OK", "data": {"overview": overview, "evaluation": items}, "message": "OK"}
    return json.dumps(body, ensure_ascii=False).encode()


def test_the_34_provinces_rank_as_the_portal_lists_them(vn):
    upload = _receive(PROVINCES.read_bytes(), PROVINCES.name, vn)
    assert upload.status == UploadStatus.PREVIEWED, upload.errors
    snapshot = _publish(upload).snapshot
    board = selectors.leaderboard(snapshot=snapshot)
    listed = json.loads(PROVINCES.read_text())["data"]["evaluation"]
    assert [row.codes["portal"] for row in board] == [item["departmentCode"] for item in listed]
    totals = [Decimal(str(item["totalScore"])) for item in listed]
    assert [row.ranking_total for row in board] == totals
    assert [row.rank for row in board] == _ranks(totals)
    # The groups are the portal's, and their sum is checked against its total.
    first = board[0]
    assert first.groups["DVCTT"].ranking_points == Decimal(str(listed[0]["groupScores"]["CLGQ"]))
    out = StringIO()
    call_command("leaderboard", scope="VN", peers="provinces", stdout=out)
    ranks = [
        line.split()[:2] for line in out.getvalue().splitlines()[6:] if line[:6].strip().isdigit()
    ]
    assert ranks == [[str(rank), "34"] for rank in _ranks(totals)]


def test_a_provinces_children_table_of_totals_ranks_by_the_official_total(gia_lai):
    data = gia_lai_children(gia_lai, seed=7)
    upload = _receive(data, "gia-lai.json", gia_lai)
    assert upload.status == UploadStatus.PREVIEWED, upload.errors
    snapshot = _publish(upload).snapshot
    board = selectors.leaderboard(snapshot=snapshot)
    items = json.loads(data)["data"]["evaluation"]
    totals = sorted((Decimal(str(i["totalScore"])) for i in items), reverse=True)
    assert len(board) == len(items) > 100
    assert [row.ranking_total for row in board] == totals
    assert [row.rank for row in board] == _ranks(totals)
    assert len(set(totals)) < len(totals)  # ties, ranked as ties
    assert all(  # groups not given, never zero
        cell.ranking_points is None for row in board for cell in row.groups.values()
    )
    out = StringIO()
    call_command("leaderboard", scope="Gia Lai", peers="communes", stdout=out)
    ranks = [
        line.split()[:2] for line in out.getvalue().splitlines()[6:] if line[:6].strip().isdigit()
    ]
    assert ranks == [[str(rank), str(len(items))] for rank in _ranks(totals)]


def test_a_response_for_another_scope_is_refused_before_anything_changes(gia_lai, vn):
    upload = _receive(PROVINCES.read_bytes(), PROVINCES.name, gia_lai)
    assert upload.status == UploadStatus.REJECTED
    assert [e["code"] for e in upload.errors] == ["scope_mismatch"]
    assert "Cả nước" in upload.errors[0]["message"]
    children = _receive(gia_lai_children(gia_lai, seed=1), "gia-lai.json", vn)
    assert [e["code"] for e in children.errors] == ["scope_mismatch"]
    assert "H21" in children.errors[0]["message"]


def test_the_api_and_the_upload_page_take_the_json_too(vn, admin_user, client):
    api = APIClient()
    api.force_authenticate(admin_user)
    response = api.post(
        "/api/v1/uploads/",
        {
            "scope": "VN",
            "as_of": "2026-10-10",
            "period": "year",
            "file": SimpleUploadedFile(PROVINCES.name, PROVINCES.read_bytes(), "application/json"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    services.upload_validate(upload_id=response.json()["id"])  # what the worker runs
    assert api.get(f"/api/v1/uploads/{response.json()['id']}/").json()["status"] == "previewed"
    client.force_login(admin_user)
    body = json.loads(PROVINCES.read_text())
    body["data"]["evaluation"] = body["data"]["evaluation"][:33]  # another file: one short
    response = client.post(
        "/uploads/",
        {
            "file": SimpleUploadedFile("short.json", json.dumps(body).encode()),
            "scope": "VN",
            "as_of": "2026-10-11",
            "period": "ytd",
        },
    )
    assert response.status_code == 302
    upload = services.upload_validate(upload_id=int(response["Location"].strip("/").split("/")[-1]))
    assert [e["code"] for e in upload.errors] == ["missing_units"]  # one province short
    assert "short.json" in client.get(response["Location"]).content.decode()

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
from rest_framework.test import APIClient

from accounts.models import AuditAction, AuditEvent, Membership, Role
from indicators import selectors
from indicators.scoring import competition_ranks
from ingest import selectors as ingest_selectors
from ingest import services
from ingest.models import UploadStatus
from units.models import AdministrativeUnit, CodeScheme, UnitCode, UnitLevel, portal_name_for
from units.services import AliasRefused, unit_aliases_add, unit_match_many

pytestmark = pytest.mark.usefixtures("english")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "portal"
PROVINCES = FIXTURES / "provinces-2026-10-10.json"
AS_OF = datetime.date(2026, 10, 10)


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
        total = Decimal(rng.randrange(5500, 8000, 25)).scaleb(-2)  # steps of 0,25: ties
        items.append(
            {
                "departmentId": f"id-{n}",
                "departmentName": portal_name_for(unit.kind, unit.name),
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


def test_the_34_provinces_go_in_by_the_command_and_rank_as_listed(vn):
    out = StringIO()
    call_command(
        "ingest",
        str(PROVINCES),
        *("--scope", "VN", "--as-of", "2026-10-10", "--period", "year", "--publish"),
        stdout=out,
    )
    assert "Published snapshot" in out.getvalue(), out.getvalue()
    listed = json.loads(PROVINCES.read_text())["data"]["evaluation"]
    totals = [Decimal(str(item["totalScore"])) for item in listed]
    out = StringIO()
    call_command("leaderboard", scope="VN", peers="provinces", stdout=out)
    rows = [line.split() for line in out.getvalue().splitlines()[6:] if line[:6].strip().isdigit()]
    assert [(int(r[0]), int(r[1])) for r in rows] == [(rank, 34) for rank in _ranks(totals)]
    # In the portal's order: Đồng Tháp first, Đồng Nai second (no ties in the total that day).
    assert "Đồng Tháp" in " ".join(rows[0]) and "Đồng Nai" in " ".join(rows[1])


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


# --- Units as the portal names them: departments, names, codes --------------------------

# Gia Lai's 14 departments as the portal names them, read from the demo's copy of its table
# (demo/make_demo_2026.py writes it from the portal's list), not typed a second time.
GIA_LAI_DEPARTMENTS = [
    item["departmentName"].removesuffix(" - tỉnh Gia Lai")
    for item in json.loads(
        (Path(__file__).resolve().parents[2] / "demo" / "gia-lai-so-xa-2026-10-10.json").read_text(
            "utf-8"
        )
    )["data"]["evaluation"]
    if item.get("childGroup") == "AGENCY"
]


def gia_lai_table(gia_lai, *, seed: int, as_json: bool) -> bytes:
    """Gia Lai's 14 departments and its communes, names and codes as the portal writes them
    ("Sở Y tế - tỉnh Gia Lai", "UBND xã Kông Bơ La - Gia Lai", "UBND xã Albá"), totals
    only, with ties; the portal's JSON or the CSV a province copies from its page."""
    rng = random.Random(seed)
    rows = []
    for n, name in enumerate(GIA_LAI_DEPARTMENTS, start=1):
        total = Decimal(rng.randrange(7000, 8500, 50)).scaleb(-2)
        rows.append((f"H21.{n}", f"{name} - tỉnh Gia Lai", total, "AGENCY"))
    units = AdministrativeUnit.objects.filter(parent=gia_lai, level=UnitLevel.COMMUNE).valid_on(
        AS_OF
    )
    for n, unit in enumerate(units.order_by("sort_key"), start=101):
        name = portal_name_for(unit.kind, unit.name)
        if unit.name == "Al Bá":
            name = "UBND xã Albá"  # the portal's spelling
        elif n % 9 == 0:
            name += " - Gia Lai"
        total = Decimal(rng.randrange(5500, 8000, 25)).scaleb(-2)
        rows.append((f"H21.{n}", name, total, "COMMUNE"))
    rows.sort(key=lambda r: -r[2])
    if as_json:
        items = [
            {"departmentName": name, "departmentCode": code, "totalScore": float(total)}
            | {"childGroup": group, "scoreDelta": None}
            for code, name, total, group in rows
        ]
        overview = {"departmentName": "UBND tỉnh Gia Lai", "departmentCode": "H21"}
        body = {"code": "OK", "data": {"overview": overview, "evaluation": items}}
        return json.dumps(body, ensure_ascii=False).encode()
    lines = ["STT;Mã đơn vị;Đơn vị;Tổng điểm"]
    for i, (code, name, total, _group) in enumerate(rows, start=1):
        lines.append(f"{i};{code};{name};{str(total).replace('.', ',')}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _ingest(path, *args) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    command = [str(path), "--scope", "Gia Lai", "--as-of", "2026-10-10", "--period", "year"]
    try:
        call_command("ingest", *command, *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue() + err.getvalue()


def _printed_ranks(peers: str) -> list[tuple[int, Decimal]]:
    out = StringIO()
    call_command("leaderboard", scope="Gia Lai", peers=peers, stdout=out)
    rows = []
    for line in out.getvalue().splitlines()[6:]:
        if line[:6].strip().isdigit():
            words = line.split()
            rows.append((int(words[0]), next(Decimal(w) for w in words[3:] if "." in w)))
    return rows


def _departments(gia_lai):
    return AdministrativeUnit.objects.filter(parent=gia_lai, level=UnitLevel.DEPARTMENT)


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "csv"])
def test_a_real_shaped_province_table_goes_in_untouched_with_its_departments(
    gia_lai, tmp_path, as_json
):

    data = gia_lai_table(gia_lai, seed=3, as_json=as_json)
    path = tmp_path / ("gia-lai.json" if as_json else "gia-lai.csv")
    path.write_bytes(data)
    # Without the admin's word nothing is registered: the departments are errors, said so.
    code, printed = _ingest(path)
    assert code == 2 and printed.count("not yet registered") == 14, printed
    assert not _departments(gia_lai).exists()
    # A dry run registers nothing either, though it shows the table would then go in.
    code, printed = _ingest(path, "--register-departments", "--dry-run")
    assert code == 0 and "Registered 14 department(s)" in printed, printed
    assert not _departments(gia_lai).exists()

    code, printed = _ingest(path, "--register-departments", "--publish")
    assert code == 0 and "Published snapshot" in printed, printed
    departments = _departments(gia_lai)
    assert sorted(d.name for d in departments) == sorted(GIA_LAI_DEPARTMENTS)
    assert {d.codes.get().code for d in departments} == {f"H21.{n}" for n in range(1, 15)}
    assert all(d.valid_from == AS_OF for d in departments)
    event = AuditEvent.objects.get(action=AuditAction.DEPARTMENTS_REGISTERED)
    assert len(event.detail["units"]) == 14

    # Each table ranks apart, by competition ranks on the official total, ties included.
    for peers, count in (("departments", 14), ("communes", None)):
        printed_rows = _printed_ranks(peers)
        totals = [total for _rank, total in printed_rows]
        assert totals == sorted(totals, reverse=True)
        assert [rank for rank, _total in printed_rows] == _ranks(totals)
        assert count is None or len(printed_rows) == count
    commune_totals = [t for _r, t in _printed_ranks("communes")]
    assert len(commune_totals) > 100 and len(set(commune_totals)) < len(commune_totals)


def test_codes_found_by_name_are_kept_and_match_next_week_under_a_new_name(gia_lai, tmp_path):
    path = tmp_path / "week1.json"
    path.write_bytes(gia_lai_table(gia_lai, seed=5, as_json=True))
    assert _ingest(path, "--register-departments", "--publish")[0] == 0
    van_canh = AdministrativeUnit.objects.get(parent=gia_lai, name="Vân Canh")
    kept = van_canh.codes.get(scheme="portal").code
    assert kept.startswith("H21.")
    body = json.loads(gia_lai_table(gia_lai, seed=6, as_json=True))
    for item in body["data"]["evaluation"]:
        if item["departmentCode"] == kept:
            item["departmentName"] = "UBND xã Vân Canh (tên mới)"  # renamed on the portal
    week2 = _receive(json.dumps(body).encode(), "week2.json", gia_lai, as_of=AS_OF.replace(day=17))
    assert week2.status == UploadStatus.PREVIEWED, week2.errors


def test_a_code_that_is_another_units_is_an_error_never_a_guess(gia_lai):
    body = json.loads(gia_lai_children(gia_lai, seed=2))
    body["data"]["evaluation"][0]["departmentCode"] = "H20"  # Đồng Tháp's portal code
    upload = _receive(json.dumps(body).encode(), "clash.json", gia_lai)
    assert [e["code"] for e in upload.errors] == ["portal_code_clash"]
    assert "Đồng Tháp" in upload.errors[0]["message"]


def test_an_admin_registers_the_departments_from_the_upload_page(gia_lai, admin_user, client):
    upload = _receive(gia_lai_table(gia_lai, seed=4, as_json=True), "gl.json", gia_lai)
    assert upload.status == UploadStatus.REJECTED
    client.force_login(admin_user)
    page = client.get(f"/uploads/{upload.pk}/").content.decode()
    notice = page.split('<div class="actions notice">', 1)[1].split("</div>", 1)[0]
    assert "14" in notice and f"/uploads/{upload.pk}/register-departments" in notice
    response = client.post(f"/uploads/{upload.pk}/register-departments")
    assert response.status_code == 302
    assert _departments(gia_lai).count() == 14
    upload.refresh_from_db()
    assert upload.status == UploadStatus.RECEIVED  # queued again: the same upload, no re-upload
    assert services.upload_validate(upload_id=upload.pk).status == UploadStatus.PREVIEWED


def test_names_are_matched_as_a_person_would_and_only_when_unique(gia_lai):
    texts = [
        "UBND xã Kông Bơ La - Gia Lai",
        "UBND xã Kông Bơ La - tỉnh Gia Lai",
        "UBND xã Albá",
        "UBND XÃ  VÂN   CANH",
        "UBND xã Vân Canhh",
    ]
    found = unit_match_many(texts=texts, scope=gia_lai, as_of=AS_OF)
    assert [m.unit.name if m.unit else None for m in found[:4]] == [
        "Kông Bơ La",
        "Kông Bơ La",
        "Al Bá",
        "Vân Canh",
    ]
    # Still unknown: the closest units of the scope are offered, never taken.
    assert found[4].unit is None and "Vân Canh" in [c.name for c in found[4].candidates]
    # A suffix naming another province is not the scope's: not stripped, not matched.
    assert (
        unit_match_many(texts=["UBND xã Vân Canh - Đắk Lắk"], scope=gia_lai, as_of=AS_OF)[0].unit
        is None
    )


# --- The admin's pick: an unknown name kept as an alias -----------------------------------


def _renamed(gia_lai, *, seed: int, unit_name: str, written: str) -> bytes:
    body = json.loads(gia_lai_children(gia_lai, seed=seed))
    for item in body["data"]["evaluation"]:
        if item["departmentName"].endswith(f" {unit_name}"):
            item["departmentName"] = written
    return json.dumps(body, ensure_ascii=False).encode()


def _aliases():
    return UnitCode.objects.filter(scheme=CodeScheme.ALIAS)


def test_an_unknown_name_lists_its_candidates_and_the_pick_makes_it_match(gia_lai, admin_user):
    van_canh = AdministrativeUnit.objects.get(parent=gia_lai, name="Vân Canh")
    written = "UBND xã Vân Kanh"
    upload = _receive(
        _renamed(gia_lai, seed=8, unit_name="Vân Canh", written=written), "w1.json", gia_lai
    )
    assert upload.status == UploadStatus.REJECTED
    assert [e["code"] for e in upload.errors] == ["unknown_unit"]
    assert "Did you mean" in upload.errors[0]["fix"] and "Vân Canh" in upload.errors[0]["fix"]
    [unknown] = ingest_selectors.upload_unknown_names(upload)
    assert unknown.text == written and van_canh in unknown.candidates
    before = _aliases().count()

    created = services.upload_pick_aliases(
        upload_id=upload.pk, picks={written: str(van_canh.pk)}, user=admin_user, enqueue=False
    )
    assert [(c.unit, c.code) for c in created] == [(van_canh, written)]
    assert _aliases().count() == before + 1
    event = AuditEvent.objects.get(action=AuditAction.ALIASES_ADDED)
    assert event.detail["aliases"] == [[van_canh.pk, written]] and event.actor == admin_user
    upload.refresh_from_db()
    assert upload.status == UploadStatus.RECEIVED  # the same upload, checked again
    assert services.upload_validate(upload_id=upload.pk).status == UploadStatus.PREVIEWED
    # Matched by a name (its alias), the unit keeps the file's portal code on publish.
    code = next(
        i["departmentCode"]
        for i in json.loads(upload.file.open("rb").read())["data"]["evaluation"]
        if i["departmentName"] == written
    )
    _publish(upload)
    assert van_canh.codes.get(scheme=CodeScheme.PORTAL).code == code
    # Next week's file writes the name the same way: it matches without asking.
    # (Without its code, which the unit now has: the name alone must find it.)
    week2 = json.loads(
        _renamed(gia_lai, seed=9, unit_name="Vân Canh", written=written + " - Gia Lai")
    )
    for item in week2["data"]["evaluation"]:
        if item["departmentName"].startswith(written):
            del item["departmentCode"]
    week2 = json.dumps(week2).encode()
    later = _receive(week2, "w2.json", gia_lai, as_of=AS_OF.replace(day=17))
    assert later.status == UploadStatus.PREVIEWED, later.errors


def test_a_bad_pick_changes_nothing(gia_lai, vn, admin_user, django_user_model):
    body = json.loads(gia_lai_children(gia_lai, seed=10))
    items = body["data"]["evaluation"]
    items[0]["departmentName"] = "UBND xã Tên Lạ"
    items[1]["departmentName"] = "UBND xã Tên Lạ - Gia Lai"  # the same name once stripped
    upload = _receive(json.dumps(body).encode(), "bad.json", gia_lai)
    names = [n.text for n in ingest_selectors.upload_unknown_names(upload)]
    assert len(names) == 2
    in_gia_lai = AdministrativeUnit.objects.filter(parent=gia_lai, level=UnitLevel.COMMUNE)
    first, second = in_gia_lai.order_by("pk")[:2]
    dong_thap = AdministrativeUnit.objects.get(level=UnitLevel.PROVINCE, name="Đồng Tháp")
    elsewhere = AdministrativeUnit.objects.filter(parent=dong_thap).first()
    other_admin = django_user_model.objects.create_user("admin_dt")
    Membership.objects.create(user=other_admin, unit=dong_thap, role=Role.DATA_ADMIN)
    before, errors = _aliases().count(), upload.errors

    refused = [
        ({names[0]: elsewhere.pk}, admin_user, "not a unit of Tỉnh Gia Lai"),  # another scope's
        ({names[0]: first.pk, names[1]: second.pk}, admin_user, "both"),  # one name, two units
        ({"UBND xã Khác": first.pk}, admin_user, "could not match"),  # not an unknown name
        ({names[0]: "x"}, admin_user, "not a unit"),
        ({names[0]: 10**9}, admin_user, "is not one of"),  # no such unit
        ({names[0]: ""}, admin_user, "at least one"),
        ({names[0]: first.pk}, other_admin, "Only a data admin"),  # another province's admin
    ]
    for picks, user, says in refused:
        with pytest.raises(services.AliasRefused, match=says):
            services.upload_pick_aliases(upload_id=upload.pk, picks=picks, user=user, enqueue=False)
    upload.refresh_from_db()
    assert (upload.status, upload.errors, _aliases().count()) == ("rejected", errors, before)
    assert not AuditEvent.objects.filter(action=AuditAction.ALIASES_ADDED).exists()
    # An alias another unit of the scope already answers to would make the name ambiguous.
    with pytest.raises(AliasRefused, match="Kông Bơ La"):
        unit_aliases_add(scope=gia_lai, as_of=AS_OF, picks=[("UBND xã Kông Bơ La", first)])
    assert _aliases().count() == before


def test_the_pick_on_the_upload_page(gia_lai, admin_user, client, django_user_model):
    van_canh = AdministrativeUnit.objects.get(parent=gia_lai, name="Vân Canh")
    written = "UBND xã Vân Canh Mới"
    upload = _receive(
        _renamed(gia_lai, seed=11, unit_name="Vân Canh", written=written), "p.json", gia_lai
    )
    staff = django_user_model.objects.create_user("staff_gl")
    Membership.objects.create(user=staff, unit=gia_lai, role=Role.PROVINCIAL_STAFF)
    chair = django_user_model.objects.create_user("chair_vc")
    Membership.objects.create(user=chair, unit=van_canh, role=Role.UNIT_CHAIR)
    admin = django_user_model.objects.create_user("admin_gl")
    Membership.objects.create(user=admin, unit=gia_lai, role=Role.DATA_ADMIN)
    url = f"/uploads/{upload.pk}/names"
    for user in (staff, chair):
        client.force_login(user)
        assert client.post(url, {"name-1": written, "unit-1": van_canh.pk}).status_code == 403
    assert not _aliases().filter(code=written).exists()

    client.force_login(admin)
    page = client.get(f"/uploads/{upload.pk}/").content.decode()
    form = page.split('<div class="actions notice name-picks">', 1)[1].split("</form>", 1)[0]
    assert f'action="{url}"' in form and written in form
    assert f'<option value="{van_canh.pk}">Xã Vân Canh</option>' in form
    response = client.post(url, {"name-1": written, "unit-1": van_canh.pk})
    assert response.status_code == 302
    assert _aliases().get(code=written).unit == van_canh
    assert services.upload_validate(upload_id=upload.pk).status == UploadStatus.PREVIEWED

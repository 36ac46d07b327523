"""Authorization matrix: every route × every role × own/other unit → allow or deny.

Each URL pattern of the project must have a rule here: a new route without one fails
`test_every_route_has_a_rule`, so nobody adds a page or endpoint without deciding who sees it.
Denials of private things are 404 (their existence is private), not 403.
"""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Role
from accounts.services import membership_grant
from actions.services import action_create
from indicators import services as snapshot_services
from ingest import services as ingest_services
from ingest.models import Upload, UploadStatus
from notifications.emails import unsubscribe_token
from portal.models import SyncScope
from tests.units.factories import DepartmentFactory, DistrictFactory, OldCommuneFactory
from units.models import UnitKind

User = get_user_model()
ROOT = Path(__file__).resolve().parents[2]
AS_OF = datetime.date(2025, 5, 20)
ROLES = [
    "anon",
    "nobody",
    "root",
    "staff_vn",
    "staff_bd",
    "staff_dn",
    "chair_tanbinh",
    "chair_dian",
    "admin_bd",
    "admin_dn",
]
OK, LOGIN, NOT_FOUND, FORBIDDEN = "ok", "login", 404, 403


def publish_file(path: Path, scope):
    upload, _ = ingest_services.upload_receive(
        data=path.read_bytes(),
        filename=path.name,
        scope=scope,
        as_of=AS_OF,
        period="year",
        enqueue=False,
    )
    upload = ingest_services.upload_validate(upload_id=upload.pk)
    ingest_services.upload_request_publish(upload_id=upload.pk, enqueue=False)
    return ingest_services.upload_publish(upload_id=upload.pk)


@pytest.fixture
def world(binh_duong):
    """Two provinces with published rankings and pending uploads, and one user per role."""
    w = binh_duong
    w.bien_hoa = DistrictFactory(
        name="Biên Hòa", kind=UnitKind.PROVINCIAL_CITY, parent=w.other_province
    )
    w.dn_ward = OldCommuneFactory(name="Tân Phong", kind=UnitKind.WARD, parent=w.bien_hoa)
    w.snapshot_bd = publish_file(
        ROOT / "demo" / "binh-duong-cap-huyen-2025-05-20.csv", w.province
    ).snapshot
    # The wards by indicator counts, so what-it-takes has values to work on.
    w.snapshot_wards = publish_file(
        ROOT / "demo" / "di-an-phuong-chi-tieu-2025-05-20.csv", w.di_an
    ).snapshot
    draft = snapshot_services.snapshot_create_draft(
        scope=w.other_province, as_of=AS_OF, period="ytd", period_year=2025
    )
    groups = {
        "CKMB": Decimal(18),
        "TDGQ": Decimal(20),
        "DVCTT": Decimal(12),
        "TTTT": Decimal(10),
        "SHHS": Decimal(20),
        "MDHL": Decimal(18),
    }
    snapshot_services.snapshot_load_group_rows(
        snapshot=draft, rows=[snapshot_services.GroupInput(unit_id=w.bien_hoa.pk, groups=groups)]
    )
    snapshot_services.snapshot_recompute(snapshot_id=draft.pk)
    snapshot_services.snapshot_publish(snapshot_id=draft.pk)
    # National snapshots: the provinces table, and a country-scope table of communes of both
    # provinces (each province's communes are their own peer sets).
    w.national_provinces = _publish_groups(w.vn, AS_OF, [w.province, w.other_province], groups)
    w.national_communes = _publish_groups(
        w.vn, NATIONAL_COMMUNES_AS_OF, [*w.wards.values(), w.dn_ward], groups
    )
    # And a country-scope table of departments (sở, ban, ngành) of both provinces.
    w.bd_department = DepartmentFactory(name="Sở Y tế Bình Dương", parent=w.province)
    w.dn_department = DepartmentFactory(name="Sở Y tế Đồng Nai", parent=w.other_province)
    w.national_departments = _publish_groups(
        w.vn, NATIONAL_DEPARTMENTS_AS_OF, [w.bd_department, w.dn_department], groups
    )
    w.upload_bd, _ = ingest_services.upload_receive(
        data=(ROOT / "tests/fixtures/db/good-binh-duong-correction.csv").read_bytes(),
        filename="bd.csv",
        scope=w.province,
        as_of=AS_OF,
        period="year",
        enqueue=False,
    )
    w.upload_bd = ingest_services.upload_validate(upload_id=w.upload_bd.pk)
    w.pending = {}
    for purpose in ("page_publish", "page_discard", "api_publish", "api_discard"):
        upload, _ = ingest_services.upload_receive(
            data=(ROOT / "tests/fixtures/db/good-binh-duong.csv").read_bytes() + purpose.encode(),
            filename=f"{purpose}.csv",
            scope=w.province,
            as_of=AS_OF,
            period="year",
            enqueue=False,
        )
        w.pending[purpose] = ingest_services.upload_validate(upload_id=upload.pk).pk
    failed, _ = ingest_services.upload_receive(
        data=(ROOT / "tests/fixtures/db/good-binh-duong.csv").read_bytes() + b"failed",
        filename="failed.csv",
        scope=w.province,
        as_of=AS_OF,
        period="ytd",
        enqueue=False,
    )
    Upload.objects.filter(pk=failed.pk).update(status=UploadStatus.FAILED)
    w.failed_bd = failed.pk
    w.upload_dn, _ = ingest_services.upload_receive(
        data=b"garbage",
        filename="dn.csv",
        scope=w.other_province,
        as_of=AS_OF,
        period="year",
        enqueue=False,
    )
    w.users = {"anon": None, "nobody": User.objects.create_user("nobody", password="x" * 20)}
    w.users["root"] = User.objects.create_superuser("root", "root@example.org", "x" * 20)
    for name, role, unit in [
        ("staff_vn", Role.PROVINCIAL_STAFF, w.vn),
        ("staff_bd", Role.PROVINCIAL_STAFF, w.province),
        ("staff_dn", Role.PROVINCIAL_STAFF, w.other_province),
        ("chair_tanbinh", Role.UNIT_CHAIR, w.wards["Tân Bình"]),
        ("chair_dian", Role.UNIT_CHAIR, w.di_an),
        ("admin_bd", Role.DATA_ADMIN, w.province),
        ("admin_dn", Role.DATA_ADMIN, w.other_province),
    ]:
        w.users[name] = User.objects.create_user(name, password="x" * 20)
        membership_grant(user=w.users[name], unit=unit, role=role)
    # An action of phường Tân Bình, its chair the owner (actions app).
    w.action_tanbinh = action_create(
        actor=w.users["chair_dian"],
        unit=w.wards["Tân Bình"],
        snapshot=w.snapshot_wards,
        title="Giải quyết hồ sơ trễ hạn",
        owner=w.users["chair_tanbinh"],
        due_date=AS_OF,
    )
    w.unsubscribe_token = unsubscribe_token(w.users["chair_dian"])
    # Bình Dương's portal sync: its data admins may press "Đồng bộ từ Cổng".
    w.sync_bd = SyncScope.objects.create(scope=w.province)
    return w


NATIONAL_COMMUNES_AS_OF = datetime.date(2025, 5, 19)
NATIONAL_DEPARTMENTS_AS_OF = datetime.date(2025, 5, 18)


def _publish_groups(scope, as_of, units, groups):
    draft = snapshot_services.snapshot_create_draft(
        scope=scope, as_of=as_of, period="ytd", period_year=as_of.year
    )
    snapshot_services.snapshot_load_group_rows(
        snapshot=draft,
        rows=[snapshot_services.GroupInput(unit_id=u.pk, groups=groups) for u in units],
    )
    snapshot_services.snapshot_recompute(snapshot_id=draft.pk)
    return snapshot_services.snapshot_publish(snapshot_id=draft.pk)


def expect(default, **by_role):
    return {role: by_role.get(role, default) for role in ROLES}


# Who reads what. Provincial staff: their province; chairs: their unit (and below) and the
# rows of their own peer set; data admins: read like staff, upload for their province.
READERS_BD = expect(
    NOT_FOUND, anon=LOGIN, nobody=FORBIDDEN, root=OK, staff_vn=OK, staff_bd=OK, admin_bd=OK
)
EVERYONE_WITH_A_ROLE = expect(OK, anon=LOGIN, nobody=FORBIDDEN)
UPLOADERS_BD = expect(
    NOT_FOUND,
    anon=LOGIN,
    nobody=FORBIDDEN,
    staff_vn=FORBIDDEN,
    staff_bd=FORBIDDEN,
    staff_dn=FORBIDDEN,
    chair_tanbinh=FORBIDDEN,
    chair_dian=FORBIDDEN,
    root=OK,
    admin_bd=OK,
)
UPLOAD_PAGE = expect(FORBIDDEN, anon=LOGIN, root=OK, admin_bd=OK, admin_dn=OK)
# The API never redirects: anonymous calls get 401; scores a user may not read are 404.
API_REFERENCE = expect(OK, anon=401)
API_READERS_BD = {**READERS_BD, "anon": 401, "nobody": NOT_FOUND}
API_UPLOADERS_BD = {**UPLOADERS_BD, "anon": 401}
ANYONE = expect(OK)
LOGGED_IN = expect(OK, anon=LOGIN)


def cases(w):
    """Return {url name: [(method, path, data, expectations)]}."""
    tan_binh, an_binh = w.wards["Tân Bình"].pk, w.wards["An Bình"].pk
    bd_upload, dn_upload = w.upload_bd.pk, w.upload_dn.pk
    action = w.action_tanbinh.pk
    return {
        "home": [("get", "/", None, EVERYONE_WITH_A_ROLE)],
        "healthz": [("get", "/healthz", None, ANYONE)],
        "set_language": [("post", "/i18n/setlang/", {"language": "en", "next": "/"}, ANYONE)],
        "login": [("get", "/accounts/login/", None, ANYONE)],
        "logout": [("post", "/accounts/logout/", None, LOGGED_IN)],
        "password_change": [("get", "/accounts/password/change/", None, LOGGED_IN)],
        "password_change_done": [("get", "/accounts/password/change/done/", None, LOGGED_IN)],
        "password_reset": [("get", "/accounts/password/reset/", None, ANYONE)],
        "password_reset_done": [("get", "/accounts/password/reset/done/", None, ANYONE)],
        "password_reset_confirm": [("get", "/accounts/password/reset/MQ/bad-token/", None, ANYONE)],
        "password_reset_complete": [("get", "/accounts/password/reset/complete/", None, ANYONE)],
        "dashboard:leaderboard_home": [("get", "/bang-xep-hang/", None, EVERYONE_WITH_A_ROLE)],
        "dashboard:leaderboard": [
            # Bình Dương's district-level table: the chair of TP Dĩ An is in that peer set.
            ("get", f"/bang-xep-hang/{w.province.pk}/", None, {**READERS_BD, "chair_dian": OK}),
            # Dĩ An's wards: the chair of Tân Bình reads their own peer set.
            (
                "get",
                f"/bang-xep-hang/{w.di_an.pk}/",
                None,
                {**READERS_BD, "chair_dian": OK, "chair_tanbinh": OK},
            ),
            (
                "get",
                f"/bang-xep-hang/{w.other_province.pk}/",
                None,
                expect(
                    NOT_FOUND,
                    anon=LOGIN,
                    nobody=FORBIDDEN,
                    root=OK,
                    staff_vn=OK,
                    staff_dn=OK,
                    admin_dn=OK,
                ),
            ),
            # The ranking of provinces: staff and admins, not chairs.
            (
                "get",
                f"/bang-xep-hang/{w.vn.pk}/",
                None,
                expect(
                    OK, anon=LOGIN, nobody=FORBIDDEN, chair_tanbinh=NOT_FOUND, chair_dian=NOT_FOUND
                ),
            ),
        ],
        "dashboard:unit_detail": [
            (
                "get",
                f"/don-vi/{tan_binh}/",
                None,
                {**READERS_BD, "chair_tanbinh": OK, "chair_dian": OK},
            ),
            ("get", f"/don-vi/{an_binh}/", None, {**READERS_BD, "chair_dian": OK}),
            ("get", f"/don-vi/{w.di_an.pk}/", None, {**READERS_BD, "chair_dian": OK}),
            (
                "get",
                f"/don-vi/{w.bien_hoa.pk}/",
                None,
                expect(
                    NOT_FOUND,
                    anon=LOGIN,
                    nobody=FORBIDDEN,
                    root=OK,
                    staff_vn=OK,
                    staff_dn=OK,
                    admin_dn=OK,
                ),
            ),
        ],
        "dashboard:compare": [
            (
                "get",
                f"/so-sanh/?units={tan_binh}&units={an_binh}",
                None,
                {**READERS_BD, "chair_dian": OK},
            ),
            (
                "get",
                f"/so-sanh/?units={tan_binh}",
                None,
                {**READERS_BD, "chair_tanbinh": OK, "chair_dian": OK},
            ),
        ],
        "downloads:leaderboard": [
            (
                "get",
                f"/bang-xep-hang/{w.vn.pk}/tai-ve.csv?snapshot={w.national_communes.pk}",
                None,
                expect(OK, anon=LOGIN, nobody=FORBIDDEN),
            ),
            (
                "get",
                f"/bang-xep-hang/{w.province.pk}/tai-ve.csv",
                None,
                {**READERS_BD, "chair_dian": OK},
            ),
            (
                "get",
                f"/bang-xep-hang/{w.di_an.pk}/tai-ve.xlsx",
                None,
                {**READERS_BD, "chair_dian": OK, "chair_tanbinh": OK},
            ),
        ],
        "downloads:unit": [
            (
                "get",
                f"/don-vi/{tan_binh}/tai-ve.xlsx",
                None,
                {**READERS_BD, "chair_tanbinh": OK, "chair_dian": OK},
            ),
            ("get", f"/don-vi/{an_binh}/tai-ve.csv", None, {**READERS_BD, "chair_dian": OK}),
        ],
        "downloads:unit_report": [
            (
                "get",
                f"/don-vi/{tan_binh}/bao-cao/",
                None,
                {**READERS_BD, "chair_tanbinh": OK, "chair_dian": OK},
            ),
            ("get", f"/don-vi/{an_binh}/bao-cao/", None, {**READERS_BD, "chair_dian": OK}),
        ],
        "downloads:unit_report_pdf": [
            ("get", f"/don-vi/{an_binh}/bao-cao.pdf", None, {**READERS_BD, "chair_dian": OK}),
        ],
        "api:root": [("get", "/api/v1/", None, API_REFERENCE)],
        "api:me": [("get", "/api/v1/me/", None, API_REFERENCE)],
        "api:unit-resolve": [
            (
                "get",
                "/api/v1/units/resolve/",
                {"text": "Dĩ An", "as_of": "2025-05-20"},
                API_REFERENCE,
            )
        ],
        "api:unit-list": [("get", "/api/v1/units/", {"q": "Di An"}, API_REFERENCE)],
        "api:unit-detail": [("get", f"/api/v1/units/{an_binh}/", None, API_REFERENCE)],
        "api:unit-lineage": [("get", f"/api/v1/units/{an_binh}/lineage/", None, API_REFERENCE)],
        "api:framework-list": [("get", "/api/v1/frameworks/", None, API_REFERENCE)],
        "api:framework-detail": [("get", "/api/v1/frameworks/766-2022/", None, API_REFERENCE)],
        "api:snapshot-list": [("get", "/api/v1/snapshots/", None, API_REFERENCE)],
        "api:snapshot-detail": [
            (
                "get",
                f"/api/v1/snapshots/{w.snapshot_bd.pk}/",
                None,
                {**API_READERS_BD, "chair_dian": OK},
            ),
        ],
        "api:leaderboard": [
            # A national table of communes: every role with a role opens it (and reads only
            # its own rows: test_national_snapshots_show_each_role_only_its_rows).
            (
                "get",
                "/api/v1/leaderboard/",
                {"snapshot": w.national_communes.pk},
                expect(OK, anon=401, nobody=NOT_FOUND),
            ),
            (
                "get",
                "/api/v1/leaderboard/",
                {"snapshot": w.national_provinces.pk},
                expect(
                    OK, anon=401, nobody=NOT_FOUND, chair_tanbinh=NOT_FOUND, chair_dian=NOT_FOUND
                ),
            ),
            (
                "get",
                "/api/v1/leaderboard/",
                {"scope": w.province.pk, "as_of": "2025-05-20"},
                {**API_READERS_BD, "chair_dian": OK},
            ),
            (
                "get",
                "/api/v1/leaderboard/",
                {"scope": w.di_an.pk, "as_of": "2025-05-20"},
                {**API_READERS_BD, "chair_dian": OK, "chair_tanbinh": OK},
            ),
        ],
        "api:unit-scores": [
            (
                "get",
                f"/api/v1/units/{tan_binh}/scores/",
                None,
                {**API_READERS_BD, "chair_tanbinh": OK, "chair_dian": OK},
            ),
            ("get", f"/api/v1/units/{an_binh}/scores/", None, {**API_READERS_BD, "chair_dian": OK}),
        ],
        "api:unit-breakdown": [
            (
                "get",
                f"/api/v1/units/{an_binh}/breakdown/",
                None,
                {**API_READERS_BD, "chair_dian": OK},
            ),
        ],
        "api:unit-what-it-takes": [
            (
                "get",
                f"/api/v1/units/{an_binh}/what-it-takes/",
                None,
                {**API_READERS_BD, "chair_dian": OK},
            ),
            (
                "get",
                f"/api/v1/units/{tan_binh}/what-it-takes/",
                None,
                {**API_READERS_BD, "chair_tanbinh": OK, "chair_dian": OK},
            ),
        ],
        "api:unit-history": [
            (
                "get",
                f"/api/v1/units/{an_binh}/history/",
                None,
                {**API_READERS_BD, "chair_dian": OK},
            ),
            (
                "get",
                f"/api/v1/units/{tan_binh}/history/",
                None,
                {**API_READERS_BD, "chair_tanbinh": OK, "chair_dian": OK},
            ),
        ],
        "api:action-list": [("get", "/api/v1/actions/", None, API_REFERENCE)],
        "api:action-detail": [
            (
                "get",
                f"/api/v1/actions/{action}/",
                None,
                {**API_READERS_BD, "chair_tanbinh": OK, "chair_dian": OK},
            )
        ],
        "api:upload-list": [("get", "/api/v1/uploads/", None, {**UPLOAD_PAGE, "anon": 401})],
        "api:upload-detail": [
            ("get", f"/api/v1/uploads/{bd_upload}/", None, API_UPLOADERS_BD),
            (
                "get",
                f"/api/v1/uploads/{dn_upload}/",
                None,
                {**API_UPLOADERS_BD, "admin_bd": NOT_FOUND, "admin_dn": OK},
            ),
        ],
        "api:upload-preview": [
            ("get", f"/api/v1/uploads/{bd_upload}/preview/", None, API_UPLOADERS_BD)
        ],
        "api:upload-publish": [
            ("post", f"/api/v1/uploads/{w.pending['api_publish']}/publish/", None, API_UPLOADERS_BD)
        ],
        "api:upload-retry": [
            ("post", f"/api/v1/uploads/{w.failed_bd}/retry/", None, API_UPLOADERS_BD)
        ],
        "api:upload-discard": [
            ("post", f"/api/v1/uploads/{w.pending['api_discard']}/discard/", None, API_UPLOADERS_BD)
        ],
        # The caller's own notifications; another's id is a 404 (tests/api/test_notifications.py).
        "api:notification-list": [("get", "/api/v1/notifications/", None, API_REFERENCE)],
        "api:notification-read": [
            ("post", "/api/v1/notifications/1/read/", None, expect(NOT_FOUND, anon=401))
        ],
        "api:notification-read-all": [("post", "/api/v1/notifications/read/", None, API_REFERENCE)],
        "api:schema": [("get", "/api/schema/", None, API_REFERENCE)],
        "api:docs": [("get", "/api/docs/", None, LOGGED_IN)],
        "api:not_found": [("get", "/api/v2/leaderboard/", None, expect(NOT_FOUND))],
        # Actions: read with the unit; assigned by provincial staff and chairs (not data
        # admins); changed by the owner, the creator or an assigner.
        "actions:action_create": [
            (
                "get",
                f"/don-vi/{tan_binh}/giao-viec/",
                None,
                {**READERS_BD, "chair_tanbinh": OK, "chair_dian": OK, "admin_bd": FORBIDDEN},
            ),
            (
                "get",
                f"/don-vi/{an_binh}/giao-viec/",
                None,
                {**READERS_BD, "chair_dian": OK, "admin_bd": FORBIDDEN},
            ),
        ],
        "actions:action_list": [("get", "/viec/", None, EVERYONE_WITH_A_ROLE)],
        "actions:action_export": [
            ("get", "/viec/tai-ve.csv", None, EVERYONE_WITH_A_ROLE),
            ("get", "/viec/tai-ve.xlsx", None, EVERYONE_WITH_A_ROLE),
        ],
        "actions:action_detail": [
            ("get", f"/viec/{action}/", None, {**READERS_BD, "chair_tanbinh": OK, "chair_dian": OK})
        ],
        "actions:action_update": [
            (
                "post",
                f"/viec/{action}/cap-nhat",
                None,
                {**READERS_BD, "chair_tanbinh": OK, "chair_dian": OK, "admin_bd": FORBIDDEN},
            )
        ],
        "actions:action_comment": [
            (
                "post",
                f"/viec/{action}/binh-luan",
                None,
                {**READERS_BD, "chair_tanbinh": OK, "chair_dian": OK},
            )
        ],
        "actions:review": [
            (
                "get",
                f"/hop-giao-ban/{w.di_an.pk}/",
                None,
                {**READERS_BD, "chair_dian": OK, "chair_tanbinh": OK},
            ),
            ("get", f"/hop-giao-ban/{w.province.pk}/", None, {**READERS_BD, "chair_dian": OK}),
        ],
        "actions:review_minutes": [
            (
                "get",
                f"/hop-giao-ban/{w.di_an.pk}/bien-ban/",
                None,
                {**READERS_BD, "chair_dian": OK, "chair_tanbinh": OK},
            ),
        ],
        "actions:review_minutes_pdf": [
            (
                "get",
                f"/hop-giao-ban/{w.province.pk}/bien-ban.pdf",
                None,
                {**READERS_BD, "chair_dian": OK},
            ),
        ],
        # Everyone's own notification centre: a user without a role sees an empty one.
        "notifications:list": [("get", "/thong-bao/", None, LOGGED_IN)],
        "notifications:mark_read": [("post", "/thong-bao/1/da-doc", None, LOGGED_IN)],
        "notifications:mark_all_read": [("post", "/thong-bao/da-doc-het", None, LOGGED_IN)],
        "notifications:settings": [("get", "/thong-bao/cai-dat/", None, LOGGED_IN)],
        "notifications:digest_preview": [("get", "/thong-bao/ban-tin/", None, LOGGED_IN)],
        # The e-mails' link works without a login; a forged token is a 404 for everyone.
        "notifications:unsubscribe": [
            ("get", f"/thong-bao/huy-dang-ky/{w.unsubscribe_token}/", None, ANYONE),
            ("get", "/thong-bao/huy-dang-ky/forged/", None, expect(NOT_FOUND)),
        ],
        "ingest:upload_list": [("get", "/uploads/", None, UPLOAD_PAGE)],
        "ingest:upload_detail": [
            ("get", f"/uploads/{bd_upload}/", None, UPLOADERS_BD),
            (
                "get",
                f"/uploads/{dn_upload}/",
                None,
                {**UPLOADERS_BD, "admin_bd": NOT_FOUND, "admin_dn": OK},
            ),
        ],
        "ingest:upload_status": [("get", f"/uploads/{bd_upload}/status.json", None, UPLOADERS_BD)],
        "ingest:upload_publish": [
            (
                "post",
                f"/uploads/{dn_upload}/publish",
                None,
                {**UPLOADERS_BD, "admin_bd": NOT_FOUND, "admin_dn": OK},
            )
        ],
        "ingest:upload_discard": [("post", f"/uploads/{bd_upload}/discard", None, UPLOADERS_BD)],
        "ingest:upload_retry": [("post", f"/uploads/{w.failed_bd}/retry", None, UPLOADERS_BD)],
        "ingest:upload_register_departments": [
            ("post", f"/uploads/{w.failed_bd}/register-departments", None, UPLOADERS_BD)
        ],
        # A refused pick (not a rejected upload) is a message on the page: 302 for admins.
        "ingest:upload_pick_aliases": [
            ("post", f"/uploads/{w.failed_bd}/names", None, UPLOADERS_BD),
            (
                "post",
                f"/uploads/{dn_upload}/names",
                None,
                {**UPLOADERS_BD, "admin_bd": NOT_FOUND, "admin_dn": OK},
            ),
        ],
        "portal:sync_now": [("post", f"/uploads/cong/{w.sync_bd.pk}/dong-bo", None, UPLOADERS_BD)],
    }


def outcome(response) -> object:
    if response.status_code in (301, 302) and "/accounts/login/" in response.get("Location", ""):
        return LOGIN
    if response.status_code < 400:
        return OK
    return response.status_code


def _route_names(patterns, namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("admin/"):
                continue  # Django's admin: staff only, by Django itself (tested below)
            if p.namespace == "indicators":
                continue  # the pages' old names: the same routes as dashboard:, tested there
            ns = p.namespace or namespace
            yield from _route_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            yield f"{namespace}:{p.name}" if namespace and p.name else p.name or str(p.pattern)


def test_every_route_has_a_rule(world):
    missing = sorted(set(_route_names(get_resolver().url_patterns)) - set(cases(world)))
    assert not missing, f"routes without an access rule: {missing}"


def test_access_matrix(world, client, published_cache_on):
    """Every route as every role, in turn, on one cache: what one role's request cached is
    served to the next one only through the access decisions."""
    mismatches = []
    for name, route_cases in cases(world).items():
        for method, path, data, expected in route_cases:
            for role in ROLES:
                client.logout()
                user = world.users[role]
                if user is not None:
                    client.force_login(user)
                response = getattr(client, method)(path, data or {})
                got = outcome(response)
                if got != expected[role]:
                    mismatches.append(
                        f"{name} {method.upper()} {path} as {role}: expected {expected[role]}, got {got}"
                    )
    assert not mismatches, "\n".join(mismatches)


def test_admin_site_is_for_staff_only(world, client):
    for role in ROLES:
        client.logout()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        status = client.get("/admin/").status_code
        assert status == (200 if role == "root" else 302), role


def _api_units(client, snapshot) -> set[int] | int:
    response = client.get("/api/v1/leaderboard/", {"snapshot": snapshot.pk, "page_size": 1000})
    if response.status_code != 200:
        return response.status_code
    return {row["unit"]["id"] for row in response.json()["results"]}


def _csv_names(client, scope, snapshot) -> set[str] | int:
    response = client.get(
        f"/bang-xep-hang/{scope.pk}/tai-ve.csv", {"snapshot": snapshot.pk, "peers": "all"}
    )
    if response.status_code != 200:
        return response.status_code
    return b"".join(response.streaming_content if response.streaming else [response.content])


def _page_html(client, scope, snapshot) -> str | int:
    response = client.get(f"/bang-xep-hang/{scope.pk}/", {"snapshot": snapshot.pk, "peers": "all"})
    return response.content.decode() if response.status_code == 200 else response.status_code


def test_national_snapshots_show_each_role_only_its_rows(world, client, published_cache):
    """A country-scope table: national roles read all of it, a province its own rows only;
    with the cache, rows cached by the first role (root reads them all) are filtered after."""
    w = world
    bd_wards = {u.pk for u in w.wards.values()}
    everyone = bd_wards | {w.dn_ward.pk}
    communes = {
        "root": everyone,
        "staff_vn": everyone,
        "staff_bd": bd_wards,
        "admin_bd": bd_wards,
        "staff_dn": {w.dn_ward.pk},
        "admin_dn": {w.dn_ward.pk},
        "chair_dian": bd_wards,  # its own wards
        "chair_tanbinh": bd_wards,  # its own peer table
        "nobody": NOT_FOUND,
    }
    provinces = {w.province.pk, w.other_province.pk}
    provinces_table = {role: provinces for role in communes} | {
        "chair_dian": NOT_FOUND,
        "chair_tanbinh": NOT_FOUND,
        "nobody": NOT_FOUND,
    }
    bd_dept, dn_dept = w.bd_department.pk, w.dn_department.pk
    departments = {
        "root": {bd_dept, dn_dept},
        "staff_vn": {bd_dept, dn_dept},
        "staff_bd": {bd_dept},
        "admin_bd": {bd_dept},
        "staff_dn": {dn_dept},
        "admin_dn": {dn_dept},
        # Departments are neither below a ward or a district nor in their peer sets.
        "chair_dian": NOT_FOUND,
        "chair_tanbinh": NOT_FOUND,
        "nobody": NOT_FOUND,
    }
    leaks = []
    for role, expected in communes.items():
        client.force_login(w.users[role])
        got = _api_units(client, w.national_communes)
        if got != expected:
            leaks.append(f"API communes as {role}: expected {expected}, got {got}")
        got = _api_units(client, w.national_departments)
        if got != departments[role]:
            leaks.append(f"API departments as {role}: expected {departments[role]}, got {got}")
        if role != "nobody":
            for label, body in (
                ("CSV", _csv_names(client, w.vn, w.national_departments)),
                ("page", _page_html(client, w.vn, w.national_departments)),
            ):
                if isinstance(body, int):
                    if departments[role] != NOT_FOUND:
                        leaks.append(f"{label} departments as {role}: {body}")
                    continue
                text = body.decode() if isinstance(body, bytes) else body
                shown = {
                    pk
                    for pk, name in ((bd_dept, "Sở Y tế Bình Dương"), (dn_dept, "Sở Y tế Đồng Nai"))
                    if name in text
                }
                readable = departments[role] if departments[role] != NOT_FOUND else set()
                if shown != readable:
                    leaks.append(
                        f"{label} departments as {role}: shows {shown}, may read {readable}"
                    )
        got = _api_units(client, w.national_provinces)
        if got != provinces_table[role]:
            leaks.append(f"API provinces as {role}: expected {provinces_table[role]}, got {got}")
        if role == "nobody":
            continue
        csv = _csv_names(client, w.vn, w.national_communes)
        html = _page_html(client, w.vn, w.national_communes)
        for label, body in (("CSV", csv), ("page", html)):
            text = body.decode() if isinstance(body, bytes) else body
            if isinstance(text, int):
                leaks.append(f"{label} communes as {role}: {text}")
                continue
            shows_dn = "Tân Phong" in text
            shows_bd = "Tân Đông Hiệp" in text
            if shows_dn != (w.dn_ward.pk in expected) or shows_bd != bool(bd_wards & expected):
                leaks.append(
                    f"{label} communes as {role}: Đồng Nai {shows_dn}, Bình Dương {shows_bd}"
                )
    assert not leaks, "\n".join(leaks)

"""The portal sync against the fake portal, on the real registry: good answers published
through the one pipeline (bundle kept as the original, source "portal", as-of the fetch's
date in Vietnam), bad ones retried then given up with readable reasons and counted by the
circuit breaker, a table never published in part, unchanged figures no new snapshot, a
province's unknown departments never registered by a fetch, the schedule, the button, and a
directory of daily captures replayed as one snapshot a day with competition ranks.

The registry (~14,000 units) is loaded once for the module and rolled back at its end.
"""

import copy
import datetime
import json
import random
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.models import Role
from accounts.services import membership_grant
from indicators import selectors
from indicators.models import Snapshot, SnapshotStatus
from indicators.scoring import competition_ranks
from ingest.models import UploadSource, UploadStatus
from ingest.portal_json import BUNDLE_FORMAT, GROUP_ENDPOINTS
from notifications.models import Notification, RuleKind
from portal import services
from portal.models import Fetch, FetchOutcome, SyncScope
from tests.portal.fake_portal import Reply, html_error
from units.models import AdministrativeUnit, UnitLevel

pytestmark = pytest.mark.usefixtures("english")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "portal"
PROVINCES = json.loads((FIXTURES / "provinces-2026-10-10.json").read_text())
EXCERPT = json.loads((FIXTURES / "gia-lai-children-2026-10-10-excerpt.json").read_text())
GIA_LAI_ID = "019d2be3-0000-7000-8000-00000000h21"
# 06:30 on 10/10/2026 in Vietnam is still the 9th in UTC: the as-of date is Vietnam's.
MORNING = datetime.datetime(2026, 10, 9, 23, 30, tzinfo=datetime.UTC)
AS_OF = datetime.date(2026, 10, 10)
MAX = {"CKMB": 18, "TDGQ": 20, "CLGQ": 12, "TTTT": 10, "MDHL": 18, "MDSH": 22}
GROUP_OF = {endpoint: code for endpoint, code in GROUP_ENDPOINTS.items()}
User = get_user_model()


@pytest.fixture
def admin_gia_lai(gia_lai):
    user = User.objects.create_user("admin_gl", "admin@gialai.example.org", "x" * 20)
    membership_grant(user=user, unit=gia_lai, role=Role.DATA_ADMIN)
    return user


def provinces_with_ids():
    """The 34 provinces' answer with Gia Lai's departmentId, as real answers carry it."""
    answer = copy.deepcopy(PROVINCES)
    for item in answer["data"]["evaluation"]:
        if item["departmentCode"] == "H21":
            item["departmentId"] = GIA_LAI_ID
    return answer


def gia_lai_answers(gia_lai, *, seed: int) -> dict[str, dict]:
    """Gia Lai's communes as the portal gives them: totals in service-results (with ties),
    each group's points from its own endpoint, keyed by departmentId."""
    rng = random.Random(seed)
    units = AdministrativeUnit.objects.filter(parent=gia_lai, level=UnitLevel.COMMUNE).valid_on(
        AS_OF
    )
    items, points = [], {}
    previous = None
    for n, unit in enumerate(units.order_by("sort_key"), start=1):
        prefix = {"phuong": "phường", "xa": "xã", "dac_khu": "đặc khu"}[unit.kind]
        if previous is not None and n % 9 == 0:
            groups = dict(previous)  # the same points as the unit before: a tie
        else:
            groups = {
                code: float(Decimal(rng.randrange(40, 100) * top).scaleb(-2))
                for code, top in MAX.items()
            }
        previous = groups
        uid = f"id-{n}"
        points[uid] = groups
        total = float(sum(Decimal(str(v)) for v in groups.values()))
        items.append(
            {
                "departmentId": uid,
                "departmentName": f"UBND {prefix} {unit.name}",
                "departmentCode": f"H21.{n}",
                "totalScore": total,
                "ratio": total,
                "scoreDelta": None,
                "childGroup": "COMMUNE",
            }
        )
    items.sort(key=lambda i: -i["totalScore"])
    overview = {"departmentName": "UBND tỉnh Gia Lai", "departmentCode": "H21", "totalScore": 66}
    answers = {
        "service-results": {
            "code": "OK",
            "data": {"overview": overview, "evaluation": items},
            "message": "OK",
        }
    }
    for endpoint, code in GROUP_ENDPOINTS.items():
        key = "children" if endpoint.endswith("-tree") else "evaluation"
        nodes = [{"departmentId": uid, "score": g[code]} for uid, g in points.items()]
        answers[endpoint] = {"code": "OK", "data": {key: nodes}}
    return answers


def serve_gia_lai(fake_portal, answers):
    fake_portal.answer("service-results", provinces_with_ids())
    for endpoint, answer in answers.items():
        fake_portal.answer(endpoint, answer, root=GIA_LAI_ID)


def sync(scope, **kwargs):
    kwargs.setdefault("now", MORNING)
    return services.portal_sync_scope(scope=scope, **kwargs)


def published(scope):
    return Snapshot.objects.filter(scope=scope, status=SnapshotStatus.PUBLISHED)


def test_the_34_provinces_are_fetched_bundled_and_published(fake_portal, vn):
    SyncScope.objects.create(scope=vn, auto_publish=True)
    fake_portal.answer("service-results", PROVINCES)
    with time_machine.travel(MORNING, tick=True):
        fetch = sync(vn, now=None)
    assert fetch.outcome == FetchOutcome.PUBLISHED, fetch.reason
    assert fetch.requests_made == 1
    upload = fetch.upload
    assert upload.source == UploadSource.PORTAL
    assert upload.as_of == AS_OF  # the fetch's date in Asia/Ho_Chi_Minh
    assert upload.source_request == {
        "timeType": "year",
        "year": 2026,
        "departmentType": "ADMINISTRATIVE_UNIT",
        "pageSize": 300,
        "currentPage": 1,
    }
    assert fake_portal.seen[0].body == upload.source_request
    # The kept original is the bundle of the answers, the portal's bytes re-readable.
    with upload.file.open("rb") as fh:
        bundle = json.loads(fh.read())
    assert bundle["format"] == BUNDLE_FORMAT
    assert bundle["responses"]["service-results"] == PROVINCES
    assert bundle["request"]["body"] == upload.source_request
    assert bundle["fetched_at"].startswith("2026-10-10T06:30") and bundle["as_of"] == "2026-10-10"
    board = selectors.leaderboard(snapshot=upload.snapshot)
    listed = PROVINCES["data"]["evaluation"]
    totals = [Decimal(str(i["totalScore"])) for i in listed]
    assert [row.codes["portal"] for row in board] == [i["departmentCode"] for i in listed]
    assert [row.rank for row in board] == competition_ranks(totals)


def test_unchanged_figures_make_no_new_snapshot_and_a_change_does(fake_portal, vn):
    SyncScope.objects.create(scope=vn, auto_publish=True)
    fake_portal.answer("service-results", PROVINCES)
    assert sync(vn).outcome == FetchOutcome.PUBLISHED
    uploads = vn.uploads.count()
    later = MORNING + datetime.timedelta(hours=5)
    again = sync(vn, now=later)
    assert again.outcome == FetchOutcome.UNCHANGED, again.reason
    assert again.upload is None and vn.uploads.count() == uploads
    assert published(vn).count() == 1
    assert "10/10/2026" in again.reason
    # The next morning, the same figures: still nothing new (the fetch is recorded).
    assert sync(vn, now=MORNING + datetime.timedelta(days=1)).outcome == FetchOutcome.UNCHANGED
    assert Fetch.objects.filter(scope=vn).count() == 3
    # One province's CKMB and total move: a new snapshot of the day after.
    changed = copy.deepcopy(PROVINCES)
    first = changed["data"]["evaluation"][0]
    first["groupScores"]["CKMB"] = round(first["groupScores"]["CKMB"] + 1, 2)
    first["totalScore"] = round(first["totalScore"] + 1, 2)
    fake_portal.answer("service-results", changed)
    fetch = sync(vn, now=MORNING + datetime.timedelta(days=1))
    assert fetch.outcome == FetchOutcome.PUBLISHED, fetch.reason
    assert fetch.upload.snapshot.as_of == datetime.date(2026, 10, 11)
    assert published(vn).count() == 2


def test_a_province_is_fetched_whole_at_one_request_per_second(fake_portal, gia_lai, settings):
    settings.PORTAL_MIN_INTERVAL_SECONDS = 1.0
    config = SyncScope.objects.create(scope=gia_lai, auto_publish=True)
    answers = gia_lai_answers(gia_lai, seed=3)
    serve_gia_lai(fake_portal, answers)
    fetch = sync(gia_lai)
    assert fetch.outcome == FetchOutcome.PUBLISHED, fetch.reason
    # The provinces (for Gia Lai's id), its units, then each group: 8 requests, 1 per second.
    assert [s.endpoint for s in fake_portal.seen] == [
        "service-results",
        "service-results",
        *GROUP_ENDPOINTS,
    ]
    assert all(s.body.get("rootDepartmentId") == GIA_LAI_ID for s in fake_portal.seen[1:])
    assert min(fake_portal.gaps()) >= 0.99
    config.refresh_from_db()
    assert config.portal_department_id == GIA_LAI_ID  # asked once, then kept
    board = selectors.leaderboard(snapshot=fetch.upload.snapshot)
    items = answers["service-results"]["data"]["evaluation"]
    assert len(board) == len(items) > 100
    totals = sorted((Decimal(str(i["totalScore"])) for i in items), reverse=True)
    assert [row.rank for row in board] == competition_ranks(totals)
    assert len(set(totals)) < len(totals)  # ties, ranked as ties
    by_code = {i["departmentCode"]: i for i in items}
    row = board[0]
    portal_points = answers["dvc-progress-tree"]["data"]["children"]
    uid = by_code[row.codes["portal"]]["departmentId"]
    expected = next(n["score"] for n in portal_points if n["departmentId"] == uid)
    assert row.groups["TDGQ"].ranking_points == Decimal(str(expected))


@pytest.mark.parametrize(
    "bad, reason",
    [
        (
            Reply(b"busy", status=503),
            "gave up after 3 tries: the portal answered with an error (HTTP 503)",
        ),
        (Reply(b"", status=429), "gave up after 3 tries: the portal asked us to slow down (429)"),
        (Reply({"code": "OK", "data": {}}, delay=1.5), "did not answer within 0.5 seconds"),
        (
            Reply({"code": "OK", "data": {"evaluation": []}}, cut=True),
            "handling-satisfaction: gave up",
        ),
        (html_error(502, "502 Bad Gateway"), "HTTP 502, a web page: “502 Bad Gateway”"),
        (
            {"code": "OK", "data": {"evaluation": [{"departmentId": "id-1", "points": 3}]}},
            "data.evaluation[0].score is missing or not what it was",
        ),
    ],
    ids=["503", "429", "slow", "cut", "html", "renamed-field"],
)
def test_one_bad_group_answer_fails_the_whole_fetch_and_publishes_nothing(
    fake_portal, gia_lai, bad, reason
):
    SyncScope.objects.create(scope=gia_lai, auto_publish=True, portal_department_id=GIA_LAI_ID)
    answers = gia_lai_answers(gia_lai, seed=4)
    serve_gia_lai(fake_portal, answers)
    fake_portal.answer("handling-satisfaction", bad, root=GIA_LAI_ID)
    fetch = sync(gia_lai)
    assert fetch.outcome == FetchOutcome.FAILED
    assert fetch.reason.startswith("Nothing was imported: handling-satisfaction: ")
    assert reason in fetch.reason
    assert fetch.upload is None and not gia_lai.uploads.exists()
    assert not published(gia_lai).exists()  # never a table with a group missing


def test_repeated_failures_stop_the_scope_and_tell_its_admins(
    fake_portal, gia_lai, admin_gia_lai, settings
):
    settings.PORTAL_BREAKER_FAILURES = 2
    config = SyncScope.objects.create(scope=gia_lai, portal_department_id=GIA_LAI_ID)
    fake_portal.answer("service-results", Reply(b"busy", status=503))
    assert sync(gia_lai).outcome == FetchOutcome.FAILED
    assert not Notification.objects.filter(user=admin_gia_lai).exists()
    assert sync(gia_lai).outcome == FetchOutcome.FAILED
    config.refresh_from_db()
    assert config.consecutive_failures == 2 and config.breaker_is_open(MORNING)
    (note,) = Notification.objects.filter(user=admin_gia_lai)
    assert note.alert.rule.kind == RuleKind.PORTAL_STOPPED
    from notifications.messages import alert_text

    text = alert_text(note.alert)
    assert "stopped after 2 failed fetches in a row" in text and "HTTP 503" in text
    # The schedule leaves it alone now, without a request.
    sent = len(fake_portal.seen)
    skipped = sync(gia_lai, respect_breaker=True)
    assert skipped.outcome == FetchOutcome.SKIPPED and len(fake_portal.seen) == sent
    # A person's run still tries; its success closes the breaker.
    serve_gia_lai(fake_portal, gia_lai_answers(gia_lai, seed=5))
    assert sync(gia_lai).outcome == FetchOutcome.WAITING
    config.refresh_from_db()
    assert config.consecutive_failures == 0 and config.breaker_open_until is None


def test_unknown_departments_wait_for_an_admin_and_are_not_registered(
    fake_portal, gia_lai, admin_gia_lai, client
):
    SyncScope.objects.create(scope=gia_lai, auto_publish=True, portal_department_id=GIA_LAI_ID)
    departments = AdministrativeUnit.objects.filter(parent=gia_lai, level=UnitLevel.DEPARTMENT)
    before = departments.count()
    answers = {"service-results": EXCERPT}
    for endpoint in GROUP_ENDPOINTS:
        key = "children" if endpoint.endswith("-tree") else "evaluation"
        answers[endpoint] = {"code": "OK", "data": {key: []}}
    serve_gia_lai(fake_portal, answers)
    fetch = sync(gia_lai)
    assert fetch.outcome == FetchOutcome.REJECTED
    assert fetch.upload.status == UploadStatus.REJECTED
    assert "a fetch never registers departments by itself" in fetch.reason
    assert any(e["code"] == "unknown_department" for e in fetch.upload.errors)
    assert departments.count() == before
    (note,) = Notification.objects.filter(user=admin_gia_lai)
    assert note.alert.rule.kind == RuleKind.PORTAL_REVIEW
    assert note.alert.detail["upload"] == fetch.upload.pk
    client.force_login(admin_gia_lai)
    centre = client.get("/thong-bao/").content.decode()
    # The pages speak Vietnamese (the tests' translation override is for the services).
    assert "không qua được khâu kiểm tra" in centre
    assert f'href="/uploads/{fetch.upload.pk}/"' in centre
    page = client.get(f"/uploads/{fetch.upload.pk}/").content.decode()
    assert "không bao giờ tự đăng ký sở, ban, ngành" in page


def test_a_clean_preview_waits_when_the_scope_is_reviewed(fake_portal, vn):
    SyncScope.objects.create(scope=vn, auto_publish=False)
    fake_portal.answer("service-results", PROVINCES)
    fetch = sync(vn)
    assert fetch.outcome == FetchOutcome.WAITING
    assert fetch.upload.status == UploadStatus.PREVIEWED
    assert "wait for a data admin's review" in fetch.reason
    assert not published(vn).exists()


def test_a_warning_keeps_an_auto_published_scope_waiting(fake_portal, vn):
    SyncScope.objects.create(scope=vn, auto_publish=True)
    odd = copy.deepcopy(PROVINCES)
    odd["data"]["evaluation"][5]["totalScore"] += 3  # the groups no longer add up to it
    fake_portal.answer("service-results", odd)
    fetch = sync(vn)
    assert fetch.outcome == FetchOutcome.WAITING, fetch.reason
    assert "must be read by a data admin" in fetch.reason
    assert not published(vn).exists()


def test_the_schedule_runs_each_scope_once_a_day_from_its_hour(fake_portal, vn):
    SyncScope.objects.create(scope=vn, hour=7, auto_publish=True)
    fake_portal.answer("service-results", PROVINCES)
    assert services.portal_sync_due(now=MORNING) == []  # 06:30: not yet
    at_seven = MORNING + datetime.timedelta(minutes=45)
    (fetch,) = services.portal_sync_due(now=at_seven)
    assert fetch.outcome == FetchOutcome.PUBLISHED and fetch.trigger == "schedule"
    assert services.portal_sync_due(now=at_seven + datetime.timedelta(hours=3)) == []
    assert len(fake_portal.seen) == 1


def test_the_command_fetches_the_scopes_asked(fake_portal, vn):
    fake_portal.answer("service-results", PROVINCES)
    out = StringIO()
    with time_machine.travel(MORNING, tick=True):
        call_command("portal_sync", "--scope", "VN", "--period", "year", "--publish", stdout=out)
    assert "published" in out.getvalue()
    assert published(vn).get().as_of == AS_OF
    out = StringIO()
    call_command("portal_sync", "--scope", "VN", "--as-of", "2026-10-10", stdout=out)
    assert "unchanged" in out.getvalue()


def test_a_directory_of_daily_captures_is_one_snapshot_a_day(fake_portal, gia_lai, tmp_path):
    days = [datetime.date(2026, 10, d) for d in (7, 8, 9, 10)]
    expected = {}
    for n, day in enumerate(days):
        answers = gia_lai_answers(gia_lai, seed=10 + n)
        expected[day] = answers["service-results"]["data"]["evaluation"]
        if n < 2:  # one file a day, as a scraper saves it
            (tmp_path / f"gia-lai-{day:%Y%m%d}.json").write_text(
                json.dumps(answers["service-results"], ensure_ascii=False)
            )
        elif n == 2:  # a folder a day with the groups' answers too
            folder = tmp_path / day.isoformat()
            folder.mkdir()
            for endpoint, answer in answers.items():
                (folder / f"{endpoint}.json").write_text(json.dumps(answer))
        else:  # a bundle kept by this product's sync
            bundle = {"format": BUNDLE_FORMAT, "as_of": day.isoformat(), "responses": answers}
            (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    out = StringIO()
    call_command(
        "portal_sync", "--from-dir", str(tmp_path), "--scope", "Gia Lai", "--publish", stdout=out
    )
    snapshots = list(published(gia_lai).order_by("as_of"))
    assert [s.as_of for s in snapshots] == days
    assert not fake_portal.seen  # a replay asks the portal nothing
    for snapshot in snapshots:
        board = selectors.leaderboard(snapshot=snapshot)
        totals = sorted(
            (Decimal(str(i["totalScore"])) for i in expected[snapshot.as_of]), reverse=True
        )
        assert [row.ranking_total for row in board] == totals
        assert [row.rank for row in board] == competition_ranks(totals)
        assert len(set(totals)) < len(totals)
        upload = snapshot.uploads.get()
        assert upload.source == UploadSource.PORTAL
    with_groups = selectors.leaderboard(snapshot=snapshots[2])
    assert all(row.groups["CKMB"].ranking_points is not None for row in with_groups)
    assert all(
        row.groups["CKMB"].ranking_points is None
        for row in selectors.leaderboard(snapshot=snapshots[0])
    )
    # Replayed again: every day is already there, nothing new.
    call_command(
        "portal_sync",
        "--from-dir",
        str(tmp_path),
        "--scope",
        "Gia Lai",
        "--publish",
        stdout=StringIO(),
    )
    assert published(gia_lai).count() == 4


def test_the_button_fetches_the_admins_scope_now(
    fake_portal, gia_lai, admin_gia_lai, client, eager_tasks
):

    config = SyncScope.objects.create(scope=gia_lai, portal_department_id=GIA_LAI_ID)
    serve_gia_lai(fake_portal, gia_lai_answers(gia_lai, seed=6))
    client.force_login(admin_gia_lai)
    page = client.get("/uploads/").content.decode()
    assert "Đồng bộ từ Cổng" in page and f"/uploads/cong/{config.pk}/dong-bo" in page
    response = client.post(f"/uploads/cong/{config.pk}/dong-bo")
    assert response.status_code == 302
    fetch = Fetch.objects.get(scope=gia_lai)
    assert fetch.trigger == "button" and fetch.requested_by == admin_gia_lai
    assert fetch.outcome == FetchOutcome.WAITING  # the scope is reviewed: nothing published
    assert fetch.upload.uploaded_by == admin_gia_lai
    page = client.get("/uploads/").content.decode()
    assert "Chờ xem xét" in page
    detail = client.get(f"/uploads/{fetch.upload.pk}/").content.decode()
    assert "Lấy từ Cổng lúc" in detail
    api = client.get(f"/api/v1/uploads/{fetch.upload.pk}/").json()
    assert api["source"] == "portal" and api["source_request"]["rootDepartmentId"] == GIA_LAI_ID
    assert api["fetched_at"] is not None
    # GET is not a sync.
    assert client.get(f"/uploads/cong/{config.pk}/dong-bo").status_code == 405


def test_an_unconfigured_sync_says_so_and_counts_no_failure(fake_portal, vn, settings):
    settings.PORTAL_BASE_URL = ""
    config = SyncScope.objects.create(scope=vn)
    fetch = sync(vn)
    assert fetch.outcome == FetchOutcome.FAILED
    assert "set PORTAL_BASE_URL and PORTAL_CONTACT" in fetch.reason
    config.refresh_from_db()
    assert config.consecutive_failures == 0 and not fake_portal.seen


def test_a_sync_scope_names_known_periods_only(vn):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Unknown period"):
        SyncScope(scope=vn, periods="year,week").clean()
    assert SyncScope(scope=vn, periods="month, year").period_list == ["year", "month"]


def test_a_quarter_that_does_not_hold_the_date_is_refused_before_asking(fake_portal, vn):
    with pytest.raises(services.SyncError, match="does not contain the as-of date"):
        sync(vn, period="quarter", quarter=2)
    assert not fake_portal.seen


def test_a_sync_stopped_by_its_time_limit_is_recorded(fake_portal, vn, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from portal.client import PortalClient

    def too_long(self, endpoint, body):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(PortalClient, "post", too_long)
    with pytest.raises(SoftTimeLimitExceeded):
        sync(vn)
    fetch = Fetch.objects.get(scope=vn)
    assert fetch.outcome == FetchOutcome.FAILED and "time limit" in fetch.reason

"""The portal client against the fake portal: good answers read, bad ones retried (429, 503,
timeouts, bodies cut off) then given up with a readable reason, answers it does not
understand refused at once, and never more than one request per PORTAL_MIN_INTERVAL_SECONDS."""

import copy
import json
from pathlib import Path

import pytest

from portal.client import PortalClient, PortalError
from tests.portal.fake_portal import Reply, html_error

pytestmark = pytest.mark.usefixtures("english")


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "portal"
PROVINCES = json.loads((FIXTURES / "provinces-2026-10-10.json").read_text())
BODY = {"timeType": "year", "year": 2026, "departmentType": "ADMINISTRATIVE_UNIT", "pageSize": 300}


def test_a_good_answer_is_read_and_the_request_says_who_asks(fake_portal):
    fake_portal.answer("service-results", PROVINCES)
    answer = PortalClient().service_results(BODY)
    assert len(answer["data"]["evaluation"]) == 34
    (seen,) = fake_portal.seen
    assert seen.body == BODY
    assert "scoreboard-766" in seen.user_agent and "ops@scoreboard.example.org" in seen.user_agent


def test_429_is_retried_after_the_portals_retry_after(fake_portal, settings):
    fake_portal.answer(
        "service-results", Reply(b"", status=429, headers={"Retry-After": "1"}), PROVINCES
    )
    client = PortalClient()
    assert client.service_results(BODY)["code"] == "OK"
    assert client.requests_made == 2
    assert fake_portal.gaps()[0] >= 0.99


def test_503_is_retried_then_given_up_with_a_reason(fake_portal):
    fake_portal.answer("service-results", Reply(b"busy", status=503))
    with pytest.raises(PortalError) as caught:
        PortalClient().service_results(BODY)
    assert len(fake_portal.seen) == 3
    assert caught.value.reason == (
        "service-results: gave up after 3 tries: the portal answered with an error (HTTP 503)"
    )
    # Exponential: each wait at least twice the one before (0,05 s, 0,1 s, …).
    first, second = fake_portal.gaps()
    assert second > first * 1.5


def test_a_slow_portal_times_out_and_is_given_up(fake_portal):
    fake_portal.answer("service-results", Reply(PROVINCES, delay=1.5))
    with pytest.raises(PortalError) as caught:
        PortalClient().service_results(BODY)
    assert "did not answer within 0.5 seconds" in caught.value.reason
    assert "gave up after 3 tries" in caught.value.reason


def test_a_slow_answer_then_a_good_one_succeeds(fake_portal):
    fake_portal.answer("service-results", Reply(PROVINCES, delay=1.5), PROVINCES)
    assert PortalClient().service_results(BODY)["code"] == "OK"


def test_a_body_cut_off_is_retried_then_given_up(fake_portal):
    fake_portal.answer("service-results", Reply(PROVINCES, cut=True))
    with pytest.raises(PortalError) as caught:
        PortalClient().service_results(BODY)
    assert len(fake_portal.seen) == 3
    assert "cut off" in caught.value.reason or "not complete JSON" in caught.value.reason


def test_a_truncated_json_body_is_retried(fake_portal):
    text = json.dumps(PROVINCES).encode()
    fake_portal.answer("service-results", Reply(text[: len(text) // 3]), PROVINCES)
    assert PortalClient().service_results(BODY)["code"] == "OK"
    assert len(fake_portal.seen) == 2


def test_an_html_error_page_is_retried_and_named(fake_portal):
    fake_portal.answer("service-results", html_error(502, "502 Bad Gateway"))
    with pytest.raises(PortalError) as caught:
        PortalClient().service_results(BODY)
    assert "HTTP 502, a web page: “502 Bad Gateway”" in caught.value.reason


def test_an_html_page_with_200_is_not_data(fake_portal):
    fake_portal.answer("service-results", html_error(200, "Cổng Dịch vụ công quốc gia"))
    with pytest.raises(PortalError) as caught:
        PortalClient().service_results(BODY)
    assert len(fake_portal.seen) == 1  # not a busy portal: no retry
    assert "web page, not data" in caught.value.reason
    assert "Cổng Dịch vụ công quốc gia" in caught.value.reason


def test_a_changed_field_name_is_refused_naming_the_place(fake_portal):
    changed = copy.deepcopy(PROVINCES)
    for item in changed["data"]["evaluation"]:
        item["score"] = item.pop("totalScore")
    fake_portal.answer("service-results", changed)
    with pytest.raises(PortalError) as caught:
        PortalClient().service_results(BODY)
    assert len(fake_portal.seen) == 1
    assert "data.evaluation[0].totalScore is missing" in caught.value.reason


def test_a_renamed_list_and_a_refusal_are_refused(fake_portal):
    renamed = copy.deepcopy(PROVINCES)
    renamed["data"]["items"] = renamed["data"].pop("evaluation")
    fake_portal.answer("service-results", renamed)
    with pytest.raises(PortalError, match="data.evaluation is missing"):
        PortalClient().service_results(BODY)
    fake_portal.answer("service-results", {"code": "ERROR", "message": "Tham số không hợp lệ"})
    with pytest.raises(PortalError, match="answered “ERROR”: Tham số không hợp lệ"):
        PortalClient().service_results(BODY)


def test_a_full_page_is_refused_rather_than_read_in_part(fake_portal):
    fake_portal.answer("service-results", PROVINCES)
    with pytest.raises(PortalError, match="full page of 34 rows"):
        PortalClient().service_results({**BODY, "pageSize": 34})


def test_a_group_tree_is_checked(fake_portal):
    fake_portal.answer(
        "dvc-progress-tree",
        {
            "code": "OK",
            "data": {
                "children": [{"departmentId": "a", "score": 1, "children": [{"departmentId": "b"}]}]
            },
        },
    )
    with pytest.raises(PortalError, match=r"data.children\[0\].children\[0\].score"):
        PortalClient().group("dvc-progress-tree", BODY)


def test_the_pace_is_one_request_per_second_retries_included(fake_portal, settings):
    settings.PORTAL_MIN_INTERVAL_SECONDS = 1.0
    fake_portal.answer("service-results", Reply(b"", status=503), PROVINCES)
    client = PortalClient()
    client.service_results(BODY)
    client.service_results(BODY)
    PortalClient().service_results(BODY)  # another client of the same process: the same pace
    assert len(fake_portal.seen) == 4
    assert min(fake_portal.gaps()) >= 0.99


def test_without_an_address_and_a_contact_nothing_is_sent(fake_portal, settings):
    settings.PORTAL_CONTACT = ""
    with pytest.raises(PortalError, match="set PORTAL_BASE_URL and PORTAL_CONTACT"):
        PortalClient()
    assert fake_portal.seen == []


def test_the_proxy_setting_is_used(fake_portal, settings):
    # The fake portal stands in for the proxy: the request for another host arrives at it.
    settings.PORTAL_PROXY = fake_portal.url
    fake_portal.answer("service-results", PROVINCES)
    PortalClient(base_url="http://portal.invalid").service_results(BODY)
    assert [s.endpoint for s in fake_portal.seen] == ["service-results"]

"""The portal's own JSON as an upload: its responses and the sync's bundles, read by the one
pipeline (ingest.portal_json → ingest.parsers), and refused clearly when they are not such."""

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import parsers
from ingest.parsers import parse_table
from ingest.portal_json import BUNDLE_FORMAT, looks_like_json
from ingest.readers import MAX_FILE_BYTES

pytestmark = pytest.mark.usefixtures("english")

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "portal"
PROVINCES = SAMPLES / "provinces-2026-10-10.json"
GIA_LAI = SAMPLES / "gia-lai-children-2026-10-10-excerpt.json"


def _parse(document, name="portal.json"):
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    return parse_table(data, filename=name)


def _response(items, overview=None):
    data = {"evaluation": items}
    if overview is not None:
        data["overview"] = overview
    return {"code": "OK", "data": data, "message": "OK"}


def test_the_real_provinces_response_is_a_six_group_table():
    table = _parse(PROVINCES.read_bytes(), PROVINCES.name)
    assert table.ok and not table.warnings, [str(i) for i in table.issues]
    assert (table.kind, table.layout, table.source_format) == ("group", "six", "json")
    assert (table.scope_name, table.scope_code) == ("Cả nước", None)
    assert len(table.group_rows) == 34
    first = table.group_rows[0]
    raw = json.loads(PROVINCES.read_text())["data"]["evaluation"][0]
    assert (first.unit_code, first.unit_name) == (raw["departmentCode"], raw["departmentName"])
    assert first.official_total == Decimal(str(raw["totalScore"]))
    # The portal's API codes are the framework's groups: CLGQ is DVCTT, MDSH is SHHS.
    expected = {
        "CKMB": "CKMB",
        "TDGQ": "TDGQ",
        "DVCTT": "CLGQ",
        "TTTT": "TTTT",
        "SHHS": "MDSH",
        "MDHL": "MDHL",
    }
    assert first.groups == {
        ours: Decimal(str(raw["groupScores"][theirs])) for ours, theirs in expected.items()
    }


def test_the_real_children_response_is_a_table_of_totals():
    table = _parse(GIA_LAI.read_bytes(), GIA_LAI.name)
    assert table.ok and not table.warnings, [str(i) for i in table.issues]
    assert table.layout == "totals"
    assert (table.scope_name, table.scope_code) == ("UBND tỉnh Gia Lai", "H21")
    rows = table.group_rows
    assert [r.child_group for r in rows] == ["AGENCY", "COMMUNE", "COMMUNE", "COMMUNE", "COMMUNE"]
    assert all(r.groups == {} for r in rows)  # not given, never zero
    assert rows[1].unit_code == "H21.227" and rows[1].official_total == Decimal("75.34")


def test_a_bundle_joins_each_groups_endpoint_by_the_units_id():
    items = json.loads(GIA_LAI.read_text())["data"]["evaluation"][:2]
    ids = [i["departmentId"] for i in items]
    points = {"CKMB": [11, 12], "TDGQ": [17, 18], "CLGQ": [9, 9.5], "TTTT": [7, 0]}
    points |= {"MDSH": [9.5, 10], "MDHL": [14, 15.2]}
    for item, *_ in zip(items, ids, strict=True):
        del item["childGroup"]

    def tree(code):  # a tree endpoint: the province, its units as children
        children = [{"departmentId": i, "score": p} for i, p in zip(ids, points[code], strict=True)]
        return {
            "code": "OK",
            "data": {"children": [{"departmentId": "root", "children": children}]},
        }

    def flat(code):
        listed = [
            {"departmentId": i, "totalScore": p} for i, p in zip(ids, points[code], strict=True)
        ]
        return {"code": "OK", "data": {"evaluation": listed}}

    bundle = {
        "format": BUNDLE_FORMAT,
        "fetched_at": "2026-10-10T06:00:00+07:00",
        "request": {"timeType": "year", "year": 2026},
        "responses": {
            "service-results": _response(items),
            "transparency": flat("CKMB"),
            "dvc-progress-tree": tree("TDGQ"),
            "provide-online-tree": tree("CLGQ"),
            "formality-online-payment-tree": tree("TTTT"),
            "dossier-digitized": flat("MDSH"),
            "handling-satisfaction": flat("MDHL"),
        },
    }
    table = _parse(bundle, "bundle.json")
    assert table.layout == "six"
    assert table.group_rows[1].groups["TTTT"] == Decimal(0)
    assert table.group_rows[0].groups["SHHS"] == Decimal("9.5")
    # The groups are checked against the official total as in any group table.
    assert [i.code for i in table.warnings] == ["total_mismatch", "total_mismatch"]
    # A unit an endpoint leaves out has that group "no data", said at its item.
    bundle["responses"]["handling-satisfaction"]["data"]["evaluation"].pop()
    table = _parse(bundle, "bundle.json")
    assert table.group_rows[1].groups["MDHL"] is None
    blank = [i for i in table.warnings if i.code == "group_blank"]
    assert len(blank) == 1
    assert blank[0].message.startswith("bundle.json, item data.evaluation[1], field “MDHL”")


@pytest.mark.parametrize(
    ("document", "code", "says"),
    [
        (
            b'{"code": "OK", "data": {"evaluation": [{"departmentName": "X", "tot',
            "json_invalid",
            "line 1",
        ),
        ({"code": "ERROR", "message": "Too many requests"}, "portal_refused", "Too many requests"),
        ({"code": "OK", "data": {"items": []}}, "portal_shape", "data.evaluation"),
        ({"code": "OK", "data": []}, "portal_shape", "“data”"),
        (_response([{"departmentName": "X", "totalScore": 70}, 5]), "portal_shape", "[1]"),
        (
            _response([{"name": "X", "score": 70}]),
            "portal_field_missing",
            "data.evaluation[0] has no field “departmentCode / departmentName” (its fields: name, score)",
        ),
        (
            _response([{"departmentName": "X", "total": 70}]),
            "portal_field_missing",
            "no field “totalScore” (its fields: departmentName, total)",
        ),
        ({"format": "something-else/2", "responses": {}}, "portal_shape", "format"),
        (
            {"format": BUNDLE_FORMAT, "responses": {"service-results": _response([]), "x": {}}},
            "portal_shape",
            "responses.x",
        ),
        ({"format": BUNDLE_FORMAT, "responses": {}}, "portal_shape", "service-results"),
        ([1, 2], "portal_shape", "the whole file"),
    ],
)
def test_what_is_not_a_portal_response_is_refused_with_its_place(document, code, says):
    table = _parse(document)
    assert [i.code for i in table.errors] == [code]
    assert says in table.errors[0].message
    assert table.errors[0].fix


def test_a_bad_value_is_reported_at_its_item_and_field():
    table = _parse(
        _response(
            [
                {"departmentName": "A", "totalScore": "abc"},
                {"departmentName": "B", "totalScore": 101},
                {"departmentName": "C", "totalScore": None},
            ]
        )
    )
    assert [(i.code, i.message.split(":")[0]) for i in table.errors] == [
        ("not_a_number", "portal.json, item data.evaluation[0], field “totalScore”"),
        ("above_max", "portal.json, item data.evaluation[1], field “totalScore”"),
        ("no_values", "portal.json, item data.evaluation[2], field “departmentName”"),
    ]


def test_json_is_told_apart_from_a_csv_by_its_content():
    assert looks_like_json(b'\xef\xbb\xbf  \n{"code": "OK"}')
    assert not looks_like_json(b"Don vi;Tong diem\n")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["code", "data", "evaluation", "departmentName", "departmentCode", "totalScore"]
                + ["groupScores", "CKMB", "childGroup", "format", "responses", "overview", "x"]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_json)
def test_arbitrary_json_gives_issues_never_an_exception_nor_an_internal_error(document):
    table = _parse(json.dumps({"code": "OK", "data": document}).encode())
    assert "internal_error" not in {i.code for i in table.issues}
    table = _parse(json.dumps(document).encode())
    assert "internal_error" not in {i.code for i in table.issues}


def test_the_groups_are_mapped_by_the_framework_rows_not_by_constants():
    limits = parsers.builtin_limits()
    raw = json.loads(PROVINCES.read_text())["data"]["evaluation"][0]["groupScores"]
    # A framework whose rows call the online-services group "DVC" on the portal.
    renamed = dataclasses.replace(
        limits, group_codes={**limits.group_codes, "DVC": "DVCTT"} | {"CLGQ": "SHHS"}
    )
    body = json.loads(PROVINCES.read_text())
    for item in body["data"]["evaluation"]:
        item["groupScores"]["DVC"] = item["groupScores"].pop("CLGQ")
        item["groupScores"].pop("MDSH")
        item["groupScores"]["CLGQ"] = raw["MDSH"] if item is body["data"]["evaluation"][0] else 0
    table = parse_table(json.dumps(body).encode(), filename="p.json", limits=renamed)
    assert table.group_rows[0].groups["DVCTT"] == Decimal(str(raw["CLGQ"]))
    assert table.group_rows[0].groups["SHHS"] == Decimal(str(raw["MDSH"]))
    # With the framework in force, "DVC" is no group: refused, naming the codes it has.
    [error] = parse_table(json.dumps(body).encode(), filename="p.json").errors
    assert error.code == "portal_group_unknown"
    assert "“DVC”" in error.message and "CLGQ" in error.message and "MDSH" in error.message


def test_portal_defects_name_the_item_and_the_field():
    def error(name):
        [issue] = _parse((SAMPLES / name).read_bytes(), name).errors
        return issue.message

    total = json.loads((SAMPLES / "bad-number-text.json").read_text())["data"]["evaluation"][3]
    assert error("bad-number-text.json") == (
        f"bad-number-text.json, item data.evaluation[3], field “totalScore”: "
        f"“{total['totalScore']}” is written as text, in quotes; the portal gives numbers."
    )
    assert "item data.evaluation[0] has no field “totalScore” (its fields: " in error(
        "bad-field-renamed.json"
    )
    assert "total_score" in error("bad-field-renamed.json")
    partial = error("bad-bundle-partial.json")
    assert "“responses.handling-satisfaction” (group MDHL)" in partial
    assert "nested too deeply" in error("bad-nested.json")


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed():
    data = b'{"code": "OK", "data": {"evaluation": [' + b" " * MAX_FILE_BYTES + b"]}}"
    [issue] = _parse(data, "huge.json").errors
    assert issue.code == "file_too_large"
    assert "larger than 32 MB" in issue.message

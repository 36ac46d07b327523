"""The national portal's own JSON as a table: a saved response of its 766 results, or a bundle
of the responses one fetch needed (docs/FORMATS.md).

Pure: no Django, no database. The response's ranked units (`data.evaluation[]`) become the
rows of a Grid with the fields as headers, so the one pipeline checks them as it checks a
spreadsheet (ingest.parsers): the portal's code and name resolve the unit, `totalScore` is the
official total, `groupScores` (where given) are the groups, checked against it. Anything that
is not such a response is refused with a ReadError naming the place (`data.evaluation[3]`).
"""

from __future__ import annotations

import codecs
import json
import unicodedata
from collections.abc import Iterator, Mapping

from ingest.readers import MAX_FILE_BYTES, Grid, ReadError, grid_from_rows

BUNDLE_FORMAT = "scoreboard-portal-bundle/1"
RESULTS = "service-results"
# One fetch asks each group's endpoint apart; each answers one group's points per unit,
# keyed by the portal's unit id. The list is under `evaluation` or, as a tree, `children`.
GROUP_ENDPOINTS = {
    "transparency": "CKMB",
    "dvc-progress-tree": "TDGQ",
    "provide-online-tree": "CLGQ",
    "formality-online-payment-tree": "TTTT",
    "dossier-digitized": "MDSH",
    "handling-satisfaction": "MDHL",
}
# The headers of the rows the pipeline reads (aliases in ingest.parsers), in this order,
# then one column per group code the response gives (the portal's API codes).
CODE, NAME, TOTAL, CHILD_GROUP = "departmentCode", "departmentName", "totalScore", "childGroup"
# The portal ranks a province's departments (childGroup AGENCY) apart from its communes
# (COMMUNE): docs/DOMAIN.md §5.
AGENCY = "AGENCY"
ITEMS = "data.evaluation"
# The scope a response is about, as its `overview` names it: "Cả nước" is the country.
COUNTRY_NAMES = frozenset({"ca nuoc", "toan quoc", "viet nam"})


def looks_like_json(data: bytes) -> bool:
    """True when the bytes start (after a BOM and blanks) like a JSON object or list."""
    return data.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")[:1] in (b"{", b"[")


def read_portal_grid(data: bytes, *, group_codes: Mapping[str, str] | None = None) -> Grid:
    """Decode a portal response or bundle into a Grid: header row 0, then item i as row i.

    1. Parse the JSON (UTF-8, a BOM allowed); a broken, truncated or too deeply nested body
       is "json_invalid"; one over the upload limit is refused before it is parsed.
    2. A bundle's `responses` must hold `service-results`, and all the group endpoints or
       none; their points join its units by `departmentId`.
    3. The response must say `"code": "OK"` and hold a list `data.evaluation` of objects,
       each with a code or a name and a `totalScore`.
    4. Each item gives one row: code, name, total, the groups, childGroup. The groups are
       headed by the framework's codes: `group_codes` maps the portal's (CLGQ → DVCTT), from
       the framework rows (parsers.TableLimits); a code it lacks is refused. Values are
       passed on as they are: the pipeline's checks say what is wrong with a cell and where.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ReadError("upload_too_large", limit=MAX_FILE_BYTES // 1024**2)
    document = _parse(data)
    groups_by_id: dict[str, dict[str, object]] = {}
    if isinstance(document, dict) and "format" in document:
        document, groups_by_id = _unbundle(document)
    items, overview = _evaluation(document, where="")
    given_codes = _group_codes(items, groups_by_id)
    ours = _framework_codes(given_codes, group_codes)
    # "DVCTT (CLGQ)": the framework's group, and the field as the file names it (messages).
    groups = [ours[c] if ours[c] == c else f"{ours[c]} ({c})" for c in given_codes]
    header = [CODE, NAME, TOTAL, *groups, CHILD_GROUP]

    def rows() -> Iterator[tuple[int, list]]:
        yield 0, header
        for number, item in enumerate(items, start=1):
            given = item.get("groupScores")
            if given is not None and not isinstance(given, dict):
                raise ReadError("portal_shape", path=f"{ITEMS}[{number - 1}].groupScores")
            given = {**(given or {}), **groups_by_id.get(str(item.get("departmentId")), {})}
            yield (
                number,
                [
                    _cell(item.get(CODE)),
                    _cell(item.get(NAME)),
                    _cell(item.get(TOTAL)),
                    *(_cell(given.get(code)) for code in given_codes),
                    _cell(item.get(CHILD_GROUP)),
                ],
            )

    grid = grid_from_rows(rows(), format="json")
    grid.scope_name = _cell(overview.get(NAME)) if overview else None
    grid.scope_code = _cell(overview.get(CODE)) if overview else None
    return grid


def _parse(data: bytes) -> object:
    try:
        return json.loads(data.removeprefix(codecs.BOM_UTF8))
    except UnicodeDecodeError as exc:
        raise ReadError("json_invalid", detail="not UTF-8 text", row=None) from exc
    except json.JSONDecodeError as exc:
        detail = f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
        raise ReadError("json_invalid", detail=detail) from exc
    except RecursionError as exc:  # "[[[[…" a hundred thousand deep: no response is
        raise ReadError("json_invalid", detail="nested too deeply") from exc


def _unbundle(bundle: dict) -> tuple[object, dict[str, dict[str, object]]]:
    """The service-results response of a bundle, and each unit's group points by its id."""
    if bundle.get("format") != BUNDLE_FORMAT:
        raise ReadError("portal_shape", path="format")
    responses = bundle.get("responses")
    if not isinstance(responses, dict) or RESULTS not in responses:
        raise ReadError("portal_shape", path=f"responses.{RESULTS}")
    unknown = sorted(set(responses) - {RESULTS, *GROUP_ENDPOINTS})
    if unknown:
        raise ReadError("portal_shape", path=f"responses.{unknown[0]}")
    given = [endpoint for endpoint in GROUP_ENDPOINTS if endpoint in responses]
    if given and len(given) < len(GROUP_ENDPOINTS):
        # A group missing for every unit would rank them all on a total without it.
        missing = next(endpoint for endpoint in GROUP_ENDPOINTS if endpoint not in responses)
        raise ReadError(
            "portal_bundle_partial",
            path=f"responses.{missing}",
            group=GROUP_ENDPOINTS[missing],
        )
    points: dict[str, dict[str, object]] = {}
    for endpoint, code in GROUP_ENDPOINTS.items():
        if endpoint in responses:
            for unit_id, score in _group_points(responses[endpoint], endpoint):
                points.setdefault(unit_id, {})[code] = score
    return responses[RESULTS], points


def _group_points(response: object, endpoint: str) -> Iterator[tuple[str, object]]:
    """(departmentId, points) of one group endpoint's answer, a list or a tree of units."""
    where = f"responses.{endpoint}"
    data = _ok_data(response, where)
    nodes = data.get("evaluation", data.get("children"))
    if not isinstance(nodes, list):
        raise ReadError("portal_shape", path=f"{where}.data.evaluation")
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        if not isinstance(node, dict) or "departmentId" not in node:
            raise ReadError("portal_shape", path=f"{where}.data")
        score = node.get("score", node.get("totalScore"))
        yield str(node["departmentId"]), score
        children = node.get("children") or []
        if not isinstance(children, list):
            raise ReadError("portal_shape", path=f"{where}.data.children")
        stack.extend(reversed(children))


def _ok_data(response: object, where: str) -> dict:
    if not isinstance(response, dict):
        raise ReadError("portal_shape", path=where or "(the whole file)")
    if "code" in response and response["code"] != "OK":
        raise ReadError(
            "portal_refused", answer=str(response["code"]), detail=str(response.get("message", ""))
        )
    data = response.get("data")
    if not isinstance(data, dict):
        raise ReadError("portal_shape", path=f"{where}.data" if where else "data")
    return data


def _evaluation(response: object, *, where: str) -> tuple[list[dict], dict | None]:
    data = _ok_data(response, where)
    items = data.get("evaluation")
    if not isinstance(items, list):
        raise ReadError("portal_shape", path=ITEMS)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ReadError("portal_shape", path=f"{ITEMS}[{index}]")
        # A field the portal renamed: say which one is expected, and what the item has.
        if not ({CODE, NAME} & item.keys()):
            missing = f"{CODE} / {NAME}"
        elif TOTAL not in item:
            missing = TOTAL
        else:
            continue
        raise ReadError(
            "portal_field_missing",
            path=f"{ITEMS}[{index}]",
            field=missing,
            given=", ".join(sorted(map(str, item))) or "—",
        )
    overview = data.get("overview")
    return items, overview if isinstance(overview, dict) else None


def _group_codes(items: list[dict], groups_by_id: dict[str, dict[str, object]]) -> list[str]:
    """The group codes given anywhere, in the order first met."""
    codes: dict[str, None] = {}
    for item in items:
        given = item.get("groupScores")
        if isinstance(given, dict):
            codes.update(dict.fromkeys(given))
    for points in groups_by_id.values():
        codes.update(dict.fromkeys(points))
    return list(codes)


def _framework_codes(given: list[str], group_codes: Mapping[str, str] | None) -> dict[str, str]:
    """Each group code the file gives → the framework's code for it; a code the framework
    does not know is refused, naming the ones it does."""
    if group_codes is None:
        return {code: code for code in given}
    ours = {}
    for code in given:
        key = str(code).strip().upper()
        if key not in group_codes:
            raise ReadError(
                "portal_group_unknown",
                path=f"{ITEMS}[].groupScores",
                field=str(code),
                expected=", ".join(sorted(group_codes)),
            )
        ours[code] = group_codes[key]
    return ours


def _cell(value: object) -> object:
    """A JSON value as a cell: text normalised as a spreadsheet's is, lists and objects kept
    as their JSON text so the checks can quote them."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list | dict):
        try:
            return json.dumps(value, ensure_ascii=False)
        except RecursionError:
            return "[…]"
    return value

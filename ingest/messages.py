"""The one catalogue of what an upload's checks tell the user, and where they say it.

Every check of the pipeline (decoding, header, cells, units) reports a failure as a code,
a place and the values its message needs; the words are here, once. A message starts with
where the problem is (file, sheet, row, column), then says what is wrong; its fix says what
to do. Both are translated (Vietnamese first) when the issue is built, so they are built
only for the failures that are reported, never for the cells that pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from enum import StrEnum
from typing import Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

Severity = Literal["error", "warning"]
MAX_ISSUES = 500  # per severity; more are summarised by one "too_many_issues"


@dataclass(frozen=True, slots=True)
class CellRef:
    """Where a problem is, as the user sees it in Excel: 1-based row, header text, letter."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None  # the header text as found in the file
    letter: str | None = None  # the spreadsheet column letter, "D"
    items: str | None = None  # a JSON file: the list whose item `row` (1-based) is


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem: a stable code, a translated message and fix, and where it is."""

    code: str
    message: str
    ref: CellRef | None
    value: str | None
    fix: str
    severity: Severity

    def __str__(self) -> str:
        return f"{self.message} {self.fix}"


_E, _W = "error", "warning"
_NUMBER_FIX = gettext_lazy("Type a number such as 19,2 or 19.2, without letters, units or “%%”.")
_COUNT_FIX = gettext_lazy(
    "Type a whole number such as 5105 (5.105 and 5,105 are both read as 5105)."
)
_UNIT_COLUMN_FIX = gettext_lazy(
    "Add a column headed “Đơn vị” (unit name) or “Mã đơn vị” (unit code)."
)
_MISSING = gettext_lazy("%(where)s: the required column “%(column)s” is missing.")
_NOT_A_NUMBER = gettext_lazy("%(where)s: “%(value)s” is not a number.")
_NOT_A_UNIT = gettext_lazy("%(where)s: “%(value)s” is not a unit of %(scope)s on %(date)s.")
_AGAIN = gettext_lazy("%(where)s: “%(value)s” appears again (first in row %(first_row)s).")
_INDICATOR_AGAIN = gettext_lazy(
    "%(where)s: indicator %(indicator)s of “%(unit)s” appears again (first in row %(first_row)s)."
)
_UPLOAD_AS = gettext_lazy(
    "Upload the table as an Excel workbook (.xlsx, .xls), an OpenDocument spreadsheet (.ods) or "
    "a CSV file; a table saved as a web page must be opened in Excel and saved as .xlsx first."
)
_EMPTY = (
    gettext_lazy("%(where)s: the file is empty."),
    gettext_lazy("Export the table again and check it has a header row and one row per unit."),
)
_ABOVE_MAX = (
    gettext_lazy("%(where)s: %(value)s is above the maximum of %(max)s points for %(group)s."),
    gettext_lazy("Check the value against the portal: %(group)s is out of %(max)s points."),
)

# key → (severity, message, fix). A key "code.variant" is reported as "code": one code may be
# worded for its case (a date cell, a count column, a file that names its kind).
CATALOGUE: dict[str, tuple[Severity, object, object]] = {
    # Decoding
    "empty_file": (_E, *_EMPTY),
    "password_protected": (
        _E,
        gettext_lazy("%(where)s: the file is password-protected, so it cannot be read."),
        gettext_lazy(
            "Remove the password in Excel: File → Info → Protect Workbook → Encrypt with "
            "Password, clear the password, save, and upload the file again."
        ),
    ),
    "sheet_not_found": (
        _E,
        gettext_lazy(
            "%(where)s: there is no sheet named “%(sheet)s”; the workbook has %(sheets)s."
        ),
        gettext_lazy(
            "Pick one of the sheets listed, or leave the sheet blank to read the first one."
        ),
    ),
    "file_too_large": (
        _E,
        gettext_lazy("%(where)s: the workbook unpacks to more than %(limit)s MB."),
        gettext_lazy(
            "Keep only the sheet with the table (delete other sheets, images) and save again."
        ),
    ),
    "file_too_large.upload": (
        _E,
        gettext_lazy("%(where)s: the file is larger than %(limit)s MB."),
        gettext_lazy(
            "Keep only the table (one sheet, no images) and save it again, or save it as CSV."
        ),
    ),
    "file_too_large.zip_bomb": (
        _E,
        gettext_lazy(
            "%(where)s: a part of the workbook unpacks to %(ratio)s times its packed size."
        ),
        gettext_lazy(
            "Open the file in Excel, copy the table into a new workbook and upload that one."
        ),
    ),
    "too_many_rows": (
        _E,
        gettext_lazy("%(where)s: the table has more than %(limit)s rows."),
        gettext_lazy(
            "A national table has about 70,000 rows (3,321 communes × 21 indicators): "
            "remove the empty or repeated rows below the table, or split the file."
        ),
    ),
    "too_many_rows.cells": (
        _E,
        gettext_lazy("%(where)s: the table has more than %(limit)s cells."),
        gettext_lazy(
            "Delete the columns and rows that are not part of the table, then save again."
        ),
    ),
    "corrupt_file": (
        _E,
        gettext_lazy(
            "%(where)s: the file is damaged or in a format that cannot be read (%(detail)s)."
        ),
        gettext_lazy(
            "Open it in Excel or LibreOffice, save it again as .xlsx, and upload that file."
        ),
    ),
    "json_invalid": (
        _E,
        gettext_lazy("%(where)s: the file starts like JSON but is not valid JSON (%(detail)s)."),
        gettext_lazy(
            "Save the portal's response again in full (a copy cut off while it downloaded "
            "ends early), or upload the table as .xlsx or .csv."
        ),
    ),
    "portal_shape": (
        _E,
        gettext_lazy(
            "%(where)s: this JSON is not a response of the portal's 766 results: “%(path)s” "
            "is missing or not what the portal sends."
        ),
        gettext_lazy(
            "Upload the portal's response to “service-results” as it was saved (an object "
            "with data.evaluation, one item per unit), or a bundle of the portal sync "
            "(docs/FORMATS.md)."
        ),
    ),
    "portal_field_missing": (
        _E,
        gettext_lazy(
            "%(where)s: item %(path)s has no field “%(field)s” (its fields: %(given)s); the "
            "portal's results give it for every unit."
        ),
        gettext_lazy(
            "Upload the portal's response as it was saved. If the portal has renamed the "
            "field, tell the administrators: the reader expects the portal's names."
        ),
    ),
    "portal_group_unknown": (
        _E,
        gettext_lazy(
            "%(where)s: %(path)s gives the group “%(field)s”, which the framework in force "
            "does not have (its codes: %(expected)s)."
        ),
        gettext_lazy(
            "Check the response against the portal. If the portal has added or renamed a "
            "group, tell the administrators: the framework's groups decide what is read."
        ),
    ),
    "portal_bundle_partial": (
        _E,
        gettext_lazy(
            "%(where)s: the bundle has the responses of other groups but not “%(path)s” "
            "(group %(group)s), so every unit would lack that group."
        ),
        gettext_lazy(
            "Fetch the bundle again until every group's endpoint has answered, then upload it."
        ),
    ),
    "portal_refused": (
        _E,
        gettext_lazy(
            "%(where)s: the portal answered “%(answer)s” instead of results (%(detail)s)."
        ),
        gettext_lazy(
            "Fetch the results again once the portal answers “OK”, and upload that response."
        ),
    ),
    "not_spreadsheet": (
        _E,
        gettext_lazy("%(where)s: this is not a spreadsheet or a CSV text file."),
        _UPLOAD_AS,
    ),
    "not_spreadsheet.kind": (
        _E,
        gettext_lazy("%(where)s: this is not a spreadsheet: it looks like %(kind)s."),
        _UPLOAD_AS,
    ),
    "internal_error": (
        _E,
        gettext_lazy("%(where)s: the file could not be processed because of an internal error."),
        gettext_lazy("Report this to the site administrators and attach the file."),
    ),
    "too_many_issues": (
        _E,
        gettext_lazy("%(where)s: %(count)s more problems are not listed."),
        gettext_lazy("Fix the problems listed, then upload the file again."),
    ),
    # Header
    "header_not_found": (
        _E,
        gettext_lazy("%(where)s: no header row found in the first %(count)s rows."),
        gettext_lazy(
            "Put a header row above the data: “Đơn vị” and the group columns (e.g. "
            "“Công khai, minh bạch (18 điểm)” or CKMB, TDGQ, DVCTT, TTTT, SHHS, MDHL) for a "
            "group table; “Đơn vị”, “Chỉ tiêu”, “Tử số”, “Mẫu số” for an indicator table."
        ),
    ),
    "column_ignored": (
        _W,
        gettext_lazy("%(where)s: this column is not recognised and is ignored."),
        gettext_lazy("Nothing to do if the column is not needed; otherwise rename it."),
    ),
    "duplicate_column": (
        _E,
        gettext_lazy(
            "%(where)s: this column holds the same data as column %(first)s “%(header)s”."
        ),
        gettext_lazy("Delete or rename one of the two columns."),
    ),
    "missing_column": (_E, _MISSING, _UNIT_COLUMN_FIX),
    "missing_column.indicator": (
        _E,
        _MISSING,
        gettext_lazy("Add a column headed “Chỉ tiêu” with the indicator id (%(ids)s)."),
    ),
    "missing_column.numerator": (
        _E,
        _MISSING,
        gettext_lazy("Add a column headed “Tử số” (numerator)."),
    ),
    "missing_column.denominator": (
        _E,
        _MISSING,
        gettext_lazy("Add a column headed “Mẫu số” (denominator)."),
    ),
    "missing_group_columns": (
        _E,
        gettext_lazy("%(where)s: no group columns and no total found."),
        gettext_lazy(
            "Head the group columns with their names, e.g. “Công khai, minh bạch (18 điểm)”, "
            "or with the codes CKMB, TDGQ, DVCTT (CLGQ), TTTT, SHHS (MDSH), MDHL; a table of "
            "totals alone needs a column “Tổng điểm”."
        ),
    ),
    "missing_group_column": (
        _E,
        gettext_lazy("%(where)s: the group table has no column for %(groups)s."),
        gettext_lazy(
            "Add the missing column(s) with the points the portal shows (%(names)s): a "
            "group left out would rank every unit on a wrong total."
        ),
    ),
    "mixed_group_columns": (
        _E,
        gettext_lazy(
            "%(where)s: the five-group column is mixed with the six-group column(s) %(six)s."
        ),
        gettext_lazy(
            "Use either “%(combined)s” (%(combined_max)s points) or the columns %(split)s, "
            "not both."
        ),
    ),
    "no_data_rows": (
        _E,
        gettext_lazy("%(where)s: the table has a header row but no unit rows."),
        gettext_lazy("Add one row per unit below the header row."),
    ),
    # Rows and cells
    "note_row_skipped": (
        _W,
        gettext_lazy("%(where)s: “%(value)s” has no numbers and was skipped as a note or heading."),
        gettext_lazy(
            "Nothing to do if it is a note or a heading; if it is a unit, enter its values."
        ),
    ),
    "summary_row_skipped": (
        _W,
        gettext_lazy(
            "%(where)s: “%(value)s” looks like a summary row, not a unit, and was skipped."
        ),
        gettext_lazy("Nothing to do; summaries are recomputed from the unit rows."),
    ),
    "missing_unit": (
        _E,
        gettext_lazy("%(where)s: the row has numbers but no unit name or code."),
        gettext_lazy("Fill in “Đơn vị” or “Mã đơn vị”, or delete the row."),
    ),
    "no_values": (
        _E,
        gettext_lazy("%(where)s: “%(value)s” has no group values."),
        gettext_lazy("Enter the group points from the portal, or delete the row."),
    ),
    "not_a_number": (_E, _NOT_A_NUMBER, _NUMBER_FIX),
    "not_a_number.count": (_E, _NOT_A_NUMBER, _COUNT_FIX),
    "number_as_text": (
        _E,
        gettext_lazy(
            "%(where)s: “%(value)s” is written as text, in quotes; the portal gives numbers."
        ),
        gettext_lazy(
            "Upload the portal's response as it was saved, not edited: the portal writes "
            "92.05 without quotes (and a quoted “92,05” leaves the decimal mark a guess)."
        ),
    ),
    "not_a_number.date": (
        _E,
        gettext_lazy("%(where)s: “%(value)s” is a date, not a number."),
        gettext_lazy(
            "Excel turned the number into a date: format the column as Number (or Text) "
            "and type the value again."
        ),
    ),
    "negative_value": (
        _E,
        gettext_lazy("%(where)s: %(value)s is negative."),
        gettext_lazy("Points and counts cannot be negative: correct the value."),
    ),
    "above_max": (_E, *_ABOVE_MAX),
    "group_blank": (
        _W,
        gettext_lazy(
            "%(where)s: no value for %(group)s of “%(unit)s”; it is kept as “no data”, not zero."
        ),
        gettext_lazy("Leave it blank if the portal shows no data; type 0 for a real zero."),
    ),
    "total_mismatch": (
        _W,
        gettext_lazy(
            "%(where)s: the groups of “%(unit)s” add up to %(sum)s but the official "
            "total is %(total)s (difference %(diff)s)."
        ),
        gettext_lazy(
            "Both figures are kept side by side; check the total against the portal "
            "if the difference is more than rounding."
        ),
    ),
    "unknown_band": (
        _W,
        gettext_lazy("%(where)s: “%(value)s” is not a known classification."),
        gettext_lazy(
            "Use %(bands)s, or leave it blank; the classification is recomputed from the "
            "total anyway."
        ),
    ),
    "duplicate_unit": (
        _E,
        _AGAIN,
        gettext_lazy(
            "Keep one row per unit: delete or merge the duplicate. If two units share "
            "this name, add the “Mã đơn vị” column with their codes."
        ),
    ),
    "duplicate_unit.code": (
        _E,
        _AGAIN,
        gettext_lazy("Keep one row per unit: delete or merge the duplicate."),
    ),
    "duplicate_indicator": (
        _E,
        _INDICATOR_AGAIN,
        gettext_lazy(
            "Keep one row per unit and indicator: delete or merge the duplicate. If two "
            "units share this name (a national table often has such), add the “Mã đơn vị” "
            "column with their codes."
        ),
    ),
    "duplicate_indicator.code": (
        _E,
        _INDICATOR_AGAIN,
        gettext_lazy("Keep one row per unit and indicator: delete or merge the duplicate."),
    ),
    "unknown_indicator": (
        _E,
        gettext_lazy("%(where)s: “%(value)s” is not a known indicator id."),
        gettext_lazy("Use one of: %(known)s."),
    ),
    "missing_indicator": (
        _E,
        gettext_lazy("%(where)s: the row of “%(unit)s” has no indicator id."),
        gettext_lazy("Fill in “Chỉ tiêu” with the indicator id (%(ids)s), or delete the row."),
    ),
    "numerator_exceeds_denominator": (
        _E,
        gettext_lazy(
            "%(where)s: the numerator %(numerator)s is larger than the denominator %(denominator)s."
        ),
        gettext_lazy(
            "Check both counts against the portal: the numerator counts part of the denominator."
        ),
    ),
    "missing_numerator": (
        _E,
        gettext_lazy("%(where)s: the denominator is filled in but the numerator is blank."),
        gettext_lazy("Fill in “Tử số”, or clear both counts if there is no data."),
    ),
    "missing_denominator": (
        _E,
        gettext_lazy("%(where)s: the numerator is filled in but the denominator is blank."),
        gettext_lazy("Fill in “Mẫu số”, or clear both counts if there is no data."),
    ),
    "indicator_no_data": (
        _W,
        gettext_lazy(
            "%(where)s: indicator %(indicator)s of “%(unit)s” has no counts and no score; "
            "it is kept as “no data”."
        ),
        gettext_lazy(
            "Nothing to do if the portal shows no data; otherwise fill in “Tử số” and “Mẫu số”."
        ),
    ),
    # The registry (ingest.validation)
    "no_framework": (
        _E,
        gettext_lazy("%(where)s: no version of the 766 framework is valid on %(date)s."),
        gettext_lazy("Check the as-of date of the upload."),
    ),
    "scope_mismatch": (
        _E,
        gettext_lazy(
            "%(where)s: the file is the portal's table of “%(named)s”, but this upload is "
            "for %(scope)s."
        ),
        gettext_lazy("Upload it for the scope it names, or upload the table of %(scope)s."),
    ),
    "no_rows": (
        _E,
        gettext_lazy("%(where)s: the file has no data rows."),
        gettext_lazy("Export the table again with its rows."),
    ),
    "unknown_unit": (
        _E,
        _NOT_A_UNIT,
        gettext_lazy("Check the spelling, the scope and the as-of date of the upload."),
    ),
    "unknown_unit.candidates": (_E, _NOT_A_UNIT, gettext_lazy("Did you mean: %(candidates)s?")),
    "portal_code_clash": (
        _E,
        gettext_lazy("%(where)s: the code “%(value)s” is already the portal code of %(unit)s."),
        gettext_lazy(
            "Check the row's code against the portal: one code names one unit. If the "
            "portal moved the code, ask the administrators to correct the registry."
        ),
    ),
    "unknown_department": (
        _E,
        gettext_lazy(
            "%(where)s: “%(value)s” looks like a department of %(scope)s not yet registered."
        ),
        gettext_lazy(
            "A data admin registers the file's departments from the upload page (“Register "
            "the departments”) or with manage.py ingest … --register-departments."
        ),
    ),
    "ambiguous_unit": (
        _E,
        gettext_lazy("%(where)s: “%(value)s” names several units of %(scope)s: %(candidates)s."),
        gettext_lazy("Add the unit code (column “Mã đơn vị”) or write the name in full."),
    ),
    "duplicate_unit.registry": (
        _E,
        gettext_lazy("%(where)s: “%(value)s” is %(unit)s, already given in row %(first)s."),
        gettext_lazy("Keep one row per unit (and indicator); delete or correct the other."),
    ),
    "missing_units": (
        _E,
        gettext_lazy(
            "%(where)s: %(count)s unit(s) of %(scope)s are missing from the file: "
            "%(names)s%(more)s."
        ),
        gettext_lazy(
            "Every unit of the peer set must be in the file, or its rank out of n would be "
            "wrong: add the missing rows."
        ),
    ),
    "indicators_missing": (
        _W,
        gettext_lazy(
            "%(where)s: %(count)s unit(s) lack some of the %(total)s indicators; those "
            "indicators count as “no data”."
        ),
        gettext_lazy("Add the missing indicator rows if the portal shows them."),
    ),
}


# The stable codes of everything reported (tests and services match on these).
IssueCode = StrEnum(
    "IssueCode", {key.partition(".")[0].upper(): key.partition(".")[0] for key in CATALOGUE}
)


def where(ref: CellRef) -> str:
    """The place of a problem, as a message starts: file, sheet, row, column."""
    parts = [ref.file]
    if ref.items and ref.row:
        # A JSON file has items and fields, not rows and lettered columns.
        parts.append(_("item %(path)s") % {"path": f"{ref.items}[{ref.row - 1}]"})
        if ref.column is not None:
            parts.append(_("field “%(field)s”") % {"field": ref.column})
        return ", ".join(parts)
    if ref.sheet:
        parts.append(_("sheet “%(sheet)s”") % {"sheet": ref.sheet})
    if ref.row:
        parts.append(_("row %(row)s") % {"row": ref.row})
    # A column of the file has its letter; the registry's "Unit" is no column of the file,
    # and the row already says where the unit is.
    if ref.column is not None and ref.letter:
        parts.append(
            _("column %(letter)s “%(column)s”") % {"letter": ref.letter, "column": ref.column}
        )
    return ", ".join(parts)


def display(value: object, limit: int = 80) -> str:
    """A cell as the user would recognise it in a message."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        value = round(value, 4)
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def issue(key: str, ref: CellRef, value: object = None, **params: object) -> Issue:
    """Build the issue of catalogue entry `key` at `ref`, in the active language."""
    severity, message, fix = CATALOGUE[key]
    shown = None if value is None else display(value)
    params = {"where": where(ref), "value": shown, **params}
    return Issue(
        code=key.partition(".")[0],
        message=str(message) % params,
        ref=ref,
        value=shown,
        fix=str(fix) % params,
        severity=severity,
    )


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed check, before it is worded: what the catalogue needs to build its issue."""

    key: str
    row: int | None  # None: the file or its header as a whole
    column: int | None  # position of the column in the grid, for the reference
    value: object = None
    params: tuple[tuple[str, object], ...] = ()


def report(
    failures: list[Failure],
    *,
    ref,
    max_issues: int = MAX_ISSUES,
) -> tuple[list[Issue], list[Issue]]:
    """Word the failures (errors, warnings) in the order of the file, at most `max_issues`
    of each severity and one "too_many_issues" for the rest. `ref(row, column)` places one."""
    ordered = sorted(failures, key=lambda f: (f.row or 0, -1 if f.column is None else f.column))
    out: dict[str, list[Issue]] = {_E: [], _W: []}
    dropped = {_E: 0, _W: 0}
    for failure in ordered:
        severity = CATALOGUE[failure.key][0]
        if len(out[severity]) >= max_issues:
            dropped[severity] += 1
            continue
        out[severity].append(
            issue(
                failure.key, ref(failure.row, failure.column), failure.value, **dict(failure.params)
            )
        )
    for severity, count in dropped.items():
        if count:
            found = issue("too_many_issues", ref(None, None), count=count)
            out[severity].append(replace(found, severity=severity))
    return out[_E], out[_W]

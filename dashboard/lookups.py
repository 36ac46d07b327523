"""The look-ups of a page and of its download, written once so both answer bad input alike.

A page and the file it exports read the same ?snapshot= and the same unit id: a number
that is not one is a 400 with a sentence naming the parameter, a snapshot or unit that does
not exist or may not be read is a 404 (existence is private, `accounts.access.require`).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import BadRequest
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.access import access_for, require
from dashboard.exports import CSV_DIALECTS, EXCEL_VI, CsvDialect
from dashboard.pages import VISIBLE_STATUSES
from indicators.models import Snapshot
from indicators.selectors import snapshot_latest_holding, snapshot_latest_published
from units.models import AdministrativeUnit

# Enough ancestors for `Access._in_subtree` to walk without a query per level.
WITH_ANCESTORS = "parent__parent__parent__parent"
MAX_ID_DIGITS = 18  # beyond a 64-bit id: a typo, not a row


def int_param(request: HttpRequest, name: str) -> int | None:
    """Read a whole-number query parameter (None when absent); 400 with a sentence otherwise."""
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > MAX_ID_DIGITS:
        raise BadRequest(
            _("The parameter “%(name)s” must be a whole number, not “%(value)s”.")
            % {"name": name, "value": value[:40]}
        )
    return int(value)


def csv_dialect(request: HttpRequest) -> CsvDialect:
    """Read ?dialect= (excel, the default, or plain); 400 with a sentence otherwise."""
    code = request.GET.get("dialect", "").strip() or EXCEL_VI.code
    if code not in CSV_DIALECTS:
        raise BadRequest(
            _("The parameter “dialect” must be “excel” or “plain”, not “%(value)s”.")
            % {"value": code[:40]}
        )
    return CSV_DIALECTS[code]


def readable_unit(request: HttpRequest, pk: int) -> AdministrativeUnit:
    """Return a unit whose breakdown the viewer may read; 404 otherwise."""
    unit = get_object_or_404(AdministrativeUnit.objects.select_related(WITH_ANCESTORS), pk=pk)
    require(access_for(request).can_read_unit(unit))
    return unit


def readable_units(request: HttpRequest, pks: list[int]) -> list[AdministrativeUnit]:
    """Return several readable units in the order asked, in one query; 404 if one is not."""
    found = AdministrativeUnit.objects.select_related(WITH_ANCESTORS).in_bulk(pks)
    access = access_for(request)
    require(len(found) == len(set(pks)) and all(access.can_read_unit(u) for u in found.values()))
    return [found[pk] for pk in pks]


def scope_unit(pk: int) -> AdministrativeUnit:
    """Return a leaderboard's scope (which rows are shown is the access hooks' business)."""
    return get_object_or_404(AdministrativeUnit.objects.select_related(WITH_ANCESTORS), pk=pk)


def latest_snapshot(
    scope: AdministrativeUnit | None, *, as_of: datetime.date | None = None
) -> Snapshot | None:
    """Return scope's latest published snapshot (on or before as_of), or None."""
    return snapshot_latest_published(scope=scope, as_of=as_of) if scope is not None else None


def latest_snapshot_holding(
    scope: AdministrativeUnit | None, *, as_of: datetime.date | None = None
) -> Snapshot | None:
    """Return the latest published snapshot ranking scope's children, whatever its scope."""
    return snapshot_latest_holding(unit=scope, as_of=as_of) if scope is not None else None


def requested_snapshot(request: HttpRequest, scope: AdministrativeUnit | None) -> Snapshot | None:
    """Return ?snapshot= (published or superseded, of scope if given), else scope's latest.

    404 when the id names no such snapshot; None when nothing is asked and scope has none.
    """
    pk = int_param(request, "snapshot")
    if pk is None:
        return latest_snapshot(scope)
    snapshots = Snapshot.objects.select_related("framework", f"scope__{WITH_ANCESTORS}").filter(
        status__in=VISIBLE_STATUSES
    )
    if scope is not None:
        snapshots = snapshots.filter(scope=scope)
    return get_object_or_404(snapshots, pk=pk)

"""Helpers that build snapshots with scores through the services, for the indicator tests.

snapshot = make_snapshot(scope=province, as_of=date(2025, 5, 20))
load_groups(snapshot, {unit: ({"CKMB": 18, ...}, Decimal("92"))})
"""

import datetime
from decimal import Decimal

from indicators.services import (
    GroupInput,
    IndicatorInput,
    snapshot_create_draft,
    snapshot_load_group_rows,
    snapshot_load_indicator_rows,
)

SIX_GROUPS = ("CKMB", "TDGQ", "DVCTT", "TTTT", "SHHS", "MDHL")
GROUP_MAX = {"CKMB": 18, "TDGQ": 20, "DVCTT": 12, "TTTT": 10, "SHHS": 22, "MDHL": 18}
INDICATOR_MAX = {
    "1.1": 6, "1.2": 4, "1.3": 2, "1.4": 6, "2.1": 20, "3.1": 2, "3.2": 4, "3.3": 6,
    "3.5a": 2, "3.5b": 2, "3.6": 6, "4.1": 6, "4.2": 4, "4.3": 2, "4.4": 4, "4.5a": 2,
    "4.5b": 2, "4.6": 2, "5.2": 6, "5.3": 6, "5.4": 6,
}  # fmt: skip


def make_snapshot(*, scope, as_of=datetime.date(2025, 5, 20), period="ytd", **kwargs):
    return snapshot_create_draft(
        scope=scope, as_of=as_of, period=period, period_year=as_of.year, **kwargs
    )


def load_groups(snapshot, figures):
    """figures: {unit: (groups dict, official total or None)}."""
    rows = [
        GroupInput(
            unit_id=unit.pk,
            groups={code: None if v is None else Decimal(str(v)) for code, v in groups.items()},
            official_total=None if total is None else Decimal(str(total)),
        )
        for unit, (groups, total) in figures.items()
    ]
    return snapshot_load_group_rows(snapshot=snapshot, rows=rows)


def load_totals(snapshot, totals):
    """Load official totals only: {unit: total}."""
    return load_groups(snapshot, {unit: ({}, total) for unit, total in totals.items()})


def load_indicators(snapshot, values):
    """values: {(unit, "2.1"): (numerator, denominator)}."""
    rows = [
        IndicatorInput(unit_id=unit.pk, indicator_code=code, numerator=num, denominator=den)
        for (unit, code), (num, den) in values.items()
    ]
    return snapshot_load_indicator_rows(snapshot=snapshot, rows=rows)


def full_marks(unit):
    """Every indicator of a unit at 1/1."""
    return {(unit, code): (1, 1) for code in INDICATOR_MAX}

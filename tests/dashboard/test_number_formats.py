"""The dashboard's number filters: what Django's localized formatting gives, only faster."""

from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.formats import number_format
from hypothesis import given
from hypothesis import strategies as st

from dashboard.templatetags.scores import MISSING, point_changes, points

FIGURES = st.decimals(min_value=-100_000, max_value=100_000, places=4, allow_nan=False)


@pytest.mark.parametrize("language", ["vi", "en"])
@given(value=FIGURES, places=st.integers(0, 3))
def test_points_reads_as_number_format(language, value, places):
    with translation.override(language):
        assert points(value, places) == number_format(value, decimal_pos=places, use_l10n=True)


def test_points_in_each_language():
    with translation.override("vi"):
        assert (points(Decimal("92.05")), points(Decimal("-0.5")), points(None)) == (
            "92,05",
            "-0,50",
            MISSING,
        )
    with translation.override("en"):
        assert points(Decimal("92.05")) == "92.05"


def test_point_changes_reads_before_and_after_per_group():
    changes = {"CKMB": (Decimal("17"), Decimal("18.00")), "TDGQ": (None, Decimal("19.2"))}
    with translation.override("vi"):
        assert point_changes(changes) == "CKMB 17,00→18,00, TDGQ —→19,20"
    assert point_changes({}) == ""

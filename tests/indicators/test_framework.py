"""Framework "766-2022" as data: what the data migration loads, and the loader's checks."""

import copy
import datetime
from decimal import Decimal

import pytest

from indicators.frameworks import load_framework, read_framework, validate_framework
from indicators.models import Band, Framework, Indicator, IndicatorGroup


def test_groups_and_their_maxima(framework):
    six = [(g.code, g.max_points) for g in framework.groups.six_group_view()]
    assert six == [
        ("CKMB", 18),
        ("TDGQ", 20),
        ("DVCTT", 12),
        ("TTTT", 10),
        ("SHHS", 22),
        ("MDHL", 18),
    ]
    assert sum(points for _, points in six) == 100
    assert framework.valid_from == datetime.date(2022, 8, 1)


def test_five_group_view_sums_dvctt_and_tttt(framework):
    five = [(g.code, g.max_points) for g in framework.groups.five_group_view()]
    assert five == [("CKMB", 18), ("TDGQ", 20), ("CCDVTT", 22), ("SHHS", 22), ("MDHL", 18)]
    combined = framework.groups.get(code="CCDVTT")
    assert combined.name == "Cung cấp dịch vụ trực tuyến"
    members = framework.groups.filter(is_combined=False, five_group_code="CCDVTT")
    assert sorted(g.code for g in members) == ["DVCTT", "TTTT"]


def test_indicators_add_up_to_their_group(framework):
    assert framework.indicators.count() == 21
    for group in framework.groups.six_group_view():
        assert sum(i.max_points for i in group.indicators.all()) == group.max_points


def test_open_points_are_data_flagged_unconfirmed(framework):
    unconfirmed = set(
        framework.indicators.filter(is_confirmed=False).values_list("code", flat=True)
    )
    assert unconfirmed == {"3.1", "3.2", "3.3"}
    assert [b.code for b in framework.bands.filter(is_confirmed=False)] == ["kha"]
    assert not framework.indicators.filter(levels_confirmed=True).exists()
    assert "4.2" in framework.indicators.get(code="4.2").code
    assert "80%" in framework.indicators.get(code="4.2").note
    assert framework.indicators.get(code="4.2").threshold is None


def test_thresholds_and_zero_denominator_policies(framework):
    thresholds = {i.code: i.threshold for i in framework.indicators.filter(threshold__isnull=False)}
    assert thresholds == {
        "3.1": Decimal("0.8"),
        "3.3": Decimal("0.5"),
        "3.5a": Decimal("0.8"),
        "3.5b": Decimal("0.8"),
        "4.3": Decimal("0.8"),
        "5.4": Decimal("0.9"),
    }
    for code in ("4.6", "5.2", "5.3"):
        indicator = framework.indicators.get(code=code)
        assert indicator.zero_denominator_policy == "full"
        assert "observed" in indicator.note


def test_bands(framework):
    bands = [(b.code, b.name, b.min_total) for b in framework.bands.order_by("-min_total")]
    assert bands == [
        ("xuat_sac", "Xuất sắc", 90),
        ("tot", "Tốt", 80),
        ("kha", "Khá", 70),
        ("trung_binh", "Trung bình", 50),
        ("yeu", "Yếu", 0),
    ]


def test_framework_in_force_on_a_date(framework):
    assert Framework.objects.valid_on(datetime.date(2025, 5, 20)) == framework
    assert Framework.objects.valid_on(datetime.date(2022, 7, 31)) is None


def test_loading_twice_changes_nothing(framework):
    models = {
        "Framework": Framework,
        "IndicatorGroup": IndicatorGroup,
        "Indicator": Indicator,
        "Band": Band,
    }
    load_framework(read_framework("766-2022"), **models)
    assert Framework.objects.count() == 1
    assert IndicatorGroup.objects.count() == 7
    assert Indicator.objects.count() == 21
    assert Band.objects.count() == 5


def test_the_shipped_definition_is_consistent():
    assert validate_framework(read_framework("766-2022")) == []


@pytest.mark.parametrize(
    ("edit", "error"),
    [
        (lambda d: d["groups"][0].update(max_points="19"), "groups sum to 101"),
        (lambda d: d["indicators"][0].update(max_points="5"), "CKMB: indicators sum to 17"),
        (lambda d: d["indicators"][0].update(threshold="1.5"), "threshold 1.5"),
        (lambda d: d["indicators"][0].update(group="NOPE"), "unknown group NOPE"),
        (lambda d: d["groups"][4].update(max_points="21"), "CCDVTT: combined block"),
        (lambda d: d["bands"].pop(), "no band starts at 0"),
    ],
)
def test_inconsistent_definitions_are_rejected(edit, error):
    data = copy.deepcopy(read_framework("766-2022"))
    edit(data)
    assert any(error in e for e in validate_framework(data))


def test_each_indicator_names_what_one_more_counts_from_its_ratio(framework):
    counted = {i.code: i.counted for i in Indicator.objects.filter(framework=framework)}
    # The kinds of dossier issue 18 names, as the framework's rows word them.
    assert counted["2.1"] == "Hồ sơ trước hạn, đúng hạn (kể cả đang xử lý trong hạn)"  # on time
    assert counted["3.3"] == "Hồ sơ nộp trực tuyến"  # online
    assert counted["3.6"] == "Hồ sơ thanh toán trực tuyến"  # paid online
    assert counted["4.2"] == "Hồ sơ được số hóa"  # digitised
    assert counted["5.3"] == "PAKN hài lòng"  # satisfied feedback
    # A ratio computed from others names what is entered as its numerator.
    assert counted["5.4"] == "hồ sơ không trễ hạn, không bị phản ánh"
    for code, text in counted.items():
        assert text and "/" not in text and text.count("(") == text.count(")"), code


def test_what_is_counted_follows_the_framework_row():
    from indicators.models import counted_of

    assert counted_of("Hồ sơ A / hồ sơ B × tỷ lệ C") == "Hồ sơ A"
    assert counted_of("100% − x (nhập dưới dạng hồ sơ tốt / hồ sơ)") == "hồ sơ tốt"
    assert counted_of("") == ""
    assert Indicator(name="Tên chỉ tiêu", ratio_definition="không là tỷ lệ").counted == (
        "Tên chỉ tiêu"
    )

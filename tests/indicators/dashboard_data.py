"""A small Bình Dương like the demo's, built through the services, for page and browser tests.

    t = build_binh_duong()
    t.di_an, t.districts["Thuận An"], t.wards["Tân Bình"], t.snapshots[-1], t.ward_snapshots[-1]

Nine district-level units ranked weekly (the last two weeks by default) and TP Dĩ An's seven
wards. The real figures of DOMAIN §7 are kept: on 20 May 2025 Dĩ An has official total 92
while its groups add up to 91,4, rank 1/9, +0,05 since 13 May; Tân Bình leads the wards with
93,3. Everything else is invented; the snapshots are marked synthetic, like the demo.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from indicators.services import snapshot_publish
from tests.indicators.factories import GROUP_MAX, load_groups, load_indicators, make_snapshot
from tests.units.factories import (
    CommuneFactory,
    CountryFactory,
    DistrictFactory,
    LineageLinkFactory,
    OldCommuneFactory,
    ProvinceFactory,
    UnitCodeFactory,
)
from units.models import REFORM_2025, LineageKind, LineageShare, UnitKind

MAY_20 = datetime.date(2025, 5, 20)
D = Decimal
DI_AN_GROUPS = {"CKMB": 18, "TDGQ": 19.2, "DVCTT": 8.5, "TTTT": 8.5, "SHHS": 19.2, "MDHL": 18}
# Totals of 20 May (demo/binh-duong-cap-huyen-2025-05-20.csv) and the weekly rise behind them.
DISTRICTS = [
    ("Dĩ An", UnitKind.PROVINCIAL_CITY, "92", "0.05"),
    ("Thuận An", UnitKind.PROVINCIAL_CITY, "89.87", "0.18"),
    ("Thủ Dầu Một", UnitKind.PROVINCIAL_CITY, "89.42", "0.26"),
    ("Tân Uyên", UnitKind.PROVINCIAL_CITY, "86.75", "0.28"),
    ("Bến Cát", UnitKind.PROVINCIAL_CITY, "85.66", "0.18"),
    ("Bàu Bàng", UnitKind.RURAL_DISTRICT, "83.18", "0.27"),
    ("Bắc Tân Uyên", UnitKind.RURAL_DISTRICT, "81.93", "0.26"),
    ("Dầu Tiếng", UnitKind.RURAL_DISTRICT, "80.61", "0.43"),
    ("Phú Giáo", UnitKind.RURAL_DISTRICT, "78.94", "0.35"),
]
WARDS = [
    ("Tân Bình", "93.3"),
    ("An Bình", "92.15"),
    ("Đông Hòa", "91.4"),
    ("Dĩ An", "90.62"),
    ("Tân Đông Hiệp", "88.71"),
    ("Bình Thắng", "86.94"),
    ("Bình An", "85.37"),
]


def groups_for(total: Decimal) -> dict[str, Decimal]:
    """Spread a total over the six groups in proportion to their maxima, summing exactly."""
    share = {
        code: (D(m) * total / 100).quantize(D("0.01"), ROUND_HALF_UP)
        for code, m in GROUP_MAX.items()
    }
    share["MDHL"] += total - sum(share.values())
    return share


def _week_figures(districts, weeks_back: int) -> dict:
    figures = {}
    for unit, (name, _kind, total, rise) in zip(districts.values(), DISTRICTS, strict=True):
        value = D(total) - D(rise) * weeks_back
        if name == "Dĩ An" and weeks_back == 0:
            figures[unit] = (DI_AN_GROUPS, "92")  # the seed article: groups 91,4, total 92
        else:
            groups = groups_for(value)
            figures[unit] = (groups, sum(groups.values()))
    return figures


def build_binh_duong(*, weeks: int = 2, ward_indicators: bool = False) -> SimpleNamespace:
    """Create the units, publish `weeks` weekly snapshots up to 20 May 2025, return handles."""
    t = SimpleNamespace()
    t.vn = CountryFactory()
    t.binh_duong = ProvinceFactory(name="Bình Dương", valid_to=REFORM_2025)
    UnitCodeFactory(unit=t.binh_duong, scheme="gso", code="74")
    t.districts = {
        name: DistrictFactory(parent=t.binh_duong, name=name, kind=kind)
        for name, kind, _total, _rise in DISTRICTS
    }
    t.di_an = t.districts["Dĩ An"]
    UnitCodeFactory(unit=t.di_an, scheme="gso", code="724")
    t.wards = {
        name: OldCommuneFactory(parent=t.di_an, name=name, kind=UnitKind.WARD)
        for name, _total in WARDS
    }
    t.snapshots, t.ward_snapshots = [], []
    for back in range(weeks - 1, -1, -1):
        as_of = MAY_20 - datetime.timedelta(days=7 * back)
        snapshot = make_snapshot(scope=t.binh_duong, as_of=as_of, is_synthetic=True)
        load_groups(snapshot, _week_figures(t.districts, back))
        t.snapshots.append(snapshot_publish(snapshot_id=snapshot.pk))
        wards = make_snapshot(scope=t.di_an, as_of=as_of, is_synthetic=True)
        # Official totals as the exports give them; with indicator counts loaded, the
        # recomputed totals differ and are flagged, as in the demo's indicator file.
        load_groups(
            wards,
            {
                t.wards[name]: (groups_for(D(total) - D("0.3") * back), D(total) - D("0.3") * back)
                for name, total in WARDS
            },
        )
        if ward_indicators and back == 0:
            load_indicators(wards, _tan_binh_counts(t.wards["Tân Bình"]))
        t.ward_snapshots.append(snapshot_publish(snapshot_id=wards.pk))
    # After 1 July 2025 the wards became three wards of Hồ Chí Minh city (DOMAIN §5).
    t.hcmc = ProvinceFactory(name="Hồ Chí Minh", kind=UnitKind.CENTRAL_CITY)
    t.new_di_an = CommuneFactory(parent=t.hcmc, name="Dĩ An", kind=UnitKind.WARD)
    for old in ("Dĩ An", "An Bình"):
        LineageLinkFactory(
            predecessor=t.wards[old],
            successor=t.new_di_an,
            kind=LineageKind.MERGE,
            share=LineageShare.WHOLE,
        )
    return t


def _tan_binh_counts(ward) -> dict:
    """Counts of phường Tân Bình: full marks but for 1.1 (311/339) and 4.2 (9/10)."""
    from tests.indicators.factories import INDICATOR_MAX

    counts = {(ward, code): (1, 1) for code in INDICATOR_MAX}
    counts[(ward, "1.1")] = (311, 339)
    counts[(ward, "4.2")] = (9115, 10000)
    return counts

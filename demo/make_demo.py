"""Write the demo's weekly exports (mostly synthetic) and their manifest.

Run from the repository root: `.venv/bin/python demo/make_demo.py`. Deterministic (seeded).

Real figures (DOMAIN.md §7, from the seed article) are kept exactly; everything else is
invented and labelled so in `manifest.json`:
- TP Dĩ An on 2025-05-20: CKMB 18, TDGQ 19,2, DVCTT + TTTT 17 (the 8,5 + 8,5 split is invented),
  SHHS 19,2, MDHL 18, official total 92 (the groups add up to 91,4: the article's own
  inconsistency, kept on purpose), Xuất sắc, rank 1 of Bình Dương's 9 district-level units;
  on 2025-05-13 its official total was 91,95.
- Its 7 wards on 2025-05-20: all Tốt or better; Tân Bình first with 93,3, then An Bình,
  Đông Hòa, Dĩ An.
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
D = Decimal
CENT = D("0.01")

WEEKS = [
    date(2025, 4, 1),
    date(2025, 4, 8),
    date(2025, 4, 15),
    date(2025, 4, 22),
    date(2025, 4, 29),
    date(2025, 5, 6),
    date(2025, 5, 13),
    date(2025, 5, 20),
]
XLSX_WEEK = date(2025, 4, 29)  # the district table of this week is an .xlsx, the rest CSV
GROUPS = ("CKMB", "TDGQ", "DVCTT", "TTTT", "SHHS", "MDHL")
GROUP_MAX = {"CKMB": D(18), "TDGQ": D(20), "DVCTT": D(12), "TTTT": D(10), "SHHS": D(22)}
GROUP_MAX["MDHL"] = D(18)
HEADER = [
    "STT",
    "Mã đơn vị",
    "Đơn vị",
    "Công khai, minh bạch (18 điểm)",
    "Tiến độ giải quyết (20 điểm)",
    "Dịch vụ công trực tuyến (12 điểm)",
    "Thanh toán trực tuyến (10 điểm)",
    "Số hóa hồ sơ (22 điểm)",
    "Mức độ hài lòng (18 điểm)",
    "Tổng điểm",
    "Xếp loại",
]

# Names as the vietnam-address-converter data writes them (pre-2025 units). Bến Cát has been a
# thành phố since late 2024 (the converter data says so), not the "thị xã" older texts use.
DISTRICTS = {  # export label → sum of groups on 2025-05-20 (Dĩ An: the seed)
    "UBND Thành phố Dĩ An": None,
    "UBND Thành phố Thuận An": D("89.87"),
    "UBND Thành phố Thủ Dầu Một": D("89.42"),
    "UBND Thành phố Tân Uyên": D("86.75"),
    "UBND Thành phố Bến Cát": D("85.66"),
    "UBND Huyện Bàu Bàng": D("83.18"),
    "UBND Huyện Bắc Tân Uyên": D("81.93"),
    "UBND Huyện Dầu Tiếng": D("80.61"),
    "UBND Huyện Phú Giáo": D("78.94"),
}
DI_AN = "UBND Thành phố Dĩ An"
DI_AN_SEED = dict(zip(GROUPS, map(D, ("18", "19.2", "8.5", "8.5", "19.2", "18")), strict=True))
DI_AN_SEED_TOTAL = D(92)
DI_AN_MAY_13 = dict(zip(GROUPS, map(D, ("18", "19.3", "8.7", "8.75", "19.2", "18")), strict=True))
assert sum(DI_AN_MAY_13.values()) == D("91.95")  # official total on 13 May (seed: +0,05 to 92)

WARDS = {  # total on 2025-05-20; the first four and their order are the seed's
    "UBND phường Tân Bình": D("93.3"),
    "UBND phường An Bình": D("92.15"),
    "UBND phường Đông Hòa": D("91.4"),
    "UBND phường Dĩ An": D("90.62"),
    "UBND phường Tân Đông Hiệp": D("88.71"),
    "UBND phường Bình Thắng": D("86.94"),
    "UBND phường Bình An": D("85.37"),
}

# Indicators per group (DOMAIN.md §3): (id, max points, threshold). DVCTT's split into
# 3.1/3.2/3.3 is open; 2/4/6 is only the synthetic generator's assumption, and every DVCTT
# indicator gets the same effective ratio, so any split gives the same group value.
INDICATORS = {
    "CKMB": [("1.1", 6, None), ("1.2", 4, None), ("1.3", 2, None), ("1.4", 6, None)],
    "TDGQ": [("2.1", 20, None)],
    "DVCTT": [("3.1", 2, D("0.8")), ("3.2", 4, None), ("3.3", 6, D("0.5"))],
    "TTTT": [("3.5a", 2, D("0.8")), ("3.5b", 2, D("0.8")), ("3.6", 6, None)],
    "SHHS": [
        ("4.1", 6, None),
        ("4.2", 4, None),
        ("4.3", 2, D("0.8")),
        ("4.4", 4, None),
        ("4.5a", 2, None),
        ("4.5b", 2, None),
        ("4.6", 2, None),
    ],
    "MDHL": [("5.2", 6, None), ("5.3", 6, None), ("5.4", 6, D("0.9"))],
}
# Indicators counted over procedures or communes (a few hundred at most for a ward): full
# marks here, and the group's shortfall is spread over the dossier-count indicators with
# random weights. DVCTT is the exception: all three of its indicators get the same effective
# ratio, so the group value does not depend on the open 3.1/3.2/3.3 split.
COARSE = {"1.2", "1.3", "3.5a", "3.5b", "4.5a", "4.6"}
OPEN_MAX = {"3.1", "3.2", "3.3"}  # no portal score written: their maxima are not settled


def q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def vn(value: Decimal) -> str:
    """Portal style: 2 decimals at most, trailing zeros dropped, decimal comma."""
    text = f"{q(value):f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def band(total: Decimal) -> str:
    for label, minimum in (("Xuất sắc", 90), ("Tốt", 80), ("Khá", 70), ("Trung bình", 50)):
        if total >= minimum:
            return label
    return "Yếu"


def split_total(rng: random.Random, total: Decimal) -> dict[str, Decimal]:
    """Groups summing to `total`: the shortfall from 100 spread with random weights."""
    shortfall = D(100) - total
    weights = {g: D(str(round(rng.uniform(0.4, 1.6), 3))) * GROUP_MAX[g] for g in GROUPS}
    scale = shortfall / sum(weights.values())
    groups = {g: q(GROUP_MAX[g] - weights[g] * scale) for g in GROUPS}
    groups["SHHS"] += total - sum(groups.values())  # rounding residue
    assert all(D(0) <= v <= GROUP_MAX[g] for g, v in groups.items()), groups
    return groups


def history(rng: random.Random, last: dict[str, Decimal], weeks: int) -> list[dict[str, Decimal]]:
    """Weekly groups ending with `last`: each group drifts up a little each week, with noise."""
    drift = {g: D(str(round(rng.uniform(0.01, 0.05), 3))) * GROUP_MAX[g] / 10 for g in GROUPS}
    series = []
    for back in range(weeks - 1, -1, -1):
        week = {}
        for g in GROUPS:
            noise = D(str(round(rng.uniform(-0.02, 0.02), 3))) if back else D(0)
            value = q(last[g] - drift[g] * back + noise)
            week[g] = min(max(value, D(0)), GROUP_MAX[g])
        series.append(week)
    return series


def rows_for(week: dict[str, dict[str, Decimal]], official: dict[str, Decimal]) -> list[list[str]]:
    """Table rows sorted by official total (STT = position), as the portal lists them."""
    order = sorted(week, key=lambda unit: (-official[unit], unit))
    rows = []
    for stt, unit in enumerate(order, start=1):
        groups = week[unit]
        total = official[unit]
        rows.append([str(stt), "", unit, *(vn(groups[g]) for g in GROUPS), vn(total), band(total)])
    return rows


def write_csv(name: str, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    (HERE / name).write_bytes(buffer.getvalue().encode("utf-8"))
    print(f"wrote demo/{name}")


def write_xlsx(name: str, title: str, rows: list[list[str]]) -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": datetime(2025, 4, 29, 17, 0), "author": "766 demo"})
    sheet = book.add_worksheet("Xếp hạng")
    sheet.write(0, 0, title, book.add_format({"bold": True}))
    number = book.add_format({"num_format": "0.00"})
    for r, row in enumerate(rows, start=2):
        for c, cell in enumerate(row):
            if r > 2 and (c == 0 or 3 <= c <= 9) and cell:
                value = float(cell.replace(",", "."))
                sheet.write_number(r, c, int(value) if c == 0 else value, number if c else None)
            elif cell:
                sheet.write_string(r, c, cell)
    book.close()
    (HERE / name).write_bytes(buffer.getvalue())
    print(f"wrote demo/{name}")


def district_weeks(rng: random.Random) -> list[tuple[dict, dict]]:
    """(groups by unit, official total by unit) for each week."""
    series = {DI_AN: history(rng, DI_AN_MAY_13, len(WEEKS) - 1) + [DI_AN_SEED]}
    for unit, total in DISTRICTS.items():
        if unit != DI_AN:
            series[unit] = history(rng, split_total(rng, total), len(WEEKS))
    weeks = []
    for i in range(len(WEEKS)):
        groups = {unit: s[i] for unit, s in series.items()}
        official = {unit: q(sum(g.values())) for unit, g in groups.items()}
        if i == len(WEEKS) - 1:
            official[DI_AN] = DI_AN_SEED_TOTAL  # the seed's published total, not the sum
        assert max(official, key=official.get) == DI_AN, (WEEKS[i], official)
        weeks.append((groups, official))
    assert weeks[-2][1][DI_AN] == D("91.95")
    return weeks


def ward_weeks(rng: random.Random) -> list[tuple[dict, dict]]:
    series = {
        unit: history(rng, split_total(rng, total), len(WEEKS)) for unit, total in WARDS.items()
    }
    weeks = []
    for i in range(len(WEEKS)):
        groups = {unit: s[i] for unit, s in series.items()}
        official = {unit: q(sum(g.values())) for unit, g in groups.items()}
        assert min(official.values()) >= 80, (WEEKS[i], official)  # all Tốt or better
        weeks.append((groups, official))
    final = weeks[-1][1]
    assert sorted(final, key=final.get, reverse=True)[:4] == list(WARDS)[:4]
    assert final["UBND phường Tân Bình"] == D("93.3")
    return weeks


def indicator_rows(
    rng: random.Random, groups_by_unit: dict[str, dict[str, Decimal]]
) -> tuple[list[list[str]], Decimal]:
    """Counts whose points (DOMAIN §3 rules) add up to each ward's group values.

    Returns the rows and the largest gap between a group and the sum of its indicators
    (rounding of whole counts).
    """
    rows = [["Mã đơn vị", "Đơn vị", "Chỉ tiêu", "Tử số", "Mẫu số", "Điểm cổng"]]
    worst = D(0)
    for unit, groups in groups_by_unit.items():
        dossiers = rng.randint(5200, 9800)
        for group, indicators in INDICATORS.items():
            ratios = _ratios(rng, group, indicators, groups[group])
            denominators = {code: _denominator(rng, code, dossiers) for code, _m, _t in indicators}
            # Whole counts round each indicator's points; carry the rounding error forward so
            # the indicator with the most dossiers (processed last) absorbs it.
            order = sorted(indicators, key=lambda i: denominators[i[0]])
            carry = D(0)
            counts = {}
            points_sum = D(0)
            for code, maximum, threshold in order:
                maximum = D(maximum)
                wanted = min(max(maximum * ratios[code] + carry, D(0)), maximum)
                ratio = wanted / maximum
                needed = ratio if threshold is None or ratio >= 1 else ratio * threshold
                denominator = denominators[code]
                numerator = int((needed * denominator).to_integral_value(ROUND_HALF_UP))
                points = _points(maximum, threshold, D(numerator), D(denominator))
                carry += maximum * ratios[code] - points
                points_sum += points
                counts[code] = (numerator, denominator, points)
            for code, _m, _t in indicators:
                numerator, denominator, points = counts[code]
                portal = "" if code in OPEN_MAX else vn(points)
                rows.append(["", unit, code, str(numerator), str(denominator), portal])
            worst = max(worst, abs(points_sum - groups[group]))
    return rows, worst


def _ratios(
    rng: random.Random, group: str, indicators: list, target: Decimal
) -> dict[str, Decimal]:
    """Each indicator's share of its maximum so that the group adds up to `target`."""
    total_max = sum(D(m) for _i, m, _t in indicators)
    if group == "DVCTT":
        return {code: target / total_max for code, _m, _t in indicators}
    ratios = {code: D(1) for code, _m, _t in indicators if code in COARSE}
    fine = [(code, D(m)) for code, m, _t in indicators if code not in COARSE]
    shortfall = total_max - target
    weights = {code: m * D(str(round(rng.uniform(0.5, 1.5), 3))) for code, m in fine}
    scale = shortfall / sum(weights.values())
    for code, maximum in fine:
        ratios[code] = 1 - weights[code] * scale / maximum
    assert all(D(0) <= r <= 1 for r in ratios.values()), (group, ratios)
    return ratios


def _denominator(rng: random.Random, code: str, dossiers: int) -> int:
    if code in {"1.1", "1.2", "1.3", "3.1", "3.2", "4.5a"}:
        return rng.randint(310, 390)  # procedures
    if code in {"3.5a", "3.5b"}:
        return rng.randint(60, 90)  # procedures with fees
    if code == "4.6":
        return 1  # the ward itself offers electronic certification
    if code in {"5.2", "5.3"}:
        return rng.randint(40, 120)  # petitions and feedback (PAKN)
    if code == "3.6":
        return rng.randint(900, 1600)  # dossiers with fees
    return dossiers


def _points(maximum: Decimal, threshold: Decimal | None, num: Decimal, den: Decimal) -> Decimal:
    ratio = num / den if den else D(1)
    if threshold is not None:
        return maximum if ratio >= threshold else maximum * ratio / threshold
    return maximum * ratio


def main() -> None:
    rng = random.Random(20250520)
    manifest = []
    for i, ((groups, official), as_of) in enumerate(zip(district_weeks(rng), WEEKS, strict=True)):
        rows = [HEADER, *rows_for(groups, official)]
        stem = f"binh-duong-cap-huyen-{as_of.isoformat()}"
        if as_of == XLSX_WEEK:
            name = f"{stem}.xlsx"
            week_no = as_of.isocalendar().week
            write_xlsx(name, f"BẢNG XẾP HẠNG CHỈ SỐ 766 CẤP HUYỆN – TUẦN {week_no}/2025", rows)
        else:
            name = f"{stem}.csv"
            write_csv(name, rows)
        real = []
        if i == len(WEEKS) - 1:
            real.append(
                {
                    "unit": DI_AN,
                    "fields": ["CKMB", "TDGQ", "SHHS", "MDHL", "DVCTT+TTTT", "total", "band"],
                    "note": "seed article: 92/100, Xuất sắc, rank 1 of 9; groups 18, 19,2, 19,2, "
                    "18 and 17/22 for DVCTT+TTTT (the 8,5 + 8,5 split is invented); the "
                    "groups add up to 91,4, not 92: the article's inconsistency, kept",
                }
            )
        if i == len(WEEKS) - 2:
            real.append(
                {
                    "unit": DI_AN,
                    "fields": ["total"],
                    "note": "seed article: 92 on 20 May was +0,05 on 13 May; groups invented",
                }
            )
        manifest.append(
            {
                "file": name,
                "kind": "group",
                "scope": {"name": "Bình Dương", "level": "province", "scheme": "vac", "code": "23"},
                "peers": "district-level units of Bình Dương (9)",
                "as_of": as_of.isoformat(),
                "period": "ytd",
                "period_year": 2025,
                "synthetic": True,
                "real_values": real,
            }
        )
    ward_series = ward_weeks(rng)
    for i, ((groups, official), as_of) in enumerate(zip(ward_series, WEEKS, strict=True)):
        name = f"di-an-phuong-{as_of.isoformat()}.csv"
        write_csv(name, [HEADER, *rows_for(groups, official)])
        real = []
        if i == len(WEEKS) - 1:
            real.append(
                {
                    "unit": "UBND phường Tân Bình",
                    "fields": ["total", "rank"],
                    "note": "seed article: first of TP Dĩ An's 7 wards with 93,3; then An Bình, "
                    "Đông Hòa, Dĩ An (order real, their values invented); all 7 Tốt or better",
                }
            )
        manifest.append(
            {
                "file": name,
                "kind": "group",
                "scope": {
                    "name": "Dĩ An",
                    "parent": "Bình Dương",
                    "level": "district",
                    "scheme": "vac",
                    "code": "1303",
                },
                "peers": "wards of TP Dĩ An (7)",
                "as_of": as_of.isoformat(),
                "period": "ytd",
                "period_year": 2025,
                "synthetic": True,
                "real_values": real,
            }
        )
    rows, worst = indicator_rows(rng, ward_series[-1][0])
    name = "di-an-phuong-chi-tieu-2025-05-20.csv"
    write_csv(name, rows)
    manifest.append(
        {
            "file": name,
            "kind": "indicator",
            "scope": manifest[-1]["scope"],
            "peers": "wards of TP Dĩ An (7)",
            "as_of": "2025-05-20",
            "period": "ytd",
            "period_year": 2025,
            "synthetic": True,
            "real_values": [],
            "note": "invented counts whose points (DOMAIN §3 rules; DVCTT split 2/4/6 assumed) "
            f"reproduce the wards' group values of the same week within {vn(worst)} points; "
            "no portal score for 3.1–3.3, whose maxima are open",
        }
    )
    (HERE / "manifest.json").write_text(
        json.dumps({"files": manifest}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"wrote demo/manifest.json ({len(manifest)} files); indicator gap ≤ {worst}")


if __name__ == "__main__":
    main()

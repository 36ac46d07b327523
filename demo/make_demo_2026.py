"""Write the demo's present map: the 34 provinces as the portal published them, and four weeks
of Tỉnh Gia Lai's departments and communes as the portal's JSON gives them (totals only).

Run from the repository root, on a database holding the registry (`make setup` once):
`.venv/bin/python manage.py shell -c "exec(open('demo/make_demo_2026.py').read())"`.
Deterministic (seeded); appends its entries to demo/manifest.json, replacing earlier ones.

Real figures (DOMAIN.md §7) are kept exactly: the provinces' table of 10 October 2026, and the
first five rows of Gia Lai's table that day (its best department and its four best
communes); every other Gia Lai figure is invented, below those five, and labelled so.
"""

import datetime
import json
import random
import shutil
from decimal import Decimal
from pathlib import Path

from units.models import AdministrativeUnit, UnitLevel, portal_name_for

HERE = Path("demo").resolve()
SAMPLES = Path("tests/fixtures/portal")
WEEKS = [datetime.date(2026, 9, 19), datetime.date(2026, 9, 26), datetime.date(2026, 10, 3)]
WEEKS.append(datetime.date(2026, 10, 10))
# Gia Lai's departments as the portal names them (its table of 10/10/2026 lists 14).
DEPARTMENTS = [
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Y tế",
    "Sở Tài chính",
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Xây dựng",
    "Sở Công Thương",
    "Sở Nông nghiệp và Môi trường",
    "Sở Giáo dục và Đào tạo",
    "Sở Khoa học và Công nghệ",
    "Sở Dân tộc và Tôn giáo",
    "Ban Quản lý Khu kinh tế",
    "Thanh tra tỉnh",
    "Văn phòng UBND tỉnh",
]
SCOPE_GIA_LAI = {"name": "Gia Lai", "level": "province"}


def _gia_lai_week(real: list[dict], as_of: datetime.date, rng: random.Random, base: dict) -> dict:
    """The portal's children response for one week: the real rows on the real day, the
    others invented below the lowest real total (the real rows are the table's top five)."""
    province = AdministrativeUnit.objects.get(level=UnitLevel.PROVINCE, name="Gia Lai")
    real_names = {item["departmentName"] for item in real}
    ceiling = min(Decimal(str(item["totalScore"])) for item in real)
    items = []
    units = AdministrativeUnit.objects.filter(parent=province, level=UnitLevel.COMMUNE)
    names = [f"{d} - tỉnh Gia Lai" for d in DEPARTMENTS]
    groups = ["AGENCY"] * len(names)
    for unit in units.valid_on(as_of).order_by("sort_key"):
        names.append(portal_name_for(unit.kind, unit.name))
        groups.append("COMMUNE")
    real_codes = {item["departmentName"]: item["departmentCode"] for item in real}
    for n, (name, group) in enumerate(zip(names, groups, strict=True), start=1):
        # The real rows' codes are the portal's; the invented ones cannot collide with any.
        code = real_codes.get(name, f"H21.9{n:03d}")
        if as_of == WEEKS[-1] and name in real_names:
            items.append(next(i for i in real if i["departmentName"] == name))
            continue
        # A unit's level drifts week on week; the top of the table stays the real five.
        level = base.setdefault(code, Decimal(rng.randrange(4800, 7000)).scaleb(-2))
        level = min(level + Decimal(rng.randrange(-50, 60)).scaleb(-2), ceiling - Decimal("0.05"))
        base[code] = level
        items.append(
            {
                "departmentId": f"demo-{code}",
                "departmentName": name,
                "departmentCode": code,
                "totalScore": float(level),
                "ratio": float(level),
                "scoreDelta": None,
                "childGroup": group,
            }
        )
    items.sort(key=lambda i: -i["totalScore"])
    overview = {
        "departmentName": "UBND tỉnh Gia Lai",
        "departmentCode": "H21",
        "totalMaxScore": 100,
    }
    return {"code": "OK", "data": {"overview": overview, "evaluation": items}, "message": "OK"}


def main() -> None:
    rng = random.Random(20261010)
    manifest_path = HERE / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    files = [e for e in manifest["files"] if not e["as_of"].startswith("2026")]
    provinces = "ca-nuoc-tinh-2026-10-10.json"
    shutil.copyfile(SAMPLES / "provinces-2026-10-10.json", HERE / provinces)
    files.append(
        {
            "file": provinces,
            "kind": "group",
            "scope": {"name": "Việt Nam", "level": "country"},
            "peers": "the 34 provinces",
            "as_of": "2026-10-10",
            "period": "ytd",
            "period_year": 2026,
            "synthetic": False,
            "source": "the portal's table of the 34 provinces on 10/10/2026 (a third-party "
            "capture of its JSON at 06:00; provisional year-to-date figures)",
            "real_values": [{"unit": "all 34 provinces", "fields": ["total", "groups"]}],
        }
    )
    real = json.loads((SAMPLES / "gia-lai-children-2026-10-10-excerpt.json").read_text())
    real = real["data"]["evaluation"]
    base: dict = {}
    for as_of in WEEKS:
        name = f"gia-lai-so-xa-{as_of.isoformat()}.json"
        body = _gia_lai_week(real, as_of, rng, base)
        (HERE / name).write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n")
        files.append(
            {
                "file": name,
                "kind": "group",
                "scope": SCOPE_GIA_LAI,
                "peers": "Gia Lai's departments (14) and its communes and wards, apart",
                "as_of": as_of.isoformat(),
                "period": "ytd",
                "period_year": 2026,
                "synthetic": True,
                "register_departments": True,
                "real_values": (
                    [
                        {
                            "unit": ", ".join(i["departmentName"] for i in real),
                            "fields": ["total"],
                            "note": "the first five rows of the portal's table that day",
                        }
                    ]
                    if as_of == WEEKS[-1]
                    else []
                ),
            }
        )
    manifest_path.write_text(
        json.dumps({"files": files}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(WEEKS) + 1} files of 2026; demo/manifest.json now lists {len(files)}")


main()

"""Read the unit registry from the installed data packages into plain records (no ORM).

Sources, and what each can and cannot give (checked against the installed versions):

- `vietnam-provinces` (GSO data of 2025-10): the 34 provinces and 3,321 communes since
  2025-07-01, with GSO codes. Nothing before 2025.
- `vietnam-address-converter` (mapping sheet "10_25"): the 63 old provinces, 696 district-level
  units and the old communes, under the package's *own* codes (not GSO: old phường Dĩ An is
  "66839" there, 25942 at GSO), and one row per (old commune → new commune) pair.
  * We take the old communes from the mapping's old side (10,038 codes), not from its
    `oldWards` table: that table also lists 158 communes that appear in no mapping row
    (mostly merged before 2025, e.g. phường Nguyễn Trung Trực of Ba Đình), which we cannot
    date; 49 mapping codes (and thị xã Chũ, created in 2025) are missing from its tables and
    are read from the mapping row. One row, "Trung tâm huấn luyện Cấm Sơn", is no commune
    and is skipped with a warning.
  * Its district `type` never says "thị xã"; the kind is read from `name_with_type`.
  * Five island districts without communes map straight to a 2025 special zone (huyện Côn
    Đảo → đặc khu Côn Đảo): the link goes from the district.
  * A split shows as one old commune mapped to several new ones: each such link is marked
    PART. How much of it went where (area, population), no source gives; nor does any give the
    old units' GSO codes, their creation dates (valid_from stays None, "since before our
    records") or changes before 2025-07-01.
- `units/data/portal-province-codes.csv`: the national portal's province codes (H01…H61) for
  the 34 current provinces. Whether the portal used the same codes before 2025 is unknown, so
  they are valid from 2025-07-01.

Continuity rule: a 2025 province that kept the name and kind of one of its predecessors *is*
that unit (one row spanning both periods, parent "Việt Nam" throughout): Hà Nội, which did not
merge, and also Thành phố Hồ Chí Minh, which absorbed Bình Dương and Bà Rịa–Vũng Tàu. The
absorbed provinces end on 2025-07-01 with a MERGE link to it. All 34 new provinces carry an old
name, so 34 rows span both periods and 29 end. Communes never continue: their parent changed
(district → province), so each 2025 commune is a new row linked to its predecessors.
"""

import csv
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from units.models import REFORM_2025, CodeScheme, LineageKind, LineageShare, UnitKind
from units.text import fold, fold_name

PORTAL_CODES_CSV = Path(__file__).parent / "data" / "portal-province-codes.csv"
COUNTRY_KEY = "vn"


@dataclass(frozen=True)
class UnitRecord:
    key: str
    name: str
    kind: str
    parent_key: str | None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None


@dataclass(frozen=True)
class CodeRecord:
    unit_key: str
    scheme: str
    code: str
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None


@dataclass(frozen=True)
class LinkRecord:
    predecessor_key: str
    successor_key: str
    effective_date: datetime.date
    kind: str
    share: str
    source: str
    note: str = ""


@dataclass
class Registry:
    """Units (parents before children), their codes and lineage, plus what did not fit."""

    units: list[UnitRecord] = field(default_factory=list)
    codes: list[CodeRecord] = field(default_factory=list)
    links: list[LinkRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# Prefixes of `name_with_type` in the converter's data (its capitalisation varies: "Thị Xã").
_OLD_DISTRICT_KINDS = {
    "thanh pho": UnitKind.PROVINCIAL_CITY,
    "thi xa": UnitKind.TOWN,
    "quan": UnitKind.URBAN_DISTRICT,
    "huyen": UnitKind.RURAL_DISTRICT,
}
_OLD_COMMUNE_KINDS = {
    "phuong": UnitKind.WARD,
    "thi tran": UnitKind.TOWNSHIP,
    "xa": UnitKind.COMMUNE,
}
_NEW_PREFIXES = {
    "tỉnh": ("Tỉnh ", UnitKind.PROVINCE),
    "thành phố trung ương": ("Thành phố ", UnitKind.CENTRAL_CITY),
    "xã": ("Xã ", UnitKind.COMMUNE),
    "phường": ("Phường ", UnitKind.WARD),
    "đặc khu": ("Đặc khu ", UnitKind.SPECIAL_ZONE),
}


def _kind_from_prefix(name_with_type: str, kinds: dict[str, str]) -> tuple[str | None, str]:
    """Return (kind, bare name) from "Thị Xã Sơn Tây"-style text."""
    folded = fold_name(name_with_type)
    words = name_with_type.split()
    for prefix, kind in kinds.items():
        if folded.startswith(prefix + " "):
            return kind, " ".join(words[len(prefix.split()) :])
    return None, name_with_type


def _bare(name: str, division_type: str) -> tuple[str, str]:
    prefix, kind = _NEW_PREFIXES[division_type]
    return (name[len(prefix) :] if name.startswith(prefix) else name), kind


def read_registry(portal_csv: Path = PORTAL_CODES_CSV) -> Registry:
    """Build the registry of units, codes and lineage from the installed packages.

    1. the country root;
    2. the 34 provinces of 2025 (GSO), each continuing the old province of the same name;
    3. the other old provinces, old districts and old communes (converter data);
    4. the 3,321 communes of 2025 (GSO) and their links from the old communes;
    5. portal codes and aliases.
    """
    from vietnam_address_converter.constants import ADMIN_NAME_ALIASES_BY_CANONICAL
    from vietnam_address_converter.data import DEFAULT_DATA
    from vietnam_provinces import Province, Ward

    vac = DEFAULT_DATA
    source = (
        f"vietnam-address-converter {version('vietnam-address-converter')} "
        f"(mapping {vac['mapping']['meta']['version']}), "
        f"vietnam-provinces {version('vietnam-provinces')}"
    )
    reg = Registry()
    new_from, old_to = REFORM_2025, REFORM_2025

    # 1. The root spans all time.
    reg.units.append(UnitRecord(COUNTRY_KEY, "Việt Nam", UnitKind.COUNTRY, None))
    reg.codes.append(CodeRecord(COUNTRY_KEY, CodeScheme.ALIAS, "VN"))

    rows = vac["mapping"]["rows"]
    old_provinces = vac["oldProvinces"]
    vac_new_provinces = vac["newProvinces"]

    # 2. Provinces. Old → new comes from the commune mapping (each old province maps whole).
    gso_provinces = {
        fold_name(_bare(p.name, p.division_type.value)[0]): p for p in Province.iter_all()
    }
    vac_new_to_gso = {}
    for code, p in vac_new_provinces.items():
        gso = gso_provinces.get(fold_name(p["name"]))
        if gso is None:
            reg.warnings.append(
                f"converter province {p['name_with_type']} not in vietnam-provinces"
            )
        else:
            vac_new_to_gso[code] = gso
    old_to_new: dict[str, set[int]] = defaultdict(set)
    for r in rows:
        gso = vac_new_to_gso.get(r["new"]["province_code"])
        if gso is not None:
            old_to_new[r["old"]["province_code"]].add(int(gso.code))

    def old_province_kind(p: dict) -> str:
        return UnitKind.CENTRAL_CITY if p["type"] == "thanh-pho" else UnitKind.PROVINCE

    province_key: dict[int, str] = {}  # GSO 2025 province code → record key
    old_province_key: dict[str, str] = {}  # converter old province code → record key
    continued: set[str] = set()
    for p in Province.iter_all():
        name, kind = _bare(p.name, p.division_type.value)
        preds = [c for c, new in old_to_new.items() if int(p.code) in new]
        same = [
            c
            for c in preds
            if fold_name(old_provinces[c]["name"]) == fold_name(name)
            and old_province_kind(old_provinces[c]) == kind
        ]
        if same:
            key = f"province:{old_provinces[same[0]]['slug']}"
            continued.add(same[0])
            old_province_key[same[0]] = key
            reg.units.append(UnitRecord(key, name, kind, COUNTRY_KEY))
        else:
            key = f"province:{fold_name(name).replace(' ', '-')}:2025"
            reg.units.append(UnitRecord(key, name, kind, COUNTRY_KEY, valid_from=new_from))
        province_key[int(p.code)] = key
        reg.codes.append(CodeRecord(key, CodeScheme.GSO, f"{int(p.code):02d}", valid_from=new_from))

    # 3. Old provinces that ended, then old districts and communes.
    for code, p in sorted(old_provinces.items()):
        if code not in continued:
            key = f"province:{p['slug']}"
            old_province_key[code] = key
            reg.units.append(
                UnitRecord(key, p["name"], old_province_kind(p), COUNTRY_KEY, valid_to=old_to)
            )
            for new in sorted(old_to_new.get(code, ())):
                reg.links.append(
                    LinkRecord(
                        key,
                        province_key[new],
                        new_from,
                        LineageKind.MERGE,
                        LineageShare.WHOLE,
                        source,
                    )
                )
        reg.codes.append(CodeRecord(old_province_key[code], CodeScheme.VAC, code, valid_to=old_to))

    old_districts = vac["oldDistricts"]
    district_key: dict[str, str] = {}
    district_rows = {r["old"]["district_code"]: r["old"] for r in rows}
    for code in sorted(district_rows, key=int):
        # A district created shortly before 2025 (thị xã Chũ) is in the mapping only.
        d = old_districts.get(code) or {
            "name": "",
            "name_with_type": district_rows[code]["district_name"],
            "parent_code": district_rows[code]["province_code"],
        }
        kind, name = _kind_from_prefix(d["name_with_type"], _OLD_DISTRICT_KINDS)
        if kind is None:
            reg.warnings.append(f"converter district {d['name_with_type']}: unknown kind, skipped")
            continue
        key = f"district:vac:{code}"
        district_key[code] = key
        parent = old_province_key[d["parent_code"]]
        reg.units.append(UnitRecord(key, d["name"] or name, kind, parent, valid_to=old_to))
        reg.codes.append(CodeRecord(key, CodeScheme.VAC, code, valid_to=old_to))

    old_wards = vac["oldWards"]
    commune_key: dict[str, str] = {}
    for r in rows:
        code = r["old"]["ward_code"]
        if not code or code in commune_key:
            continue
        w = old_wards.get(code)
        name_with_type = w["name_with_type"] if w else r["old"]["ward_name"]
        kind, name = _kind_from_prefix(name_with_type, _OLD_COMMUNE_KINDS)
        parent = district_key.get(r["old"]["district_code"])
        if kind is None or parent is None:
            reg.warnings.append(
                f"converter commune {name_with_type} ({code}): no kind or district, skipped"
            )
            continue
        key = f"commune:vac:{code}"
        commune_key[code] = key
        reg.units.append(
            UnitRecord(key, (w or {}).get("name") or name, kind, parent, valid_to=old_to)
        )
        reg.codes.append(CodeRecord(key, CodeScheme.VAC, code, valid_to=old_to))

    # 4. Communes of 2025, and the converter's new-commune codes resolved to GSO ones: by exact
    # name within the province first, then folded (Sơn Hà and Sơn Hạ coexist in Quảng Ngãi).
    exact: dict[tuple[int, str], list[str]] = defaultdict(list)
    folded: dict[tuple[int, str], list[str]] = defaultdict(list)
    for w in Ward.iter_all():
        name, kind = _bare(w.name, w.division_type.value)
        key = f"commune:gso:{int(w.code)}"
        reg.units.append(
            UnitRecord(key, name, kind, province_key[int(w.province_code)], valid_from=new_from)
        )
        reg.codes.append(CodeRecord(key, CodeScheme.GSO, f"{int(w.code):05d}", valid_from=new_from))
        exact[(int(w.province_code), w.name.casefold())].append(key)
        folded[(int(w.province_code), fold_name(w.name))].append(key)

    new_commune_key: dict[str, str] = {}
    for code, w in vac["newWards"].items():
        gso = vac_new_to_gso.get(w["parent_code"])
        if gso is None:
            continue
        keys = exact.get((int(gso.code), w["name_with_type"].casefold())) or folded.get(
            (int(gso.code), fold_name(w["name_with_type"])), []
        )
        if len(keys) == 1:
            new_commune_key[code] = keys[0]
        else:
            reg.warnings.append(f"converter commune {w['path_with_type']}: {len(keys)} GSO matches")

    # Each new commune's predecessors: old communes, or an old district that had none.
    preds_of: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        succ = new_commune_key.get(r["new"]["ward_code"])
        pred = (
            commune_key.get(r["old"]["ward_code"])
            if r["old"]["ward_code"]
            else district_key.get(r["old"]["district_code"])
        )
        if succ and pred and pred not in preds_of[succ]:
            preds_of[succ].append(pred)
    successor_count: dict[str, int] = defaultdict(int)
    for preds in preds_of.values():
        for pred in preds:
            successor_count[pred] += 1
    names = {u.key: u.name for u in reg.units}
    for succ, preds in preds_of.items():
        if len(preds) > 1:
            kind = LineageKind.MERGE
        elif successor_count[preds[0]] > 1:
            kind = LineageKind.SPLIT
        elif fold_name(names[preds[0]]) == fold_name(names[succ]):
            kind = LineageKind.REPARENT
        else:
            kind = LineageKind.RENAME
        for pred in preds:
            share = LineageShare.PART if successor_count[pred] > 1 else LineageShare.WHOLE
            reg.links.append(LinkRecord(pred, succ, new_from, kind, share, source))

    # 5. Portal codes (a data file: no package has them) and the converter's name aliases.
    with portal_csv.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            gso = gso_provinces.get(fold(row["province"]))
            if gso is None:
                reg.warnings.append(
                    f"portal code {row['portal_code']}: no province {row['province']!r}"
                )
                continue
            reg.codes.append(
                CodeRecord(
                    province_key[int(gso.code)],
                    CodeScheme.PORTAL,
                    row["portal_code"].strip(),
                    valid_from=new_from,
                )
            )
    by_folded_province = {
        fold_name(u.name): u.key for u in reg.units if u.key.startswith("province:")
    }
    for canonical, aliases in ADMIN_NAME_ALIASES_BY_CANONICAL.items():
        # Only province aliases are unambiguous ("thua thien hue" → Huế); a commune alias
        # would need the converter's scope, which it does not give.
        if canonical in by_folded_province:
            for alias in aliases:
                reg.codes.append(CodeRecord(by_folded_province[canonical], CodeScheme.ALIAS, alias))
    return reg

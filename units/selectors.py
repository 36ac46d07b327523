"""Reads of the unit registry shared by pages, the API, ingest and indicators.

Peer sets (DOMAIN §4): units rank among the units with the same parent and level that are
valid on the same day, so the key is "{parent_id}:{level}":
- provinces: the children of "Việt Nam" (63 before 2025-07-01, 34 since);
- departments of a province, and communes of a province (since 2025-07-01), are separate sets;
- district-level units of a province (before 2025-07-01) are a third set ("Dĩ An 1/9");
- a commune before 2025-07-01 ranks among the communes of its *district*. DOMAIN speaks of
  peers "within a province", but the seed ranks "the 7 wards of Dĩ An" among themselves, and a
  district is where such tables were published; a province-wide commune table can still be
  built from the district keys.
A re-parented unit is a new row (see units.models), so a row's key never changes; the date
only decides whether the unit exists.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, Value, When

from scoreboard.db import id_list
from units.models import (
    AdministrativeUnit,
    AdministrativeUnitQuerySet,
    LineageKind,
    LineageLink,
    LineageShare,
    UnitCode,
    UnitLevel,
    valid_on_q,
)

ROOT_PEER_KEY = "root:country"


def unit_get(*, pk: int) -> AdministrativeUnit:
    """Return one unit with its parent loaded."""
    return AdministrativeUnit.objects.select_related("parent").get(pk=pk)


def unit_get_by_code(
    *, code: str, as_of: datetime.date, scheme: str | None = None
) -> AdministrativeUnit | None:
    """Return the unit holding code (in scheme, or any) on as_of, or None if none or several."""
    codes = UnitCode.objects.filter(
        valid_on_q(as_of), valid_on_q(as_of, "unit__"), code__iexact=code.strip()
    )
    if scheme:
        codes = codes.filter(scheme=scheme)
    unit_ids = set(codes.values_list("unit_id", flat=True)[:2])
    return unit_get(pk=unit_ids.pop()) if len(unit_ids) == 1 else None


def unit_children(
    unit: AdministrativeUnit, *, as_of: datetime.date, level: str | None = None
) -> AdministrativeUnitQuerySet:
    """Return the children of unit valid on as_of, in Vietnamese order."""
    qs = AdministrativeUnit.objects.filter(parent=unit).valid_on(as_of)
    if level:
        qs = qs.filter(level=level)
    return qs.vietnamese_order()


def unit_descendants(
    *, scope: AdministrativeUnit, as_of: datetime.date, level: str | None = None
) -> AdministrativeUnitQuerySet:
    """Return the units below scope valid on as_of (with parents loaded), in Vietnamese order."""
    # The tree is at most three deep below the country (province → district → commune).
    qs = AdministrativeUnit.objects.valid_on(as_of).filter(
        Q(parent=scope) | Q(parent__parent=scope) | Q(parent__parent__parent=scope)
    )
    if level:
        qs = qs.filter(level=level)
    return qs.select_related("parent").vietnamese_order()


def unit_ancestors(unit: AdministrativeUnit) -> list[AdministrativeUnit]:
    """Return the ancestors of unit from the root down, in one query."""
    row = AdministrativeUnit.objects.select_related("parent__parent__parent__parent").get(
        pk=unit.pk
    )
    chain = []
    node = row.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def unit_search(
    text: str,
    *,
    as_of: datetime.date | None = None,
    limit: int = 50,
    within: Q | None = None,
) -> list[AdministrativeUnit]:
    """Return units whose folded name holds the folded text from the start of a word.

    "Di An" finds Dĩ An but not An Điền; "an" alone does not find Tân Bình.
    within (e.g. `Access.units_q()`) narrows the search before the limit, so a reader's
    results are the best among what they may open, not what is left of the country's.
    Exact names first, then names starting with the text, then the rest; each in
    Vietnamese order.
    """
    from units.text import fold

    folded = " ".join(fold(text).split())
    # The words in their order, from the start of a word: "di an" is not "an dien".
    qs = AdministrativeUnit.objects.filter(
        Q(search_name__startswith=folded) | Q(search_name__contains=f" {folded}")
    )
    if within is not None:
        qs = qs.filter(within)
    if as_of is not None:
        qs = qs.valid_on(as_of)
    closeness = Case(
        When(search_name=folded, then=Value(0)),
        When(search_name__startswith=folded, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    ordered = qs.select_related("parent").annotate(closeness=closeness)
    return list(ordered.order_by("closeness", "sort_key", "id")[:limit])


# --- Lineage ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineageStep:
    """One neighbour in a unit's history: who, when, how, and whether whole or in part."""

    unit: AdministrativeUnit
    effective_date: datetime.date
    kind: str
    share: str
    # True for a district's successors, read from its communes' links (districts have none).
    via_children: bool = False


@dataclass
class UnitLineage:
    unit: AdministrativeUnit
    predecessors: list[LineageStep] = field(default_factory=list)
    successors: list[LineageStep] = field(default_factory=list)


def unit_lineage(unit: AdministrativeUnit) -> UnitLineage:
    """Return the units unit came from and became, in a constant number of queries.

    A unit with no successor links whose children have some (a district abolished on
    2025-07-01) gets its children's successors, marked via_children: "TP Dĩ An → phường Dĩ An,
    Đông Hòa, Tân Đông Hiệp". Each is then PART, except where all of one successor's
    predecessors were its children.
    """
    result = UnitLineage(unit=unit)
    links = LineageLink.objects.filter(Q(predecessor=unit) | Q(successor=unit)).select_related(
        "predecessor__parent", "successor__parent"
    )
    for link in links.order_by(
        "effective_date", "predecessor__sort_key", "successor__sort_key", "id"
    ):
        if link.successor_id == unit.pk:
            result.predecessors.append(
                LineageStep(link.predecessor, link.effective_date, link.kind, link.share)
            )
        else:
            result.successors.append(
                LineageStep(link.successor, link.effective_date, link.kind, link.share)
            )
    if not result.successors and unit.valid_to is not None:
        last_day = unit.valid_to - datetime.timedelta(days=1)
        child_ids = set(unit_children(unit, as_of=last_day).values_list("id", flat=True))
        child_links = (
            LineageLink.objects.filter(predecessor_id__in=child_ids, effective_date=unit.valid_to)
            .select_related("successor__parent")
            .order_by("successor__sort_key", "successor_id")
        )
        successors: dict[int, AdministrativeUnit] = {}
        for link in child_links:
            successors[link.successor_id] = link.successor
        if successors:
            # The district went whole into its successor only if there is one and every
            # child link to it is whole; otherwise each successor took a part of it.
            whole = len(successors) == 1 and all(
                link.share == LineageShare.WHOLE for link in child_links
            )
            kind = LineageKind.MERGE if len(successors) == 1 else LineageKind.SPLIT
            share = LineageShare.WHOLE if whole else LineageShare.PART
            for succ in successors.values():
                result.successors.append(
                    LineageStep(succ, unit.valid_to, kind, share, via_children=True)
                )
    return result


# --- Peer sets ----------------------------------------------------------------------------------


def peer_key_of(parent_id: int | None, level: str) -> str:
    """The key of the peer set of a unit with this parent and level."""
    return ROOT_PEER_KEY if parent_id is None else f"{parent_id}:{level}"


@dataclass(frozen=True)
class UnitPeers:
    """Levels and peer keys of units valid on one date, found on the way by another read
    (`units.services.ExactMatches`): {unit id: (level, peer key)}."""

    as_of: datetime.date
    by_unit: dict[int, tuple[str, str]]


def unit_peer_key(unit: AdministrativeUnit, as_of: datetime.date) -> str:
    """Return the key of the peer set unit ranks in on as_of."""
    if not unit.is_valid_on(as_of):
        raise ValueError(f"unit {unit.pk} ({unit}) does not exist on {as_of}")
    return peer_key_of(unit.parent_id, unit.level)


def peer_keys(unit_ids, as_of: datetime.date) -> dict[int, str]:
    """Return {unit_id: peer key} for many units in one query; ValueError if one is not valid."""
    return {pk: key for pk, (_level, key) in unit_levels_and_peer_keys(unit_ids, as_of).items()}


def unit_levels_and_peer_keys(
    unit_ids, as_of: datetime.date, known: UnitPeers | None = None
) -> dict[int, tuple[str, str]]:
    """Return {unit_id: (level, peer key)} in one query; ValueError if one is not valid.

    `known`, when it is of the same date and holds every unit, answers without a query.
    """
    unit_ids = set(unit_ids)
    if known is not None and known.as_of == as_of and unit_ids <= known.by_unit.keys():
        return {pk: known.by_unit[pk] for pk in unit_ids}
    rows = (
        AdministrativeUnit.objects.filter(pk__in=id_list(unit_ids))
        .valid_on(as_of)
        .values_list("id", "parent_id", "level")
    )
    found = {pk: (level, peer_key_of(parent_id, level)) for pk, parent_id, level in rows}
    missing = unit_ids - found.keys()
    if missing:
        raise ValueError(f"units {sorted(missing)} do not exist on {as_of}")
    return found


def peer_units(peer_key: str, as_of: datetime.date) -> AdministrativeUnitQuerySet:
    """Return the units of one peer set on as_of, in Vietnamese order."""
    if peer_key == ROOT_PEER_KEY:
        return (
            AdministrativeUnit.objects.filter(level=UnitLevel.COUNTRY)
            .valid_on(as_of)
            .vietnamese_order()
        )
    parent_id, level = peer_key.split(":", 1)
    return (
        AdministrativeUnit.objects.filter(parent_id=int(parent_id), level=level)
        .valid_on(as_of)
        .vietnamese_order()
    )


# --- Units and codes on other dates ------------------------------------------------------------


@dataclass(frozen=True)
class ValidityElsewhere:
    """A unit that a text names or codes, valid at some time but not on the date asked."""

    unit: AdministrativeUnit
    valid_from: datetime.date | None  # of the unit, or of the code when a code matched
    valid_to: datetime.date | None  # exclusive
    code: str = ""
    scheme: str = ""


def _valid(start: datetime.date | None, end: datetime.date | None, as_of: datetime.date) -> bool:
    return (start is None or start <= as_of) and (end is None or as_of < end)


def units_valid_elsewhere(
    text: str, *, as_of: datetime.date, limit: int = 3
) -> list[ValidityElsewhere]:
    """Return the units text codes or names exactly that are not valid on as_of (≤ 2 queries).

    For a message such as "H29 is Hồ Chí Minh City's code from 01/07/2025": why a scope
    or a unit was not found on a date, when the reason is the date.
    """
    from units.text import fold

    text = (text or "").strip()
    if not text:
        return []
    found: list[ValidityElsewhere] = []
    bare = text.upper().lstrip("0") if text.isdigit() else text.upper()
    candidates = {text.upper(), bare, bare.zfill(2), bare.zfill(5)} - {""}
    codes = UnitCode.objects.filter(code__in=candidates).select_related("unit__parent")
    for code in codes.order_by("valid_from", "unit__sort_key")[:20]:
        if _valid(code.valid_from, code.valid_to, as_of) and _valid(
            code.unit.valid_from, code.unit.valid_to, as_of
        ):
            continue  # valid on the date: not this function's business
        start = max(d for d in (code.valid_from, code.unit.valid_from, datetime.date.min) if d)
        ends = [d for d in (code.valid_to, code.unit.valid_to) if d]
        found.append(
            ValidityElsewhere(
                code.unit,
                None if start == datetime.date.min else start,
                min(ends) if ends else None,
                code.code,
                code.scheme,
            )
        )
    if not found:
        named = (
            AdministrativeUnit.objects.filter(search_name=fold(text))
            .exclude(pk__in=AdministrativeUnit.objects.valid_on(as_of).values("pk"))
            .select_related("parent")
            .order_by("sort_key", "id")
        )
        # The largest units of that name only: "Bình Dương" after 2025 means the province
        # that ended, not the communes of that name that ended with it.
        order = list(UnitLevel)
        units = sorted(named[:50], key=lambda u: order.index(u.level))
        top = [u for u in units if u.level == units[0].level] if units else []
        found = [ValidityElsewhere(u, u.valid_from, u.valid_to) for u in top]
    return found[:limit]

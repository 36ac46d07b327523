"""Write paths of the unit registry, and matching loose names or codes to units."""

import dataclasses
import datetime
import difflib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, prefetch_related_objects
from django.utils.translation import gettext as _

from scoreboard.cache import version_bump
from units.loading import Registry, read_registry
from units.models import (
    KIND_LEVEL,
    AdministrativeUnit,
    CodeScheme,
    LineageLink,
    UnitCode,
    UnitKind,
    UnitLevel,
    full_name_for,
    valid_on_q,
)
from units.selectors import UnitPeers, peer_key_of
from units.text import code_key, fold, fold_name, parse_unit_name

# --- Loading ------------------------------------------------------------------------------------


@dataclass
class LoadCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_source: int = 0

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged" + (
            f", {self.not_in_source} not in the sources (kept)" if self.not_in_source else ""
        )


@dataclass
class LoadReport:
    units: LoadCounts = field(default_factory=LoadCounts)
    codes: LoadCounts = field(default_factory=LoadCounts)
    links: LoadCounts = field(default_factory=LoadCounts)
    warnings: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return self.units.created + self.codes.created + self.links.created


_UNIT_FIELDS = [
    "name",
    "full_name",
    "kind",
    "level",
    "parent_id",
    "valid_from",
    "valid_to",
    "search_name",
    "sort_key",
]


@transaction.atomic
def units_load(
    *, registry: Registry | None = None, progress: Callable[[str], None] | None = None
) -> LoadReport:
    """Create or update units, codes and lineage from the data packages; idempotent.

    1. read the packages into records (units.loading);
    2. upsert units level by level, parents first, writing only new or changed rows;
    3. upsert codes and lineage links the same way.
    Rows that left the sources are kept (scores may point at them) and only counted.
    """
    say = progress or (lambda message: None)
    if registry is None:
        say("Reading vietnam-provinces and vietnam-address-converter…")
        registry = read_registry()
    report = LoadReport(warnings=list(registry.warnings))

    loaded = AdministrativeUnit.objects.filter(source_key__isnull=False)
    rows = list(loaded.values_list("source_key", "id", *_UNIT_FIELDS))
    existing = {row[0]: row[2:] for row in rows}
    key_to_id = {row[0]: row[1] for row in rows}
    # Parents first: the country, provinces, districts, communes (the records are in that
    # order within each source, but a 2025 commune may follow an old district).
    depth: dict[str, int] = {}
    for rec in registry.units:
        depth[rec.key] = 0 if rec.parent_key is None else depth[rec.parent_key] + 1
    by_depth: dict[int, list] = defaultdict(list)
    for rec in registry.units:
        by_depth[depth[rec.key]].append(rec)

    for level_depth in sorted(by_depth):
        records = by_depth[level_depth]
        to_write = []
        for rec in records:
            unit = AdministrativeUnit(
                source_key=rec.key,
                name=rec.name,
                full_name=full_name_for(rec.kind, rec.name),
                kind=rec.kind,
                parent_id=key_to_id[rec.parent_key] if rec.parent_key else None,
                valid_from=rec.valid_from,
                valid_to=rec.valid_to,
            )
            unit.set_derived_fields()
            values = tuple(getattr(unit, f) for f in _UNIT_FIELDS)
            old = existing.get(rec.key)
            if old is None:
                report.units.created += 1
            elif tuple(old) != values:
                report.units.updated += 1
            else:
                report.units.unchanged += 1
                continue
            to_write.append(unit)
        if to_write:
            AdministrativeUnit.objects.bulk_create(
                to_write,
                batch_size=2000,
                update_conflicts=True,
                unique_fields=["source_key"],
                update_fields=[f.removesuffix("_id") for f in _UNIT_FIELDS],
            )
            # Children need their parents' ids; bulk_create does not return them for updated
            # rows on every backend, so read them back (all: no 10,000-item IN list).
            key_to_id = dict(loaded.values_list("source_key", "id"))
        levels = Counter(KIND_LEVEL[rec.kind] for rec in records)
        listed = ", ".join(f"{n} {UnitLevel(level).label}" for level, n in levels.items())
        say(f"  {listed}: {len(to_write)} written")
    loaded_keys = {rec.key for rec in registry.units}
    report.units.not_in_source = sum(1 for key in existing if key not in loaded_keys)
    say(f"Units: {report.units}")

    # Codes: keyed by (unit, scheme, code); validity is what may change.
    existing_codes = {
        (unit_id, scheme, code): (valid_from, valid_to)
        for unit_id, scheme, code, valid_from, valid_to in UnitCode.objects.filter(
            unit__source_key__isnull=False
        ).values_list("unit_id", "scheme", "code", "valid_from", "valid_to")
    }
    to_write = []
    seen = set()
    for rec in registry.codes:
        key = (key_to_id[rec.unit_key], rec.scheme, rec.code)
        seen.add(key)
        old = existing_codes.get(key)
        if old == (rec.valid_from, rec.valid_to):
            report.codes.unchanged += 1
            continue
        if old is None:
            report.codes.created += 1
        else:
            report.codes.updated += 1
        to_write.append(
            UnitCode(
                unit_id=key[0],
                scheme=rec.scheme,
                code=rec.code,
                valid_from=rec.valid_from,
                valid_to=rec.valid_to,
            )
        )
    if to_write:
        UnitCode.objects.bulk_create(
            to_write,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["unit", "scheme", "code"],
            update_fields=["valid_from", "valid_to"],
        )
    # Codes typed by hand (a portal code "H21.17") live beside loaded ones: never deleted.
    report.codes.not_in_source = sum(
        1
        for key in existing_codes
        if key not in seen and key[1] in (CodeScheme.GSO, CodeScheme.VAC)
    )
    say(f"Codes: {report.codes}")

    existing_links = {
        (p, s, d): (kind, share, source, note)
        for p, s, d, kind, share, source, note in LineageLink.objects.filter(
            predecessor__source_key__isnull=False, successor__source_key__isnull=False
        ).values_list(
            "predecessor_id", "successor_id", "effective_date", "kind", "share", "source", "note"
        )
    }
    to_write = []
    seen = set()
    for rec in registry.links:
        key = (key_to_id[rec.predecessor_key], key_to_id[rec.successor_key], rec.effective_date)
        seen.add(key)
        values = (rec.kind, rec.share, rec.source, rec.note)
        old = existing_links.get(key)
        if old == values:
            report.links.unchanged += 1
            continue
        if old is None:
            report.links.created += 1
        else:
            report.links.updated += 1
        to_write.append(
            LineageLink(
                predecessor_id=key[0],
                successor_id=key[1],
                effective_date=key[2],
                kind=rec.kind,
                share=rec.share,
                source=rec.source,
                note=rec.note,
            )
        )
    if to_write:
        LineageLink.objects.bulk_create(
            to_write,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["predecessor", "successor", "effective_date"],
            update_fields=["kind", "share", "source", "note"],
        )
    report.links.not_in_source = sum(1 for key in existing_links if key not in seen)
    say(f"Lineage links: {report.links}")
    # Bulk writes send no signals: what was cached with the old names and codes is dropped
    # here (the "units" version of scoreboard.cache, read by indicators.published_cache).
    version_bump("units", "published")
    transaction.on_commit(lambda: version_bump("units", "published"))
    return report


# --- Matching -----------------------------------------------------------------------------------


class MatchReason:
    """Why a text matched or did not (stable strings, for logs and tests)."""

    CODE = "code"
    ALIAS = "alias"  # a name an admin kept for the unit (units.services.unit_aliases_add)
    EXACT_NAME = "exact_name"
    NAME = "name"
    AMBIGUOUS = "ambiguous"
    UNKNOWN = "unknown"
    EMPTY = "empty"


@dataclass
class UnitMatch:
    """The unit a text names, or None with the closest candidates and the reason."""

    unit: AdministrativeUnit | None
    candidates: list[AdministrativeUnit]
    reason: str
    text: str = ""

    @property
    def ok(self) -> bool:
        return self.unit is not None

    @property
    def error(self) -> str:
        """Return a message for the user; empty when matched."""
        if self.unit is not None:
            return ""
        if self.reason == MatchReason.EMPTY:
            return _("No unit name or code given.")
        listed = "; ".join(unit_describe(c) for c in self.candidates)
        if self.reason == MatchReason.AMBIGUOUS:
            return _("“%(text)s” names several units: %(candidates)s. Use the unit code.") % {
                "text": self.text,
                "candidates": listed,
            }
        if listed:
            return _("Unknown unit “%(text)s”. Closest: %(candidates)s.") % {
                "text": self.text,
                "candidates": listed,
            }
        return _("Unknown unit “%(text)s”.") % {"text": self.text}


def unit_describe(unit: AdministrativeUnit) -> str:
    """Return "Phường Dĩ An (Thành phố Dĩ An)": enough to tell same-named units apart."""
    parent = unit.parent if unit.parent_id else None
    if parent is None or parent.level == UnitLevel.COUNTRY:
        return unit.full_name
    return f"{unit.full_name} ({parent.full_name})"


# Which scheme wins when one code means different units in different schemes (the converter's
# own numbers overlap GSO ones): the portal's codes, then GSO, then the converter's.
_SCHEME_ORDER = [CodeScheme.PORTAL, CodeScheme.GSO, CodeScheme.ALIAS, CodeScheme.VAC]


def unit_match(
    *,
    text: str,
    scope: AdministrativeUnit | None,
    as_of: datetime.date,
    level: str | None = None,
) -> UnitMatch:
    """Find the unit named or coded by text among the descendants of scope valid on as_of."""
    return unit_match_many(texts=[text], scope=scope, as_of=as_of, level=level)[0]


def unit_match_many(
    *,
    texts: Sequence[str],
    scope: AdministrativeUnit | None,
    as_of: datetime.date,
    level: str | None = None,
    max_candidates: int = 5,
) -> list[UnitMatch]:
    """Match many texts at once, in three queries (units in scope, their parents, their codes).

    For each text, in order: a code in any scheme; the exact name (case-insensitive, with
    diacritics: Sơn Hà is not Sơn Hạ); the folded name with prefixes removed (least stripped
    reading first), narrowed by the kind its prefix announces ("Phường Dĩ An" is the ward,
    not the city). Several units left → ambiguous; none → unknown with the closest names.
    Never a guess. scope None means the whole country.
    """
    suffixes = frozenset({fold(scope.name)}) if scope is not None else frozenset()
    return _match_in(
        _units_in_scope(scope, as_of, level), texts, as_of, max_candidates, scope_suffixes=suffixes
    )


@dataclass(frozen=True)
class ExactMatches:
    """What `unit_ids_by_exact_text` found, and the level of every unit it looked through."""

    found: dict[str, int]  # text → unit id
    ambiguous_codes: set[str]  # texts that are codes of several units (in the deciding scheme)
    levels: dict[int, str]  # every unit of the scope valid on the date → its level
    parents: dict[int, int | None]  # the same units → their parent's id
    as_of: datetime.date

    def units_at(self, level: str) -> set[int]:
        """The scope's units of one level: `units.selectors.unit_descendants`, as ids."""
        return {unit_id for unit_id, own in self.levels.items() if own == level}

    def levels_and_peer_keys(self, unit_ids) -> UnitPeers:
        """What `units.selectors.unit_levels_and_peer_keys` returns for these units, without
        asking the database again (they were all looked through, valid on `as_of`)."""
        return UnitPeers(
            as_of=self.as_of,
            by_unit={
                u: (self.levels[u], peer_key_of(self.parents[u], self.levels[u])) for u in unit_ids
            },
        )


def unit_ids_by_exact_text(
    *, texts: Sequence[str], scope: AdministrativeUnit | None, as_of: datetime.date
) -> ExactMatches:
    """The unit of each text that `unit_match_many` settles by a code or by its exact name.

    The same answer for those texts, from two light queries (ids, names, levels and parents
    of the units in scope; their codes) instead of loading every unit of the scope: a
    national indicator table names 3,355 communes, by name or by code. A text whose code
    means several units, or that names several units or none exactly, is left out: only
    `unit_match_many` may decide it, and word why.
    """
    scope_qs = _units_in_scope(scope, as_of, None)
    rows = list(scope_qs.order_by().values_list("id", "name", "full_name", "level", "parent_id"))
    ids, names, full_names, unit_levels, unit_parents = (
        zip(*rows, strict=True) if rows else [()] * 5
    )
    levels = dict(zip(ids, unit_levels, strict=True))
    parents = dict(zip(ids, unit_parents, strict=True))
    # Casefolded name or full name → the one unit it names, or None when it names several.
    by_exact: dict[str, int | None] = {}
    keys = [*map(str.casefold, names), *map(str.casefold, full_names)]
    for unit_id, key in zip(ids + ids, keys, strict=True):
        if by_exact.setdefault(key, unit_id) != unit_id:
            by_exact[key] = None
    by_code = _code_units(scope_qs, as_of) if rows else {}
    found, ambiguous = {}, set()
    for text in texts:
        stripped = (text or "").strip()
        if not stripped:
            continue
        if by_code:
            key = code_key(stripped)
            if key in by_code:  # a code decides, or leaves it to unit_match_many
                if by_code[key] is None:
                    ambiguous.add(text)
                else:
                    found[text] = by_code[key]
                continue
        unit_id = by_exact.get(" ".join(stripped.casefold().split()))
        if unit_id is not None:
            found[text] = unit_id
    return ExactMatches(
        found=found, ambiguous_codes=ambiguous, levels=levels, parents=parents, as_of=as_of
    )


def _code_units(scope_qs, as_of: datetime.date) -> dict[str, int | None]:
    """Each code key of the scope's units → the unit `_match_one` settles it on, or None when
    the scheme that decides gives it to several units (ambiguous)."""
    settled: dict[str, int | None] = {}
    for key, schemes in _scope_codes(scope_qs, as_of)[0].items():
        ids = _decisive(schemes)
        settled[key] = next(iter(ids)) if len(ids) == 1 else None
    return settled


def _scope_codes(
    scope_qs, as_of: datetime.date
) -> tuple[dict[str, dict[str, set[int]]], list[tuple[int, str]]]:
    """The codes of the scope's units valid on as_of: {code key: {scheme: unit ids}}, and the
    aliases as (unit id, alias), which also match as names."""
    by_code: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    aliases = []
    # A subquery, not a list of ids: a country-wide scope has 10,000 units before 2025.
    codes = UnitCode.objects.filter(valid_on_q(as_of), unit__in=scope_qs.values("id"))
    for unit_id, scheme, code in codes.values_list("unit_id", "scheme", "code"):
        by_code[code_key(code)][scheme].add(unit_id)
        if scheme == CodeScheme.ALIAS:
            aliases.append((unit_id, code))
    return by_code, aliases


def _decisive(schemes: dict[str, set[int]]) -> set[int]:
    """The units a code means: those of the first scheme, in _SCHEME_ORDER, that has it."""
    return next((schemes[s] for s in _SCHEME_ORDER if schemes.get(s)), set())


def unit_resolve(*, text: str, as_of: datetime.date) -> UnitMatch:
    """Find the unit a user means as a *scope* ("Bình Dương", "VN", "H29"), the country included.

    Like unit_match over every unit valid on as_of, with one rule more: a bare name shared by
    units of several levels means the largest ("Bình Dương" the province, not the communes of
    that name), since a scope is what a table ranks the children of. A prefix still decides
    ("Phường Bình Dương"), and same-level namesakes stay ambiguous.
    """
    match = _match_in(AdministrativeUnit.objects.valid_on(as_of), [text], as_of, max_candidates=50)[
        0
    ]
    if match.reason == MatchReason.AMBIGUOUS:
        top = min(_LEVEL_RANK[c.level] for c in match.candidates)
        largest = [c for c in match.candidates if _LEVEL_RANK[c.level] == top]
        if len(largest) == 1:
            return UnitMatch(largest[0], [], MatchReason.NAME, text)
    match.candidates = match.candidates[:5]
    return match


# Larger units first: the order of ambiguous candidates, and unit_resolve's preference.
_LEVEL_RANK = {
    UnitLevel.COUNTRY: 0,
    UnitLevel.PROVINCE: 1,
    UnitLevel.DISTRICT: 2,
    UnitLevel.DEPARTMENT: 3,
    UnitLevel.COMMUNE: 4,
}


def _match_in(
    scope_qs,
    texts: Sequence[str],
    as_of: datetime.date,
    max_candidates: int,
    scope_suffixes: frozenset[str] = frozenset(),
) -> list[UnitMatch]:
    """Match texts against the units of scope_qs and their codes valid on as_of.

    `scope_suffixes`: folded names of the scope, which a text may repeat after its own name
    ("UBND xã Kông Bơ La - Gia Lai", "Sở Y tế - tỉnh Gia Lai" in Gia Lai's table).
    """
    units = list(scope_qs.order_by("sort_key", "id"))
    # Parents only name candidates in messages; a national scope has 3,355 communes but 34
    # parents: one query for the distinct parents instead of a join that builds one per row.
    prefetch_related_objects(units, "parent")
    by_id = {u.id: u for u in units}
    by_exact: dict[str, set[int]] = defaultdict(set)
    by_folded: dict[str, set[int]] = defaultdict(set)
    for u in units:
        by_exact[u.name.casefold()].add(u.id)
        by_exact[u.full_name.casefold()].add(u.id)
        by_folded[u.search_name].add(u.id)
    by_code, aliases = _scope_codes(scope_qs, as_of) if units else ({}, [])
    for unit_id, alias in aliases:
        by_folded[fold_name(alias)].add(unit_id)

    names = _Names(by_id, by_exact, by_folded)
    memo: dict[str, UnitMatch] = {}  # a file names the same unit on many rows
    results = []
    for text in texts:
        if text not in memo:
            memo[text] = _match_one(
                _without_scope_suffix(text, scope_suffixes), by_code, names, max_candidates
            )
            memo[text].text = text
        results.append(dataclasses.replace(memo[text], candidates=list(memo[text].candidates)))
    return results


@dataclass
class _Names:
    """The names of the units a text is matched against, as the matcher looks them up."""

    by_id: dict[int, AdministrativeUnit]
    by_exact: dict[str, set[int]]
    by_folded: dict[str, set[int]]
    _compact: dict[str, set[int]] | None = None
    _close: "_CloseNames | None" = None

    def compact(self, folded: str) -> set[int]:
        """Units whose folded name is `folded` once spaces go ("alba" for "Al Bá")."""
        if self._compact is None:  # built on the first name not found otherwise
            self._compact = defaultdict(set)
            for name, ids in self.by_folded.items():
                self._compact[name.replace(" ", "")].update(ids)
        return self._compact.get(folded.replace(" ", ""), set())

    def closest(self, folded: str, n: int) -> list[str]:
        if self._close is None:
            self._close = _CloseNames(list(self.by_folded))
        return self._close.closest(folded, n)


def _without_scope_suffix(text: str, suffixes: frozenset[str]) -> str:
    """The text without a trailing " - X" or " - tỉnh X" that names the scope itself."""
    head, dash, tail = (text or "").rpartition(" - ")
    if dash and head.strip() and fold(tail) in suffixes:
        return head
    return text


class _CloseNames:
    """The folded names closest to a text by difflib ratio, without comparing them all.

    difflib over 10,000 names costs ~40 ms per unknown text; names sharing no trigram with
    the text cannot come close, so only the best-sharing few are scored.
    """

    def __init__(self, names: list[str], cutoff: float = 0.6, shortlist: int = 60):
        self.names, self.cutoff, self.shortlist = names, cutoff, shortlist
        self._index: dict[str, list[int]] | None = None

    @staticmethod
    def _grams(text: str) -> set[str]:
        padded = f"  {text} "
        return {padded[i : i + 3] for i in range(len(padded) - 2)}

    def closest(self, text: str, n: int) -> list[str]:
        if self._index is None:  # built on the first unknown text only
            self._index = defaultdict(list)
            for i, name in enumerate(self.names):
                for gram in self._grams(name):
                    self._index[gram].append(i)
        shared: Counter[int] = Counter()
        for gram in self._grams(text):
            shared.update(self._index.get(gram, ()))
        scored = []
        for i, _count in shared.most_common(self.shortlist):
            ratio = difflib.SequenceMatcher(None, text, self.names[i]).ratio()
            if ratio >= self.cutoff:
                scored.append((-ratio, self.names[i]))
        return [name for _, name in sorted(scored)[:n]]


def _units_in_scope(scope: AdministrativeUnit | None, as_of: datetime.date, level: str | None):
    """Return the queryset of scope's descendants valid on as_of (all units if scope is None)."""
    qs = AdministrativeUnit.objects.valid_on(as_of)
    if scope is not None:
        # The tree is at most three deep below the country (province → district → commune),
        # so a unit of the scope has for parent the scope or one of its few descendants that
        # are not communes. Looked up first, they make a filter on the parent index instead
        # of three self-joins over every unit (half the time for a national scope).
        parents = (
            AdministrativeUnit.objects.filter(Q(parent=scope) | Q(parent__parent=scope))
            .exclude(level=UnitLevel.COMMUNE)
            .values("id")
        )
        qs = qs.filter(Q(parent=scope) | Q(parent__in=parents))
    else:
        qs = qs.exclude(level=UnitLevel.COUNTRY)
    if level:
        qs = qs.filter(level=level)
    return qs


def _match_one(text, by_code, names: _Names, max_candidates) -> UnitMatch:
    by_id, by_exact, by_folded = names.by_id, names.by_exact, names.by_folded

    def units_of(ids) -> list:
        return sorted(
            (by_id[i] for i in ids), key=lambda u: (_LEVEL_RANK[u.level], u.sort_key, u.id)
        )

    stripped = (text or "").strip()
    if not stripped:
        return UnitMatch(None, [], MatchReason.EMPTY, text)

    schemes = by_code.get(code_key(stripped), {})
    ids = _decisive(schemes)
    if len(ids) == 1:
        # An alias is a name the admin gave the unit, not a code: a row it matches keeps
        # the file's portal code for the unit, as one matched by any name does.
        by_alias = next(s for s in _SCHEME_ORDER if schemes.get(s)) == CodeScheme.ALIAS
        reason = MatchReason.ALIAS if by_alias else MatchReason.CODE
        return UnitMatch(by_id[next(iter(ids))], [], reason, text)
    if ids:
        return UnitMatch(None, units_of(ids)[:max_candidates], MatchReason.AMBIGUOUS, text)

    exact = by_exact.get(" ".join(stripped.casefold().split()))
    if exact and len(exact) == 1:
        return UnitMatch(by_id[next(iter(exact))], [], MatchReason.EXACT_NAME, text)

    parsed = parse_unit_name(stripped)  # only now: most texts of a file are exact names

    for variant in parsed.variants:
        ids = by_folded.get(variant.folded)
        if not ids:
            continue
        if len(ids) > 1 and exact:
            # Two units fold alike but the text spells one exactly, diacritics and all.
            narrowed = ids & exact
            ids = narrowed or ids
        if len(ids) > 1 and variant.kinds:
            narrowed = {i for i in ids if by_id[i].kind in variant.kinds}
            # A prefix that contradicts the registry ("TX Bến Cát" for what is now a city)
            # narrows nothing rather than excluding the only candidate.
            ids = narrowed or ids
        if len(ids) == 1:
            return UnitMatch(by_id[next(iter(ids))], [], MatchReason.NAME, text)
        return UnitMatch(None, units_of(ids)[:max_candidates], MatchReason.AMBIGUOUS, text)

    # Spacing inside a name: "Albá" is "Al Bá" when nothing else folds to the same letters.
    for variant in parsed.variants:
        ids = names.compact(variant.folded)
        if len(ids) == 1:
            return UnitMatch(by_id[next(iter(ids))], [], MatchReason.NAME, text)

    close = names.closest(parsed.folded, n=max_candidates)
    candidates: list = []
    for name in close:
        candidates.extend(units_of(by_folded[name]))
    return UnitMatch(None, candidates[:max_candidates], MatchReason.UNKNOWN, text)


@transaction.atomic
def department_register(
    *,
    province: AdministrativeUnit,
    name: str,
    valid_from: datetime.date,
    portal_code: str | None = None,
) -> tuple[AdministrativeUnit, bool]:
    """Register a provincial department (sở, ban, ngành) under `province` as a file names it
    ("Sở Y tế - tỉnh Gia Lai" is "Sở Y tế"), valid from `valid_from`, with the file's code
    as its portal code; the department already registered by that name is returned as is.
    Return (unit, created)."""
    if province.level != UnitLevel.PROVINCE:
        raise ValueError(f"{province} is not a province")
    bare = " ".join(_without_scope_suffix(name, frozenset({fold(province.name)})).split())
    folded = fold_name(bare)
    existing = next(
        (
            u
            for u in AdministrativeUnit.objects.filter(
                parent=province, level=UnitLevel.DEPARTMENT
            ).valid_on(valid_from)
            if fold_name(u.name) == folded
        ),
        None,
    )
    unit = existing or AdministrativeUnit.objects.create(
        name=bare,
        full_name=bare,
        kind=UnitKind.DEPARTMENT,
        level=UnitLevel.DEPARTMENT,
        parent=province,
        valid_from=valid_from,
    )
    if portal_code and not UnitCode.objects.filter(unit=unit, scheme=CodeScheme.PORTAL).exists():
        UnitCode.objects.create(
            unit=unit, scheme=CodeScheme.PORTAL, code=portal_code.strip(), valid_from=valid_from
        )
    return unit, existing is None


def units_keep_portal_codes(*, codes: Sequence[Sequence], valid_from: datetime.date) -> int:
    """Keep each (unit id, code) as the unit's portal code, so later files match by code even
    when the portal renames the unit; a code the unit already has is left alone. Return how
    many were added."""
    wanted = {(int(unit_id), code) for unit_id, code in codes}
    if not wanted:
        return 0
    have = set(
        UnitCode.objects.filter(
            scheme=CodeScheme.PORTAL, code__in={code for _unit, code in wanted}
        ).values_list("unit_id", "code")
    )
    new = [
        UnitCode(unit_id=unit_id, scheme=CodeScheme.PORTAL, code=code, valid_from=valid_from)
        for unit_id, code in sorted(wanted - have)
    ]
    UnitCode.objects.bulk_create(new)
    return len(new)


class AliasRefused(ValueError):
    """An alias that cannot be kept: the sentence says why, for the admin who picked it."""


def unit_alias_text(text: str, *, scope: AdministrativeUnit) -> str:
    """The alias a name as a file writes it is kept under: without a trailing " - X" that
    names the scope (the matcher strips it before looking), spaces collapsed."""
    return " ".join(_without_scope_suffix(text, frozenset({fold(scope.name)})).split())


@transaction.atomic
def unit_aliases_add(
    *,
    scope: AdministrativeUnit,
    as_of: datetime.date,
    picks: Sequence[tuple[str, AdministrativeUnit]],
) -> list[UnitCode]:
    """Keep each (name as a file writes it, unit) as an alias of the unit, so the name
    matches that unit in `scope` from now on; all or none.

    Refused (AliasRefused, nothing kept) when a unit is not one of the scope's on `as_of`, or
    when, with the aliases added, a name would not name its unit alone in the scope (another
    unit already folds to it, or two picks give one name to two units): matching never
    guesses, so an alias must not make it. The check is the matcher's own answer.
    """
    in_scope = set(_units_in_scope(scope, as_of, None).values_list("id", flat=True))
    wanted: dict[str, AdministrativeUnit] = {}
    for text, unit in picks:
        alias = unit_alias_text(text, scope=scope)
        if not alias:
            raise AliasRefused(_("An empty name cannot be an alias."))
        if unit.pk not in in_scope:
            raise AliasRefused(
                _("%(unit)s is not a unit of %(scope)s on %(date)s.")
                % {
                    "unit": unit_describe(unit),
                    "scope": scope.full_name,
                    "date": as_of.strftime("%d/%m/%Y"),
                }
            )
        if wanted.setdefault(alias, unit).pk != unit.pk:
            raise AliasRefused(
                _("“%(text)s” cannot be the name of both %(first)s and %(second)s.")
                % {
                    "text": alias,
                    "first": unit_describe(wanted[alias]),
                    "second": unit_describe(unit),
                }
            )
    texts = list(wanted)
    # An alias is looked up like a code, before any name: one that a unit of the scope
    # already answers to would take the name from it (or hide that it names several).
    before = unit_match_many(texts=texts, scope=scope, as_of=as_of)
    for alias, match in zip(texts, before, strict=True):
        if match.reason == MatchReason.UNKNOWN or (match.ok and match.unit.pk == wanted[alias].pk):
            continue
        _refuse_alias(alias, wanted[alias], match, scope=scope)
    have = set(
        UnitCode.objects.filter(
            scheme=CodeScheme.ALIAS, unit__in=[u.pk for u in wanted.values()]
        ).values_list("unit_id", "code")
    )
    created = [
        UnitCode.objects.create(unit=unit, scheme=CodeScheme.ALIAS, code=alias)
        for alias, unit in wanted.items()
        if (unit.pk, alias) not in have
    ]
    after = unit_match_many(texts=texts, scope=scope, as_of=as_of)
    for alias, match in zip(texts, after, strict=True):
        if not (match.ok and match.unit.pk == wanted[alias].pk):
            # Raising rolls the aliases back: nothing is kept from a refused submission.
            _refuse_alias(alias, wanted[alias], match, scope=scope)
    return created


def _refuse_alias(alias: str, unit: AdministrativeUnit, match: UnitMatch, *, scope) -> None:
    others = [c for c in match.candidates if c.pk != unit.pk]
    if match.ok and match.unit.pk != unit.pk:
        others.insert(0, match.unit)
    raise AliasRefused(
        _(
            "“%(text)s” would not name %(unit)s alone in %(scope)s: %(others)s already "
            "answer to it. Pick another unit or correct the file."
        )
        % {
            "text": alias,
            "unit": unit_describe(unit),
            "scope": scope.full_name,
            "others": "; ".join(unit_describe(u) for u in others) or "—",
        }
    )

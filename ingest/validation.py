"""The steps of the pipeline that need the database: the framework's limits, the units a
table names, and the scope's coverage; then the inputs of `indicators.services`.

`ingest.parsers` reads and checks the table (pure); this module resolves each distinct
(code, name) once through `units.services`, checks that no unit is given twice and that the
peer set is complete, and hands the values over as they are: scoring is
`indicators.scoring`'s alone, behind the loaders of `indicators.services`.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from indicators.models import Framework
from indicators.scoring import ARRAY_COUNT_DIGITS, NO_POINTS
from indicators.services import GroupInput, IndicatorCounts, IndicatorInput
from ingest import portal_json
from ingest.messages import MAX_ISSUES, CellRef, Failure, Issue, report
from ingest.parsers import ParsedTable, TableLimits, parse_table, repeats
from units.models import AdministrativeUnit, CodeScheme, UnitCode, UnitLevel
from units.selectors import unit_descendants
from units.services import (
    ExactMatches,
    MatchReason,
    UnitMatch,
    unit_describe,
    unit_ids_by_exact_text,
    unit_match_many,
)
from units.text import fold, looks_like_department

_COUNT_LIMIT = 10**ARRAY_COUNT_DIGITS  # whole counts below it are scored as numpy columns


@dataclass
class ValidatedTable:
    """A parsed file whose rows name known units; ready to load into a draft snapshot."""

    kind: str | None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    group_inputs: list[GroupInput] = field(default_factory=list)
    # An indicator table: columns of whole counts, or (any blank, decimal or huge count)
    # one input per row; both go to the loaders of indicators.services.
    indicator_counts: IndicatorCounts | None = None
    indicator_inputs: list[IndicatorInput] = field(default_factory=list)
    unit_ids: set[int] = field(default_factory=set)
    row_count: int = 0
    level: str | None = None
    is_synthetic: bool = False
    # Rows naming no known unit that look like departments of the province (code, name):
    # what `ingest.services.upload_register_departments` registers on an admin's word.
    departments: list[tuple[str | None, str]] = field(default_factory=list)
    # (unit id, portal code) of rows matched by name whose code the registry lacks.
    portal_codes: list[tuple[int, str]] = field(default_factory=list)


def framework_limits(framework: Framework) -> TableLimits:
    """The limits a table is checked against: the framework version's own rows."""
    fields = ("code", "name", "five_group_code", "max_points", "is_combined", "api_codes")
    return TableLimits.build(
        groups=framework.groups.order_by("position").values(*fields),
        indicators=framework.indicators.order_by("position").values("code", "max_points"),
        bands=framework.bands.order_by("-min_total").values("name"),
    )


def validate_upload_bytes(
    data: bytes,
    *,
    filename: str,
    sheet: str | None,
    scope: AdministrativeUnit,
    as_of: datetime.date,
    framework: Framework | None,
) -> ValidatedTable:
    """Read and validate a file: the one road of every upload, whatever its interface.

    1. `parsers.parse_table` with the framework's limits: decoded, checked, worded.
    2. `validate_table`: units resolved, duplicates and coverage checked, inputs built.
    """
    limits = framework_limits(framework) if framework is not None else None
    table = parse_table(data, filename=filename, sheet=sheet, limits=limits)
    return validate_table(table, scope=scope, as_of=as_of, framework=framework)


def validate_table(
    table: ParsedTable,
    *,
    scope: AdministrativeUnit,
    as_of: datetime.date,
    framework: Framework | None,
) -> ValidatedTable:
    """Check a parsed table against the registry and the scope; build the snapshot inputs."""
    result = ValidatedTable(
        kind=table.kind,
        errors=list(table.errors),
        warnings=list(table.warnings),
        row_count=table.row_count,
    )
    place = _place(table)
    if framework is None:
        _add(result, place, [Failure("no_framework", None, None, str(as_of), (("date", as_of),))])
        return result
    if not table.row_count:
        if not result.errors:
            _add(result, place, [Failure("no_rows", None, None)])
        return result
    if not _names_the_scope(table, scope):
        named = " · ".join(filter(None, (table.scope_name, table.scope_code)))
        failure = Failure("scope_mismatch", None, None, params=(("named", named), ("scope", scope)))
        _add(result, place, [failure])
        return result
    pairs, pair_index, numbers = table.units.values, table.units.index, table.ref_rows
    columns = table.indicator_columns
    extra = columns.indicators.index if columns is not None else None
    resolved = _resolve(pairs, scope=scope, as_of=as_of)
    result.level = resolved.level
    departments = _department_pairs(table, resolved, pairs, scope=scope)
    result.departments = [pairs[p] for p in sorted(departments)]
    failures = _unit_failures(
        resolved, pairs, pair_index, numbers, scope=scope, as_of=as_of, departments=departments
    )
    row_units = resolved.ids[pair_index]
    failures += _repeated_units(table, resolved, row_units, numbers, extra)
    result.portal_codes, clashes = _new_portal_codes(resolved, pairs)
    failures += [
        Failure("portal_code_clash", int(numbers[k]), 0, pairs[p][0], (("unit", unit),))
        for p, unit in clashes.items()
        for k in np.flatnonzero(pair_index == p)[:1].tolist()
    ]
    _add(result, place, failures)
    result.unit_ids = set(row_units[row_units > 0].tolist())
    if result.errors:
        return result
    _add(result, place, _missing_units(resolved, result.unit_ids, scope=scope, as_of=as_of))
    if result.errors:
        return result
    if table.indicator_columns is not None:
        _indicator_inputs(result, table, row_units, resolved, framework=framework)
    else:
        result.group_inputs = [
            GroupInput(unit_id=int(u), groups=r.groups, official_total=r.official_total)
            for u, r in zip(row_units.tolist(), table.group_rows, strict=True)
        ]
    return result


def _names_the_scope(table: ParsedTable, scope: AdministrativeUnit) -> bool:
    """False when the file says it is about another scope (the portal's JSON names its own:
    "Cả nước", or "UBND tỉnh Gia Lai" with code H21); True when it says nothing."""
    if table.scope_name is None and table.scope_code is None:
        return True
    if table.scope_code:
        codes = set(scope.codes.filter(scheme=CodeScheme.PORTAL).values_list("code", flat=True))
        if codes:
            return table.scope_code in codes
    names = {fold(scope.name)}
    if scope.level == UnitLevel.COUNTRY:
        names |= portal_json.COUNTRY_NAMES
    return fold(table.scope_name or "") in names


def _place(table: ParsedTable):
    """Where a registry failure is: a row's unit (column 0 of its Failure), or the file; an
    item of the portal's JSON says which unit by itself."""
    from django.utils.translation import gettext as _

    def ref(row: int | None, column: int | None) -> CellRef:
        unit = column is not None and table.source_format != "json"
        return table.ref(row, _("Unit") if unit else None)

    return ref


def _add(result: ValidatedTable, place, failures: list[Failure]) -> None:
    errors, warnings = report(failures, ref=place, max_issues=MAX_ISSUES)
    result.errors += errors
    result.warnings += warnings


# ---------------------------------------------------------------------------------------------
# Units, once per distinct (code, name)


@dataclass
class _Resolved:
    ids: np.ndarray  # per pair: the unit id, 0 when it failed
    matches: list[UnitMatch | None]  # per pair, where worked out by unit_match_many
    level: str | None
    exact: ExactMatches | None  # set when codes and exact names settled every pair


def _resolve(
    pairs: list[tuple[str | None, str | None]], *, scope: AdministrativeUnit, as_of: datetime.date
) -> _Resolved:
    """Each pair's unit: by code when given, else (or when the code fails) by name.

    Most tables, national ones above all, name their units by codes or exact names: two
    queries settle them (`unit_ids_by_exact_text`). Any pair those leave open sends the
    table to `unit_match_many`, which folds names, lists candidates and settles a name that
    is ambiguous across levels ("Dĩ An" the city and the ward) by the level the table's
    other units share, since a table holds one peer set.
    """
    settled = _settled_by_exact_texts(pairs, scope=scope, as_of=as_of)
    if settled is not None:
        ids, deciding, exact = settled
        levels = Counter(exact.levels[exact.found[text]] for text in deciding)
        level = levels.most_common(1)[0][0] if levels else None
        return _Resolved(np.asarray(ids, dtype=np.int64), [None] * len(ids), level, exact)
    matches, level = _match_pairs(pairs, scope=scope, as_of=as_of)
    ids = np.asarray([m.unit.pk if m.ok else 0 for m in matches], dtype=np.int64)
    return _Resolved(ids, list(matches), level, None)


def _settled_by_exact_texts(
    pairs: list[tuple[str | None, str | None]], *, scope: AdministrativeUnit, as_of: datetime.date
) -> tuple[list[int], set[str], ExactMatches] | None:
    """Each pair's unit as `_match_pairs` settles it, when codes and exact names settle them
    all; else None. Also the texts that decided (a level is counted once per text there).

    Per pair, as `_match_pairs`: a code that settles a unit decides; a code that means
    several units leaves the decision to the name; without a code, the name decides.
    """
    if not pairs:
        return None
    codes = [code for code, _name in pairs if code]
    names = [name for _code, name in pairs if name]
    exact = unit_ids_by_exact_text(
        texts=list(dict.fromkeys([*codes, *names])), scope=scope, as_of=as_of
    )
    ids, deciding = [], set()
    for code, name in pairs:
        text = code if code and code not in exact.ambiguous_codes else name
        if not text or text not in exact.found:
            return None
        ids.append(exact.found[text])
        deciding.add(text)
    return ids, deciding, exact


def _match_texts(
    texts: list[str], *, scope: AdministrativeUnit, as_of: datetime.date, level: str | None = None
) -> dict[str, UnitMatch]:
    # A blank text matches nothing; without this, a file without a code column would load
    # every unit of the scope once more just to learn that "" is no code.
    distinct = list(dict.fromkeys(texts))
    blank = [t for t in distinct if not t.strip()]
    filled = [t for t in distinct if t.strip()]
    matches = {t: UnitMatch(None, [], MatchReason.EMPTY, t) for t in blank}
    if filled:
        found = unit_match_many(texts=filled, scope=scope, as_of=as_of, level=level)
        matches.update(zip(filled, found, strict=True))
    return matches


def _match_pairs(
    pairs: list[tuple[str | None, str | None]], *, scope: AdministrativeUnit, as_of: datetime.date
) -> tuple[list[UnitMatch], str | None]:
    codes = [code or "" for code, _name in pairs]
    names = [name or "" for _code, name in pairs]
    by_code = _match_texts(codes, scope=scope, as_of=as_of)
    by_name = _match_texts(names, scope=scope, as_of=as_of)
    matches = []
    for code, name in zip(codes, names, strict=True):
        c, n = by_code[code], by_name[name]
        # Both unknown: the closest *names* are what helps the admin (and what they pick
        # from); the closest codes to "H21.227" mean nothing.
        unknown = c.reason == n.reason == MatchReason.UNKNOWN and name.strip()
        matches.append(c if c.ok else (n if n.ok or not code.strip() or unknown else c))
    levels = Counter(m.unit.level for m in {id(m): m for m in matches if m.ok}.values())
    level = levels.most_common(1)[0][0] if levels else None
    ambiguous = [i for i, m in enumerate(matches) if m.reason == MatchReason.AMBIGUOUS]
    if level and ambiguous:

        def deciding(i: int) -> str:
            return codes[i] if by_code[codes[i]].reason == MatchReason.AMBIGUOUS else names[i]

        again = _match_texts(
            [deciding(i) for i in ambiguous], scope=scope, as_of=as_of, level=level
        )
        for i in ambiguous:
            if again[deciding(i)].ok:
                matches[i] = again[deciding(i)]
    return matches, level


def _new_portal_codes(
    resolved: _Resolved, pairs: list
) -> tuple[list[tuple[int, str]], dict[int, str]]:
    """The portal codes of pairs found by their name, and the pairs whose code is already
    another unit's (a clash: never a guess) with that unit's name.

    A code of digits is a GSO code, which the registry holds; the portal writes "H21.227".
    """
    found = {
        p: (int(resolved.ids[p]), code.strip())
        for p, (code, _name) in enumerate(pairs)
        if code
        and not code.strip().isdigit()
        and resolved.ids[p] > 0
        and resolved.matches[p] is not None
        and resolved.matches[p].reason != MatchReason.CODE
    }
    if not found:
        return [], {}
    taken = dict(
        UnitCode.objects.filter(
            scheme=CodeScheme.PORTAL, code__in={code for _unit, code in found.values()}
        ).values_list("code", "unit__full_name")
    )
    owners = dict(
        UnitCode.objects.filter(scheme=CodeScheme.PORTAL, code__in=taken).values_list(
            "code", "unit_id"
        )
    )
    clashes = {
        p: taken[code] for p, (unit, code) in found.items() if owners.get(code, unit) != unit
    }
    keep = sorted({found[p] for p in found if p not in clashes})
    return keep, clashes


def _department_pairs(
    table: ParsedTable, resolved: _Resolved, pairs: list, *, scope: AdministrativeUnit
) -> set[int]:
    """The unresolved pairs of a province's table that are departments: the file says so
    (childGroup AGENCY) or the name is one (units.text.looks_like_department)."""
    if scope.level != UnitLevel.PROVINCE or table.indicator_columns is not None:
        return set()
    agency = {
        (r.unit_code, r.unit_name)
        for r in table.group_rows
        if (r.child_group or "").upper() == portal_json.AGENCY
    }
    return {
        p
        for p, (code, name) in enumerate(pairs)
        if resolved.ids[p] == 0
        and name
        and ((code, name) in agency or looks_like_department(name))
        and (resolved.matches[p] is None or resolved.matches[p].reason != MatchReason.AMBIGUOUS)
    }


def _unit_failures(
    resolved: _Resolved,
    pairs: list,
    pair_index: np.ndarray,
    numbers: np.ndarray,
    *,
    scope: AdministrativeUnit,
    as_of: datetime.date,
    departments: set[int] = frozenset(),
) -> list[Failure]:
    """An error on each row whose unit is unknown or ambiguous."""
    failures = []
    failed = resolved.ids[pair_index] == 0
    for k in np.flatnonzero(failed).tolist():
        p = int(pair_index[k])
        match = resolved.matches[p]
        code, name = pairs[p]
        shown = name or code or ""
        listed = "; ".join(unit_describe(c) for c in match.candidates) if match else ""
        if match is not None and match.reason == MatchReason.AMBIGUOUS:
            key = "ambiguous_unit"
        elif p in departments:
            key = "unknown_department"
        else:
            key = "unknown_unit.candidates" if listed else "unknown_unit"
        params = {
            "scope": scope.full_name,
            "candidates": listed,
            "date": as_of.strftime("%d/%m/%Y"),
        }
        failures.append(Failure(key, int(numbers[k]), 0, shown, tuple(params.items())))
    return failures


def _repeated_units(
    table: ParsedTable,
    resolved: _Resolved,
    row_units: np.ndarray,
    numbers: np.ndarray,
    extra: np.ndarray | None,
) -> list[Failure]:
    """An error on each row that gives a unit (and indicator) again under another spelling;
    the rows the parser already reported as repeated are not reported twice."""
    known = np.flatnonzero(row_units > 0)
    repeated, first = repeats(row_units[known], None if extra is None else extra[known])
    if not len(repeated):
        return []
    reported = {
        e.ref.row
        for e in table.errors
        if e.code in ("duplicate_unit", "duplicate_indicator") and e.ref
    }
    ids = {int(row_units[known[k]]) for k in repeated.tolist()}
    units = {
        u.pk: u for u in AdministrativeUnit.objects.filter(pk__in=ids).select_related("parent")
    }
    failures = []
    for k, f in zip(repeated.tolist(), first.tolist(), strict=True):
        row = int(numbers[known[k]])
        if row in reported:
            continue
        first_row = int(numbers[known[f]])
        code, name = table.units[known[k]]
        shown = name or code or ""
        unit = unit_describe(units[int(row_units[known[k]])])
        failures.append(
            Failure(
                "duplicate_unit.registry", row, 0, shown, (("unit", unit), ("first", first_row))
            )
        )
    return failures


def _missing_units(
    resolved: _Resolved, unit_ids: set[int], *, scope: AdministrativeUnit, as_of: datetime.date
) -> list[Failure]:
    """An error when units of the peer set are not in the file: their rank out of n and
    everyone else's would be wrong."""
    if not resolved.level:
        return []
    expected = unit_descendants(scope=scope, as_of=as_of, level=resolved.level)
    if resolved.exact is not None:
        expected_ids = resolved.exact.units_at(resolved.level)
    else:
        # Ids first (a national scope has 3,321 communes); units only for the message.
        expected_ids = set(expected.values_list("pk", flat=True))
    missing = sorted(expected_ids - unit_ids)
    if not missing:
        return []
    from django.utils.translation import gettext as _

    names = "; ".join(unit_describe(u) for u in expected.filter(pk__in=missing[:20]))
    more = len(missing) - 20
    params = {
        "count": len(missing),
        "scope": scope.full_name,
        "names": names,
        "more": (_(" and %(n)s more") % {"n": more}) if more > 0 else "",
    }
    return [Failure("missing_units", None, 0, None, tuple(params.items()))]


# ---------------------------------------------------------------------------------------------
# Inputs


def _indicator_inputs(
    result: ValidatedTable,
    table: ParsedTable,
    row_units: np.ndarray,
    resolved: _Resolved,
    *,
    framework: Framework,
) -> None:
    """Hand the counts over as columns when they are whole numbers the array scoring takes,
    else as one input per row; warn when units lack indicators."""
    columns = table.indicator_columns
    expected = framework.indicators.count()
    per_unit = np.unique(row_units, return_counts=True)[1]
    short = int((per_unit < expected).sum())
    if short:
        failure = Failure(
            "indicators_missing", None, None, None, (("count", short), ("total", expected))
        )
        _add(result, _place(table), [failure])
    # Each column holds only the values its rows use (parsers._subset): one None sends all.
    whole = [_whole(v) for v in columns.numerators.values]
    whole_d = [_whole(v) for v in columns.denominators.values]
    cents = [_cents(v) for v in columns.portal_points.values]
    if None in whole or None in whole_d or None in cents:
        result.indicator_inputs = [
            IndicatorInput(int(u), r.indicator_code, r.numerator, r.denominator, r.portal_points)
            for u, r in zip(row_units.tolist(), table.rows, strict=True)
        ]
        return
    portal = np.asarray(cents, dtype=np.int64)[columns.portal_points.index]
    result.indicator_counts = IndicatorCounts(
        unit_ids=row_units,
        indicator_codes=columns.indicators.values,
        indicator_index=columns.indicators.index,
        numerators=np.asarray(whole, dtype=np.int64)[columns.numerators.index],
        denominators=np.asarray(whole_d, dtype=np.int64)[columns.denominators.index],
        portal_cents=portal if any(c != NO_POINTS for c in cents) else None,
        unit_peers=resolved.exact.levels_and_peer_keys(result.unit_ids) if resolved.exact else None,
    )


def _whole(value: Decimal | None) -> int | None:
    """A count the array scoring takes (whole, below 10⁹), else None."""
    if value is None or value != value.to_integral_value() or not 0 <= value < _COUNT_LIMIT:
        return None
    return int(value)


def _cents(value: Decimal | None) -> int | None:
    """Portal points in hundredths (NO_POINTS when blank); None when finer than that."""
    if value is None:
        return NO_POINTS
    scaled = value.scaleb(2)
    return int(scaled) if scaled == scaled.to_integral_value() else None

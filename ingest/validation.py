"""Validation that needs the database: units named in a parsed file, and the scope's coverage.

The pure checks (numbers, maxima, columns, encodings) live in `ingest.parsers`; this module
adds what only the registry can tell — which unit a row names, whether two rows name the same
unit, and which units of the scope the file leaves out — and turns the rows into the inputs of
`indicators.services`.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
from django.utils.translation import gettext as _

from indicators.models import Framework
from indicators.services import GroupInput, IndicatorCounts, IndicatorInput
from ingest.columnar import PlainIndicatorTable, read_plain_indicator_table
from ingest.parsers import (
    CellRef,
    Issue,
    ParsedTable,
    fast_constructor,
    gc_paused,
    parse_table,
)
from scoreboard.arrays import all_distinct, factorize
from units.models import AdministrativeUnit
from units.selectors import unit_descendants
from units.services import (
    ExactMatches,
    MatchReason,
    UnitMatch,
    unit_describe,
    unit_ids_by_exact_text,
    unit_match_many,
)


@dataclass
class ValidatedTable:
    """A parsed file whose rows name known units; ready to load into a draft snapshot."""

    kind: str | None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    group_inputs: list[GroupInput] = field(default_factory=list)
    indicator_inputs: list[IndicatorInput] = field(default_factory=list)
    # Set instead of indicator_inputs when the file took the columnar short path.
    indicator_counts: IndicatorCounts | None = None
    unit_ids: set[int] = field(default_factory=set)
    row_count: int = 0
    level: str | None = None
    is_synthetic: bool = False


_indicator_input = fast_constructor(IndicatorInput)


def framework_limits(framework: Framework) -> dict:
    """Return the parser arguments (group maxima, indicator ids) of a framework version."""
    framework_groups = list(framework.groups.all())
    groups = {g.code: g.max_points for g in framework_groups}
    combined: dict[str, object] = {}
    for g in framework_groups:
        combined[g.five_group_code] = combined.get(g.five_group_code, 0) + g.max_points
    for code, total in combined.items():
        groups.setdefault(code, total)
    indicator_max = dict(framework.indicators.values_list("code", "max_points"))
    return {
        "group_max": groups,
        "known_indicators": list(indicator_max),
        "indicator_max": indicator_max,
    }


def validate_upload_bytes(
    data: bytes,
    *,
    filename: str,
    sheet: str | None,
    scope: AdministrativeUnit,
    as_of: datetime.date,
    framework: Framework | None,
) -> ValidatedTable:
    """Parse and validate a file in one call (the CLI's dry run and the services use it)."""
    limits = framework_limits(framework) if framework is not None else {}
    if framework is not None:
        plain = read_plain_indicator_table(
            data,
            filename=filename,
            sheet=sheet,
            known_indicators=limits["known_indicators"],
            indicator_max=limits["indicator_max"],
        )
        if plain is not None:
            validated = validate_plain_table(
                plain, scope=scope, as_of=as_of, indicator_count=len(limits["known_indicators"])
            )
            if validated is not None:
                return validated
    table = parse_table(data, filename=filename, sheet=sheet, **limits)
    return validate_table(table, scope=scope, as_of=as_of, framework=framework)


def validate_plain_table(
    plain: PlainIndicatorTable,
    *,
    scope: AdministrativeUnit,
    as_of: datetime.date,
    indicator_count: int,
) -> ValidatedTable | None:
    """Validate a table read by the columnar short path, or None when it needs the full path.

    The same checks as `validate_table` on distinct units rather than rows; it accepts the
    file only where that function would find nothing to say — every unit known and given
    once per indicator, every unit of the peer set present, every indicator given — so any
    message comes from the full path.
    """
    found = _match_plain_units(plain.units, scope=scope, as_of=as_of)
    if found is None:
        return None
    pair_units, level, expected, exact = found
    unit_ids = pair_units[plain.unit_index]
    distinct = set(pair_units.tolist())
    # Two spellings of one unit, a unit short of an indicator, a unit of the peer set left
    # out: validate_table words each of them.
    if plain.row_count != len(distinct) * indicator_count:
        return None
    _distinct, unit_position = factorize(unit_ids)
    if not all_distinct(unit_position * indicator_count + plain.indicator_index):
        return None
    if expected is None:
        scope_units = unit_descendants(scope=scope, as_of=as_of, level=level)
        expected = set(scope_units.order_by().values_list("pk", flat=True))
    if expected != distinct:
        return None
    return ValidatedTable(
        kind="indicator",
        indicator_counts=IndicatorCounts(
            unit_ids=unit_ids,
            indicator_codes=plain.indicators,
            indicator_index=plain.indicator_index,
            numerators=plain.numerators,
            denominators=plain.denominators,
            portal_cents=plain.portal_cents,
            unit_peers=exact.levels_and_peer_keys(distinct) if exact else None,
        ),
        unit_ids=distinct,
        row_count=plain.row_count,
        level=level,
    )


def _issue(
    table: ParsedTable,
    code: str,
    row: int | None,
    column: str | None,
    message: str,
    fix: str,
    value: str | None,
    severity: str = "error",
) -> Issue:
    return Issue(
        code=code,
        message=message,
        ref=CellRef(file=table.file, sheet=table.sheet, row=row, column=column),
        value=value,
        fix=fix,
        severity=severity,
    )


def _match_plain_units(
    units: list[tuple[str, str]], *, scope: AdministrativeUnit, as_of: datetime.date
) -> tuple[np.ndarray, str, set[int] | None, ExactMatches | None] | None:
    """Unit id of each distinct (code, name), the level they share and, when known on the way,
    the ids of the scope's units of that level and what the exact look-up found; None if a
    unit fails.

    A table whose units are settled by their codes, or (without a code) by their exact names,
    as national exports are, is matched by `unit_ids_by_exact_text`; anything else by
    `_match_rows`, as the full path. A code that settles its unit decides there too, whatever
    the name beside it says.
    """
    settled = _settled_by_exact_texts(units, scope=scope, as_of=as_of) if units else None
    if settled is not None:
        ids, deciding, exact = settled
        levels = Counter(exact.levels[exact.found[text]] for text in deciding)
        level = levels.most_common(1)[0][0]
        return np.asarray(ids, dtype=np.int64), level, exact.units_at(level), exact
    pairs = [SimpleNamespace(unit_code=code, unit_name=name) for code, name in units]
    matches, level = _match_rows(pairs, scope=scope, as_of=as_of)
    if level is None or not all(m.ok for m in matches):
        return None
    return np.asarray([m.unit.pk for m in matches], dtype=np.int64), level, None, None


def _settled_by_exact_texts(
    units: list[tuple[str, str]], *, scope: AdministrativeUnit, as_of: datetime.date
) -> tuple[list[int], set[str], ExactMatches] | None:
    """Each pair's unit as `_match_rows` settles it, when codes and exact names settle them
    all; else None. Also the texts that decided (a level is counted once per text there).

    Per pair, as `_match_rows`: a code that settles a unit decides; a code that means several
    units leaves the decision to the name; without a code, the name decides. Anything a
    looser reading might settle (a folded name, a level narrowing an ambiguity) is its job.
    """
    codes = [code for code, _name in units if code.strip()]
    exact = unit_ids_by_exact_text(
        texts=list(dict.fromkeys([*codes, *(name for _code, name in units)])),
        scope=scope,
        as_of=as_of,
    )
    ids, deciding = [], set()
    for code, name in units:
        text = code if code.strip() and code not in exact.ambiguous_codes else name
        if text not in exact.found:
            return None
        ids.append(exact.found[text])
        deciding.add(text)
    return ids, deciding, exact


def _where(table: ParsedTable, row: int | None) -> str:
    parts = [table.file]
    if table.sheet:
        parts.append(_("sheet “%(sheet)s”") % {"sheet": table.sheet})
    if row:
        parts.append(_("row %(row)s") % {"row": row})
    return ", ".join(parts)


def _match_texts(
    texts: list[str], *, scope: AdministrativeUnit, as_of: datetime.date, level: str | None = None
) -> dict[str, UnitMatch]:
    # An indicator table names each unit 21 times: match each distinct text once. A blank
    # text matches nothing; without this, a file without a code column would load every unit
    # of the scope once more just to learn that "" is no code.
    distinct = list(dict.fromkeys(texts))
    blank = [t for t in distinct if not t.strip()]
    filled = [t for t in distinct if t.strip()] if blank else distinct
    matches = {t: UnitMatch(None, [], MatchReason.EMPTY, t) for t in blank}
    if filled:
        found = unit_match_many(texts=filled, scope=scope, as_of=as_of, level=level)
        matches.update(zip(filled, found, strict=True))
    return matches


def _match_rows(
    rows: list, *, scope: AdministrativeUnit, as_of: datetime.date
) -> tuple[list[UnitMatch], str | None]:
    """Match every row's unit: by code when given, else (or when the code fails) by name.

    A name that is ambiguous across levels ("Dĩ An" the city and the ward) is settled by the
    level that the file's unambiguous rows share, since a table holds one peer set.
    An indicator table names each unit on 21 rows: each distinct (code, name) is worked out
    once and the rows share its match.
    """
    keys = [(r.unit_code or "", r.unit_name or "") for r in rows]
    pairs = list(dict.fromkeys(keys))
    codes = [code for code, _name in pairs]
    names = [name for _code, name in pairs]
    by_code = _match_texts(codes, scope=scope, as_of=as_of)
    by_name = _match_texts(names, scope=scope, as_of=as_of)
    matches = []
    for code, name in pairs:
        c, n = by_code[code], by_name[name]
        matches.append(c if c.ok else (n if n.ok or not code.strip() else c))
    levels = Counter(m.unit.level for m in {id(m): m for m in matches if m.ok}.values())
    level = levels.most_common(1)[0][0] if levels else None
    if level and any(m.reason == MatchReason.AMBIGUOUS for m in matches):
        texts = [
            code if by_code[code].reason == MatchReason.AMBIGUOUS else name
            for (code, name), m in zip(pairs, matches, strict=True)
            if m.reason == MatchReason.AMBIGUOUS
        ]
        again = _match_texts(texts, scope=scope, as_of=as_of, level=level)
        for i, m in enumerate(matches):
            if m.reason == MatchReason.AMBIGUOUS:
                code, name = pairs[i]
                text = code if by_code[code].reason == MatchReason.AMBIGUOUS else name
                if again[text].ok:
                    matches[i] = again[text]
    by_pair = dict(zip(pairs, matches, strict=True))
    return [by_pair[key] for key in keys], level


def validate_table(
    table: ParsedTable,
    *,
    scope: AdministrativeUnit,
    as_of: datetime.date,
    framework: Framework | None,
) -> ValidatedTable:
    """Check a parsed table against the registry and the scope; build the snapshot inputs."""
    # A national file becomes 70,000 inputs: see parsers.gc_paused.
    with gc_paused():
        return _validate_table(table, scope=scope, as_of=as_of, framework=framework)


def _validate_table(
    table: ParsedTable,
    *,
    scope: AdministrativeUnit,
    as_of: datetime.date,
    framework: Framework | None,
) -> ValidatedTable:
    result = ValidatedTable(
        kind=table.kind, errors=list(table.errors), warnings=list(table.warnings)
    )
    result.row_count = len(table.rows)
    if framework is None:
        result.errors.append(
            _issue(
                table,
                "no_framework",
                None,
                None,
                _("%(where)s: no version of the 766 framework is valid on %(date)s.")
                % {"where": table.file, "date": as_of},
                _("Check the as-of date of the upload."),
                str(as_of),
            )
        )
        return result
    if not table.rows:
        if not result.errors:
            result.errors.append(
                _issue(
                    table,
                    "no_rows",
                    None,
                    None,
                    _("%(where)s: the file has no data rows.") % {"where": _where(table, None)},
                    _("Export the table again with its rows."),
                    None,
                )
            )
        return result

    matches, level = _match_rows(table.rows, scope=scope, as_of=as_of)
    result.level = level
    unit_column = _("Unit")
    seen: dict[tuple, int] = {}
    # The parser already reports rows whose folded names repeat; report each row once.
    already_duplicate = {
        e.ref.row
        for e in table.errors
        if e.code in ("duplicate_unit", "duplicate_indicator") and e.ref
    }
    # Rows share their match objects: look each unit id up once, not 70,000 times.
    unit_ids = {id(m): m.unit.pk for m in {id(m): m for m in matches}.values() if m.ok}
    indicator_table = table.kind == "indicator"
    add_indicator = result.indicator_inputs.append
    for row, match in zip(table.rows, matches, strict=True):
        unit_id = unit_ids.get(id(match))
        if unit_id is None:
            shown = row.unit_name or row.unit_code or ""
            listed = "; ".join(unit_describe(c) for c in match.candidates)
            if match.reason == MatchReason.AMBIGUOUS:
                message = _(
                    "%(where)s: “%(value)s” names several units of %(scope)s: %(candidates)s."
                )
                fix = _("Add the unit code (column “Mã đơn vị”) or write the name in full.")
            else:
                message = _("%(where)s: “%(value)s” is not a unit of %(scope)s on %(date)s.")
                fix = (
                    (_("Did you mean: %(candidates)s?") % {"candidates": listed})
                    if listed
                    else _("Check the spelling, the scope and the as-of date of the upload.")
                )
            result.errors.append(
                _issue(
                    table,
                    "unknown_unit" if match.reason != MatchReason.AMBIGUOUS else "ambiguous_unit",
                    row.ref_row,
                    unit_column,
                    message
                    % {
                        "where": _where(table, row.ref_row),
                        "value": shown,
                        "scope": scope.full_name,
                        "candidates": listed,
                        "date": as_of.strftime("%d/%m/%Y"),
                    },
                    fix,
                    shown,
                )
            )
            continue
        key = (unit_id, row.indicator_code) if indicator_table else (unit_id,)
        first = seen.get(key)
        if first is not None:
            if row.ref_row in already_duplicate:
                continue
            shown = row.unit_name or row.unit_code or ""
            result.errors.append(
                _issue(
                    table,
                    "duplicate_unit",
                    row.ref_row,
                    unit_column,
                    _("%(where)s: “%(value)s” is %(unit)s, already given in row %(first)s.")
                    % {
                        "where": _where(table, row.ref_row),
                        "value": shown,
                        "unit": unit_describe(match.unit),
                        "first": first,
                    },
                    _("Keep one row per unit (and indicator); delete or correct the other."),
                    shown,
                )
            )
            continue
        seen[key] = row.ref_row
        if indicator_table:
            add_indicator(
                _indicator_input(
                    unit_id, row.indicator_code, row.numerator, row.denominator, row.portal_points
                )
            )
        else:
            result.group_inputs.append(
                GroupInput(unit_id=unit_id, groups=row.groups, official_total=row.official_total)
            )
    # Every matched row's unit is in the table: a repeated row names a unit already counted.
    result.unit_ids = set(unit_ids.values())

    if level and not result.errors:
        expected = unit_descendants(scope=scope, as_of=as_of, level=level)
        # Ids first (a national scope has 3,355 communes); units only for the message.
        missing = [pk for pk in expected.values_list("pk", flat=True) if pk not in result.unit_ids]
        if missing:
            names = "; ".join(unit_describe(u) for u in expected.filter(pk__in=missing[:20]))
            more = len(missing) - 20
            result.errors.append(
                _issue(
                    table,
                    "missing_units",
                    None,
                    unit_column,
                    _(
                        "%(where)s: %(count)s unit(s) of %(scope)s are missing from the file: %(names)s%(more)s."
                    )
                    % {
                        "where": table.file,
                        "count": len(missing),
                        "scope": scope.full_name,
                        "names": names,
                        "more": (_(" and %(n)s more") % {"n": more}) if more > 0 else "",
                    },
                    _(
                        "Every unit of the peer set must be in the file, or its rank out of n would be wrong: add the missing rows."
                    ),
                    None,
                )
            )
    if table.kind == "indicator" and not result.errors:
        expected_count = framework.indicators.count()
        # Without errors every (unit, indicator) is known and given once, so a full count
        # means no unit is short; only otherwise count per unit.
        short = []
        if len(result.indicator_inputs) < expected_count * len(result.unit_ids):
            per_unit = Counter(i.unit_id for i in result.indicator_inputs)
            short = [uid for uid, n in per_unit.items() if n < expected_count]
        if short:
            result.warnings.append(
                _issue(
                    table,
                    "indicators_missing",
                    None,
                    None,
                    _(
                        "%(where)s: %(count)s unit(s) lack some of the %(total)s indicators; those indicators count as “no data”."
                    )
                    % {"where": table.file, "count": len(short), "total": expected_count},
                    _("Add the missing indicator rows if the portal shows them."),
                    None,
                    severity="warning",
                )
            )
    return result

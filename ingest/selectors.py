"""Reads of the import pipeline: upload history and the dry-run preview of a draft."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from indicators.models import IndicatorGroup, Snapshot, UnitScore
from indicators.selectors import group_figures, snapshot_previous_published
from ingest.models import Upload

JUMP_LIMIT = 5  # how many of the biggest rises and falls the preview lists
# The error code of a row whose unit is unknown (ingest.messages): the names an admin may pick.
UNKNOWN_UNIT = "unknown_unit"
# A province has a few hundred units; a national scope's 3,321 communes would make each select
# a page long: beyond this, only the candidates are offered.
PICK_CHOICES_LIMIT = 1000


def upload_list(*, scope_ids: list[int] | None = None) -> QuerySet[Upload]:
    """Return uploads newest first, with what the history table shows already joined."""
    qs = Upload.objects.select_related("scope", "uploaded_by", "snapshot")
    if scope_ids is not None:
        qs = qs.filter(scope_id__in=scope_ids)
    return qs


@dataclass
class PreviewRow:
    unit_id: int
    unit_label: str
    old_total: Decimal | None
    new_total: Decimal | None
    old_rank: int | None
    new_rank: int | None
    peer_count: int | None
    old_band: str | None
    new_band: str | None
    official_total: Decimal | None
    recomputed_total: Decimal | None
    totals_disagree: bool
    group_changes: dict[str, tuple[Decimal | None, Decimal | None]] = field(default_factory=dict)

    @property
    def delta(self) -> Decimal | None:
        if self.old_total is None or self.new_total is None:
            return None
        return self.new_total - self.old_total

    @property
    def is_new(self) -> bool:
        return self.old_total is None and self.old_rank is None

    @property
    def band_changed(self) -> bool:
        return self.old_band is not None and self.old_band != self.new_band


@dataclass
class Preview:
    draft: Snapshot
    previous: Snapshot | None
    rows: list[PreviewRow]
    missing_units: list[str]

    @property
    def rises(self) -> list[PreviewRow]:
        moved = [r for r in self.rows if r.delta is not None and r.delta > 0]
        return sorted(moved, key=lambda r: r.delta, reverse=True)[:JUMP_LIMIT]

    @property
    def falls(self) -> list[PreviewRow]:
        moved = [r for r in self.rows if r.delta is not None and r.delta < 0]
        return sorted(moved, key=lambda r: r.delta)[:JUMP_LIMIT]

    @property
    def new_units(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.is_new] if self.previous else []

    @property
    def changed_total_count(self) -> int:
        """Units already published whose total this file changes (for the confirmation)."""
        return sum(1 for r in self.rows if r.delta)

    @property
    def changed_rank_count(self) -> int:
        return sum(1 for r in self.rows if r.old_rank is not None and r.old_rank != r.new_rank)

    @property
    def band_changes(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.band_changed]

    @property
    def disagreements(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.totals_disagree]


def _scores(snapshot_id: int) -> dict[int, UnitScore]:
    rows = UnitScore.objects.filter(snapshot_id=snapshot_id).select_related("unit", "band")
    return {s.unit_id: s for s in rows}


def _groups(
    snapshot: Snapshot | None, groups: dict[int, IndicatorGroup]
) -> dict[int, dict[str, Decimal | None]]:
    """Each unit's group figures by group code (official first), as tuples: a national
    draft has ~23,500 of them."""
    if snapshot is None:
        return {}
    return {
        unit_id: {
            groups[group_id].code: points if official is None else official
            for group_id, (points, official, _rank, _count) in figures.items()
        }
        for unit_id, figures in group_figures(snapshot).items()
    }


def upload_preview(*, upload: Upload) -> Preview | None:
    """Compare an upload's draft with the published snapshot it would replace, in a constant
    number of queries."""
    if upload.snapshot_id is None:
        return None
    draft = Snapshot.objects.select_related("scope").get(pk=upload.snapshot_id)
    # The published snapshot this draft would replace (same date: a correction) or follow.
    previous = snapshot_previous_published(draft, same_date=True)
    new_scores = _scores(draft.pk)
    old_scores = _scores(previous.pk) if previous else {}
    frameworks = {draft.framework_id} | ({previous.framework_id} if previous else set())
    groups = IndicatorGroup.objects.filter(framework_id__in=frameworks).in_bulk()
    new_groups = _groups(draft, groups)
    old_groups = _groups(previous, groups)
    rows = []
    for unit_id, new in new_scores.items():
        old = old_scores.get(unit_id)
        changes = {}
        for code, value in new_groups.get(unit_id, {}).items():
            before = old_groups.get(unit_id, {}).get(code)
            if old is not None and before != value:
                changes[code] = (before, value)
        rows.append(
            PreviewRow(
                unit_id=unit_id,
                unit_label=new.unit.short_label,
                old_total=old.ranking_total if old else None,
                new_total=new.ranking_total,
                old_rank=old.rank if old else None,
                new_rank=new.rank,
                peer_count=new.peer_count,
                old_band=old.band.label if old and old.band_id else None,
                new_band=new.band.label if new.band_id else None,
                official_total=new.official_total,
                recomputed_total=new.total,
                totals_disagree=new.totals_disagree,
                group_changes=changes,
            )
        )
    rows.sort(key=lambda r: (r.new_rank is None, r.new_rank or 0, r.unit_label))
    missing = [s.unit.short_label for uid, s in old_scores.items() if uid not in new_scores]
    return Preview(draft=draft, previous=previous, rows=rows, missing_units=sorted(missing))


def issues_in_row_order(issues: list[dict]) -> list[dict]:
    """Sort stored issues as the file reads: file-wide ones first, then sheet, row, column.

    Validation reports by check (all unknown units, then all bad numbers…); a person fixing
    the file goes down it row by row. Letters compare by length first, so Z comes before AA.
    """

    def key(issue: dict):
        ref = issue.get("ref") or {}
        letter = ref.get("letter") or ""
        return (
            ref.get("row") is not None,
            ref.get("sheet") or "",
            ref.get("row") or 0,
            (len(letter), letter),
            ref.get("column") or "",
        )

    return sorted(issues or [], key=key)


@dataclass
class UnknownName:
    """A name an upload's rows give that no unit of its scope answers to, and the units of
    the scope it reads closest to (units.services.unit_match_many), for the admin's pick."""

    text: str
    rows: list[int]
    candidates: list = field(default_factory=list)


def upload_unknown_names(upload: Upload, *, with_candidates: bool = True) -> list[UnknownName]:
    """The names of a rejected upload's "unknown unit" errors, in the file's order, derived
    from what validation stored (Upload.errors): a department is registered, not picked."""
    from units.services import unit_match_many

    names: dict[str, UnknownName] = {}
    for issue in issues_in_row_order(upload.errors):
        if issue.get("code") == UNKNOWN_UNIT and issue.get("value"):
            row = (issue.get("ref") or {}).get("row")
            entry = names.setdefault(issue["value"], UnknownName(issue["value"], []))
            if row is not None:
                entry.rows.append(row)
    found = list(names.values())
    if with_candidates and found:
        matches = unit_match_many(
            texts=[n.text for n in found], scope=upload.scope, as_of=upload.as_of
        )
        for name, match in zip(found, matches, strict=True):
            name.candidates = match.candidates
    return found


def upload_pick_choices(upload: Upload, names: list[UnknownName]) -> list:
    """Every unit of the upload's scope an unknown name may be picked as, beyond its
    candidates: the scope's units at the candidates' levels (all levels when none); none
    when there are more than PICK_CHOICES_LIMIT."""
    from units.selectors import unit_descendants

    levels = {c.level for n in names for c in n.candidates}
    units = unit_descendants(scope=upload.scope, as_of=upload.as_of)
    if levels:
        units = units.filter(level__in=levels)
    units = list(units[: PICK_CHOICES_LIMIT + 1])
    return units if len(units) <= PICK_CHOICES_LIMIT else []

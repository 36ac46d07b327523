"""Reads of actions for the pages, the API, exports and (later) the alerts app.

Every list is filtered by the viewer's `accounts.access.Access` (`units_q`): a chair reads the
actions of their own unit and the units below it, nothing else.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.access import Access, access_for_user
from accounts.models import Membership, Role
from actions.models import ACTIVE_STATUSES, Action
from indicators.models import Indicator, IndicatorGroup, Snapshot, SnapshotStatus, UnitScore
from indicators.selectors import snapshot_latest_published
from units.models import AdministrativeUnit

UP, SAME, DOWN = "up", "same", "down"

_RELATED = (
    "unit__parent__parent__parent",
    "snapshot__scope",
    "group",
    "indicator",
    "owner",
    "created_by",
)


def action_list(
    *,
    access: Access,
    unit_ids: Sequence[int] | None = None,
    owner_id: int | None = None,
    statuses: Sequence[str] | None = None,
    due_before: datetime.date | None = None,
    due_after: datetime.date | None = None,
) -> QuerySet[Action]:
    """Return the actions the viewer may read, filtered, soonest due first (1 query)."""
    actions = Action.objects.filter(access.units_q("unit__")).select_related(*_RELATED)
    if unit_ids is not None:
        actions = actions.filter(unit_id__in=unit_ids)
    if owner_id is not None:
        actions = actions.filter(owner_id=owner_id)
    if statuses:
        actions = actions.filter(status__in=statuses)
    if due_before is not None:
        actions = actions.filter(due_date__lte=due_before)
    if due_after is not None:
        actions = actions.filter(due_date__gte=due_after)
    return actions.order_by("due_date", "pk")


def action_get(*, access: Access, pk: int) -> Action | None:
    """Return one action the viewer may read, with its comments and history, or None."""
    return (
        action_list(access=access)
        .prefetch_related("comments__author", "changes__actor")
        .filter(pk=pk)
        .first()
    )


def overdue_actions(
    *, today: datetime.date | None = None, access: Access | None = None
) -> QuerySet[Action]:
    """Return the actions still to do whose due date has passed, oldest due first.

    For the pages' flags and for the alerts app, which tells each owner and creator; without
    access, every unit's (a job's view).
    """
    today = today or timezone.localdate()
    actions = Action.objects.select_related(*_RELATED).filter(
        status__in=ACTIVE_STATUSES, due_date__lt=today
    )
    if access is not None:
        actions = actions.filter(access.units_q("unit__"))
    return actions.order_by("due_date", "pk")


def owner_choices(*, unit: AdministrativeUnit, including=None) -> list:
    """Return the users who may own an action of unit: roles on it or above it.

    `including` (the person assigning) is offered too when they may read the unit, whatever
    their role (a superuser). Each user carries `is_unit_chair` (chairs the unit itself: the
    default owner).
    """
    ancestors, node = [], unit
    while node is not None:
        ancestors.append(node.pk)
        node = node.parent if node.parent_id else None
    memberships = list(
        Membership.objects.filter(unit_id__in=ancestors).values_list("user_id", "unit_id", "role")
    )
    chairs = {
        u for u, unit_id, role in memberships if unit_id == unit.pk and role == Role.UNIT_CHAIR
    }
    ids = {u for u, _unit, _role in memberships}
    if including is not None and including.is_authenticated:
        ids.add(including.pk)
    users = get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username")
    found = [u for u in users if access_for_user(u).can_read_unit(unit)]
    for user in found:
        user.is_unit_chair = user.pk in chairs
    return found


# --- Did it work? ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFigures:
    """A unit's total, group points and indicator points in one snapshot."""

    total: Decimal | None
    groups: dict[int, Decimal | None] = field(default_factory=dict)
    indicators: dict[int, Decimal | None] = field(default_factory=dict)

    def of(self, *, group_id: int | None, indicator_id: int | None) -> Decimal | None:
        if indicator_id is not None:
            return self.indicators.get(indicator_id)
        if group_id is not None:
            return self.groups.get(group_id)
        return self.total


def unit_figures(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], UnitFigures]:
    """Return the figures of (snapshot id, unit id) pairs in 5 queries."""
    pairs = set(pairs)
    if not pairs:
        return {}
    snapshot_ids = {s for s, _u in pairs}
    unit_ids = {u for _s, u in pairs}
    scores = [
        score
        for score in UnitScore.objects.filter(snapshot_id__in=snapshot_ids, unit_id__in=unit_ids)
        .select_related("snapshot")
        .with_group_scores()
        .with_indicator_values()
        if (score.snapshot_id, score.unit_id) in pairs
    ]
    frameworks = {score.snapshot.framework_id for score in scores}
    groups = IndicatorGroup.objects.filter(framework_id__in=frameworks).in_bulk()
    indicators = Indicator.objects.filter(framework_id__in=frameworks).in_bulk()
    result = {}
    for score in scores:
        result[(score.snapshot_id, score.unit_id)] = UnitFigures(
            total=score.ranking_total,
            groups={g.group_id: g.ranking_points for g in score.group_scores(groups)},
            indicators={v.indicator_id: v.points for v in score.indicator_values(indicators)},
        )
    return result


def figure_of(*, snapshot: Snapshot, unit_id: int, group_id=None, indicator_id=None):
    """Return one unit's figure for a target (indicator, group or total) in snapshot."""
    figures = unit_figures([(snapshot.pk, unit_id)]).get((snapshot.pk, unit_id))
    return figures.of(group_id=group_id, indicator_id=indicator_id) if figures else None


def movement(
    before: Decimal | None, now: Decimal | None, *, due_date: datetime.date, today: datetime.date
) -> str | None:
    """Say whether the figure moved ("up", "same", "down"), once the due date has passed."""
    if today <= due_date or before is None or now is None:
        return None
    if now > before:
        return UP
    return DOWN if now < before else SAME


@dataclass(frozen=True)
class ActionView:
    """An action with its figure when created and in the latest published snapshot."""

    action: Action
    now: Decimal | None
    now_snapshot: Snapshot | None
    overdue: bool
    moved: str | None  # UP, SAME, DOWN once the due date has passed, else None

    @property
    def before(self) -> Decimal | None:
        return self.action.baseline

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.now is None:
            return None
        return self.now - self.before


def latest_published(snapshots: Iterable[Snapshot]) -> dict[int, Snapshot | None]:
    """Map each snapshot id to the latest published one of its scope and period."""
    latest: dict[tuple[int, str], Snapshot | None] = {}
    result = {}
    for snapshot in snapshots:
        key = (snapshot.scope_id, snapshot.period)
        if key not in latest:
            latest[key] = snapshot_latest_published(scope=snapshot.scope, period=snapshot.period)
        result[snapshot.pk] = latest[key]
    return result


def action_views(
    actions: Iterable[Action], *, today: datetime.date | None = None
) -> list[ActionView]:
    """Add to actions their figure now, overdue flags and whether the figure moved.

    "Now" is the latest published snapshot of the scope and period that prompted the action
    (one query per distinct scope and period, then 3).
    """
    actions = list(actions)
    today = today or timezone.localdate()
    latest = latest_published({a.snapshot_id: a.snapshot for a in actions}.values())
    pairs = {(latest[a.snapshot_id].pk, a.unit_id) for a in actions if latest[a.snapshot_id]}
    figures = unit_figures(pairs)
    views = []
    for a in actions:
        now_snapshot = latest[a.snapshot_id]
        found = figures.get((now_snapshot.pk, a.unit_id)) if now_snapshot else None
        now = found.of(group_id=a.group_id, indicator_id=a.indicator_id) if found else None
        views.append(
            ActionView(
                action=a,
                now=now,
                now_snapshot=now_snapshot,
                overdue=a.is_overdue(today),
                moved=movement(a.baseline, now, due_date=a.due_date, today=today),
            )
        )
    return views


def unit_open_actions(*, access: Access, unit: AdministrativeUnit) -> list[ActionView]:
    """The unit's actions still to do, with their figures (for the unit page)."""
    return action_views(action_list(access=access, unit_ids=[unit.pk], statuses=ACTIVE_STATUSES))


def is_published(snapshot: Snapshot) -> bool:
    return snapshot.status in (SnapshotStatus.PUBLISHED, SnapshotStatus.SUPERSEDED)


def action_snapshot(*, unit: AdministrativeUnit, snapshot_id: int | None = None) -> Snapshot | None:
    """Return the published snapshot an action of unit is prompted by (1 query).

    The one asked for when the unit has a score in it, else the latest published one that
    scores the unit (year to date first), as the unit page shows.
    """
    scores = UnitScore.objects.filter(
        unit=unit, snapshot__status__in=(SnapshotStatus.PUBLISHED, SnapshotStatus.SUPERSEDED)
    ).select_related("snapshot__scope", "snapshot__framework")
    if snapshot_id is not None:
        found = scores.filter(snapshot_id=snapshot_id).first()
        return found.snapshot if found else None
    latest = (
        scores.filter(snapshot__status=SnapshotStatus.PUBLISHED)
        .order_by("-snapshot__as_of", "-snapshot__period_year", "snapshot__period", "-snapshot_id")
        .first()
    )
    return latest.snapshot if latest else None


def targets_of(snapshot: Snapshot) -> tuple[list[IndicatorGroup], list[Indicator]]:
    """The groups and indicators an action prompted by snapshot may be about (2 queries)."""
    groups = list(
        IndicatorGroup.objects.filter(framework_id=snapshot.framework_id).order_by("position")
    )
    indicators = list(
        Indicator.objects.filter(framework_id=snapshot.framework_id)
        .select_related("group")
        .order_by("group__position", "code")
    )
    return groups, indicators


def in_scope_q(scope: AdministrativeUnit, prefix: str = "unit__") -> Q:
    """Q for a unit relation: the scope and the units under it (four levels at most)."""
    p = prefix
    return (
        Q(**{f"{p}pk": scope.pk})
        | Q(**{f"{p}parent": scope.pk})
        | Q(**{f"{p}parent__parent": scope.pk})
        | Q(**{f"{p}parent__parent__parent": scope.pk})
    )


# --- The review meeting ------------------------------------------------------------------------

REVIEW_FALLS = 10
WEAK_BAND = "yeu"


@dataclass
class Review:
    """What a weekly review of one scope's snapshot looks at, as the viewer may read it."""

    scope: AdministrativeUnit
    snapshot: Snapshot
    rows: list  # the snapshot's leaderboard rows the viewer may read
    falls: list  # the biggest falls since the previous snapshot
    weak: list  # the rows in the band "yếu"
    open_actions: list[ActionView]
    agreed: list[ActionView]  # actions prompted by this snapshot (the meeting's decisions)

    @property
    def overdue(self) -> list[ActionView]:
        return [v for v in self.open_actions if v.overdue]


def review(
    *,
    access: Access,
    scope: AdministrativeUnit,
    snapshot: Snapshot,
    today: datetime.date | None = None,
) -> Review:
    """Build the review of a snapshot: falls, weak units, open and overdue actions."""
    from accounts.access import visible_rows
    from indicators.selectors import leaderboard

    rows = visible_rows(access, snapshot, leaderboard(snapshot=snapshot))
    moved = [r for r in rows if r.delta_total is not None and r.delta_total < 0]
    falls = sorted(moved, key=lambda r: (r.delta_total, r.unit_full_name))[:REVIEW_FALLS]
    weak = [r for r in rows if r.band_code == WEAK_BAND]
    row_units = [r.unit_id for r in rows]
    readable = action_list(access=access).filter(in_scope_q(scope) | Q(unit_id__in=row_units))
    open_actions = action_views(readable.filter(status__in=ACTIVE_STATUSES), today=today)
    agreed = action_views(readable.filter(snapshot=snapshot), today=today)
    return Review(scope, snapshot, rows, falls, weak, open_actions, agreed)


def what_it_takes_hint(*, snapshot: Snapshot, unit_id: int, indicator_code: str) -> str:
    """Describe what raises one indicator of the unit, in dossiers ("" when unknown).

    The what-it-takes line a "Giao việc" link comes from (`indicators.selectors.unit_what_it_takes`).
    """
    from django.utils.translation import gettext as _

    from dashboard.templatetags.scores import points
    from indicators.selectors import unit_what_it_takes

    found = unit_what_it_takes(snapshot=snapshot, unit_id=unit_id)
    line = (
        next((o for o in found.opportunities if o.state.code == indicator_code), None)
        if found
        else None
    )
    if line is None:
        return ""
    parts = []
    if line.first is not None:
        parts.append(
            _("%(dossiers)s more “%(counted)s” raise %(code)s by %(gain)s points.")
            % {
                "dossiers": line.first.dossiers,
                "counted": line.state.counted,
                "code": indicator_code,
                "gain": points(line.first.gain),
            }
        )
    if line.to_full is not None:
        parts.append(
            _("%(dossiers)s dossiers give it full marks (%(points)s).")
            % {"dossiers": line.to_full.dossiers, "points": points(line.to_full.points_after)}
        )
    return " ".join(parts)

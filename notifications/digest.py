"""The weekly digest: for each of a user's units, where it stands and what it takes, and the
alerts of the week. The same read model feeds the preview page and the e-mail.

A unit's figures are those of its unit page by default: its latest published snapshot
(latest date, year-to-date first, the last published among equals), its row of that ranking
(`indicators.selectors.leaderboard`, with the stored movement), its group points and the
cheapest next points from `indicators.selectors.unit_what_it_takes`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from accounts.access import access_for_user
from accounts.models import Membership
from indicators import what_it_takes
from indicators.models import IndicatorGroup, Snapshot, SnapshotPeriod, SnapshotStatus, UnitScore
from indicators.selectors import (
    LeaderboardRow,
    leaderboard,
    snapshot_latest_published,
    unit_what_it_takes,
)
from notifications import recipients
from notifications.models import EmailKind, Notification, OutgoingEmail, week_start
from units.models import AdministrativeUnit

CHEAPEST = 3
ROWS_PER_SCOPE = 30
_ANCESTORS = "parent__parent__parent__parent"


@dataclass
class GroupLoss:
    code: str
    name: str
    max_points: Decimal
    points: Decimal | None

    @property
    def lost(self) -> Decimal | None:
        return None if self.points is None else self.max_points - self.points


@dataclass(frozen=True)
class CheapLine:
    """One of the cheapest next points: so many dossiers of an indicator for so many points."""

    code: str
    name: str
    dossiers: int
    gain: Decimal
    small_denominator: bool
    counted: str = ""  # what one more dossier is (`Indicator.counted`), as the unit page says


@dataclass
class DigestUnit:
    unit: AdministrativeUnit
    snapshot: Snapshot
    row: LeaderboardRow
    groups: list[GroupLoss]
    cheapest: list[what_it_takes.Opportunity] = field(default_factory=list)
    indicator_names: dict[str, str] = field(default_factory=dict)

    @property
    def cheapest_lines(self) -> list[CheapLine]:
        return [
            CheapLine(
                o.state.code,
                self.indicator_names.get(o.state.code, ""),
                o.first.dossiers,
                o.first.gain,
                o.small_denominator,
                o.state.counted,
            )
            for o in self.cheapest
        ]

    @property
    def points_lost(self) -> Decimal | None:
        losses = [g.lost for g in self.groups]
        if not losses or any(x is None for x in losses):
            return None
        return sum(losses, Decimal(0))


@dataclass
class Digest:
    user: object
    week: datetime.date  # the Monday it is sent on; it covers the seven days before
    since: datetime.datetime
    until: datetime.datetime
    units: list[DigestUnit]
    notifications: list[Notification]

    @property
    def is_empty(self) -> bool:
        return not self.units and not self.notifications


def _latest_score(unit: AdministrativeUnit) -> UnitScore | None:
    ytd_first = Case(
        When(snapshot__period=SnapshotPeriod.YTD, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        UnitScore.objects.filter(unit=unit, snapshot__status=SnapshotStatus.PUBLISHED)
        .select_related("snapshot__scope")
        .order_by("-snapshot__as_of", ytd_first, "-snapshot__published_at")
        .first()
    )


def _entry(unit: AdministrativeUnit, snapshot: Snapshot) -> DigestUnit | None:
    rows = leaderboard(snapshot=snapshot, unit_ids=[unit.pk])
    if not rows:
        return None
    row = rows[0]
    groups = [
        GroupLoss(g.code, g.name, g.max_points, row.groups[g.code].ranking_points)
        for g in IndicatorGroup.objects.filter(framework_id=snapshot.framework_id)
        .six_group_view()
        .order_by("position")
        if g.code in row.groups
    ]
    entry = DigestUnit(unit=unit, snapshot=snapshot, row=row, groups=groups)
    if row.has_indicator_values:
        takes = unit_what_it_takes(snapshot=snapshot, unit_id=unit.pk)
        if takes is not None:
            entry.cheapest = [o for o in takes.opportunities if o.first][:CHEAPEST]
            entry.indicator_names = {code: i.name for code, i in takes.indicators.items()}
    return entry


def _units_of(user) -> list[AdministrativeUnit]:
    pref = recipients.preference_of(user)
    if pref.units_customised:
        return list(pref.units.order_by("sort_key"))
    return recipients.default_units(user)


def digest_units(user) -> list[DigestUnit]:
    """Each unit the user answers for, or the units of the table a scope of theirs ranks."""
    access = access_for_user(user)
    entries = []
    for bound in _units_of(user):
        score = _latest_score(bound)
        if score is not None:
            entry = _entry(bound, score.snapshot)
            entries += [entry] if entry else []
            continue
        snapshot = snapshot_latest_published(scope=bound)
        if snapshot is None:
            continue
        ids = [r.unit_id for r in leaderboard(snapshot=snapshot)][:ROWS_PER_SCOPE]
        units = AdministrativeUnit.objects.select_related(_ANCESTORS).in_bulk(ids)
        for unit_id in ids:
            if access.can_read_unit(units[unit_id]):
                entry = _entry(units[unit_id], snapshot)
                entries += [entry] if entry else []
    return entries


def digest_for(*, user, week: datetime.date | None = None) -> Digest:
    """The digest of week (a Monday; default: a preview of the seven days up to now)."""
    if week is None:
        until = timezone.now()
        week = week_start(timezone.localdate(until))
    else:
        until = datetime.datetime.combine(week, datetime.time(), timezone.get_current_timezone())
    since = until - datetime.timedelta(days=7)
    notifications = list(
        Notification.objects.filter(user=user, created_at__gte=since, created_at__lt=until)
        .select_related("alert__rule", "alert__unit", "alert__scope", "alert__action")
        .order_by("created_at", "pk")
    )
    return Digest(
        user=user,
        week=week,
        since=since,
        until=until,
        units=digest_units(user),
        notifications=notifications,
    )


def digest_send_week(*, today: datetime.date | None = None) -> int:
    """Queue this week's digest to every user who keeps it and has an address; idempotent."""
    from notifications.services import queue_email

    week = week_start(today or timezone.localdate())
    user_ids = Membership.objects.values("user_id").distinct()
    queued = 0
    with transaction.atomic():
        from django.contrib.auth import get_user_model

        for user in (
            get_user_model().objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
        ):
            if not recipients.preference_of(user).digest:
                continue
            email, created = OutgoingEmail.objects.get_or_create(
                user=user, kind=EmailKind.DIGEST, week=week
            )
            if created:
                transaction.on_commit(lambda pk=email.pk: queue_email(pk))
                queued += 1
    return queued

"""Writes of the notification centre: raise alerts, tell the right people, send e-mail.

1. A publication commits; `indicators.signals.snapshot_published` reaches
   `receivers.on_snapshot_published`, which queues `alert_evaluate_snapshot_task`.
2. `alert_evaluate_snapshot` compares the snapshot with the previous published one (the
   leaderboard selector's rows, their stored movement) and raises each rule once per
   (rule, unit, data key): a retry or a correction of the same key finds its alert there.
3. `alert_notify` tells each recipient once (`Notification` per user and alert) and queues
   an e-mail per notification for those who chose e-mail, immediately.
4. The scheduler runs `alert_evaluate_schedule` (missing uploads, stale tables, overdue
   actions, and any publication whose message was lost) and, on Monday morning, the weekly
   digests.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from actions.selectors import overdue_actions
from indicators.models import Band, Snapshot, SnapshotStatus
from indicators.selectors import leaderboard, snapshot_previous_published
from notifications import recipients as recipient_rules
from notifications import rules
from notifications.models import (
    Alert,
    AlertRule,
    EmailKind,
    Notification,
    NotificationPreference,
    OutgoingEmail,
    RuleKind,
    SnapshotEvaluation,
    Timing,
    UploadDeadline,
)
from units.models import AdministrativeUnit

logger = logging.getLogger(__name__)
LOCAL = ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class Fired:
    """A rule that fired, before it is stored."""

    rule: AlertRule
    unit_id: int
    detail: dict


def _enabled_rules() -> dict[str, AlertRule]:
    return {r.kind: r for r in AlertRule.objects.filter(enabled=True)}


def _band_floors(framework_id: int) -> dict[str, Decimal]:
    return dict(Band.objects.filter(framework_id=framework_id).values_list("code", "min_total"))


def _snapshot_fired(snapshot: Snapshot, active: dict[str, AlertRule]) -> list[Fired]:
    """Apply the snapshot rules to every unit of snapshot against the previous published one."""
    rows = leaderboard(snapshot=snapshot)
    previous_snapshot = snapshot_previous_published(snapshot)
    before = leaderboard(snapshot=previous_snapshot) if previous_snapshot else []
    previous_of = {r.unit_id: r for r in before}
    floors = _band_floors(snapshot.framework_id)
    if previous_snapshot is not None and previous_snapshot.framework_id != snapshot.framework_id:
        floors = {**_band_floors(previous_snapshot.framework_id), **floors}
    medians, previous_medians = rules.group_medians(rows), rules.group_medians(before)
    checks = {
        RuleKind.RANK_DROP: lambda r, p, rule: rules.rank_drop(r, rule.threshold or 2),
        RuleKind.BAND_DOWN: lambda r, p, rule: rules.band_down(r, p, floors),
        RuleKind.TURNED_WEAK: lambda r, p, rule: rules.turned_weak(r, p),
        RuleKind.GROUP_DROP: lambda r, p, rule: rules.group_drop(r, p, rule.threshold or 1),
        RuleKind.BELOW_MEDIAN: lambda r, p, rule: rules.below_median(
            r, p, medians, previous_medians
        ),
        RuleKind.TOTALS_DISAGREE: lambda r, p, rule: rules.totals_disagree(r),
    }
    fired = []
    for row in rows:
        previous = previous_of.get(row.unit_id)
        for kind, check in checks.items():
            rule = active.get(kind)
            if rule is None:
                continue
            detail = check(row, previous, rule)
            if detail is not None:
                fired.append(Fired(rule, row.unit_id, {**detail, "peer_key": row.peer_key}))
    return fired


def _store(fired: list[Fired], *, scope_id: int, key: dict, snapshot: Snapshot | None):
    """Raise each fired rule once for its key; return every alert of the key (new or not).

    In three statements whatever the count (a national publish fires thousands): what is
    there, the new ones (a retry running alongside may have raised some: the unique
    constraint keeps one, the other insert is ignored), then all of them as stored."""
    if not fired:
        return []
    of_key = Alert.objects.filter(
        scope_id=scope_id,
        action__isnull=True,
        rule__in={f.rule.pk for f in fired},
        unit_id__in={f.unit_id for f in fired},
        **key,
    )
    there = set(of_key.values_list("rule_id", "unit_id"))
    Alert.objects.bulk_create(
        [
            Alert(
                rule=f.rule,
                unit_id=f.unit_id,
                scope_id=scope_id,
                snapshot=snapshot,
                detail=f.detail,
                **key,
            )
            for f in fired
            if (f.rule.pk, f.unit_id) not in there
        ],
        ignore_conflicts=True,
    )
    stored = {(a.rule_id, a.unit_id): a for a in of_key.select_related("rule")}
    return [stored[f.rule.pk, f.unit_id] for f in fired]


def snapshot_key(snapshot: Snapshot) -> dict:
    """What identifies a snapshot's data across its revisions (a correction keeps it)."""
    return {
        "as_of": snapshot.as_of,
        "period": snapshot.period,
        "period_year": snapshot.period_year,
        "period_number": snapshot.period_number,
    }


def alert_evaluate_snapshot(*, snapshot_id: int) -> list[Alert]:
    """Raise the snapshot rules for a published snapshot and tell the recipients; idempotent.

    A superseded, discarded or deleted snapshot raises nothing (its correction is evaluated
    instead). A week published after the one that follows it (uploads out of order) is what
    that following week now moves against, so the following week is evaluated again too.
    """
    with transaction.atomic():
        snapshot = Snapshot.objects.select_related("scope").filter(pk=snapshot_id).first()
        # A message that outlived its snapshot (a restored database) or its publication.
        if snapshot is None or snapshot.status != SnapshotStatus.PUBLISHED:
            return []
        active = _enabled_rules()
        alerts = _snapshot_alerts(snapshot, active)
        following = _following_published(snapshot)
        if following is not None:
            alerts += _snapshot_alerts(following, active)
        alerts += _stale_alerts(snapshot.scope, active)
        alert_notify(alerts=alerts)
        SnapshotEvaluation.objects.get_or_create(snapshot=snapshot)
    return alerts


def _snapshot_alerts(snapshot: Snapshot, active: dict[str, AlertRule]) -> list[Alert]:
    fired = _snapshot_fired(snapshot, active)
    return _store(fired, scope_id=snapshot.scope_id, key=snapshot_key(snapshot), snapshot=snapshot)


def _following_published(snapshot: Snapshot) -> Snapshot | None:
    """The published snapshot whose movement is measured against this one, if any."""
    return (
        Snapshot.objects.filter(
            scope_id=snapshot.scope_id,
            period=snapshot.period,
            status=SnapshotStatus.PUBLISHED,
            previous_snapshot=snapshot,
        )
        .select_related("scope")
        .first()
    )


# --- Time-based rules -------------------------------------------------------------------------


def deadline_of(scope: AdministrativeUnit, rule: AlertRule, now: datetime.datetime):
    """The latest weekly deadline of scope at or before now (aware), or None if none applies."""
    own = UploadDeadline.objects.filter(scope=scope).first()
    weekday = own.weekday if own else rule.deadline_weekday
    at = own.time if own else rule.deadline_time
    if weekday is None or at is None:
        return None
    local = now.astimezone(LOCAL)
    monday = local.date() - datetime.timedelta(days=local.weekday())
    deadline = datetime.datetime.combine(monday + datetime.timedelta(days=weekday), at, LOCAL)
    if deadline > local:
        deadline -= datetime.timedelta(days=7)
    return deadline


def _reporting_scopes(today: datetime.date) -> list[AdministrativeUnit]:
    """Scopes that publish tables and still exist today."""
    ids = Snapshot.objects.filter(status=SnapshotStatus.PUBLISHED).values("scope_id").distinct()
    return list(
        AdministrativeUnit.objects.filter(pk__in=ids)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .select_related("parent__parent__parent")
    )


def _missing_upload_alerts(rule: AlertRule, now: datetime.datetime) -> list[Alert]:
    """A scope with no published data dated in the week up to its deadline, once it passed."""
    alerts = []
    for scope in _reporting_scopes(now.astimezone(LOCAL).date()):
        deadline = deadline_of(scope, rule, now)
        if deadline is None:
            continue
        day = deadline.date()
        has_week = Snapshot.objects.filter(
            scope=scope,
            status__in=[SnapshotStatus.PUBLISHED, SnapshotStatus.SUPERSEDED],
            as_of__gt=day - datetime.timedelta(days=7),
            as_of__lte=day,
        ).exists()
        if has_week:
            continue
        alert, _ = Alert.objects.get_or_create(
            rule=rule,
            unit=scope,
            scope=scope,
            as_of=day,
            period="",
            period_year=0,
            period_number=0,
            defaults={"detail": {"deadline": deadline.isoformat()}},
        )
        alerts.append(alert)
    return alerts


def _area_of(scope: AdministrativeUnit) -> AdministrativeUnit:
    """The province a scope lies in (the scope itself for a province or the country)."""
    node = scope
    while node.parent_id is not None and node.level not in ("province", "country"):
        node = node.parent
    return node


def _stale_alerts(scope: AdministrativeUnit, active: dict[str, AlertRule]) -> list[Alert]:
    """The tables of scope's province whose latest data is over threshold days behind its newest."""
    rule = active.get(RuleKind.STALE_TABLE)
    if rule is None:
        return []
    area = _area_of(scope)
    if area.level == "country":
        return []
    in_area = Q(scope=area) | Q(scope__parent=area) | Q(scope__parent__parent=area)
    latest: dict[int, datetime.date] = {}
    for scope_id, as_of in (
        Snapshot.objects.filter(in_area, status=SnapshotStatus.PUBLISHED, period="ytd")
        .values_list("scope_id", "as_of")
        .order_by("as_of")
    ):
        latest[scope_id] = as_of
    if len(latest) < 2:
        return []
    newest = max(latest.values())
    lag = datetime.timedelta(days=int(rule.threshold or 7))
    alerts = []
    for scope_id, as_of in latest.items():
        if newest - as_of > lag:
            alert, _ = Alert.objects.get_or_create(
                rule=rule,
                unit_id=scope_id,
                scope_id=scope_id,
                as_of=newest,
                period="ytd",
                period_year=newest.year,
                period_number=0,
                defaults={"detail": {"latest": as_of.isoformat(), "newest": newest.isoformat()}},
            )
            alerts.append(alert)
    return alerts


def _overdue_action_alerts(rule: AlertRule, now: datetime.datetime) -> list[Alert]:
    """Raise an alert for each action still to do whose due date (local) has passed, once per
    due date; return the new ones only.

    Keyed by the action and its due date: the next run, or the next day, finds the alert and
    skips the action in the query itself (the scheduler runs every few minutes); a due date
    moved later is a new key, alerted when it passes in turn (an owner given the action after
    its alert is told by `_overdue_alerts_owner_not_told`).
    """
    alerted = Alert.objects.filter(rule=rule, action=OuterRef("pk"), as_of=OuterRef("due_date"))
    alerts = []
    for action in overdue_actions(today=now.astimezone(LOCAL).date()).exclude(Exists(alerted)):
        alert, created = Alert.objects.get_or_create(
            rule=rule,
            action=action,
            as_of=action.due_date,
            defaults={
                "unit_id": action.unit_id,
                "scope_id": action.snapshot.scope_id,
                "snapshot_id": action.snapshot_id,
                "detail": {"title": action.title, "due_date": action.due_date.isoformat()},
            },
        )
        if created:
            alerts.append(alert)
    return alerts


def _overdue_alerts_owner_not_told(rule: AlertRule, now: datetime.datetime) -> list[Alert]:
    """The alerts of actions still overdue on the same due date whose owner changed since:
    the new owner was never told. Telling them again reaches only that owner (each user is
    told an alert once); an owner who unticked the rule or cannot read the unit is not."""
    owner_told = Notification.objects.filter(alert=OuterRef("pk"), user=OuterRef("action__owner"))
    overdue = overdue_actions(today=now.astimezone(LOCAL).date())
    return list(
        Alert.objects.filter(
            rule=rule, action__in=overdue.values("pk"), as_of=F("action__due_date")
        )
        .exclude(Exists(owner_told))
        .select_related("rule", "unit", "action")
    )


def alert_evaluate_schedule(*, now: datetime.datetime | None = None) -> list[Alert]:
    """The time-based rules, and publications not evaluated yet (run by beat); idempotent."""
    now = now or timezone.now()
    recent = now - datetime.timedelta(days=14)
    pending = Snapshot.objects.filter(
        status=SnapshotStatus.PUBLISHED, published_at__gte=recent, evaluation__isnull=True
    ).values_list("pk", flat=True)
    for snapshot_id in list(pending):
        alert_evaluate_snapshot(snapshot_id=snapshot_id)
    alerts = []
    with transaction.atomic():
        active = _enabled_rules()
        if RuleKind.MISSING_UPLOAD in active:
            alerts += _missing_upload_alerts(active[RuleKind.MISSING_UPLOAD], now)
        for scope in _reporting_scopes(now.astimezone(LOCAL).date()):
            if scope.level == "province":
                alerts += _stale_alerts(scope, active)
        reassigned = []
        if RuleKind.OVERDUE_ACTION in active:
            reassigned = _overdue_alerts_owner_not_told(active[RuleKind.OVERDUE_ACTION], now)
            alerts += _overdue_action_alerts(active[RuleKind.OVERDUE_ACTION], now)
        alert_notify(alerts=alerts + reassigned)
    return alerts


def alert_raise_for_scope(
    *,
    kind: str,
    scope: AdministrativeUnit,
    as_of: datetime.date,
    detail: dict,
    period: str = "",
    period_year: int = 0,
    period_number: int = 0,
) -> Alert | None:
    """Raise a scope rule from another app (the portal sync) once for its key and tell its
    recipients; None when the rule is disabled."""
    rule = AlertRule.objects.filter(kind=kind, enabled=True).first()
    if rule is None:
        return None
    with transaction.atomic():
        alert, _created = Alert.objects.get_or_create(
            rule=rule,
            unit=scope,
            scope=scope,
            as_of=as_of,
            period=period,
            period_year=period_year,
            period_number=period_number,
            defaults={"detail": detail},
        )
        alert_notify(alerts=[alert])
    return alert


# --- Telling people ---------------------------------------------------------------------------


def alert_notify(*, alerts: list[Alert]) -> list[Notification]:
    """Tell each recipient of each alert once; queue the e-mails chosen (after commit).

    Recipients are read once for the whole batch and the notifications written in bulk, so a
    national publish's thousands of alerts cost a handful of statements, not several each."""
    audience = recipient_rules.Audience(alerts)
    told = set(
        Notification.objects.filter(alert__in=[a.pk for a in alerts]).values_list(
            "alert_id", "user_id"
        )
    )
    new, emailed = [], []
    for alert in alerts:
        for user, pref in recipient_rules.recipients(alert, audience):
            if (alert.pk, user.pk) in told:
                continue
            told.add((alert.pk, user.pk))
            new.append(Notification(user=user, alert=alert, in_app=pref.wants_in_app))
            if pref.wants_email and pref.timing == Timing.IMMEDIATE and user.email:
                emailed.append(new[-1])
    # A retry running alongside may have told some: the unique (user, alert) keeps one.
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    stored = Notification.objects.filter(
        alert__in={n.alert_id for n in new}, user__in={n.user_id for n in new}
    ).select_related("user", "alert")
    by_pair = {(n.alert_id, n.user_id): n for n in stored}
    created = [by_pair[n.alert_id, n.user_id] for n in new if (n.alert_id, n.user_id) in by_pair]
    emails = OutgoingEmail.objects.bulk_create(
        [
            OutgoingEmail(user=n.user, kind=EmailKind.ALERT, notification=by_pair[key])
            for n in emailed
            if (key := (n.alert_id, n.user_id)) in by_pair
        ]
    )
    for email in emails:
        transaction.on_commit(lambda pk=email.pk: queue_email(pk))
    return created


def queue_email(email_id: int) -> None:
    from notifications.tasks import email_send_task

    try:
        email_send_task.delay(email_id)
    except Exception:  # the broker is down: the scheduler sends what was left unsent
        logger.exception("could not queue e-mail %s; the sweep will send it", email_id)


def notification_mark_read(*, user, notification_ids: list[int] | None = None) -> int:
    """Mark some (or, with None, all) of a user's notifications read; return how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def preference_update(
    *,
    user,
    delivery: str,
    timing: str,
    digest: bool,
    rule_ids: list[int],
    unit_ids: list[int],
    language: str = "",
) -> NotificationPreference:
    """Save a user's choices of rules, units and delivery."""
    pref, _ = NotificationPreference.objects.get_or_create(user=user)
    pref.delivery, pref.timing, pref.digest, pref.language = delivery, timing, digest, language
    pref.rules_customised = pref.units_customised = True
    pref.save()
    pref.rules.set(AlertRule.objects.filter(pk__in=rule_ids))
    allowed = {u.pk for u in recipient_rules.default_units(user)}
    pref.units.set([pk for pk in unit_ids if pk in allowed])
    return pref


@transaction.atomic
def preference_unsubscribe(*, user) -> NotificationPreference:
    """Stop every e-mail to a user (the link in each e-mail); the centre keeps working."""
    pref, _ = NotificationPreference.objects.get_or_create(user=user)
    pref.delivery = "in_app"
    pref.digest = False
    pref.save(update_fields=["delivery", "digest", "updated_at"])
    return pref


def alert_demo_load() -> tuple[int, int]:
    """Evaluate every published snapshot (oldest first) and the overdue actions, and tell
    today's users; idempotent.

    The demo publishes its weeks before its users exist: this tells them afterwards.
    Returns (alerts in all, notifications created now).
    """
    before = Notification.objects.count()
    for snapshot_id in (
        Snapshot.objects.filter(status=SnapshotStatus.PUBLISHED, evaluation__isnull=True)
        .order_by("as_of", "pk")
        .values_list("pk", flat=True)
    ):
        alert_evaluate_snapshot(snapshot_id=snapshot_id)
    with transaction.atomic():
        # The demo's actions of May 2025 are long overdue: their owners and creators hear so.
        overdue = _enabled_rules().get(RuleKind.OVERDUE_ACTION)
        if overdue is not None:
            _overdue_action_alerts(overdue, timezone.now())
        alert_notify(alerts=list(Alert.objects.select_related("rule")))
    return Alert.objects.count(), Notification.objects.count() - before

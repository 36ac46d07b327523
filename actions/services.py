"""Writes of actions: create (one or several at once), update, comment.

The pages, the API and `setup_demo` call these and nothing else. Each write checks access
through `accounts.access` (`Access.can_assign_actions` to create; the owner, the creator or
anyone who may assign for the unit to change), records the change in the action's history
(`ActionChange`) and appends an audit event.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import access_for_user
from accounts.models import AuditAction
from accounts.services import audit_record
from actions.models import ACTIVE_STATUSES, Action, ActionChange, ActionComment, ActionStatus
from actions.selectors import figure_of, is_published
from indicators.models import Indicator, IndicatorGroup, Snapshot, UnitScore
from units.models import AdministrativeUnit

EDITABLE_FIELDS = ("title", "description", "owner", "due_date", "status")


@dataclass(frozen=True)
class ActionDraft:
    """One action to create, as a form or the API gives it."""

    unit: AdministrativeUnit
    title: str
    owner: object
    due_date: datetime.date
    description: str = ""
    group: IndicatorGroup | None = None
    indicator: Indicator | None = None


def action_may_edit(*, user, action: Action) -> bool:
    """Tell whether user may change an action: its owner, its creator, or an assigner."""
    if user is None or not user.is_authenticated:
        return False
    if user.pk in (action.owner_id, action.created_by_id):
        return access_for_user(user).can_read_unit(action.unit)
    return access_for_user(user).can_assign_actions(action.unit)


def _check_owner(owner, unit: AdministrativeUnit) -> None:
    if owner is None or not owner.is_active or not access_for_user(owner).can_read_unit(unit):
        raise ValidationError(
            {
                "owner": _("The owner must be a user who may read %(unit)s.")
                % {"unit": unit.full_name}
            }
        )


def _check_target(
    snapshot: Snapshot, group: IndicatorGroup | None, indicator: Indicator | None
) -> IndicatorGroup | None:
    """Return the action's group (an indicator's own); refuse another framework's targets."""
    if indicator is not None:
        if indicator.framework_id != snapshot.framework_id:
            raise ValidationError(
                {"indicator": _("This indicator is not in the snapshot's index.")}
            )
        if group is not None and group.pk != indicator.group_id:
            raise ValidationError({"group": _("The indicator belongs to another group.")})
        return indicator.group
    if group is not None and group.framework_id != snapshot.framework_id:
        raise ValidationError({"group": _("This group is not in the snapshot's index.")})
    return group


def _audit_target(action: Action) -> str:
    return f"{action.unit.full_name} · {action.title}"


@transaction.atomic
def action_create(
    *,
    actor,
    unit: AdministrativeUnit,
    snapshot: Snapshot,
    title: str,
    owner,
    due_date: datetime.date,
    description: str = "",
    group: IndicatorGroup | None = None,
    indicator: Indicator | None = None,
    origin: dict | None = None,
) -> Action:
    """Give a unit an action prompted by a snapshot, keeping the figure it starts from."""
    if not access_for_user(actor).can_assign_actions(unit):
        raise PermissionDenied("may not assign actions to this unit")
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the action a title.")})
    if (
        not is_published(snapshot)
        or not UnitScore.objects.filter(snapshot=snapshot, unit=unit).exists()
    ):
        raise ValidationError({"snapshot": _("The unit has no published score in this snapshot.")})
    _check_owner(owner, unit)
    group = _check_target(snapshot, group, indicator)
    action = Action.objects.create(
        unit=unit,
        snapshot=snapshot,
        group=group,
        indicator=indicator,
        title=title[:200],
        description=(description or "").strip(),
        owner=owner,
        created_by=actor,
        due_date=due_date,
        baseline=figure_of(
            snapshot=snapshot,
            unit_id=unit.pk,
            group_id=group.pk if group else None,
            indicator_id=indicator.pk if indicator else None,
        ),
    )
    ActionChange.objects.create(
        action=action, actor=actor, field="status", new_value=ActionStatus.OPEN
    )
    audit_record(
        action=AuditAction.ACTION_CREATED,
        actor=actor,
        username="system",
        target=_audit_target(action),
        detail={
            "action": action.pk,
            "unit": unit.pk,
            "snapshot": snapshot.pk,
            "owner": owner.pk,
            "due_date": due_date.isoformat(),
        },
        origin=origin,
    )
    return action


@transaction.atomic
def action_create_many(
    *, actor, snapshot: Snapshot, drafts: list[ActionDraft], origin: dict | None = None
) -> list[Action]:
    """Create several actions of one review at once: all of them or none."""
    return [
        action_create(
            actor=actor,
            unit=d.unit,
            snapshot=snapshot,
            title=d.title,
            owner=d.owner,
            due_date=d.due_date,
            description=d.description,
            group=d.group,
            indicator=d.indicator,
            origin=origin,
        )
        for d in drafts
    ]


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "get_username"):
        return value.get_username()
    return str(value)[:300]


@transaction.atomic
def action_update(*, actor, action_id: int, origin: dict | None = None, **changes) -> Action:
    """Change an action's title, description, owner, due date or status; record each change."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    action = (
        Action.objects.select_for_update(of=("self",))
        .select_related("unit__parent__parent__parent", "owner")
        .get(pk=action_id)
    )
    if not action_may_edit(user=actor, action=action):
        raise PermissionDenied("may not change this action")
    if "title" in changes:
        changes["title"] = (changes["title"] or "").strip()[:200]
        if not changes["title"]:
            raise ValidationError({"title": _("Give the action a title.")})
    if "status" in changes and changes["status"] not in ActionStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if changes.get("owner") is not None and changes["owner"] != action.owner:
        _check_owner(changes["owner"], action.unit)
    diffs = []
    for name, value in changes.items():
        if value is None and name != "description":
            continue
        old = getattr(action, name)
        if old == value:
            continue
        diffs.append(ActionChange(action=action, actor=actor, field=name,
                                  old_value=_shown(old), new_value=_shown(value)))  # fmt: skip
        setattr(action, name, value)
    if not diffs:
        return action
    if "status" in changes:
        closed = action.status not in ACTIVE_STATUSES
        action.closed_at = (action.closed_at or timezone.now()) if closed else None
    action.save()
    ActionChange.objects.bulk_create(diffs)
    audit_record(
        action=AuditAction.ACTION_UPDATED,
        actor=actor,
        username="system",
        target=_audit_target(action),
        detail={"action": action.pk, **{d.field: [d.old_value, d.new_value] for d in diffs}},
        origin=origin,
    )
    return action


@transaction.atomic
def action_comment(*, actor, action_id: int, text: str, origin: dict | None = None):
    """Add a comment to an action (anyone who may read its unit)."""
    action = Action.objects.select_related("unit__parent__parent__parent").get(pk=action_id)
    if not access_for_user(actor).can_read_unit(action.unit):
        raise PermissionDenied("may not read this action")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    comment = ActionComment.objects.create(action=action, author=actor, text=text)
    audit_record(
        action=AuditAction.ACTION_COMMENTED,
        actor=actor,
        username="system",
        target=_audit_target(action),
        detail={"action": action.pk, "comment": comment.pk},
        origin=origin,
    )
    return comment

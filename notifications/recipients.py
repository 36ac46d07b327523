"""Who is told about an alert: the defaults of their roles, their own choices, and access.

A chair hears about their unit and the units below it; provincial staff about their
province's units and tables; data admins about its tables and disagreements (which rules
each role hears by default is `AlertRule.default_roles`, in the database). A user who saved
their settings hears the rules and units they chose instead. Whatever the choice, nobody is
told about a unit that `accounts.access` does not let them read.

An overdue action is told to its owner and its creator instead (once each, even when they are
the same person), whatever their roles and chosen units, unless they unticked the rule; the
same access check applies (an owner moved off the unit is not told).
"""

from __future__ import annotations

from collections import defaultdict

from accounts.access import access_for_user
from accounts.models import Membership
from actions.models import Action
from notifications.models import ACTION_RULES, SCOPE_RULES, Alert, NotificationPreference
from units.models import AdministrativeUnit

_ANCESTORS = "parent__parent__parent__parent"


def _chain(unit: AdministrativeUnit) -> list[int]:
    ids, node = [], unit
    while node is not None:
        ids.append(node.pk)
        node = node.parent if node.parent_id else None
    return ids


def default_units(user) -> list[AdministrativeUnit]:
    """The units a user's roles are bound to (each with the units below it)."""
    return list(
        AdministrativeUnit.objects.filter(memberships__user=user).distinct().order_by("sort_key")
    )


def preference_of(user) -> NotificationPreference:
    """The user's settings, unsaved defaults when they never chose."""
    found = NotificationPreference.objects.filter(user=user).first()
    return found or NotificationPreference(user=user)


def rules_of(user, pref: NotificationPreference, rules) -> list:
    """The rules (of those given) the user hears: their choice, else their roles' defaults."""
    if pref.rules_customised:
        chosen = {r.pk for r in pref.rules.all()}
        return [r for r in rules if r.pk in chosen]
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    return [r for r in rules if r.roles & roles]


def recipients(
    alert: Alert, accesses: dict | None = None
) -> list[tuple[object, NotificationPreference]]:
    """Return (user, preference) for everyone to tell about alert, in user order (4 queries, and
    2 per candidate for their access unless `accesses` (user id → Access) has it already)."""
    if alert.rule.kind in ACTION_RULES:
        return _action_recipients(alert, {} if accesses is None else accesses)
    unit = AdministrativeUnit.objects.select_related(_ANCESTORS).get(pk=alert.unit_id)
    chain = _chain(unit)
    roles: dict[int, set[str]] = defaultdict(set)
    bound: dict[int, set[int]] = defaultdict(set)
    users = {}
    for m in Membership.objects.filter(unit_id__in=chain).select_related("user"):
        if not m.user.is_active:
            continue
        roles[m.user_id].add(m.role)
        bound[m.user_id].add(m.unit_id)
        users[m.user_id] = m.user
    prefs = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user_id__in=users).prefetch_related(
            "rules", "units"
        )
    }
    rule = alert.rule
    accesses = {} if accesses is None else accesses
    found = []
    for user_id in sorted(users):
        user = users[user_id]
        pref = prefs.get(user_id) or NotificationPreference(user=user)
        if pref.rules_customised:
            wants_rule = any(r.pk == rule.pk for r in pref.rules.all())
        else:
            wants_rule = bool(rule.roles & roles[user_id])
        if not wants_rule:
            continue
        if pref.units_customised and not ({u.pk for u in pref.units.all()} & bound[user_id]):
            continue
        if user_id not in accesses:
            accesses[user_id] = access_for_user(user)
        access = accesses[user_id]
        readable = (
            access.can_read_scope(unit) if rule.kind in SCOPE_RULES else access.can_read_unit(unit)
        )
        if readable:
            found.append((user, pref))
    return found


def _action_recipients(alert: Alert, accesses: dict) -> list[tuple[object, NotificationPreference]]:
    """The action's owner and creator, each once, who are active, want the rule and may still
    read its unit."""
    action = (
        Action.objects.select_related("owner", "created_by", "unit__" + _ANCESTORS)
        .filter(pk=alert.action_id)
        .first()
    )
    if action is None:
        return []
    users = {u.pk: u for u in (action.owner, action.created_by) if u is not None and u.is_active}
    prefs = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user_id__in=users).prefetch_related("rules")
    }
    found = []
    for user_id in sorted(users):
        user = users[user_id]
        pref = prefs.get(user_id) or NotificationPreference(user=user)
        if pref.rules_customised and not any(r.pk == alert.rule_id for r in pref.rules.all()):
            continue
        if user_id not in accesses:
            accesses[user_id] = access_for_user(user)
        if accesses[user_id].can_read_unit(action.unit):
            found.append((user, pref))
    return found

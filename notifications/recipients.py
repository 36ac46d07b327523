"""Who is told about an alert: the defaults of their roles, their own choices, and access.

A chair hears about their unit and the units below it; provincial staff about their
province's units and tables; data admins about its tables and disagreements (which rules
each role hears by default is `AlertRule.default_roles`, in the database). A user who saved
their settings hears the rules and units they chose instead. Whatever the choice, nobody is
told about a unit that `accounts.access` does not let them read.
"""

from __future__ import annotations

from collections import defaultdict

from accounts.access import access_for_user
from accounts.models import Membership
from notifications.models import SCOPE_RULES, Alert, NotificationPreference
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


def recipients(alert: Alert) -> list[tuple[object, NotificationPreference]]:
    """Return (user, preference) for everyone to tell about alert, in user order (4 queries + 2
    per candidate for their access)."""
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
        access = access_for_user(user)
        readable = (
            access.can_read_scope(unit) if rule.kind in SCOPE_RULES else access.can_read_unit(unit)
        )
        if readable:
            found.append((user, pref))
    return found

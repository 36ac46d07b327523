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


class Audience:
    """What telling alerts' recipients needs, read once for a batch of alerts (a national
    publish raises thousands): their units with ancestors, the active memberships along those
    chains, the members' settings, and each member's access as it is first needed."""

    def __init__(self, alerts: list[Alert]):
        unit_ids = {a.unit_id for a in alerts if a.rule.kind not in ACTION_RULES}
        self.units = AdministrativeUnit.objects.select_related(_ANCESTORS).in_bulk(unit_ids)
        self.chains = {pk: _chain(unit) for pk, unit in self.units.items()}
        along = {pk for chain in self.chains.values() for pk in chain}
        self.members: dict[int, list[Membership]] = defaultdict(list)
        users = {}
        memberships = Membership.objects.filter(unit_id__in=along, user__is_active=True)
        for m in memberships.select_related("user"):
            self.members[m.unit_id].append(m)
            users[m.user_id] = m.user
        self.prefs = {
            p.user_id: p
            for p in NotificationPreference.objects.filter(user_id__in=users).prefetch_related(
                "rules", "units"
            )
        }
        self.accesses: dict = {}

    def access(self, user):
        if user.pk not in self.accesses:
            self.accesses[user.pk] = access_for_user(user)
        return self.accesses[user.pk]


def recipients(
    alert: Alert, audience: Audience | None = None
) -> list[tuple[object, NotificationPreference]]:
    """Return (user, preference) for everyone to tell about alert, in user order. With the
    batch's `audience` it asks nothing more of the database than each new user's access."""
    audience = audience or Audience([alert])
    if alert.rule.kind in ACTION_RULES:
        return _action_recipients(alert, audience)
    unit = audience.units[alert.unit_id]
    roles: dict[int, set[str]] = defaultdict(set)
    bound: dict[int, set[int]] = defaultdict(set)
    users = {}
    for unit_id in audience.chains[alert.unit_id]:
        for m in audience.members[unit_id]:
            roles[m.user_id].add(m.role)
            bound[m.user_id].add(m.unit_id)
            users[m.user_id] = m.user
    rule = alert.rule
    found = []
    for user_id in sorted(users):
        user = users[user_id]
        pref = audience.prefs.get(user_id) or NotificationPreference(user=user)
        if pref.rules_customised:
            wants_rule = any(r.pk == rule.pk for r in pref.rules.all())
        else:
            wants_rule = bool(rule.roles & roles[user_id])
        if not wants_rule:
            continue
        if pref.units_customised and not ({u.pk for u in pref.units.all()} & bound[user_id]):
            continue
        access = audience.access(user)
        readable = (
            access.can_read_scope(unit) if rule.kind in SCOPE_RULES else access.can_read_unit(unit)
        )
        if readable:
            found.append((user, pref))
    return found


def _action_recipients(
    alert: Alert, audience: Audience
) -> list[tuple[object, NotificationPreference]]:
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
        if audience.access(user).can_read_unit(action.unit):
            found.append((user, pref))
    return found

"""The actions of a unit on its page, kept out of the dashboard's view and template.

{% load actions_panel %}
{% unit_actions page.unit page.snapshot as panel %}   the unit's open actions (with figures),
                                                       by target, and whether the viewer assigns
{% assign_url panel group="TDGQ" %}                    the pre-filled "Giao việc" link, or ""
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from accounts.access import access_for
from actions import selectors

register = template.Library()


@dataclass
class UnitActions:
    unit_id: int
    snapshot_id: int | None
    can_assign: bool
    views: list[selectors.ActionView] = field(default_factory=list)
    by_target: dict[str, list[selectors.ActionView]] = field(default_factory=dict)

    @property
    def overdue_count(self) -> int:
        return sum(1 for v in self.views if v.overdue)


@register.simple_tag(takes_context=True)
def unit_actions(context, unit, snapshot=None) -> UnitActions:
    access = access_for(context["request"])
    views = (
        selectors.unit_open_actions(access=access, unit=unit) if access.can_read_unit(unit) else []
    )
    by_target: dict[str, list] = defaultdict(list)
    for v in views:
        by_target[v.action.target_label].append(v)
    return UnitActions(
        unit_id=unit.pk,
        snapshot_id=snapshot.pk if snapshot else None,
        can_assign=access.can_assign_actions(unit),
        views=views,
        by_target=dict(by_target),
    )


@register.simple_tag
def assign_url(panel: UnitActions, group: str = "", indicator: str = "", title: str = "") -> str:
    """The "Giao việc" link for a row, only for a viewer who may assign (else "")."""
    if not panel.can_assign:
        return ""
    params = {"snapshot": panel.snapshot_id, "group": group, "indicator": indicator, "title": title}
    query = urlencode({k: v for k, v in params.items() if v})
    url = reverse("actions:action_create", args=[panel.unit_id])
    return f"{url}?{query}" if query else url


@register.filter
def actions_for(panel: UnitActions, code: str) -> list:
    return panel.by_target.get(code or "", []) if panel else []

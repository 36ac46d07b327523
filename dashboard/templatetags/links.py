"""Links to units and leaderboards that only a viewer who may open them gets.

{% load links %}
{% unit_link unit %}                           a unit (ancestors loaded): its page, or its name
{% unit_link row snapshot=snapshot %}          a leaderboard row of snapshot: the same
{% unit_link unit label="…" snapshot=s %}      another label; ?snapshot= on the link
{% scope_link scope snapshot=s peers=key %}    a scope's leaderboard, or its name

The answer is `accounts.access`'s (through `dashboard.links`); the text is the same either
way, so a page reads the same whether or not a name is a link.
"""

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html

from dashboard.links import links_for
from units.models import AdministrativeUnit

register = template.Library()


def _render(href: str | None, label) -> str:
    if href is None:
        return format_html('<span class="unlinked">{}</span>', label)
    return format_html('<a href="{}">{}</a>', href, label)


def _query(**params) -> str:
    shown = {k: v for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode(shown) if shown else ""


@register.simple_tag(takes_context=True)
def unit_link(context, target, label=None, snapshot=None):
    links = links_for(context["request"])
    if isinstance(target, AdministrativeUnit):
        unit_id, allowed = target.pk, links.unit(target)
        label = label if label is not None else target.short_label or target.full_name
    else:  # a leaderboard row, of snapshot
        unit_id, allowed = target.unit_id, links.row(target.unit_id, snapshot)
        label = label if label is not None else target.unit_short_label
    if not allowed:
        return _render(None, label)
    href = reverse("dashboard:unit_detail", args=[unit_id])
    return _render(href + _query(snapshot=snapshot.pk if snapshot else None), label)


@register.simple_tag(takes_context=True)
def scope_link(context, scope, label=None, snapshot=None, peers=None):
    label = label if label is not None else scope.full_name
    if not links_for(context["request"]).board(scope, snapshot):
        return _render(None, label)
    href = reverse("dashboard:leaderboard", args=[scope.pk])
    query = _query(snapshot=snapshot.pk if snapshot else None, peers=peers)
    return _render(href + query, label)

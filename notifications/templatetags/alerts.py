"""{% load alerts %}: {{ alert|alert_text }} words an alert (notifications.messages)."""

from django import template

from notifications.messages import alert_text as _alert_text
from notifications.models import ACTION_RULES, SCOPE_RULES

register = template.Library()


@register.filter
def alert_text(alert) -> str:
    return _alert_text(alert)


@register.filter
def is_scope_alert(alert) -> bool:
    return alert.rule.kind in SCOPE_RULES


@register.filter
def is_action_alert(alert) -> bool:
    return alert.rule.kind in ACTION_RULES

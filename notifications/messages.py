"""What an alert says, in the active language: one sentence per rule, the figures of its detail.

The centre, the API, the e-mails and the digest all word an alert here.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from dashboard.templatetags.scores import points
from indicators.models import BandCode
from notifications.models import Alert, RuleKind

LOCAL = ZoneInfo(settings.TIME_ZONE)


def _band(code: str | None) -> str:
    try:
        return str(BandCode(code).label)
    except ValueError:
        return code or "—"


def _pts(text: str | None) -> str:
    return points(Decimal(text)) if text is not None else "—"


def _groups(items: list[dict], template: str) -> str:
    return "; ".join(
        template % {k: (_pts(v) if k != "group" else v) for k, v in item.items()} for item in items
    )


def _date(value) -> str:
    return formats.date_format(value, "d/m/Y")


def alert_text(alert: Alert) -> str:
    """One sentence saying what happened (the unit and scope rows loaded or one query each)."""
    d = alert.detail
    unit = alert.unit.short_label or alert.unit.full_name
    when = _date(alert.as_of)
    kind = alert.rule.kind
    if kind == RuleKind.RANK_DROP:
        return _(
            "%(unit)s fell %(places)s places, from %(before)s to %(rank)s of %(count)s (%(date)s)."
        ) % {
            "unit": unit,
            "places": d["places"],
            "before": d["previous_rank"],
            "rank": d["rank"],
            "count": d["peer_count"],
            "date": when,
        }
    if kind == RuleKind.BAND_DOWN:
        return _(
            "%(unit)s went down from “%(before)s” to “%(band)s” with %(total)s points (%(date)s)."
        ) % {
            "unit": unit,
            "before": _band(d["previous_band"]),
            "band": _band(d["band"]),
            "total": _pts(d["total"]),
            "date": when,
        }
    if kind == RuleKind.TURNED_WEAK:
        return _("%(unit)s is now “weak” with %(total)s points (%(date)s).") % {
            "unit": unit,
            "total": _pts(d["total"]),
            "date": when,
        }
    if kind == RuleKind.GROUP_DROP:
        return _("%(unit)s lost points week on week: %(groups)s (%(date)s).") % {
            "unit": unit,
            "groups": _groups(d["groups"], _("%(group)s %(previous)s → %(points)s")),
            "date": when,
        }
    if kind == RuleKind.BELOW_MEDIAN:
        return _("%(unit)s fell below its peers' median: %(groups)s (%(date)s).") % {
            "unit": unit,
            "groups": _groups(d["groups"], _("%(group)s %(points)s, median %(median)s")),
            "date": when,
        }
    if kind == RuleKind.TOTALS_DISAGREE:
        return _(
            "%(unit)s: the official total %(official)s differs from its groups' sum %(total)s (%(date)s)."
        ) % {
            "unit": unit,
            "official": _pts(d["official_total"]),
            "total": _pts(d["total"]),
            "date": when,
        }
    if kind == RuleKind.MISSING_UPLOAD:
        return _("The weekly data of %(unit)s was not published by the deadline of %(date)s.") % {
            "unit": alert.unit.full_name,
            "date": when,
        }
    if kind == RuleKind.STALE_TABLE:
        return _(
            "The table of %(unit)s lags behind: its latest data is of %(latest)s, the province's of %(date)s."
        ) % {
            "unit": alert.unit.full_name,
            "latest": _date(datetime.date.fromisoformat(d["latest"])),
            "date": when,
        }
    if kind == RuleKind.OVERDUE_ACTION:
        title = alert.action.title if alert.action_id and alert.action else d.get("title", "")
        return _("The action “%(title)s” of %(unit)s was due on %(date)s and is not done.") % {
            "title": title,
            "unit": unit,
            "date": when,
        }
    if kind == RuleKind.PORTAL_STOPPED:
        return _(
            "The portal sync of %(unit)s stopped after %(count)s failed fetches in a row, until "
            "%(until)s: %(reason)s"
        ) % {
            "unit": alert.unit.full_name,
            "count": d.get("failures"),
            "until": formats.date_format(
                datetime.datetime.fromisoformat(d["until"]).astimezone(LOCAL), "d/m/Y H:i"
            ),
            "reason": d.get("reason", ""),
        }
    if kind == RuleKind.PORTAL_REVIEW:
        if d.get("status") == "rejected":
            return _(
                "The portal's figures of %(date)s for %(unit)s were refused by the checks "
                "(upload #%(upload)s): %(reason)s"
            ) % {
                "unit": alert.unit.full_name,
                "date": when,
                "upload": d.get("upload"),
                "reason": d.get("reason", ""),
            }
        return _(
            "The portal's figures of %(date)s for %(unit)s wait for review before they are "
            "published (upload #%(upload)s): %(reason)s"
        ) % {
            "unit": alert.unit.full_name,
            "date": when,
            "upload": d.get("upload"),
            "reason": d.get("reason", ""),
        }
    return str(alert.rule)

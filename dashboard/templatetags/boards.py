"""A leaderboard row in one pass: every cell built here, no template loop per row.

{% load boards %}
{% board_row row board=page snapshot=snapshot compare=True highlight=unit_id %}

A national board shows 200 rows of a dozen cells: the cells are formatted by the same
filters as everywhere (`scores`), the link decided by the same rule (`links`), and written
without what every row repeated (tooltips, a <meter> per group, indentation): the band's
"*" and the "–" of no earlier figure are explained once under the table
(partials/tie_rule.html), group bars are a CSS background sized by --p.
"""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dashboard.links import links_for
from dashboard.templatetags.scores import MISSING, direction, disagreement_hint, points, rank_of

register = template.Library()


def _band(row) -> str:
    if not row.band_code:
        return f'<span class="band band-none">{escape(_("no data"))}</span>'
    if row.band_is_confirmed:
        return f'<span class="band band-{escape(row.band_code)}">{escape(row.band_label)}</span>'
    return (
        f'<span class="band band-{escape(row.band_code)} band-unconfirmed">'
        f'{escape(row.band_label)}*<span class="visually-hidden"> ({escape(_("unconfirmed"))})'
        "</span></span>"
    )


def _delta(row) -> str:
    number = row.delta_total
    if number is None:
        return '<span class="delta none">–</span>'
    css, arrow, label = direction(number)
    moved = row.delta_rank
    rank = ""
    if moved:
        n = abs(moved)
        if moved > 0:
            spoken, css_rank, mark = ngettext("up %(n)s place", "up %(n)s places", n), "up", "▲"
        else:
            spoken, css_rank, mark = (
                ngettext("down %(n)s place", "down %(n)s places", n),
                "down",
                "▼",
            )
        rank = (
            f'<small class="rank-move {css_rank}"><i aria-hidden="true">{mark}{n}</i>'
            f'<span class="visually-hidden">{escape(spoken % {"n": n})}</span></small>'
        )
    return (
        f'<span class="delta {css}"><i aria-hidden="true">{arrow}</i>'
        f'<span class="visually-hidden">{escape(label)}</span> {points(abs(number))}</span>{rank}'
    )


def _cell(cell) -> str:
    value = cell.ranking_points
    if value is None:
        return f'<td class="num">{MISSING}</td>'
    share = round(float(value * 100 / cell.max_points)) if cell.max_points else 0
    return f'<td class="g" style="--p:{share}%">{points(value)}</td>'


@register.simple_tag(takes_context=True)
def board_row(context, row, board=None, snapshot=None, compare=False, highlight=None):
    """Render one <tr> of a peer table (see partials/leaderboard_table.html)."""
    unit_id = row.unit_id
    label = escape(row.unit_short_label)
    if links_for(context["request"]).row(unit_id, snapshot):
        href = reverse("dashboard:unit_detail", args=[unit_id])
        if snapshot is not None:
            href += f"?snapshot={snapshot.pk}"
        name = f'<a href="{escape(href)}">{label}</a>'
    else:
        name = f'<span class="unlinked">{label}</span>'
    if board is not None and board.spans_peer_sets:
        name += f'<small class="peer-label">{escape(row.peer_label)}</small>'
    parts = [
        f'<tr data-unit="{unit_id}"'
        + (' class="highlight" aria-current="true">' if unit_id == highlight else ">")
    ]
    if compare:
        spoken = escape(_("Compare %(unit)s") % {"unit": row.unit_short_label})
        parts.append(
            f'<td class="col-pick"><input type="checkbox" name="units" '
            f'value="{unit_id}" form="compare-form" aria-label="{spoken}"></td>'
        )
    tie = ""
    if getattr(row, "tied", False):
        tie = f' <abbr class="tie" title="{escape(_("tied"))}">=</abbr>'
    parts.append(f'<td class="col-rank">{rank_of(row.rank, row.peer_count)}{tie}</td>')
    parts.append(f'<th scope="row">{name}</th>')
    flag = ""
    if row.totals_disagree:
        hint = disagreement_hint()
        flag = (
            f'<small class="flag" title="{escape(hint)}"><span aria-hidden="true">⚠</span> '
            f"{escape(_('sum of groups'))} {points(row.total)}</small>"
        )
    parts.append(f'<td class="num"><strong>{points(row.ranking_total)}</strong>{flag}</td>')
    parts.append(f"<td>{_band(row)}</td>")
    parts.extend(_cell(cell) for cell in getattr(row, "cells", ()))
    parts.append(f'<td class="num">{_delta(row)}</td></tr>')
    # Every value above is escaped or a number formatted here.
    return mark_safe("".join(parts))  # noqa: S308

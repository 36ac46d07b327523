"""Number and badge formatting of the dashboard, in the active language ("92,05" in Vietnamese).

{% load scores %}
{{ row.ranking_total|points }}        92,00 / 92.00 (always 2 decimals: tables)
{{ row.ranking_total|points_short }}  92 / 91,95 (trailing zeros dropped: headlines)
{% delta row.delta_total %}           ▲ 0,05 (with a spoken label)
{% band_badge row.band_code row.band_label row.band_is_confirmed %}
"""

from decimal import Decimal

from django import template
from django.utils import numberformat
from django.utils.formats import get_format, number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators.scoring import DISAGREEMENT_TOLERANCE

register = template.Library()

MISSING = "—"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


@register.filter
def points(value, places: int = 2) -> str:
    """Format points with a fixed number of decimals in the active locale; "—" for no data."""
    number = _decimal(value)
    if number is None:
        return MISSING
    places = int(places)
    if abs(number) < 1000 and number.as_tuple().exponent >= -places:
        # What number_format gives when nothing is cut and there are no thousands to group,
        # at a fifth of its cost: a national table formats ~60,000 figures.
        return f"{number:.{places}f}".replace(".", get_format("DECIMAL_SEPARATOR"))
    return number_format(number, decimal_pos=places, use_l10n=True)


@register.simple_tag
def disagreement_hint() -> str:
    """Why a total is flagged, with the scoring's own tolerance (0,02 in Vietnamese)."""
    text = _(
        "The official total differs from the sum of the groups by more than %(tolerance)s points."
    )
    return text % {"tolerance": points(DISAGREEMENT_TOLERANCE)}


@register.filter
def point_changes(changes) -> str:
    """{code: (before, after)} as "CKMB 17,00→18,00, TDGQ —→19,20": one filter call per
    row rather than a template loop (a national preview has 3,321 rows of 8 groups)."""
    return ", ".join(
        f"{code} {points(before)}→{points(after)}" for code, (before, after) in changes.items()
    )


@register.filter
def points_short(value) -> str:
    """Format points without trailing zeros, as the press does: 92, 91,95, 93,3."""
    number = _decimal(value)
    if number is None:
        return MISSING
    number = number.quantize(Decimal("0.01"))
    if number == number.to_integral_value():
        return number_format(int(number), use_l10n=True)
    text = format(number, "f").rstrip("0")
    return number_format(Decimal(text), decimal_pos=len(text.split(".")[1]), use_l10n=True)


@register.filter
def percent_of(value, maximum) -> float:
    """Return value as a percentage of maximum (0 when unknown), for bars."""
    number, top = _decimal(value), _decimal(maximum)
    if number is None or not top:
        return 0.0
    return round(float(number * 100 / top), 1)


@register.filter
def rank_of(rank, count) -> str:
    """Format a rank as "r/n" ("—" when unranked); n is always shown."""
    if rank is None:
        return MISSING
    return f"{rank}/{count if count is not None else MISSING}"


def direction(number) -> tuple[str, str, str]:
    """A change's CSS class, arrow and words for screen readers, by its sign."""
    if number > 0:
        return "up", "▲", _("up")
    if number < 0:
        return "down", "▼", _("down")
    return "same", "=", _("unchanged")


@register.simple_tag
def delta(value, places: int = 2):
    """Render a change of points as ▲/▼ with the amount and a label for screen readers."""
    number = _decimal(value)
    if number is None:
        return format_html('<span class="delta none" title="{}">–</span>', _("no earlier figure"))
    css, arrow, label = direction(number)
    return format_html(
        '<span class="delta {}" title="{}"><span aria-hidden="true">{}</span>'
        '<span class="visually-hidden">{}</span> {}</span>',
        css,
        label,
        arrow,
        label,
        points(abs(number), places),
    )


@register.simple_tag
def rank_move(places_gained):
    """Render places gained in rank (positive = moved up) as a small ▲2 / ▼1."""
    if not places_gained:
        return ""
    n = abs(places_gained)
    if places_gained > 0:
        label = ngettext("up %(n)s place", "up %(n)s places", n) % {"n": n}
        css, arrow = "up", "▲"
    else:
        label = ngettext("down %(n)s place", "down %(n)s places", n) % {"n": n}
        css, arrow = "down", "▼"
    return format_html(
        '<small class="rank-move {}" title="{}"><span aria-hidden="true">{}{}</span>'
        '<span class="visually-hidden">{}</span></small>',
        css,
        label,
        arrow,
        abs(places_gained),
        label,
    )


@register.simple_tag
def band_badge(code, label, is_confirmed=True):
    """Render a band as a coloured badge that always carries its text (never colour alone)."""
    if not code:
        return format_html('<span class="band band-none">{}</span>', _("no data"))
    if is_confirmed:
        return format_html('<span class="band band-{}">{}</span>', code, label)
    hint = _("unconfirmed band: thresholds not officially published")
    return format_html(
        '<span class="band band-{} band-unconfirmed" title="{}">{}<abbr title="{}">*</abbr>'
        '<span class="visually-hidden"> ({})</span></span>',
        code,
        hint,
        label,
        hint,
        _("unconfirmed"),
    )


@register.filter
def count(value) -> str:
    """Format a count (numerator, denominator) in groups of three: 9.115 / 9,115; "—" if none.

    Django's Vietnamese format sets no NUMBER_GROUPING, so the grouping is given here.
    """
    number = _decimal(value)
    if number is None:
        return MISSING
    places = 0
    if number != number.to_integral_value():
        places = len(format(number.normalize(), "f").split(".")[1])
    return numberformat.format(
        number,
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=places,
        grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


@register.filter
def ratio_percent(threshold) -> str:
    """Format a threshold ratio (0.8) as a percentage (80%)."""
    number = _decimal(threshold)
    if number is None:
        return ""
    return f"{points_short(number * 100)}%"

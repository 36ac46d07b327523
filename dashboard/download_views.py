"""Downloads of the leaderboard and unit pages (CSV, XLSX) and the printable unit report.

Each download shows what its page shows: the same read models (`dashboard.pages`)
with the same query string (?snapshot=, ?peers=, ?q=, ?band=, ?sort=, ?dir=, ?groups=),
all rows instead of one page of them. Access is the pages' own: `reader_view`, then
`accounts.access` on the unit or on each peer table (404 when nothing may be read).
The tables are built here and written by the pure `dashboard.exports`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache, partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.access import access_for, readable_peer_keys, visible_rows
from accounts.decorators import reader_view
from dashboard import advice, exports, lookups, pages
from dashboard.exports import BAND, COUNT, DATE, DELTA, INTEGER, POINTS, BandValue, Column, Table
from indicators.conditional import conditional_published
from indicators.models import BandCode, Snapshot
from indicators.selectors import unit_history
from units.models import AdministrativeUnit
from units.text import fold_name

STYLESHEET_LINK = re.compile(r"<link[^>]+rel=\"stylesheet\"[^>]*>")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


# --- Input and access -----------------------------------------------------------------------


# --- Responses ------------------------------------------------------------------------------


def _file_name(*parts: str, ext: str) -> str:
    return "-".join(slugify(fold_name(p) or p) for p in parts if p) + f".{ext}"


def _attachment(content: bytes | Iterator[bytes], fmt: str, filename: str) -> HttpResponse:
    """The file, or its chunks streamed as they are written (a national CSV)."""
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    else:
        response = StreamingHttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # Scores are scoped to the user: no shared cache may keep them.
    response["Cache-Control"] = "private, no-store"
    return response


def _write(request: HttpRequest, tables: list[Table], fmt: str) -> bytes | Iterator[bytes]:
    """CSV as chunks to stream (its rows are read as they are written), XLSX as one file."""
    if fmt == "csv":
        return exports.csv_chunks(tables[0], lookups.csv_dialect(request))
    return exports.xlsx_bytes(tables)


# --- Tables ---------------------------------------------------------------------------------


def _snapshot_notes(snapshot: Snapshot) -> list[str]:
    notes = [
        _("Data as of %(date)s") % {"date": snapshot.as_of.strftime("%d/%m/%Y")}
        + f" · {snapshot.period_label}"
    ]
    flags = _snapshot_flags(snapshot)
    if flags:
        notes.append(" · ".join(flags))
    return notes


def _snapshot_flags(snapshot: Snapshot) -> list[str]:
    flags = []
    if snapshot.is_synthetic:
        flags.append(_("Synthetic data"))
    if snapshot.is_provisional:
        flags.append(_("Provisional"))
    if snapshot.status == "superseded":
        flags.append(_("Superseded by a corrected revision"))
    return flags


def _generated_note() -> str:
    stamp = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    return _("Exported on %(when)s from the Decision 766 scoreboard.") % {"when": stamp}


def leaderboard_table(page: pages.LeaderboardPage, rows: Iterable) -> Table:
    """The rows of a leaderboard page as a table: ranks, unit, groups, total, band, movement."""
    snapshot = page.snapshot
    note = "; ".join(_snapshot_flags(snapshot))
    columns = [
        Column(_("Peer set"), width=26),
        Column(_("Rank"), INTEGER, 7),
        Column(_("Units ranked"), INTEGER, 8),
        Column(_("Unit code"), width=10),
        Column(_("Unit"), width=30),
        *[Column(f"{g.name} ({g.max_points.normalize():f})", POINTS, 11) for g in page.groups],
        Column(_("Total"), POINTS, 9),
        Column(_("Band"), BAND, 12),
        Column(pgettext("score movement", "Change"), DELTA, 9),
        Column(_("Previous rank"), INTEGER, 9),
        Column(_("Official total"), POINTS, 10),
        Column(_("Recomputed total"), POINTS, 11),
        Column(_("As of"), DATE, 11),
        Column(_("Note"), width=18),
    ]
    values = (  # a generator: a download streams the rows as they are built
        [
            row.peer_label,
            row.rank,
            row.peer_count,
            row.unit_code,
            row.unit_full_name,
            *[
                row.groups[g.code].ranking_points if g.code in row.groups else None
                for g in page.groups
            ],
            row.ranking_total,
            BandValue(row.band_code, row.band_label) if row.band_code else None,
            row.delta_total,
            row.previous_rank,
            row.official_total,
            row.total,
            snapshot.as_of,
            note,
        ]
        for row in rows
    )
    title = _("Leaderboard of the 766 index: %(scope)s") % {"scope": page.scope.full_name}
    if page.peer_set is not None:
        title += f" · {page.peer_set.label}"
    return Table(
        sheet_name=_("Leaderboard"),
        title=title,
        notes=_snapshot_notes(snapshot),
        columns=columns,
        rows=values,
        footnotes=[
            _(
                "Equal totals (rounded to 2 decimals) share a rank; the next rank skips the shared places (1, 2, 2, 4). Ranks count only units with a total; n is the number ranked."
            ),
            _generated_note(),
        ],
    )


def breakdown_table(page: pages.UnitPage) -> Table:
    """A unit's groups and indicators with counts, points, maximum and points lost."""
    columns = [
        Column(_("Group"), width=9),
        Column(_("Indicator"), width=9),
        Column(_("Name"), width=46),
        Column(_("Numerator"), COUNT, 12),
        Column(_("Denominator"), COUNT, 12),
        Column(_("Points"), POINTS, 9),
        Column(_("Max"), POINTS, 8),
        Column(_("Points lost"), POINTS, 10),
        Column(_("Peer median"), POINTS, 10),
        Column(_("Status"), width=20),
    ]
    values, strong = [], set()
    for line in page.groups:
        g = line.group
        strong.add(len(values))
        values.append(
            [
                g.code,
                "",
                g.name,
                None,
                None,
                line.shown_points,
                g.max_points,
                g.points_lost,
                line.median,
                "",
            ]
        )
        for i in g.indicators if page.has_indicator_values else []:
            values.append(
                [
                    g.code,
                    i.code,
                    i.name,
                    i.numerator,
                    i.denominator,
                    i.points,
                    i.max_points,
                    i.points_lost,
                    None,
                    i.status_label if i.status != "ok" else "",
                ]
            )
    score = page.score
    return Table(
        sheet_name=_("Breakdown"),
        title=f"{page.unit.full_name} · {page.peer_label}",
        notes=[_standing_line(page), *_snapshot_notes(page.snapshot)],
        columns=columns,
        rows=values,
        strong_rows=strong,
        footnotes=[_generated_note()] if score else [],
    )


def _standing_line(page: pages.UnitPage) -> str:
    score = page.score
    total = "—" if score.ranking_total is None else f"{score.ranking_total:.2f}"
    parts = [_("Total %(total)s/100") % {"total": total}]
    if score.band_id:
        parts.append(str(score.band.label))
    if score.rank:
        parts.append(_("rank %(rank)s/%(n)s") % {"rank": score.rank, "n": score.peer_count})
    return " · ".join(parts)


def history_table(unit: AdministrativeUnit) -> Table:
    """A unit's standing in every published snapshot, oldest first."""
    points = unit_history(unit=unit)
    codes: list[str] = []
    for p in points:
        codes += [c for c in p.groups if c not in codes]
    columns = [
        Column(_("As of"), DATE, 11),
        Column(_("Period"), width=16),
        Column(_("Total"), POINTS, 9),
        Column(_("Band"), BAND, 12),
        Column(_("Rank"), INTEGER, 7),
        Column(_("Units ranked"), INTEGER, 8),
        *[Column(code, POINTS, 9) for code in codes],
        Column(_("Note"), width=18),
    ]
    rows = []
    for p in points:
        band = BandValue(p.band_code, str(_band_label(p.band_code))) if p.band_code else None
        flags = [_("Synthetic data")] if p.is_synthetic else []
        flags += [_("Provisional")] if p.is_provisional else []
        period = _period_label(p.period, p.period_number, p.period_year)
        rows.append(
            [p.as_of, period, p.ranking_total, band, p.rank, p.peer_count]
            + [p.groups.get(code) for code in codes]
            + ["; ".join(str(f) for f in flags)]
        )
    return Table(
        sheet_name=_("History"),
        title=_("History of %(unit)s") % {"unit": unit.full_name},
        columns=columns,
        rows=rows,
    )


def _band_label(code: str):
    try:
        return BandCode(code).label
    except ValueError:
        return code


def _period_label(period: str, number: int, year: int) -> str:
    return Snapshot(period=period, period_number=number, period_year=year).period_label


# --- Views ----------------------------------------------------------------------------------


@reader_view
@conditional_published(lambda request: access_for(request).cache_key)
def leaderboard_download(request: HttpRequest, scope_id: int, fmt: str) -> HttpResponse:
    """Download a leaderboard page's rows (all of them, with its filters and sort)."""
    access = access_for(request)
    scope = lookups.scope_unit(scope_id)
    snapshot = lookups.requested_snapshot(request, scope)
    if snapshot is None:
        raise Http404
    keys = readable_peer_keys(access, snapshot)
    if keys is not None and not keys:
        raise Http404
    peers = request.GET.get("peers") or None
    if peers is None and keys is not None:
        peers = "all"  # the broadest table may be one the user cannot read: show theirs
    descending = {"asc": False, "desc": True}.get(request.GET.get("dir", ""))
    page = pages.leaderboard_page(
        scope=scope,
        snapshot=snapshot,
        peers=peers,
        query=request.GET.get("q", ""),
        band=request.GET.get("band", ""),
        sort=request.GET.get("sort", pages.SORT_DEFAULT),
        descending=descending,
        group_view=request.GET.get("groups"),
        page_number=1,
        page_size=None,
        readable_keys=lambda _snapshot: keys,
        build_rows=False,
    )
    table = leaderboard_table(page, pages.board_rows_iter(page))
    name = _file_name(_("leaderboard"), scope.full_name, snapshot.as_of.isoformat(), ext=fmt)
    return _attachment(_write(request, [table], fmt), fmt, name)


def _unit_page(request: HttpRequest, pk: int) -> pages.UnitPage:
    access = access_for(request)
    unit = lookups.readable_unit(request, pk)
    page = pages.unit_page(
        unit=unit,
        snapshot=lookups.requested_snapshot(request, None),
        visible_rows=partial(visible_rows, access),
    )
    if page.score is None:
        raise Http404
    return page


@reader_view
@conditional_published(lambda request: access_for(request).cache_key)
def unit_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Download a unit's breakdown (CSV; ?table=history for its history) or both (XLSX)."""
    page = _unit_page(request, pk)
    as_of = page.snapshot.as_of.isoformat()
    if fmt == "csv" and request.GET.get("table") == "history":
        tables = [history_table(page.unit)]
        name = _file_name(page.unit.full_name, _("history"), ext=fmt)
    else:
        tables = [breakdown_table(page), history_table(page.unit)]
        name = _file_name(page.unit.full_name, as_of, ext=fmt)
    return _attachment(_write(request, tables, fmt), fmt, name)


def _report_context(request: HttpRequest, pk: int) -> dict:
    page = _unit_page(request, pk)
    band = page.score.band
    return {
        "page": page,
        "advice": advice.unit_advice(snapshot=page.snapshot, score=page.score),
        "band_unconfirmed": band is not None and not band.is_confirmed,
        "generated_at": timezone.localtime(),
        "pdf_available": pdf_available(),
    }


@reader_view
@conditional_published(lambda request: access_for(request).cache_key)
def unit_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a unit's one-page report ("báo cáo"), styled for printing."""
    return render(request, "dashboard/unit_report.html", _report_context(request, pk))


@reader_view
@conditional_published(lambda request: access_for(request).cache_key)
def unit_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The same report as a PDF (WeasyPrint), when the library and its Pango are installed."""
    if not pdf_available():
        raise Http404
    context = _report_context(request, pk)
    context["for_pdf"] = True
    html = render_to_string("dashboard/unit_report.html", context, request=request)
    page = context["page"]
    name = _file_name(_("report"), page.unit.full_name, page.snapshot.as_of.isoformat(), ext="pdf")
    return _attachment(_pdf_bytes(html), "pdf", name)


# --- PDF ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def pdf_available() -> bool:
    """Tell whether WeasyPrint imports (it needs the system's Pango library)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def pdf_document(html: str):
    """Lay the report out with WeasyPrint without fetching anything from a network.

    The page's stylesheet links are dropped and the same files handed over from disk; the
    fonts they name are read from the static files too, and any other URL is refused (no
    request to any server, works offline, nothing to log).
    """
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    html = STYLESHEET_LINK.sub("", html)
    fonts = FontConfiguration()  # without it, @font-face rules are ignored
    fetcher = _static_files_only()
    sheets = []
    for name in ("css/app.css", "css/print.css"):
        path = finders.find(name)
        if path:
            with open(path, encoding="utf-8") as fh:
                sheets.append(
                    weasyprint.CSS(
                        string=fh.read(),
                        base_url=Path(path).as_uri(),
                        url_fetcher=fetcher,
                        font_config=fonts,
                    )
                )
    page = weasyprint.HTML(string=html, url_fetcher=fetcher)
    return page.render(stylesheets=sheets, font_config=fonts)


def _static_files_only():
    """WeasyPrint's fetcher, for the project's own static files and nothing else."""
    from weasyprint import URLFetcher

    roots = [Path(p).resolve() for p in (*settings.STATICFILES_DIRS, settings.STATIC_ROOT) if p]

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file://"):
                path = Path(unquote(urlsplit(url).path)).resolve()
                if path.is_file() and any(path.is_relative_to(root) for root in roots):
                    return super().fetch(url, headers)
            raise ValueError(f"not fetched: {url}")

    return StaticFilesOnly(allowed_protocols={"file"})


def _pdf_bytes(html: str) -> bytes:
    return pdf_document(html).write_pdf()

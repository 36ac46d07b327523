"""Files of the actions app: the list as CSV/XLSX, the review's minutes as a page and a PDF.

The tables are written by `dashboard.exports` (";" and decimal comma with a BOM, or XLSX)
and the PDF laid out by `dashboard.download_views.pdf_document`, like every other download.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.access import access_for
from accounts.decorators import reader_view
from actions import selectors
from actions.views import list_context, review_input
from dashboard import exports, lookups
from dashboard.download_views import CONTENT_TYPES, pdf_available, pdf_document
from dashboard.exports import DATE, DELTA, POINTS, Column, Table
from units.text import fold_name


def _attachment(content: bytes, fmt: str, *parts: str) -> HttpResponse:
    name = "-".join(slugify(fold_name(p) or p) for p in parts if p) + f".{fmt}"
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    return response


def actions_table(views: list[selectors.ActionView]) -> Table:
    """Actions with their figures then and now, for a spreadsheet."""
    columns = [
        Column(_("Unit"), width=28),
        Column(_("Task"), width=40),
        Column(_("About"), width=10),
        Column(_("Owner"), width=18),
        Column(_("Due date"), DATE, 11),
        Column(_("Status"), width=12),
        Column(_("Overdue"), width=9),
        Column(_("Snapshot"), DATE, 11),
        Column(_("Figure when created"), POINTS, 11),
        Column(_("Figure now"), POINTS, 11),
        Column(pgettext("score movement", "Change"), DELTA, 9),
        Column(_("Created by"), width=18),
    ]
    rows = [
        [
            v.action.unit.full_name,
            v.action.title,
            v.action.target_label or _("Total"),
            v.action.owner.get_username(),
            v.action.due_date,
            v.action.get_status_display(),
            _("yes") if v.overdue else "",
            v.action.snapshot.as_of,
            v.before,
            v.now,
            v.change,
            v.action.created_by.get_username() if v.action.created_by else "",
        ]
        for v in views
    ]
    stamp = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    return Table(
        sheet_name=_("Actions"),
        title=_("Actions after the review"),
        columns=columns,
        rows=rows,
        footnotes=[_("Exported on %(when)s from the Decision 766 scoreboard.") % {"when": stamp}],
    )


@reader_view
def action_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Download the action list the viewer sees (same ?status=, ?mine=) as CSV or XLSX."""
    table = actions_table(list_context(request)["views"])
    if fmt == "csv":
        content = exports.csv_bytes(table, lookups.csv_dialect(request))
    else:
        content = exports.xlsx_bytes([table])
    return _attachment(content, fmt, _("actions"), timezone.localdate().isoformat())


def _minutes_context(request: HttpRequest, scope_id: int) -> dict:
    scope, snapshot = review_input(request, scope_id)
    review = selectors.review(access=access_for(request), scope=scope, snapshot=snapshot)
    return {"review": review, "generated_at": timezone.localtime(), "user": request.user}


@reader_view
def review_minutes(request: HttpRequest, scope_id: int) -> HttpResponse:
    """The review's minutes ("biên bản"), styled for printing."""
    return render(request, "actions/review_minutes.html", _minutes_context(request, scope_id))


@reader_view
def review_minutes_pdf(request: HttpRequest, scope_id: int) -> HttpResponse:
    """The same minutes as a PDF (WeasyPrint), when the library and its Pango are installed."""
    if not pdf_available():
        raise Http404
    context = _minutes_context(request, scope_id) | {"for_pdf": True}
    html = render_to_string("actions/review_minutes.html", context, request=request)
    review = context["review"]
    pdf = pdf_document(html).write_pdf()
    return _attachment(
        pdf, "pdf", _("minutes"), review.scope.full_name, review.snapshot.as_of.isoformat()
    )

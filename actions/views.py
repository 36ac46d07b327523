"""Pages of the actions app: assign from a unit page, one action, the list, the review.

Units, scopes and snapshots are fetched through `dashboard.lookups` (404 when they may not
be read) and every write goes through `actions.services`, which asks `accounts.access` again.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import access_for, require
from accounts.decorators import reader_view
from accounts.services import request_origin
from actions import forms, selectors, services
from actions.models import ActionStatus
from dashboard import lookups
from dashboard.links import can_open_board
from units.models import AdministrativeUnit

DEFAULT_DAYS = 7  # a week: the next review
REVIEW_FORM_ROWS = 120


def _form_errors(form, error: ValidationError) -> None:
    for name, messages_ in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages_)


def _unit_url(unit_id: int, snapshot_id: int | None = None) -> str:
    url = reverse("dashboard:unit_detail", args=[unit_id])
    return f"{url}?snapshot={snapshot_id}" if snapshot_id else url


@reader_view
def action_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Give a unit an action, pre-filled from a points-lost row (?group=, ?indicator=, ?title=)."""
    unit = lookups.readable_unit(request, pk)
    if not access_for(request).can_assign_actions(unit):
        raise PermissionDenied("may not assign actions to this unit")
    snapshot = selectors.action_snapshot(
        unit=unit, snapshot_id=lookups.int_param(request, "snapshot")
    )
    require(snapshot is not None)
    initial = {
        "title": request.GET.get("title", "")[:200],
        "description": selectors.what_it_takes_hint(
            snapshot=snapshot, unit_id=unit.pk, indicator_code=request.GET["indicator"]
        )
        if request.GET.get("indicator")
        else "",
        "target": forms.initial_target(request.GET),
        "due_date": timezone.localdate() + datetime.timedelta(days=DEFAULT_DAYS),
        # The unit's own chair by default, else the person assigning.
        "owner": next(
            (u.pk for u in selectors.owner_choices(unit=unit) if u.is_unit_chair), request.user.pk
        ),
    }
    form = forms.ActionForm(
        request.POST or None, unit=unit, snapshot=snapshot, actor=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        group, indicator = form.targets()
        data = form.cleaned_data
        try:
            services.action_create(
                actor=request.user, unit=unit, snapshot=snapshot, title=data["title"],
                owner=data["owner"], due_date=data["due_date"], description=data["description"],
                group=group, indicator=indicator, origin=request_origin(request),
            )  # fmt: skip
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request, _("Action assigned to %(unit)s.") % {"unit": unit.short_label}
            )
            return redirect(_unit_url(unit.pk, snapshot.pk))
    context = {"unit": unit, "snapshot": snapshot, "form": form}
    return render(request, "actions/action_form.html", context)


def _readable_action(request: HttpRequest, pk: int):
    action = selectors.action_get(access=access_for(request), pk=pk)
    require(action is not None)
    return action


@reader_view
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one action: figures then and now, comments, history; forms for who may act."""
    action = _readable_action(request, pk)
    may_edit = services.action_may_edit(user=request.user, action=action)
    update_form = None
    if may_edit:
        initial = {"status": action.status, "owner": action.owner_id, "due_date": action.due_date}
        update_form = forms.ActionUpdateForm(unit=action.unit, actor=request.user, initial=initial)
    context = {
        "view": selectors.action_views([action])[0],
        "action": action,
        "update_form": update_form,
        "comment_form": forms.CommentForm(),
    }
    return render(request, "actions/action_detail.html", context)


@reader_view
def action_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an action's status, owner or due date (POST)."""
    if request.method != "POST":
        return redirect("actions:action_detail", pk=pk)
    action = _readable_action(request, pk)
    if not services.action_may_edit(user=request.user, action=action):
        raise PermissionDenied("may not change this action")
    form = forms.ActionUpdateForm(request.POST, unit=action.unit, actor=request.user)
    if form.is_valid():
        try:
            services.action_update(actor=request.user, action_id=action.pk,
                                   origin=request_origin(request), **form.cleaned_data)  # fmt: skip
            messages.success(request, _("Action updated."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("The change was not saved: check the fields."))
    return redirect("actions:action_detail", pk=pk)


@reader_view
def action_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a comment to an action (POST)."""
    if request.method != "POST":
        return redirect("actions:action_detail", pk=pk)
    action = _readable_action(request, pk)
    form = forms.CommentForm(request.POST)
    if form.is_valid():
        services.action_comment(actor=request.user, action_id=action.pk,
                                text=form.cleaned_data["text"], origin=request_origin(request))  # fmt: skip
    return redirect("actions:action_detail", pk=pk)


@reader_view
def action_list(request: HttpRequest) -> HttpResponse:
    """List the actions the viewer may read (?status=, ?mine=1), soonest due first."""
    context = list_context(request)
    return render(request, "actions/action_list.html", context)


def list_context(request: HttpRequest) -> dict:
    status = request.GET.get("status", "")
    statuses = [status] if status in ActionStatus.values else None
    owner_id = request.user.pk if request.GET.get("mine") else None
    actions = selectors.action_list(
        access=access_for(request), owner_id=owner_id, statuses=statuses
    )
    return {
        "views": selectors.action_views(actions[:500]),
        "status": status,
        "mine": bool(owner_id),
        "statuses": ActionStatus.choices,
        "query": request.GET.urlencode(),
    }


# --- The review meeting ------------------------------------------------------------------------


def review_input(request: HttpRequest, scope_id: int):
    scope = lookups.scope_unit(scope_id)
    snapshot = lookups.requested_snapshot(request, scope)
    if snapshot is None:
        raise Http404
    require(can_open_board(access_for(request), scope, snapshot))
    return scope, snapshot


def _row_forms(request: HttpRequest, review: selectors.Review, data=None) -> list:
    """One form per unit of the snapshot the viewer may assign, the unit's chair as owner."""
    access = access_for(request)
    # Rows a chair may see include their peers, whose pages they may not open: ask per unit.
    ids = [r.unit_id for r in review.rows]
    units = AdministrativeUnit.objects.select_related(lookups.WITH_ANCESTORS).in_bulk(ids)
    due = timezone.localdate() + datetime.timedelta(days=DEFAULT_DAYS)
    rows = []
    # A form per unit costs a few queries (its possible owners): a review covers one table's
    # worth of units at most.
    for row in review.rows[:REVIEW_FORM_ROWS]:
        unit = units[row.unit_id]
        if not access.can_assign_actions(unit):
            continue
        owners = selectors.owner_choices(unit=unit, including=request.user)
        chair = next((u for u in owners if u.is_unit_chair), None)
        initial = {"owner": chair.pk if chair else request.user.pk, "due_date": due}
        form = forms.ReviewRowForm(
            data, unit=unit, owners=owners, prefix=f"u{unit.pk}", initial=initial
        )
        rows.append((row, form))
    return rows


@reader_view
def review_page(request: HttpRequest, scope_id: int) -> HttpResponse:
    """The weekly review of a scope's snapshot; POST adds actions for the ticked units."""
    scope, snapshot = review_input(request, scope_id)
    review = selectors.review(access=access_for(request), scope=scope, snapshot=snapshot)
    rows = _row_forms(request, review, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        valid = all(form.is_valid() for _row, form in rows)
        drafts = [
            services.ActionDraft(unit=form.unit, title=form.cleaned_data["title"],
                                 owner=form.cleaned_data["owner"], due_date=form.cleaned_data["due_date"])
            for _row, form in rows
            if valid and form.cleaned_data.get("selected")
        ]  # fmt: skip
        if valid and drafts:
            try:
                services.action_create_many(actor=request.user, snapshot=snapshot, drafts=drafts,
                                            origin=request_origin(request))  # fmt: skip
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                count = len(drafts)
                messages.success(request, _("%(count)d actions assigned.") % {"count": count})
                url = reverse("actions:review", args=[scope.pk])
                return redirect(f"{url}?snapshot={snapshot.pk}")
        elif valid:
            messages.error(request, _("Tick at least one unit."))
    context = {"review": review, "row_forms": rows, "minutes": _minutes_links(scope, snapshot)}
    return render(request, "actions/review.html", context)


def _minutes_links(scope, snapshot) -> dict:
    from dashboard.download_views import pdf_available

    query = f"?snapshot={snapshot.pk}"
    return {
        "html": reverse("actions:review_minutes", args=[scope.pk]) + query,
        "pdf": reverse("actions:review_minutes_pdf", args=[scope.pk]) + query
        if pdf_available()
        else "",
    }

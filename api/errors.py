"""One error body for every API failure: {"error": {"code", "message", "details"}}.

`code` is stable and meant for programs (DRF's codes: "invalid", "not_authenticated",
"permission_denied", "not_found", "method_not_allowed", "throttled", "conflict", …);
`message` is for people, in the request's language; `details` holds the field errors of a
400 ({"field": ["message", …]}), the seconds to wait of a 429 ({"wait": 12}), else null.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler


class Conflict(exceptions.APIException):
    """The resource is not in a state that allows the request (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with the current state.")
    default_code = "conflict"


def error_body(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details}}


def _first_message(detail) -> str:
    """The first message of a (possibly nested) DRF error detail."""
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
        return ""
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else ""
    return str(detail)


def exception_handler(exc, context):
    """Render DRF's and Django's client errors in the API's error body."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's 500 handling and logging apply
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        body = error_body(
            "invalid", _("The request is not valid.") + " " + _first_message(details), details
        )
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        if not isinstance(code, str):
            code = getattr(exc, "default_code", "error")
        details = {"wait": exc.wait} if isinstance(exc, exceptions.Throttled) else None
        body = error_body(code, _first_message(response.data.get("detail", response.data)), details)
    response.data = body
    return response


@login_not_required
def not_found(request, *args, **kwargs):
    """Answer an unknown /api/ path with the API's 404 body instead of the HTML page."""
    return JsonResponse(error_body("not_found", _("No API endpoint at this address.")), status=404)

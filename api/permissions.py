"""The API's door to `accounts.access`, and the DRF permissions that ask it."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts.access import Access, access_for_user

_ATTR = "_api_access"


def api_access(request) -> Access:
    """Return the access of the user DRF authenticated (token or session), once per request.

    Not `access_for(request)`: a DRF Request falls back to the Django request's attributes,
    where a cached access would be the anonymous one seen before token authentication.
    """
    cached = request.__dict__.get(_ATTR)
    if cached is None:
        cached = access_for_user(request.user)
        request.__dict__[_ATTR] = cached
    return cached


class IsDataAdmin(BasePermission):
    """Data admins (of any scope) and superusers; each upload's scope is checked by the view."""

    message = _("Only data admins may use uploads.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated) and (
            api_access(request).can_upload_somewhere
        )

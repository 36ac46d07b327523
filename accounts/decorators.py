"""View decorators that apply `accounts.access` before a view runs."""

from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from accounts.access import access_for


def reader_view(view):
    """Allow anyone who may read something (a role, or public scopes); others go to login.

    The view itself still checks each unit or scope it shows through `access_for(request)`.
    """

    @login_not_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        access = access_for(request)
        if not access.sees_anything:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied("no role")
        return view(request, *args, **kwargs)

    return wrapped


def uploader_view(view):
    """Allow data admins and superusers only; the view checks the scope of each upload."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not access_for(request).can_upload_somewhere:
            raise PermissionDenied("not a data admin")
        return view(request, *args, **kwargs)

    return wrapped

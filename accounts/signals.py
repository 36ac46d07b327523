"""Audit logins, logouts, failed logins and lockouts."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts.models import AuditAction
from accounts.services import audit_record, request_origin


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(action=AuditAction.LOGIN, actor=user, origin=request_origin(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, actor=user, origin=request_origin(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in credentials; keep only the user name.
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        username=str(credentials.get("username", ""))[:150],
        origin=request_origin(request),
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(
        action=AuditAction.LOCKED_OUT, username=username or "", origin=request_origin(request)
    )

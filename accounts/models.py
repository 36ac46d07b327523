"""Who may see and do what: role memberships bound to units, and the audit log."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken


class Role(models.TextChoices):
    PROVINCIAL_STAFF = "provincial_staff", _("Provincial staff")
    UNIT_CHAIR = "unit_chair", _("Unit chair")
    DATA_ADMIN = "data_admin", _("Data admin")


class Membership(models.Model):
    """A user's role on one unit; a user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    unit = models.ForeignKey(
        "units.AdministrativeUnit",
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("unit"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("granted by"),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    LOCKED_OUT = "locked_out", _("Locked out")
    UPLOAD = "upload", _("Uploaded a file")
    PUBLISH = "publish", _("Published")
    DISCARD = "discard", _("Discarded")
    RETRY = "retry", _("Retried")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_ROTATED = "token_rotated", _("API token rotated")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    DEPARTMENTS_REGISTERED = "departments_added", _("Departments registered")
    ALIASES_ADDED = "aliases_added", _("Unit names picked")
    ACTION_CREATED = "action_created", _("Action assigned")
    ACTION_UPDATED = "action_updated", _("Action changed")
    ACTION_COMMENTED = "action_commented", _("Action commented")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("The audit log is append-only.")

    def delete(self):
        raise PermissionDenied("The audit log is append-only.")


class AuditEvent(models.Model):
    """One security-relevant event; rows are only ever added."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("who"),
    )
    # Kept as text too, so the record survives the user's deletion or a failed login.
    actor_username = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("what"), max_length=20, choices=AuditAction.choices)
    target = models.CharField(_("on"), max_length=300, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("from"), null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The audit log is append-only.")


class ApiToken(AbstractAuthToken):
    """One API client's token (django-rest-knox): only its SHA-512 digest is stored.

    One token per client of a user (a script, an integration), each with an expiry, so one
    client's token is rotated or revoked without cutting off the others.
    """

    client = models.CharField(_("client"), max_length=100, default="default")

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.UniqueConstraint(fields=["user", "client"], name="apitoken_one_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.client} · {self.token_key}…"

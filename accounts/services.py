"""Writes of the accounts app: memberships and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest

from accounts.models import ApiToken, AuditAction, AuditEvent, Membership, Role
from units.models import AdministrativeUnit


def request_origin(request: HttpRequest | None) -> dict:
    """Return where a request came from, as plain data services can take (no request object)."""
    if request is None:
        return {}
    ip = request.META.get("REMOTE_ADDR") or None
    # Behind the reverse proxy REMOTE_ADDR is the proxy; trust X-Forwarded-For only then.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and settings.BEHIND_PROXY:
        ip = forwarded.split(",")[0].strip() or ip
    return {"ip_address": ip, "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300]}


def audit_record(
    *,
    action: str,
    actor=None,
    username: str = "",
    target: str = "",
    detail: dict | None = None,
    origin: dict | None = None,
) -> AuditEvent:
    """Append one event to the audit log; origin is `request_origin(request)`."""
    origin = origin or {}
    actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor,
        actor_username=(actor.get_username() if actor else username)[:150],
        action=action,
        target=target[:300],
        detail=detail or {},
        ip_address=origin.get("ip_address"),
        user_agent=origin.get("user_agent", ""),
    )


@transaction.atomic
def membership_grant(
    *, user, unit: AdministrativeUnit, role: str, granted_by=None, origin: dict | None = None
) -> tuple[Membership, bool]:
    """Give a user a role on a unit (idempotent) and audit it."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(Role.values)}")
    membership, created = Membership.objects.get_or_create(
        user=user, unit=unit, role=role, defaults={"granted_by": granted_by}
    )
    if created:
        audit_record(
            action=AuditAction.ROLE_GRANTED,
            actor=granted_by,
            username="system",
            target=f"{user.get_username()} · {role} · {unit.full_name}",
            detail={"user": user.pk, "unit": unit.pk, "role": role},
            origin=origin,
        )
    return membership, created


@transaction.atomic
def membership_revoke(
    *, membership: Membership, revoked_by=None, origin: dict | None = None
) -> None:
    """Remove a membership and audit it."""
    audit_record(
        action=AuditAction.ROLE_REVOKED,
        actor=revoked_by,
        username="system",
        target=f"{membership.user.get_username()} · {membership.role} · {membership.unit.full_name}",
        detail={"user": membership.user_id, "unit": membership.unit_id, "role": membership.role},
        origin=origin,
    )
    membership.delete()


def user_get_or_create(*, username: str, email: str = "") -> tuple[object, bool]:
    """Return the user with this name, creating it without a usable password if missing."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user, created


# --- API tokens (hashed at rest by django-rest-knox; the clear token is shown once) -----------


class ApiTokenError(Exception):
    """A token request that cannot be done as asked (e.g. the client already has one)."""


def _token_expiry_days(days: int | None) -> int:
    return settings.API_TOKEN_DAYS if days is None else days


@transaction.atomic
def api_token_create(
    *, user, client: str = "default", days: int | None = None, actor=None, origin=None
) -> tuple[ApiToken, str]:
    """Issue a token for one client of user; return (token row, the clear token, shown once)."""
    if ApiToken.objects.filter(user=user, client=client).exists():
        raise ApiTokenError(
            f"{user.get_username()} already has a token for client {client!r}: rotate it."
        )
    return _issue(user=user, client=client, days=days, actor=actor, origin=origin, rotated=False)


@transaction.atomic
def api_token_rotate(
    *, user, client: str = "default", days: int | None = None, actor=None, origin=None
) -> tuple[ApiToken, str]:
    """Replace one client's token (or issue it): the old one stops working at once."""
    rotated = ApiToken.objects.filter(user=user, client=client).delete()[0] > 0
    return _issue(user=user, client=client, days=days, actor=actor, origin=origin, rotated=rotated)


@transaction.atomic
def api_token_revoke(*, user, client: str = "default", actor=None, origin=None) -> bool:
    """Delete one client's token; False if it had none."""
    deleted = ApiToken.objects.filter(user=user, client=client).delete()[0] > 0
    if deleted:
        audit_record(
            action=AuditAction.TOKEN_REVOKED,
            actor=actor,
            username="cli",
            target=f"{user.get_username()} · {client}",
            detail={"user": user.pk, "client": client},
            origin=origin,
        )
    return deleted


def _issue(*, user, client, days, actor, origin, rotated) -> tuple[ApiToken, str]:
    from datetime import timedelta

    days = _token_expiry_days(days)
    row, token = ApiToken.objects.create(
        user=user, client=client, expiry=timedelta(days=days) if days else None
    )
    audit_record(
        action=AuditAction.TOKEN_ROTATED if rotated else AuditAction.TOKEN_CREATED,
        actor=actor,
        username="cli",
        target=f"{user.get_username()} · {client}",
        # The key prefix identifies the token in the log; the token itself is never logged.
        detail={"user": user.pk, "client": client, "token_key": row.token_key, "days": days},
        origin=origin,
    )
    return row, token

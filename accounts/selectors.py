"""Reads of the accounts app."""

from accounts.models import Membership, Role
from units.models import AdministrativeUnit

# Whose scope a home page shows first when a user holds several roles.
_ROLE_ORDER = {Role.DATA_ADMIN: 0, Role.PROVINCIAL_STAFF: 1, Role.UNIT_CHAIR: 2}


def home_scope_for(user) -> AdministrativeUnit | None:
    """Return the scope a user's home page shows: their province, or a chair's peer table.

    A chair's unit ranks among the children of its parent, so the parent is the scope.
    None for anonymous users, superusers and users without a role (the caller decides).
    """
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return None
    memberships = sorted(
        Membership.objects.filter(user=user).select_related("unit__parent"),
        key=lambda m: (_ROLE_ORDER[m.role], m.pk),
    )
    if not memberships:
        return None
    first = memberships[0]
    if first.role == Role.UNIT_CHAIR and first.unit.parent_id:
        return first.unit.parent
    return first.unit

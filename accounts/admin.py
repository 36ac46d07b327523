from django.contrib import admin

from accounts.models import ApiToken, AuditEvent, Membership
from accounts.services import api_token_revoke, membership_grant, membership_revoke, request_origin


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "unit", "created_at", "granted_by")
    list_filter = ("role",)
    search_fields = ("user__username", "unit__search_name", "unit__name")
    autocomplete_fields = ("unit",)
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "granted_by")

    def save_model(self, request, obj, form, change):
        # Role changes go through the service so that they are audited.
        if change:
            old = Membership.objects.get(pk=obj.pk)
            membership_revoke(
                membership=old, revoked_by=request.user, origin=request_origin(request)
            )
        membership, _created = membership_grant(
            user=obj.user,
            unit=obj.unit,
            role=obj.role,
            granted_by=request.user,
            origin=request_origin(request),
        )
        obj.pk = membership.pk

    def delete_model(self, request, obj):
        membership_revoke(membership=obj, revoked_by=request.user, origin=request_origin(request))

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "unit"):
            self.delete_model(request, membership)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor_username", "action", "target", "ip_address")
    list_filter = ("action",)
    search_fields = ("actor_username", "target")
    date_hierarchy = "created_at"

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Tokens are issued by `manage.py create_api_token` (the clear token is shown once); the
# admin lists and revokes them. knox registers its own model, unused here (KNOX_TOKEN_MODEL).
def _unregister_knox_token() -> None:
    from knox.models import AuthToken

    if admin.site.is_registered(AuthToken):
        admin.site.unregister(AuthToken)


_unregister_knox_token()


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "client", "token_key", "created", "expiry")
    search_fields = ("user__username", "client", "token_key")
    readonly_fields = ("user", "client", "token_key", "created", "expiry")
    exclude = ("digest",)

    def has_add_permission(self, request) -> bool:
        return False

    def delete_model(self, request, obj):
        api_token_revoke(
            user=obj.user, client=obj.client, actor=request.user, origin=request_origin(request)
        )

    def delete_queryset(self, request, queryset):
        for token in queryset:
            self.delete_model(request, token)

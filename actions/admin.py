from django.contrib import admin

from actions.models import Action, ActionChange, ActionComment


class ActionChangeInline(admin.TabularInline):
    model = ActionChange
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "actor", "field", "old_value", "new_value")

    def has_add_permission(self, request, obj=None):
        return False


class ActionCommentInline(admin.TabularInline):
    model = ActionComment
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "author", "text")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    """Read-only: actions are written by actions.services (history and audit) only."""

    list_display = ("title", "unit", "owner", "due_date", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("title", "unit__search_name", "owner__username")
    inlines = (ActionCommentInline, ActionChangeInline)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

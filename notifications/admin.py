from django.contrib import admin

from notifications.models import (
    Alert,
    AlertRule,
    Notification,
    NotificationPreference,
    OutgoingEmail,
    UploadDeadline,
)


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "enabled",
        "threshold",
        "default_roles",
        "deadline_weekday",
        "deadline_time",
    ]
    list_editable = ["enabled", "threshold", "default_roles"]


@admin.register(UploadDeadline)
class UploadDeadlineAdmin(admin.ModelAdmin):
    list_display = ["scope", "weekday", "time"]
    raw_id_fields = ["scope"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "rule", "unit", "scope", "as_of"]
    list_filter = ["rule"]
    raw_id_fields = ["unit", "scope", "snapshot"]
    readonly_fields = ["created_at"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "alert", "in_app", "read_at"]
    raw_id_fields = ["user", "alert"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "delivery", "timing", "digest"]
    raw_id_fields = ["user"]
    filter_horizontal = ["rules"]
    autocomplete_fields = []
    exclude = ["units"]


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "sent_at", "attempts", "last_error"]
    list_filter = ["kind"]
    raw_id_fields = ["user", "notification"]

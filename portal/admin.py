from django.contrib import admin

from portal.models import Fetch, SyncScope


@admin.register(SyncScope)
class SyncScopeAdmin(admin.ModelAdmin):
    list_display = [
        "scope",
        "periods",
        "hour",
        "auto_publish",
        "enabled",
        "consecutive_failures",
        "breaker_open_until",
    ]
    list_editable = ["periods", "hour", "auto_publish", "enabled"]
    raw_id_fields = ["scope"]


@admin.register(Fetch)
class FetchAdmin(admin.ModelAdmin):
    list_display = ["started_at", "scope", "as_of", "trigger", "outcome", "requests_made", "upload"]
    list_filter = ["outcome", "trigger"]
    raw_id_fields = ["scope", "sync_scope", "upload", "requested_by"]
    readonly_fields = [f.name for f in Fetch._meta.fields]

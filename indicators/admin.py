"""Admin: the framework is read-mostly (a revision is a new version); snapshots via services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from indicators.models import Band, Framework, Indicator, IndicatorGroup, Snapshot
from indicators.services import (
    SnapshotStateError,
    snapshot_discard,
    snapshot_publish,
    snapshot_recompute,
)


class ReadMostlyAdmin(admin.ModelAdmin):
    """Only notes and confirmation flags are editable; rules change through a new framework."""

    editable = ("note", "notes", "is_confirmed", "levels_confirmed")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.editable]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IndicatorGroupInline(admin.TabularInline):
    model = IndicatorGroup
    fields = (
        "position",
        "code",
        "name",
        "max_points",
        "five_group_code",
        "is_combined",
        "is_confirmed",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class BandInline(admin.TabularInline):
    model = Band
    fields = ("code", "name", "min_total", "is_confirmed", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Framework)
class FrameworkAdmin(ReadMostlyAdmin):
    list_display = ("code", "name", "valid_from")
    inlines = [IndicatorGroupInline, BandInline]


@admin.register(IndicatorGroup)
class IndicatorGroupAdmin(ReadMostlyAdmin):
    list_display = (
        "code",
        "name",
        "max_points",
        "five_group_code",
        "is_combined",
        "is_confirmed",
        "framework",
    )
    list_filter = ("framework", "is_confirmed")


@admin.register(Indicator)
class IndicatorAdmin(ReadMostlyAdmin):
    list_display = (
        "code",
        "name",
        "group",
        "max_points",
        "threshold",
        "zero_denominator_policy",
        "is_confirmed",
        "levels_confirmed",
    )
    list_filter = ("framework", "group__code", "is_confirmed")
    search_fields = ("code", "name")


@admin.register(Band)
class BandAdmin(ReadMostlyAdmin):
    list_display = ("code", "name", "min_total", "is_confirmed", "framework")
    list_filter = ("framework",)


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "scope",
        "as_of",
        "period",
        "period_year",
        "period_number",
        "revision",
        "status",
        "is_synthetic",
        "published_at",
    )
    list_filter = ("status", "period", "is_synthetic", "framework")
    search_fields = ("scope__name", "source_label")
    date_hierarchy = "as_of"
    list_select_related = ("scope",)
    actions = ["recompute", "publish", "discard"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _run(self, request, queryset, service, done):
        for snapshot in queryset.order_by("as_of", "revision"):
            try:
                service(snapshot_id=snapshot.pk)
            except SnapshotStateError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, done % {"snapshot": snapshot}, messages.SUCCESS)

    @admin.action(description=_("Recompute selected snapshots"))
    def recompute(self, request, queryset):
        self._run(request, queryset, snapshot_recompute, _("Recomputed %(snapshot)s."))

    @admin.action(description=_("Publish selected snapshots"))
    def publish(self, request, queryset):
        self._run(request, queryset, snapshot_publish, _("Published %(snapshot)s."))

    @admin.action(description=_("Discard selected drafts"))
    def discard(self, request, queryset):
        self._run(request, queryset, snapshot_discard, _("Discarded %(snapshot)s."))

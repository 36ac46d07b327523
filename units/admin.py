"""Admin for units, their codes and lineage: searched by folded name, ordered in Vietnamese."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from units.models import AdministrativeUnit, LineageLink, UnitCode
from units.text import fold, fold_name


def _folded_search(queryset, search_term: str):
    """Filter by every folded word in the unit's search_name, or by exact code."""
    if not search_term.strip():
        return queryset
    words_q = Q()
    for word in fold(search_term).split():
        words_q &= Q(search_name__contains=word)
    code_q = Q(codes__code__iexact=search_term.strip())
    return queryset.filter(words_q | code_q).distinct()


class ValidityFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [("current", _("Still valid")), ("ended", _("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "current":
            return queryset.filter(valid_to__isnull=True)
        if self.value() == "ended":
            return queryset.filter(valid_to__isnull=False)
        return queryset


class UnitCodeInline(admin.TabularInline):
    model = UnitCode
    extra = 0
    fields = ["scheme", "code", "valid_from", "valid_to"]


class PredecessorLinkInline(admin.TabularInline):
    model = LineageLink
    fk_name = "successor"
    extra = 0
    verbose_name = _("predecessor")
    verbose_name_plural = _("predecessors")
    fields = ["predecessor", "effective_date", "kind", "share", "note"]
    raw_id_fields = ["predecessor"]


class SuccessorLinkInline(admin.TabularInline):
    model = LineageLink
    fk_name = "predecessor"
    extra = 0
    verbose_name = _("successor")
    verbose_name_plural = _("successors")
    fields = ["successor", "effective_date", "kind", "share", "note"]
    raw_id_fields = ["successor"]


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ["full_name", "kind", "level", "parent", "valid_from", "valid_to"]
    list_filter = ["level", "kind", ValidityFilter]
    list_select_related = ["parent"]
    ordering = ["sort_key", "id"]
    search_fields = ["search_name"]  # the real search is get_search_results (folded)
    search_help_text = _("Name without diacritics or prefix is fine (“di an”), or a code.")
    raw_id_fields = ["parent"]
    readonly_fields = ["search_name", "sort_key", "source_key"]
    fields = ["name", "full_name", "kind", "parent", "valid_from", "valid_to", *readonly_fields]
    inlines = [UnitCodeInline, PredecessorLinkInline, SuccessorLinkInline]
    list_per_page = 100

    def get_search_results(self, request, queryset, search_term):
        return _folded_search(queryset, search_term), True

    def save_model(self, request, obj, form, change):
        # full_name is filled from kind + name when left empty.
        obj.set_derived_fields()
        super().save_model(request, obj, form, change)


@admin.register(UnitCode)
class UnitCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "scheme", "unit", "valid_from", "valid_to"]
    list_filter = ["scheme"]
    list_select_related = ["unit"]
    search_fields = ["code"]
    raw_id_fields = ["unit"]
    ordering = ["scheme", "code"]

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        by_code = queryset.filter(code__iexact=search_term.strip())
        words_q = Q()
        for word in fold_name(search_term).split():
            words_q &= Q(unit__search_name__contains=word)
        return by_code | queryset.filter(words_q), True


@admin.register(LineageLink)
class LineageLinkAdmin(admin.ModelAdmin):
    list_display = ["predecessor", "successor", "effective_date", "kind", "share"]
    list_filter = ["kind", "share", "effective_date"]
    list_select_related = ["predecessor", "successor"]
    raw_id_fields = ["predecessor", "successor"]
    search_fields = ["successor__search_name"]
    date_hierarchy = "effective_date"

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        words_q_pred, words_q_succ = Q(), Q()
        for word in fold(search_term).split():
            words_q_pred &= Q(predecessor__search_name__contains=word)
            words_q_succ &= Q(successor__search_name__contains=word)
        return queryset.filter(words_q_pred | words_q_succ), True

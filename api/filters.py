"""Query filters of the list endpoints (django-filter)."""

from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from api.base import MAX_ID
from indicators.models import Snapshot, SnapshotPeriod, SnapshotStatus, UnitScore
from ingest.forms import PeriodField
from ingest.models import Upload, UploadStatus
from units.models import AdministrativeUnit, UnitCode, UnitKind, UnitLevel
from units.text import fold


class PeriodFilter(filters.ChoiceFilter):
    """A period by its one name; the old spelling "year" is accepted (ingest.forms.PeriodField)."""

    field_class = PeriodField

    def __init__(self, **kwargs):
        super().__init__(choices=SnapshotPeriod.choices, **kwargs)


class IdFilter(filters.NumberFilter):
    """An id: a whole number a database key can hold (NumberFilter takes any decimal)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UnitFilter(filters.FilterSet):
    q = filters.CharFilter(
        method="filter_q",
        max_length=100,
        help_text=_("Name words, without diacritics or prefix if you like: “Di An” finds Dĩ An."),
    )
    as_of = filters.DateFilter(method="filter_as_of", help_text=_("Units valid on this date."))
    level = filters.ChoiceFilter(choices=UnitLevel.choices)
    kind = filters.ChoiceFilter(choices=UnitKind.choices)
    parent = IdFilter(field_name="parent_id")
    code = filters.CharFilter(
        method="filter_code", max_length=100, help_text=_("Any code: GSO, portal, alias.")
    )

    class Meta:
        model = AdministrativeUnit
        fields = ["q", "as_of", "level", "kind", "parent", "code"]

    def filter_q(self, queryset, name, value):
        """Every folded word must start a word of the name; exact names first, then prefixes."""
        words = fold(value).split()
        if not words:
            return queryset
        for word in words:
            queryset = queryset.filter(
                Q(search_name__startswith=word) | Q(search_name__contains=f" {word}")
            )
        phrase = " ".join(words)
        closeness = Case(
            When(search_name=phrase, then=Value(0)),
            When(search_name__startswith=phrase, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        return queryset.annotate(closeness=closeness).order_by("closeness", "sort_key", "id")

    def filter_as_of(self, queryset, name, value):
        return queryset.valid_on(value)

    def filter_code(self, queryset, name, value):
        return queryset.filter(pk__in=_units_with_code(value.strip()))


def _units_with_code(code: str):
    return UnitCode.objects.filter(code__iexact=code).values("unit_id")


class SnapshotFilter(filters.FilterSet):
    scope = IdFilter(field_name="scope_id")
    period = PeriodFilter()
    period_year = IdFilter(field_name="period_year", max_value=32767)
    status = filters.ChoiceFilter(
        choices=[
            (SnapshotStatus.PUBLISHED.value, SnapshotStatus.PUBLISHED.label),
            (SnapshotStatus.SUPERSEDED.value, SnapshotStatus.SUPERSEDED.label),
        ]
    )
    as_of = filters.DateFilter(field_name="as_of")
    as_of_after = filters.DateFilter(field_name="as_of", lookup_expr="gte")
    as_of_before = filters.DateFilter(field_name="as_of", lookup_expr="lte")

    class Meta:
        model = Snapshot
        fields = ["scope", "period", "period_year", "status", "as_of"]


class UnitScoreFilter(filters.FilterSet):
    scope = IdFilter(field_name="snapshot__scope_id")
    period = PeriodFilter(field_name="snapshot__period")
    as_of_after = filters.DateFilter(field_name="snapshot__as_of", lookup_expr="gte")
    as_of_before = filters.DateFilter(field_name="snapshot__as_of", lookup_expr="lte")

    class Meta:
        model = UnitScore
        fields = ["scope", "period"]


class UploadFilter(filters.FilterSet):
    scope = IdFilter(field_name="scope_id")
    status = filters.ChoiceFilter(choices=UploadStatus.choices)

    class Meta:
        model = Upload
        fields = ["scope", "status"]

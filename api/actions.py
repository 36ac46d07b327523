"""/api/v1/actions/: the actions after the review, through the same services as the pages.

Reads are filtered by `accounts.access` (a chair reads the actions of their unit and the units
below); creating asks `Access.can_assign_actions`, changing asks the owner/creator/assigner
rule of `actions.services.action_may_edit`. A unit the caller may not read is a 404.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.services import request_origin
from actions import selectors, services
from actions.models import Action, ActionStatus
from api.base import MAX_ID, ApiViewSet
from api.filters import IdFilter
from api.permissions import api_access
from api.serializers import UnitRefSerializer, points_field
from indicators.models import Indicator, IndicatorGroup
from units.models import AdministrativeUnit

UNIT_PARENTS = "parent__parent__parent__parent"


# --- Serializers ------------------------------------------------------------------------------


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


class ActionSerializer(serializers.Serializer):
    """An action with its figure when created and in the latest published snapshot."""

    id = serializers.IntegerField(source="action.pk", read_only=True)
    unit = UnitRefSerializer(source="action.unit", read_only=True)
    snapshot = serializers.IntegerField(source="action.snapshot_id", read_only=True)
    snapshot_as_of = serializers.DateField(source="action.snapshot.as_of", read_only=True)
    group = serializers.CharField(
        source="action.group.code", read_only=True, allow_null=True, default=None
    )
    indicator = serializers.CharField(
        source="action.indicator.code", read_only=True, allow_null=True, default=None
    )
    title = serializers.CharField(source="action.title", read_only=True)
    description = serializers.CharField(source="action.description", read_only=True)
    owner = UserRefSerializer(source="action.owner", read_only=True)
    created_by = UserRefSerializer(source="action.created_by", read_only=True, allow_null=True)
    due_date = serializers.DateField(source="action.due_date", read_only=True)
    status = serializers.ChoiceField(
        source="action.status", choices=ActionStatus.choices, read_only=True
    )
    overdue = serializers.BooleanField(read_only=True)
    figure_when_created = points_field(source="before")
    figure_now = points_field(source="now")
    figure_now_as_of = serializers.DateField(
        source="now_snapshot.as_of", read_only=True, allow_null=True, default=None
    )
    change = points_field()
    moved = serializers.ChoiceField(
        choices=[selectors.UP, selectors.SAME, selectors.DOWN],
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy(
            "After the due date: did the figure go up, stay or go down (else null)."
        ),
    )
    created_at = serializers.DateTimeField(source="action.created_at", read_only=True)
    updated_at = serializers.DateTimeField(source="action.updated_at", read_only=True)
    closed_at = serializers.DateTimeField(
        source="action.closed_at", read_only=True, allow_null=True
    )


def _id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class ActionCreateSerializer(serializers.Serializer):
    unit = _id_field(help_text=gettext_lazy("The unit given the action."))
    snapshot = _id_field(
        required=False,
        help_text=gettext_lazy(
            "The snapshot that prompted it; default the unit's latest published."
        ),
    )
    group = serializers.CharField(
        required=False, max_length=20, help_text=gettext_lazy("A group code (TDGQ).")
    )
    indicator = serializers.CharField(
        required=False, max_length=20, help_text=gettext_lazy("An indicator code (1.2).")
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, default=""
    )
    owner = _id_field(help_text=gettext_lazy("A user who may read the unit."))
    due_date = serializers.DateField()


class ActionUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    owner = _id_field(required=False)
    due_date = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)


# --- Filters ----------------------------------------------------------------------------------


class ActionFilter(filters.FilterSet):
    unit = IdFilter(field_name="unit_id")
    owner = IdFilter(field_name="owner_id")
    status = filters.ChoiceFilter(choices=ActionStatus.choices)
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte")
    overdue = filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Action
        fields = ["unit", "owner", "status", "due_before", "due_after", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = selectors.overdue_actions().values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)


# --- Views ------------------------------------------------------------------------------------


def _user(pk: int, field: str):
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ValidationError({field: [_("No such user.")]})
    return user


def _validation(error: DjangoValidationError) -> ValidationError:
    return ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages)


class ActionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ApiViewSet
):
    """Actions the caller may read; create and change them with the pages' rules."""

    serializer_class = ActionSerializer
    filterset_class = ActionFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Action.objects.none()
        return selectors.action_list(access=api_access(self.request))

    def get_serializer_class(self):
        return {"create": ActionCreateSerializer, "partial_update": ActionUpdateSerializer}.get(
            self.action, ActionSerializer
        )

    def _out(self, actions) -> list:
        return ActionSerializer(selectors.action_views(actions), many=True).data

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self._out(page))

    def retrieve(self, request, *args, **kwargs):
        return Response(self._out([self.get_object()])[0])

    @extend_schema(request=ActionCreateSerializer, responses={201: ActionSerializer})
    def create(self, request, *args, **kwargs):
        """Give a unit an action (provincial staff for their province, chairs for their unit)."""
        form = ActionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        access = api_access(request)
        unit = (
            AdministrativeUnit.objects.select_related(UNIT_PARENTS).filter(pk=data["unit"]).first()
        )
        if unit is None or not access.can_read_unit(unit):
            raise NotFound(_("No such unit, or not one you may read."))
        if not access.can_assign_actions(unit):
            raise PermissionDenied(
                _("You may not assign actions to %(unit)s.") % {"unit": unit.full_name}
            )
        snapshot = selectors.action_snapshot(unit=unit, snapshot_id=data.get("snapshot"))
        if snapshot is None:
            raise ValidationError(
                {"snapshot": [_("The unit has no published score in this snapshot.")]}
            )
        group, indicator = _targets(snapshot, data)
        try:
            action = services.action_create(
                actor=request.user, unit=unit, snapshot=snapshot, title=data["title"],
                owner=_user(data["owner"], "owner"), due_date=data["due_date"],
                description=data["description"], group=group, indicator=indicator,
                origin=request_origin(request),
            )  # fmt: skip
        except DjangoValidationError as error:
            raise _validation(error) from error
        return Response(self._out([action])[0], status=status.HTTP_201_CREATED)

    @extend_schema(request=ActionUpdateSerializer, responses={200: ActionSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Change the title, description, owner, due date or status (owner, creator, assigner)."""
        action = self.get_object()
        if not services.action_may_edit(user=request.user, action=action):
            raise PermissionDenied(_("You may not change this action."))
        form = ActionUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        if "owner" in changes:
            changes["owner"] = _user(changes["owner"], "owner")
        try:
            services.action_update(
                actor=request.user, action_id=action.pk, origin=request_origin(request), **changes
            )
        except DjangoValidationError as error:
            raise _validation(error) from error
        return Response(self._out([self.get_queryset().get(pk=action.pk)])[0])


def _targets(snapshot, data: dict) -> tuple[IndicatorGroup | None, Indicator | None]:
    group = indicator = None
    if data.get("group"):
        group = IndicatorGroup.objects.filter(
            framework_id=snapshot.framework_id, code=data["group"]
        ).first()
        if group is None:
            raise ValidationError({"group": [_("No such group in the snapshot's index.")]})
    if data.get("indicator"):
        indicator = Indicator.objects.filter(
            framework_id=snapshot.framework_id, code=data["indicator"]
        ).first()
        if indicator is None:
            raise ValidationError({"indicator": [_("No such indicator in the snapshot's index.")]})
    return group, indicator

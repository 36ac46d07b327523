"""The caller's notifications: list them (?unread=true), mark one or all read.

Every user has their own centre; nobody reads or marks another's (another's id is a 404).
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api.base import ApiViewSet
from api.permissions import api_access
from notifications import selectors, services
from notifications.messages import alert_text
from notifications.models import SCOPE_RULES, Notification, RuleKind


class NotificationSerializer(serializers.ModelSerializer):
    rule = serializers.ChoiceField(source="alert.rule.kind", choices=RuleKind.choices)
    rule_name = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField()
    unit_id = serializers.IntegerField(source="alert.unit_id")
    unit_name = serializers.CharField(source="alert.unit.full_name")
    scope_id = serializers.IntegerField(source="alert.scope_id")
    as_of = serializers.DateField(source="alert.as_of")
    action_id = serializers.IntegerField(
        source="alert.action_id", allow_null=True, help_text="the action an overdue alert is about"
    )
    detail = serializers.JSONField(source="alert.detail")
    url = serializers.SerializerMethodField(
        help_text="the page it is about, if the caller may open it"
    )

    class Meta:
        model = Notification
        fields = [
            "id", "rule", "rule_name", "text", "unit_id", "unit_name", "scope_id", "as_of",
            "action_id", "detail", "created_at", "read_at", "url",
        ]  # fmt: skip

    def get_rule_name(self, obj) -> str:
        return str(obj.alert.rule)

    def get_text(self, obj) -> str:
        return alert_text(obj.alert)

    def get_url(self, obj) -> str | None:
        access = api_access(self.context["request"])
        alert = obj.alert
        if alert.action_id is not None:
            allowed, name, target = (
                access.can_read_unit(alert.unit),
                "actions:action_detail",
                alert.action_id,
            )
        elif alert.rule.kind in SCOPE_RULES:
            allowed, name, target = (
                access.can_read_scope(alert.scope),
                "dashboard:leaderboard",
                alert.scope_id,
            )
        else:
            allowed, name, target = (
                access.can_read_unit(alert.unit),
                "dashboard:unit_detail",
                alert.unit_id,
            )
        return (
            self.context["request"].build_absolute_uri(reverse(name, args=[target]))
            if allowed
            else None
        )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(
        help_text="how many notifications were unread and now are read"
    )


class NotificationViewSet(mixins.ListModelMixin, ApiViewSet):
    """The caller's notifications, newest first."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Notification.objects.none()
        unread = self.request.query_params.get("unread") in ("1", "true", "yes")
        return selectors.notification_list(user=self.request.user, unread_only=unread)

    @extend_schema(
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="only unread ones")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=MarkedSerializer, operation_id="notifications_read")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification read (again: 0 marked)."""
        if not self.get_queryset().filter(pk=pk).exists():
            raise NotFound()
        marked = services.notification_mark_read(user=request.user, notification_ids=[int(pk)])
        return Response({"marked": marked})

    @extend_schema(request=None, responses=MarkedSerializer, operation_id="notifications_read_all")
    @action(detail=False, methods=["post"], url_path="read", url_name="read-all")
    def read_all(self, request):
        """Mark every notification of the caller read."""
        return Response({"marked": services.notification_mark_read(user=request.user)})

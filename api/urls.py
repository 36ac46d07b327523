"""URLs of the API: /api/v1/… endpoints, /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI)."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api import views
from api.actions import ActionViewSet
from api.base import LoginNotRequiredMixin
from api.errors import not_found
from api.notification_views import NotificationViewSet


class SchemaView(LoginNotRequiredMixin, SpectacularAPIView):
    """The schema, for token clients too (DRF checks the authentication, not the middleware).

    JSON by default (errors too); YAML with ?format=yaml.
    """

    renderer_classes = [
        OpenApiJsonRenderer,
        OpenApiJsonRenderer2,
        OpenApiYamlRenderer,
        OpenApiYamlRenderer2,
    ]


router = SimpleRouter()
router.include_format_suffixes = False
router.register("units", views.UnitViewSet, basename="unit")
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register("snapshots", views.SnapshotViewSet, basename="snapshot")
router.register("uploads", views.UploadViewSet, basename="upload")
router.register("actions", ActionViewSet, basename="action")
router.register("notifications", NotificationViewSet, basename="notification")

app_name = "api"
v1 = [
    path("", views.ApiRoot.as_view(), name="root"),
    path("me/", views.Me.as_view(), name="me"),
    path("units/resolve/", views.UnitResolve.as_view(), name="unit-resolve"),
    path("units/<int:unit_id>/scores/", views.UnitScoreList.as_view(), name="unit-scores"),
    path("units/<int:unit_id>/breakdown/", views.UnitBreakdown.as_view(), name="unit-breakdown"),
    path("units/<int:unit_id>/history/", views.UnitHistory.as_view(), name="unit-history"),
    path(
        "units/<int:unit_id>/what-it-takes/",
        views.UnitWhatItTakes.as_view(),
        name="unit-what-it-takes",
    ),
    path("leaderboard/", views.Leaderboard.as_view(), name="leaderboard"),
    *router.urls,
]
urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SchemaView.as_view(), name="schema"),
    # The docs page is for people: without a session, the login redirect is the right answer.
    # Its init script comes from a second request to the same URL (CSP: script-src 'self').
    path(
        "docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")),
        name="docs",
    ),
    # Anything else under /api/ answers with the API's error body, not the HTML 404 page.
    re_path(r"^.*$", not_found, name="not_found"),
]

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from dashboard import views as dashboard_views
from scoreboard import views

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("", include("dashboard.urls")),
    # The pages' names before they moved out of `indicators` (`indicators:leaderboard`…),
    # kept as a second instance of the same URLs so branches and bookmarks written against
    # them still reverse; the paths are the same, `dashboard:` is the name to use.
    path("", include(("dashboard.urls", "dashboard"), namespace="indicators")),
    # Downloads (CSV, XLSX) and the printable unit report, beside the pages they serve.
    path("", include("dashboard.download_urls")),
    # Actions after the weekly review: assign, follow up, the review page and its minutes.
    path("", include("actions.urls")),
    path("api/", include("api.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("uploads/cong/", include("portal.urls")),
    path("uploads/", include("ingest.urls")),
    path("thong-bao/", include("notifications.urls")),
    path("accounts/", include("accounts.urls")),
    # The language switch must work on the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
]

# Error pages in the app's layout (scoreboard.errors), instead of Django's bare English ones.
handler400 = "scoreboard.errors.bad_request"
handler403 = "scoreboard.errors.permission_denied"
handler404 = "scoreboard.errors.page_not_found"
handler500 = "scoreboard.errors.server_error"

from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/da-doc", views.notification_mark_read, name="mark_read"),
    path("da-doc-het", views.notification_mark_all_read, name="mark_all_read"),
    path("cai-dat/", views.preference_edit, name="settings"),
    path("ban-tin/", views.digest_preview, name="digest_preview"),
    path("huy-dang-ky/<str:token>/", views.unsubscribe, name="unsubscribe"),
]

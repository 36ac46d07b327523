from django.urls import path

from ingest import views

app_name = "ingest"
urlpatterns = [
    path("", views.upload_list, name="upload_list"),
    path("<int:pk>/", views.upload_detail, name="upload_detail"),
    path("<int:pk>/status.json", views.upload_status, name="upload_status"),
    path("<int:pk>/publish", views.upload_publish, name="upload_publish"),
    path("<int:pk>/discard", views.upload_discard, name="upload_discard"),
    path("<int:pk>/retry", views.upload_retry, name="upload_retry"),
    path(
        "<int:pk>/register-departments",
        views.upload_register_departments,
        name="upload_register_departments",
    ),
    path("<int:pk>/names", views.upload_pick_aliases, name="upload_pick_aliases"),
]

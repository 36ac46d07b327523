from django.urls import path

from portal import views

app_name = "portal"
urlpatterns = [path("<int:pk>/dong-bo", views.sync_now, name="sync_now")]

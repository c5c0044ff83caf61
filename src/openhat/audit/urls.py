from django.urls import path

from openhat.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.events, name="events"),
    path("access-log/", views.access_log, name="access_log"),
]

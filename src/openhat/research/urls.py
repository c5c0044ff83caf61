from django.urls import path

from openhat.research import views

app_name = "research"
urlpatterns = [
    path("", views.exports, name="exports"),
    path("<int:export_id>/download/", views.download, name="download"),
]

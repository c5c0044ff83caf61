from django.urls import path

from openhat.outcomes import views

app_name = "outcomes"
urlpatterns = [path("", views.start, name="start")]

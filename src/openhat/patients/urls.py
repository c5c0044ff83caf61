from django.urls import path

from openhat.core import views as core_views

app_name = "patients"
urlpatterns = [
    path("", core_views.home, name="list"),
]

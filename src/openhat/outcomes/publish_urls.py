from django.urls import URLPattern, URLResolver, path

from openhat.outcomes import publish_views as views

app_name = "public_reports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.reports, name="list"),
    path("threshold/", views.threshold, name="threshold"),
    path("<str:period>/", views.period, name="period"),
]

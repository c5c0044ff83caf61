from django.urls import URLPattern, URLResolver, path

from openhat.release import views

app_name = "release"
urlpatterns: list[URLPattern | URLResolver] = [
    path("patients/<slug:code>/", views.patient_releases, name="patient"),
    path("patients/<slug:code>/<int:release_id>/", views.release_detail, name="detail"),
    path(
        "patients/<slug:code>/<int:release_id>/package.json",
        views.release_package,
        name="package",
    ),
    path(
        "patients/<slug:code>/<int:release_id>/release.pdf",
        views.release_document,
        name="document",
    ),
]

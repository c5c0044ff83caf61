from django.urls import URLPattern, URLResolver, path

from openhat.outcomes import public_views as views

app_name = "public"
urlpatterns: list[URLPattern | URLResolver] = [
    path("clinics/<str:code>/reports/", views.index, name="index"),
    path("clinics/<str:code>/reports/<str:period>/", views.report, name="report"),
    path("clinics/<str:code>/reports/<str:period>/report.pdf", views.report_pdf, name="pdf"),
    path(
        "clinics/<str:code>/reports/<str:period>/v<int:version>/",
        views.report,
        name="report_version",
    ),
    path(
        "clinics/<str:code>/reports/<str:period>/v<int:version>/report.pdf",
        views.report_pdf,
        name="pdf_version",
    ),
]

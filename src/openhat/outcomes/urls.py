from django.urls import path

from openhat.outcomes import report_views, views

app_name = "outcomes"
urlpatterns = [
    path("", views.start, name="start"),
    path("outcomes/", report_views.report_page, name="report"),
    path("outcomes/report.pdf", report_views.report_pdf_view, name="report_pdf"),
    path("outcomes/<slug:table>.csv", report_views.report_csv, name="report_csv"),
]

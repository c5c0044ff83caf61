from django.urls import path

from openhat.patients import merge_views, views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.new_patient, name="new"),
    path("<str:code>/", views.chart, name="chart"),
    path("<str:code>/photo", views.photo, name="photo"),
    path("<str:code>/identity/", views.edit_identity, name="edit_identity"),
    path("<str:code>/status/", views.change_status, name="change_status"),
    path("<str:code>/photo/upload/", views.upload_photo, name="upload_photo"),
    path("<str:code>/merge/", merge_views.merge, name="merge"),
]

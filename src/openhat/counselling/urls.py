from django.urls import URLPattern, URLResolver, path

from openhat.counselling import views

app_name = "counselling"
urlpatterns: list[URLPattern | URLResolver] = [
    path("patients/<slug:code>/", views.patient_notes, name="notes"),
    path("patients/<slug:code>/new/", views.new_note, name="new_note"),
    path("notes/<int:note_id>/", views.note, name="note"),
]

from django.urls import URLPattern, URLResolver, path

from openhat.screens import views

app_name = "screens"
urlpatterns: list[URLPattern | URLResolver] = [
    path("patients/<slug:code>/", views.patient_screens, name="patient"),
    path("patients/<slug:code>/new/", views.new_screen, name="new_screen"),
    path("patients/<slug:code>/harm-reduction/new/", views.new_contact, name="new_contact"),
]

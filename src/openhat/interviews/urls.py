from django.urls import URLPattern, URLResolver, path

from openhat.interviews import day, views

app_name = "interviews"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", day.worklist, name="worklist"),
    path("patients/<slug:code>/", views.patient_interviews, name="patient"),
    path("patients/<slug:code>/call/", views.call, name="call"),
    path("patients/<slug:code>/<slug:time_point>/", views.record, name="record"),
    path("patients/<slug:code>/<slug:time_point>/missed/", views.missed, name="missed"),
]

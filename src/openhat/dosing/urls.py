"""The dosing station's pages: the board and day sheet, and the session screens."""

from django.urls import include, path

app_name = "dosing"

urlpatterns = [
    path("", include("openhat.dosing.board_urls")),
    path("sessions/", include("openhat.dosing.session_urls")),
]

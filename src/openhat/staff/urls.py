from django.urls import path

from openhat.staff import views, windows

app_name = "staff"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("invite/", views.invite, name="invite"),
    path("dosing-windows/", windows.dosing_windows, name="dosing_windows"),
    path("<int:membership_id>/", views.member, name="member"),
    path("<int:membership_id>/<slug:step>/", views.member_step, name="member_step"),
    path(
        "invitations/<int:invitation_id>/withdraw/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("join/<str:secret>/", views.join, name="join"),
]

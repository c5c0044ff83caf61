from django.urls import path

from openhat.clinics import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("clinic/", views.switch_clinic, name="switch_clinic"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/revoke/", views.revoke_token, name="revoke_token"),
]

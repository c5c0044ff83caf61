from django.urls import path

from openhat.enrolment import views

app_name = "enrolment"
urlpatterns = [
    path("<str:code>/eligibility/", views.assess, name="assess"),
    path("<str:code>/licence/", views.record_licence, name="licence"),
    path("<str:code>/consents/new/", views.record_consent, name="consent"),
    path(
        "<str:code>/consents/<int:consent_id>/revoke/",
        views.revoke_consent,
        name="revoke_consent",
    ),
    path("<str:code>/enrol/", views.enrol, name="enrol"),
]

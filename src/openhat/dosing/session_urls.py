"""The session screens, one step per screen, and overrides and adverse events (at /dosing/sessions/)."""

from django.urls import URLPattern, path

from openhat.dosing.views import (
    adverse,
    override,
    session_check_in,
    session_dose,
    session_exceptions,
    session_steps,
)

urlpatterns: list[URLPattern] = [
    path("check-in/<int:patient_id>/", session_check_in.check_in, name="check_in"),
    path(
        "check-in/<int:patient_id>/out-of-window/",
        session_check_in.out_of_window,
        name="out_of_window",
    ),
    path("<int:session_id>/", session_steps.session, name="session"),
    path("<int:session_id>/assess/", session_steps.assess, name="assess"),
    path("<int:session_id>/decide/", session_steps.decide, name="decide"),
    path("<int:session_id>/prepare/", session_steps.prepare, name="prepare"),
    path("<int:session_id>/administer/", session_dose.administer, name="administer"),
    path("<int:session_id>/sign-off/", session_dose.sign_off, name="sign_off"),
    path("<int:session_id>/exception/", session_exceptions.exception, name="exception"),
    path("<int:session_id>/override/", override.override_station, name="override"),
    path("overrides/", override.override_remote, name="override_remote"),
    path(
        "overrides/<int:session_id>/",
        override.override_remote_session,
        name="override_remote_session",
    ),
    path("adverse-events/", adverse.adverse_events, name="adverse_events"),
    path("adverse-events/new/<int:patient_id>/", adverse.adverse_event, name="adverse_event"),
    path(
        "adverse-events/<int:event_id>/sign-off/",
        adverse.adverse_sign_off,
        name="adverse_sign_off",
    ),
]

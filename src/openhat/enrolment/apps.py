from django.apps import AppConfig


class EnrolmentConfig(AppConfig):
    name = "openhat.enrolment"
    label = "enrolment"
    verbose_name = "Eligibility, consents and enrolment"

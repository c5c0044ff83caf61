from django.apps import AppConfig


class PrescribingConfig(AppConfig):
    name = "openhat.prescribing"
    label = "prescribing"
    verbose_name = "Prescribing"

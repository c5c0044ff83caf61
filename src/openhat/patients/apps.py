from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "openhat.patients"
    label = "patients"
    verbose_name = "Patient registry"

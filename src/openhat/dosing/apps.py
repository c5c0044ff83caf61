from django.apps import AppConfig


class DosingConfig(AppConfig):
    name = "openhat.dosing"
    label = "dosing"
    verbose_name = "Dosing station"

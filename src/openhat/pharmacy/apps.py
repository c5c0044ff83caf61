from django.apps import AppConfig


class PharmacyConfig(AppConfig):
    name = "openhat.pharmacy"
    label = "pharmacy"
    verbose_name = "Controlled-substance pharmacy"

from django.apps import AppConfig


class ScreensConfig(AppConfig):
    name = "openhat.screens"
    label = "screens"
    verbose_name = "Urine drug screens and harm reduction"

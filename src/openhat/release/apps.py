from django.apps import AppConfig


class ReleaseConfig(AppConfig):
    name = "openhat.release"
    label = "release"
    verbose_name = "Release of information"

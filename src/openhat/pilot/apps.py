from django.apps import AppConfig


class PilotConfig(AppConfig):
    name = "openhat.pilot"
    label = "pilot"
    verbose_name = "The pilot planner's pages"

from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "openhat.research"
    label = "research"
    verbose_name = "Research studies and exports"

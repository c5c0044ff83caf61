from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "openhat.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes, research and exports"

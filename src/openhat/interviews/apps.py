from django.apps import AppConfig


class InterviewsConfig(AppConfig):
    name = "openhat.interviews"
    label = "interviews"
    verbose_name = "Outcome interviews"

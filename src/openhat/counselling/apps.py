from django.apps import AppConfig


class CounsellingConfig(AppConfig):
    name = "openhat.counselling"
    label = "counselling"
    verbose_name = "Protected counselling notes"

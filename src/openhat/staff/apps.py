from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "openhat.staff"
    label = "staff"
    verbose_name = "Staff administration"

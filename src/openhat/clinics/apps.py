from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "openhat.clinics"
    label = "clinics"
    verbose_name = "Clinics and staff"

    def ready(self) -> None:
        from openhat.clinics import signals  # noqa: F401  (sign-in events into the audit trail)

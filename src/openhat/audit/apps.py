from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "openhat.audit"
    label = "audit"
    verbose_name = "Audit trail"

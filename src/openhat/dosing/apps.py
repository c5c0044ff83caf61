from django.apps import AppConfig


class DosingConfig(AppConfig):
    name = "openhat.dosing"
    label = "dosing"
    verbose_name = "Dosing station"

    def ready(self) -> None:
        from openhat.dosing.services.ledger_guard import refuse_undoing_administered_doses
        from openhat.pharmacy.services.guards import register_dose_issue_guard

        register_dose_issue_guard(refuse_undoing_administered_doses)

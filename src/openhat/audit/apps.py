from django.apps import AppConfig
from django.conf import settings


class AuditConfig(AppConfig):
    name = "openhat.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        if settings.PRODUCTION:
            # Refuse to start without the chain key and the checkpoint signing key, naming the
            # setting, rather than fail at the first audited write (docs/chains.md).
            from openhat.audit.keys import chain_keys, signing_key

            chain_keys()
            signing_key()

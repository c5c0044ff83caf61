from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openhat.core"
    label = "core"
    verbose_name = "OpenHAT core"

    def ready(self) -> None:
        from openhat.core.bounds_forms import install_form_bounds
        from openhat.core.lookups import register

        register()
        install_form_bounds()

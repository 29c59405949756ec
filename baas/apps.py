from django.apps import AppConfig


class BaasConfig(AppConfig):
    name = "baas"
    verbose_name = "Business associate agreements"

    def ready(self) -> None:
        # Plug into the registries of the lower apps (imports flow one way).
        from . import integration, queue  # noqa: F401

        queue.connect()

from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = "Practices and members"

    def ready(self) -> None:
        # Authentication events -> the practice's activity log.
        from . import signals

        signals.connect()

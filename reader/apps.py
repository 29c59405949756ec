from django.apps import AppConfig


class ReaderConfig(AppConfig):
    name = "reader"
    verbose_name = "BAA reader"

    def ready(self) -> None:
        from . import signals

        signals.connect()

from django.apps import AppConfig


class DiligenceConfig(AppConfig):
    name = "diligence"
    verbose_name = "Oversight program (diligence, reviews, offboarding)"

    def ready(self) -> None:
        # Plug into the lower apps' registries (imports flow one way: diligence -> vendors).
        from . import activation, due, panels, queue, signals  # noqa: F401

        activation.connect()
        due.connect()
        queue.connect()
        panels.connect()

from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = "Vendor incidents and breaches"

    def ready(self) -> None:
        # Plug into the lower apps' registries (imports flow one way: incidents -> oversight).
        from . import due, panels, review

        due.connect()
        panels.connect()
        review.connect()

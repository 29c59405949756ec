from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Vendor portal (private links, questionnaires)"

    def ready(self) -> None:
        # Plug into the vendor page (imports flow one way: portal -> vendors).
        from . import panels

        panels.connect()

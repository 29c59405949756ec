from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Vendor portal (private links, questionnaires)"

    def ready(self) -> None:
        # Plug into the vendor page and the due items (imports flow one way: portal ->
        # vendors, oversight).
        from . import due, panels

        due.connect()
        panels.connect()
